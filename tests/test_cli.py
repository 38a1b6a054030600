import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app

runner = CliRunner()


def invoke(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.mark.parametrize("command", ["check", "score", "train", "evaluate", "info"])
def test_help_for_every_command(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout


@pytest.mark.parametrize("command", ["check", "score", "train", "evaluate", "report", "info", "label",
                                     "learning-curve"])
def test_help_texts_are_clean(command):
    # no typer internals: {TEXT} for a required argument, Python types such as <list[str]>
    out = invoke(command, "--help").stdout
    assert "{" not in out.split("\n", 1)[0] and "<list" not in out and "list[str]" not in out
    assert "--C " not in out and "--C," not in out


def test_usage_names_arguments_plainly():
    assert invoke("score", "--help").stdout.startswith("Usage: content-analyzer score [OPTIONS] INPUT...")
    assert invoke("check", "--help").stdout.startswith("Usage: content-analyzer check [OPTIONS] TEXT")
    assert invoke("info", "--help").stdout.startswith("Usage: content-analyzer info [OPTIONS] [MODEL_DIR]")
    train = invoke("train", "--help").stdout
    assert "-C, --regularization C" in train


def test_no_arguments_shows_help_and_exits_2():
    result = invoke()
    assert result.exit_code == 2


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and "content-type-analyzer" in result.stderr


def test_check_json_is_one_object_on_stdout(model_dir):
    result = invoke("check", "Anyone tried the new trail shoes? Thoughts?", "--model", model_dir, "--format", "json")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    obj = json.loads(lines[0])
    assert obj["label"] == "networking"
    assert set(obj["dimensions"]) == {"style", "goals", "content", "effort", "roi"}
    assert len(obj["signals"]) == 5
    assert result.stderr == ""


def test_check_table_goes_to_stdout(model_dir):
    result = invoke("check", "Huge SALE today, 50% off! Link in bio", "--model", model_dir, "--top-k", "3")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert "MEDIA" in result.stdout and "top signals" in result.stdout and "│" in result.stdout
    assert "\x1b[" not in result.stdout  # no colour codes when stdout is not a terminal


def test_check_table_stdin_posts_all_on_stdout(model_dir):
    result = invoke("check", "-", "--model", model_dir, "-k", "1",
                    input="Shop now, 20% off!\n\nPer voi, cosa ne pensate?\n")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.count("P(networking)") == 2
    assert "2: no label (empty: no text)" in result.stdout


def test_check_stdin_one_post_per_line(model_dir):
    result = invoke("check", "-", "--model", model_dir, "-f", "json",
                    input="Shop now, 20% off!\n\n¿Alguien sabe algo?\n")
    assert result.exit_code == 0
    objs = [json.loads(x) for x in result.stdout.splitlines()]
    assert [o["status"] for o in objs] == ["ok", "empty", "ok"]
    assert objs[1]["label"] is None


def test_missing_model_exits_1_with_one_line(tmp_path):
    result = invoke("check", "hello", "--model", tmp_path / "nope")
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("error: ") and "model directory not found" in result.stderr


def test_model_from_environment(model_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("CONTENT_ANALYZER_MODEL", str(tmp_path / "nope"))
    assert invoke("check", "hello").exit_code == 1
    monkeypatch.setenv("CONTENT_ANALYZER_MODEL", str(model_dir))
    assert invoke("check", "hello", "-f", "json").exit_code == 0


def test_unknown_option_exits_2():
    result = invoke("check", "hello", "--no-such-option")
    assert result.exit_code == 2
    result = invoke("check", "hello", "--format", "yaml")
    assert result.exit_code == 2


def test_score_keeps_empty_whitespace_and_huge_rows(model_dir, tmp_path):
    src = tmp_path / "in.csv"
    with open(src, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        w.writerows([["1", ""], ["2", "   "], ["3", "word " * 40_000], ["4", "Any tips?"]])
    out = tmp_path / "out.csv"
    result = invoke("score", src, "-o", out, "--model", model_dir)
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert [r["status"] for r in rows] == ["empty", "empty", "ok", "ok"]
    assert [r["flags"] for r in rows] == ["", "", "truncated", ""]  # CSV: names joined by commas
    assert [r["error"] for r in rows] == ["no text", "no text", "", ""]
    assert "scored 4 posts (2 ok, 2 empty, 0 error)" in result.stderr


def test_score_to_stdout_and_formats(model_dir, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("Sale now on!\nWhat do you think?\n")
    result = invoke("score", src, "-o", "-", "--model", model_dir, "--features")
    assert result.exit_code == 0
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["1", "2"]
    assert "style__n_questions" in rows[1] and rows[1]["style__n_questions"] == 1.0
    pq_out = tmp_path / "out.parquet"
    assert invoke("score", src, "-o", pq_out, "--model", model_dir).exit_code == 0
    import pyarrow.parquet as pq

    assert pq.read_table(pq_out).num_rows == 2


def test_flags_are_a_list_in_check_jsonl_and_parquet(model_dir, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("Saldi\x01 del 30% oggi!\n\n¿Qué opináis?\n")
    lines = invoke("score", src, "-o", "-", "--model", model_dir).stdout.splitlines()
    rows = [json.loads(x) for x in lines]
    assert [(r["status"], r["flags"], r["error"]) for r in rows] == [
        ("ok", ["control_characters"], None), ("empty", [], "no text"), ("ok", [], None)]
    pq_out = tmp_path / "out.parquet"
    assert invoke("score", src, "-o", pq_out, "--model", model_dir).exit_code == 0
    import pyarrow.parquet as pq

    assert pq.read_table(pq_out).column("flags").to_pylist() == [["control_characters"], [], []]
    checked = [json.loads(x) for x in invoke("check", "-", "--model", model_dir, "-f", "json",
                                             input="Saldi\x01 del 30% oggi!\n\n").stdout.splitlines()]
    assert [(c["flags"], c["error"]) for c in checked] == [(["control_characters"], None), ([], "no text")]


def test_format_is_the_output_format_and_input_format_the_input(model_dir, tmp_path):
    src = tmp_path / "posts.csv"
    src.write_text("id,text\n1,Saldi del 30% su tutto!\n2,¿Qué opináis del nuevo horario?\n", encoding="utf-8")
    out = tmp_path / "x.jsonl"
    result = invoke("score", src, "-o", out, "--format", "jsonl", "--model", model_dir)
    assert result.exit_code == 0, result.stderr
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ["1", "2"]
    odd = tmp_path / "scored.out"  # a name that says nothing: --format decides
    assert invoke("score", src, "-o", odd, "-f", "csv", "--model", model_dir).exit_code == 0
    assert odd.read_text().startswith("id,text,")
    # the input format has its own option; a CSV read as JSON Lines is an input error
    bad = invoke("score", src, "-o", tmp_path / "y.jsonl", "--input-format", "jsonl", "--model", model_dir)
    assert bad.exit_code == 1 and "invalid JSON" in bad.stderr
    assert invoke("score", src, "-o", "-", "--format", "yaml", "--model", model_dir).exit_code == 2


def test_encoding_option_and_cp1252_fallback(model_dir, tmp_path):
    src = tmp_path / "legacy.csv"
    rows = [("1", "¿Alguien sabe dónde comprar café en Málaga?"), ("2", "Perché non venite domenica? Sarà una festa")]
    src.write_bytes(("id,text\r\n" + "".join(f"{i},{t}\r\n" for i, t in rows)).encode("cp1252"))
    detected = [json.loads(x) for x in invoke("score", src, "-o", "-", "--model", model_dir).stdout.splitlines()]
    assert [(r["text"], r["flags"]) for r in detected] == [(t, ["decoded_cp1252"]) for _, t in rows]
    given = invoke("score", src, "-o", "-", "--model", model_dir, "--encoding", "cp1252")
    assert [(json.loads(x)["text"], json.loads(x)["flags"]) for x in given.stdout.splitlines()] == [
        (t, []) for _, t in rows]
    for command in (["score", src, "-o", "-"], ["evaluate", src], ["report", src, "-o", "-"],
                    ["train", src, "-o", tmp_path / "m"]):
        bad = invoke(*command, "--encoding", "klingon")
        assert bad.exit_code == 2 and "unknown encoding 'klingon'" in bad.stderr


def test_score_refuses_to_overwrite_without_force(model_dir, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("hello\n")
    out = tmp_path / "out.jsonl"
    out.write_text("precious")
    result = invoke("score", src, "-o", out, "--model", model_dir)
    assert result.exit_code == 1 and "--force or -F" in result.stderr
    assert out.read_text() == "precious"
    assert invoke("score", src, "-o", out, "--model", model_dir, "-F").exit_code == 0


def test_score_unreadable_input_leaves_no_output(model_dir, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "fine"}\n{"text": oops}\n')
    out = tmp_path / "out.csv"
    result = invoke("score", src, "-o", out, "--model", model_dir)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {src}:2: invalid JSON (Expecting value, column 10)"
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["in.jsonl"]


def test_train_evaluate_info(labelled_file, tmp_path):
    out = tmp_path / "m"
    result = invoke("train", labelled_file, "-o", out, "--cv-folds", "3")
    assert result.exit_code == 0, result.stderr
    assert "cross-validated (grouped by author)" in result.stderr
    assert {p.name for p in out.iterdir()} == {"model.skops", "model.fast.json", "model.fast.npz", "meta.json", "README.md"}
    meta = json.loads((out / "meta.json").read_text())
    assert meta["training"]["files"][0]["rows"] == 50
    assert meta["cv_scheme"]["grouped_by"] == "author"
    assert meta["command"].startswith("content-analyzer train")

    again = invoke("train", labelled_file, "-o", out)
    assert again.exit_code == 1 and "--force" in again.stderr

    result = invoke("evaluate", labelled_file, "--model", out, "--format", "json", "--errors", "2")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["overall"]["n"] == 50 and set(report["by_group"]) == {"en", "es", "it"}

    result = invoke("evaluate", labelled_file, "--model", out, "--errors", "2")
    assert result.exit_code == 0 and "macro-F1" in result.stderr

    result = invoke("info", out, "--format", "json")
    assert json.loads(result.stdout)["training"]["n_posts"] == 50
    result = invoke("info", out)
    assert result.exit_code == 0 and "trained on 50 posts" in result.stderr


def test_train_rejects_bad_labels_listing_rows(tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text("id,text,label\n1,hello,media\n2,hi,spam\n3,hey,ham\n")
    result = invoke("train", src, "-o", tmp_path / "m")
    assert result.exit_code == 1
    assert "without a valid label" in result.stderr and "Rows: 2, 3" in result.stderr


def test_info_signals():
    result = invoke("info", "--signals", "--format", "json")
    signals = json.loads(result.stdout)["signals"]
    assert len(signals) >= 40 and {"name", "dimension", "description"} <= set(signals[0])
    result = invoke("info", "--signals")
    assert "style__n_questions" in result.stderr


def test_lexicon_option_adds_cue_words(model_dir, tmp_path):
    lex = tmp_path / "mine.toml"
    lex.write_text('[en]\nsponsor = ["#gifted_by_brand"]\n')
    text = "Loving this serum #gifted_by_brand"
    base = json.loads(invoke("check", text, "--model", model_dir, "-f", "json", "-k", "50").stdout)
    extra = json.loads(invoke("check", text, "--model", model_dir, "-f", "json", "-k", "50",
                              "--lexicon", lex).stdout)
    assert "goals__has_sponsor_tag" not in {s["name"] for s in base["signals"]}
    assert "goals__has_sponsor_tag" in {s["name"] for s in extra["signals"]}
    bad = tmp_path / "bad.toml"
    bad.write_text("[xx]\nthanks = ['a']\n")
    result = invoke("check", text, "--model", model_dir, "--lexicon", bad)
    assert result.exit_code == 1 and "not a supported language" in result.stderr


def test_unknown_lang_is_a_usage_error_listing_the_supported_ones(model_dir):
    for command in (["check", "hola"], ["score", "-", "-o", "-"], ["report", "-", "-o", "-"]):
        result = invoke(*command, "--model", model_dir, "--lang", "klingon", input="hola\n")
        assert result.exit_code == 2
        assert "'klingon' is not a supported language; use one of en, es, it, und" in result.stderr
    ok = invoke("check", "Grazie a tutti!", "--model", model_dir, "--lang", "IT-ch", "-f", "json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["lang"] == "it"


def test_posts_in_other_languages_are_und_and_still_scored(model_dir):
    result = invoke("check", "-", "--model", model_dir, "-f", "json",
                    input="Merci à tous pour votre soutien, on se retrouve très bientôt !\n"
                          "Grazie a tutti per ieri sera\n")
    fr, it = (json.loads(x) for x in result.stdout.splitlines())
    assert (fr["lang"], fr["status"], it["lang"]) == ("und", "ok", "it")
    assert fr["label"] in ("media", "networking") and 0 < fr["p_networking"] < 1
    forced = json.loads(invoke("check", "Grazie a tutti per ieri sera", "--model", model_dir,
                               "--lang", "und", "-f", "json").stdout)
    assert forced["lang"] == "und"


SAMPLE = str(Path(__file__).resolve().parents[1] / "data" / "sample" / "posts.csv")


def test_report_html_from_raw_posts(model_dir, tmp_path):
    out = tmp_path / "r.html"
    result = invoke("report", SAMPLE, "-o", out, "--model", model_dir)
    assert result.exit_code == 0, result.stderr
    counts = re.search(r"audited 42 rows: (\d+) media \(\d+%\), (\d+) networking, 2 empty, 0 error "
                       r"\(\d+ uncertain\)", result.stderr)
    assert counts and int(counts[1]) + int(counts[2]) + 2 == 42  # every row is counted
    page = out.read_text()
    assert page.startswith("<!doctype html>") and 'id="mix-account"' in page


def test_report_numbers_equal_score_output(model_dir, tmp_path):
    scored = tmp_path / "scored.jsonl"
    assert invoke("score", SAMPLE, "-o", scored, "--model", model_dir).exit_code == 0
    rows = [json.loads(x) for x in scored.read_text().splitlines()]
    by_id = {r["id"]: r for r in rows}
    for source in (SAMPLE, scored):  # raw posts, and the file score wrote
        result = invoke("report", source, "-o", "-", "--model", model_dir, "--examples", "3")
        assert result.exit_code == 0, result.stderr
        report = json.loads(result.stdout)
        ok = [r for r in rows if r["status"] == "ok"]
        assert report["overall"]["media"] == sum(r["label"] == "media" for r in ok)
        assert report["overall"]["dimensions"]["style"] == pytest.approx(sum(r["style"] for r in ok) / len(ok))
        for group in ("media", "networking", "borderline"):
            for ex in report["examples"][group]:
                assert ex["signals"] == by_id[ex["id"]]["signals"]
                assert ex["style"] == by_id[ex["id"]]["style"] and ex["roi"] == by_id[ex["id"]]["roi"]
        assert report["signals"] is not None  # values recomputed from the text of the scored file


def test_report_without_author_or_date_leaves_sections_out(model_dir, tmp_path):
    src = tmp_path / "plain.txt"
    src.write_text("Big sale now, 20% off!\nAnyone tried the new trail?\n")
    result = invoke("report", src, "-o", tmp_path / "r.md", "--model", model_dir)
    assert result.exit_code == 0, result.stderr
    md = (tmp_path / "r.md").read_text()
    assert "mix by account: left out because the input has no account column" in md
    assert "mix by month: left out because the input has no date column" in md
    assert "## Mix per language" in md


def test_report_from_stdin_pipeline(model_dir, tmp_path):
    scored = invoke("score", SAMPLE, "-o", "-", "--model", model_dir).stdout
    result = invoke("report", "-", "-o", tmp_path / "r.json", "--model", model_dir, input=scored)
    assert result.exit_code == 0, result.stderr
    assert json.loads((tmp_path / "r.json").read_text())["rows"] == 42


def test_report_bad_output_name_is_an_error(model_dir, tmp_path):
    result = invoke("report", SAMPLE, "-o", tmp_path / "r.pdf", "--model", model_dir)
    assert result.exit_code == 1 and "use .html, .json or .md" in result.stderr


def test_info_shows_the_global_feature_report(model_dir):
    result = invoke("info", model_dir, "--format", "json")
    ins = json.loads(result.stdout)["insights"]
    assert set(ins["signals_by_dimension"]) == {"style", "goals", "content", "effort", "roi"}
    result = invoke("info", model_dir)
    assert "strongest signals per dimension" in result.stderr and "strongest n-grams" in result.stderr


def test_score_with_two_workers_equals_one(model_dir, tmp_path):
    src = tmp_path / "many.csv"
    texts = [f"Sale {i}: 20% off today! Link in bio" if i % 3 else f"Anyone tried option {i}? Thoughts?"
             for i in range(900)]
    with open(src, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        w.writerows([[str(i), t] for i, t in enumerate(texts)] + [["e", ""]])
    lex = tmp_path / "lex.toml"
    lex.write_text('[en]\nsponsor = ["sale"]\n')
    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}.jsonl"
        result = invoke("score", src, "-o", out, "--model", model_dir, "--workers", workers,
                        "--chunk-size", "100", "--lexicon", lex, "--features")
        assert result.exit_code == 0, result.stderr
        outs.append(out.read_text())
    assert outs[0] == outs[1]
    rows = [json.loads(x) for x in outs[0].splitlines()]
    assert len(rows) == 901 and rows[-1]["status"] == "empty"
    assert rows[1]["goals__has_sponsor_tag"] == 1.0  # the lexicon reached the workers


def test_score_with_the_dask_engine_equals_local(model_dir, tmp_path):
    pytest.importorskip("dask.distributed")
    import pyarrow.parquet as pq

    local = tmp_path / "local.parquet"
    assert invoke("score", SAMPLE, "-o", local, "--model", model_dir).exit_code == 0
    out = tmp_path / "parts"
    result = invoke("score", SAMPLE, "-o", out, "--model", model_dir, "--engine", "dask",
                    "--workers", "2", "--partition-rows", "10")
    assert result.exit_code == 0, result.stderr
    assert "in 5 partitions" in result.stderr
    parts = sorted(out.glob("part-*.parquet"))
    rows = [r for p in parts for r in pq.read_table(p).to_pylist()]
    assert rows == pq.read_table(local).to_pylist()
    assert invoke("score", SAMPLE, "-o", "-", "--engine", "dask", "--model", model_dir).exit_code == 2


def test_dask_engine_applies_lang_and_lexicon_like_local(model_dir, tmp_path):
    pytest.importorskip("dask.distributed")
    import pyarrow.parquet as pq

    lex = tmp_path / "lex.toml"
    lex.write_text('[en]\nsponsor = ["sale"]\n')
    options = ["--model", model_dir, "--lexicon", lex, "--lang", "en", "--features"]
    local = tmp_path / "local.parquet"
    assert invoke("score", SAMPLE, "-o", local, *options).exit_code == 0
    out = tmp_path / "parts"
    result = invoke("score", SAMPLE, "-o", out, "--engine", "dask", "--workers", "1", *options)
    assert result.exit_code == 0, result.stderr
    rows = [r for p in sorted(out.glob("part-*.parquet")) for r in pq.read_table(p).to_pylist()]
    want = pq.read_table(local).to_pylist()
    assert rows == want
    assert {r["lang"] for r in want if r["status"] == "ok"} == {"en"}
    assert any(r["goals__has_sponsor_tag"] == 1.0 for r in want)  # the lexicon's word was found


def _bad_inputs(tmp_path):
    """Every malformed input the scorer must refuse with one line and no output."""
    import gzip
    import os as _os
    import zipfile

    body = "".join(f"post number {i} about {i * 7919 % 104729}\n" for i in range(4000))
    cases = {}
    gz = gzip.compress(("text\n" + body).encode())
    cases["truncated gzip"] = ("t.csv.gz", gz[: len(gz) // 2], "truncated or corrupt compressed data")
    buf = _os.path.join(tmp_path, "z.zip")
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("posts.csv", "text\n" + body)
    cases["truncated zip"] = ("t.zip", Path(buf).read_bytes()[:300], "is a zip archive with no platform export")
    cases["invalid json at line 3"] = ("t.jsonl", b'{"text": "a"}\n{"text": "b"}\n{"text": nope}\n', ":3: invalid JSON")
    cases["invalid json array"] = ("t.json", b'[{"text": "a"}, {"text": ', "invalid JSON")
    cases["binary garbage"] = ("t.csv", _os.urandom(8192), "looks binary, not text")
    cases["image renamed"] = ("t.txt", b"\x89PNG\r\n\x1a\n" + _os.urandom(2000), "looks binary, not text")
    cases["parquet garbage"] = ("t.parquet", b"PAR1" + _os.urandom(100), "invalid Parquet")
    cases["no text column"] = ("t.csv", b"id,views\n1,2\n", "no text column")
    cases["empty jsonl object line"] = ("t.jsonl", b'{"text": "a"}\n{\n', ":2: invalid JSON")
    return cases


def test_malformed_inputs_exit_1_with_one_line_and_no_output(model_dir, tmp_path):
    tried = 0
    for name, (filename, data, message) in _bad_inputs(tmp_path).items():
        case = tmp_path / name.replace(" ", "_")
        case.mkdir()
        src = case / filename
        src.write_bytes(data)
        out = case / "out.csv"
        result = invoke("score", src, "-o", out, "--model", model_dir)
        assert result.exit_code == 1, (name, result.stderr)
        line = result.stderr.strip()
        assert "\n" not in line and line.startswith("error: ") and str(src) in line, (name, line)
        assert message in line, (name, line)
        assert sorted(p.name for p in case.iterdir()) == [filename], name  # nothing left behind
        tried += 1
    assert tried == 9


def test_directory_and_unreadable_inputs(model_dir, tmp_path, monkeypatch):
    out = tmp_path / "out.csv"
    result = invoke("score", tmp_path, "-o", out, "--model", model_dir)
    assert result.exit_code == 1 and "is a directory, expected a file" in result.stderr
    src = tmp_path / "locked.csv"
    src.write_text("text\nhello\n")
    real_open = open

    def deny(path, *args, **kwargs):  # tests run as root, where chmod 000 does not stop reading
        if str(path) == str(src):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", deny)
    result = invoke("score", src, "-o", out, "--model", model_dir)
    assert result.exit_code == 1 and result.stderr.strip() == f"error: {src}: permission denied"
    assert not out.exists()


def test_train_reports_label_issues(labelled_file, tmp_path):
    rows = [json.loads(x) for x in labelled_file.read_text().splitlines()]
    for r in rows[:2]:  # two media posts mislabelled as networking
        r["label"], r["function"] = "networking", "community"
    bad = tmp_path / "noisy.jsonl"
    bad.write_text("".join(json.dumps(r) + "\n" for r in rows))
    # weak regularisation: on 50 posts the default model is too unsure to "strongly disagree"
    result = invoke("train", bad, "-o", tmp_path / "m", "--cv-folds", "3", "--report-label-issues", "--C", "30")
    assert result.exit_code == 0, result.stderr
    assert "post(s) whose label the cross-validated model strongly disagrees with" in result.stderr
    listed = result.stderr.split("strongly disagrees with", 1)[1]
    assert rows[0]["id"] in listed or rows[1]["id"] in listed


def test_train_warns_about_empty_conflicting_and_unknown_language_rows(labelled_file, tmp_path):
    rows = [json.loads(x) for x in labelled_file.read_text().splitlines()]
    rows += [{"id": "e1", "text": "   ", "label": "media"},
             {"id": "c1", "text": "Same words here", "label": "media"},
             {"id": "c2", "text": "same words HERE", "label": "networking"},
             {"id": "d1", "text": "Wie geht es euch?", "label": "networking", "lang": "de"}]
    src = tmp_path / "mixed.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = invoke("train", src, "-o", tmp_path / "m", "--cv-folds", "3")
    assert result.exit_code == 0, result.stderr
    assert "warning: left out 1 post(s) with empty text: e1" in result.stderr
    assert "warning: 1 text(s) appear with both labels: c1/c2" in result.stderr
    assert "warning: no lexicon for language(s) de (1 posts)" in result.stderr


@pytest.mark.parametrize("content,message", [
    ("text,label\na,media\nb,media\n", "no post labelled networking"),
    ("text,label\n" + "".join(f"m{i},media\n" for i in range(12)) + "n1,networking\n", "too few posts per class"),
    ("text,label\na,media\nb,ham\n", "without a valid label ('ham' x1)"),
])
def test_train_refuses_unusable_data(tmp_path, content, message):
    src = tmp_path / "bad.csv"
    src.write_text(content)
    result = invoke("train", src, "-o", tmp_path / "m")
    assert result.exit_code == 1 and message in result.stderr
    assert not (tmp_path / "m").exists()


def test_reading_error_mid_file_with_workers_exits_1_and_leaves_nothing(model_dir, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"text": f"post {i}"}) + "\n" for i in range(2500)) + '{"text": oops}\n')
    out = tmp_path / "out.csv"
    result = invoke("score", src, "-o", out, "--model", model_dir, "--workers", "2", "--chunk-size", "200")
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {src}:2501: invalid JSON (Expecting value, column 10)"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_train_refuses_a_label_that_contradicts_its_function(labelled_file, tmp_path):
    rows = [json.loads(x) for x in labelled_file.read_text().splitlines()]
    rows[0]["label"] = "networking"  # its function says action, which is media
    bad = tmp_path / "contradicts.jsonl"
    bad.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = invoke("train", bad, "-o", tmp_path / "m", "--cv-folds", "2")
    assert result.exit_code == 1
    assert "1 row(s) without a valid label ('networking (function action is media)' x1)" in result.stderr
    assert "Rows: m1" in result.stderr


FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1+1", "-2+3 cmd", "@SUM(A1:A2)",
            "plain post, no formula", "Summer sale: 30% off all sandals this weekend only. Shop now!"]


def _formula_input(tmp_path):
    src = tmp_path / "formulas.jsonl"
    src.write_text("".join(json.dumps({"id": f"=id{n}" if n == 0 else str(n), "text": t,
                                       "author": "@shop" if n == 5 else "ana"}) + "\n"
                           for n, t in enumerate(FORMULAS)), encoding="utf-8")
    return src


def test_score_csv_neutralises_formula_cells(model_dir, tmp_path):
    out = tmp_path / "scored.csv"
    result = invoke("score", _formula_input(tmp_path), "-o", out, "-m", model_dir)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(open(out, encoding="utf-8", newline="")))
    assert [r["id"] for r in rows] == ["'=id0", "1", "2", "3", "4", "5"]
    assert [r["text"] for r in rows] == ["'=HYPERLINK(\"http://evil.example\",\"click\")", "'+1+1", "'-2+3 cmd",
                                         "'@SUM(A1:A2)", *FORMULAS[4:]]
    assert [r["author"] for r in rows] == ["ana"] * 5 + ["'@shop"]
    # numeric columns stay numbers, negative ones included
    assert float(rows[5]["style"]) < 0 and rows[5]["style"].startswith("-")
    assert float(rows[5]["goals"]) < 0 and rows[5]["goals"].startswith("-")


def test_score_csv_no_escape_formulas_writes_cells_as_they_are(model_dir, tmp_path):
    out = tmp_path / "scored.csv"
    result = invoke("score", _formula_input(tmp_path), "-o", out, "-m", model_dir, "--no-escape-formulas")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(open(out, encoding="utf-8", newline="")))
    assert rows[0]["id"] == "=id0"
    assert [r["text"] for r in rows][:4] == FORMULAS[:4]


def test_score_jsonl_is_not_escaped(model_dir, tmp_path):
    out = tmp_path / "scored.jsonl"
    assert invoke("score", _formula_input(tmp_path), "-o", out, "-m", model_dir).exit_code == 0
    rows = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    assert rows[0]["id"] == "=id0" and rows[1]["text"] == "+1+1"


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "[click](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "<iframe src=javascript:alert(1)></iframe>",
    "<details open ontoggle=alert(1)>",
]
_MD_TAGS = {"h1", "h2", "h3", "p", "ul", "ol", "li", "strong", "em", "blockquote", "table", "thead", "tbody", "tr",
            "th", "td"}


def _rendered_tags(markdown: str) -> list[tuple[str, list]]:
    from html.parser import HTMLParser

    from markdown_it import MarkdownIt

    tags: list[tuple[str, list]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append((tag, attrs))

    Collect().feed(MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown))
    return tags


def test_markdown_report_escapes_html_and_table_breakers(model_dir, tmp_path):
    src = tmp_path / "hostile.jsonl"
    with open(src, "w", encoding="utf-8") as fh:
        for n, p in enumerate(XSS_PAYLOADS):
            fh.write(json.dumps({"id": p, "author": p if n < 7 else "a | b\n| c |", "created_at": "2026-01-0"
                                 f"{n + 1}T10:00:00Z", "text": f"{p} Shop now! And you?\n| x | y |"}) + "\n")
    out = tmp_path / "report.md"
    result = invoke("report", src, "-o", out, "-m", model_dir, "--examples", 8)
    assert result.exit_code == 0, result.output
    md = out.read_text("utf-8")
    tags = _rendered_tags(md)
    assert {t for t, _ in tags} <= _MD_TAGS
    assert all(attrs == [] for t, attrs in tags if t != "td" and t != "th")
    # every payload is in the Markdown as text, escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "&lt;img src=x onerror=alert(1)&gt;" in md
    assert "\\[click\\](javascript:alert(1))" in md and "!\\[x\\](javascript:alert(1))" in md
    # the author with | and a newline stays one cell: every row of the account table has 6 cells
    section = md.split("## Mix per account\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(section) == 2 + 8
    assert "| a \\| b \\| c \\| |" in md
    cells = [len(re.findall(r"(?<!\\)\|", line)) - 1 for line in section]
    assert cells == [6] * 10


def test_score_cr_only_text_and_csv_keep_every_row(model_dir, tmp_path):
    txt = tmp_path / "in.txt"
    txt.write_bytes(b"Sale now on!\rWhat do you think?\rThanks all!\r")
    result = invoke("score", txt, "-o", "-", "--model", model_dir)
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert [(r["id"], r["text"]) for r in rows] == [
        ("1", "Sale now on!"), ("2", "What do you think?"), ("3", "Thanks all!")]
    assert "scored 3 posts (3 ok, 0 empty, 0 error)" in result.stderr
    src = tmp_path / "in.csv"
    src.write_bytes(b"id,text\rp1,Sale now on!\rp2,Any tips?\r")
    result = invoke("score", src, "-o", "-", "--model", model_dir)
    assert result.exit_code == 0, result.stderr
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["p1", "p2"]


def test_score_blank_ids_get_row_ids_unlike_any_real_id(model_dir, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,text\n2,Sale now on!\n,Any tips?\nrow-3,Thanks all\n,Hello\n")
    result = invoke("score", src, "-o", "-", "--model", model_dir)
    assert result.exit_code == 0, result.stderr
    ids = [json.loads(x)["id"] for x in result.stdout.splitlines()]
    assert ids == ["2", "row-2", "row-3", "row-4"]


def test_score_warns_on_stderr_about_repeated_column_names(model_dir, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,text,text\n1,Any tips?,Sale now on!\n")
    result = invoke("score", src, "-o", "-", "--model", model_dir)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["text"] == "Any tips?"
    assert result.stderr.splitlines()[0] == (
        f"warning: {src}: columns 2 and 3 are both named 'text': column 2 is used, the other "
        "ignored; rename them to read them")
    report = invoke("report", src, "-o", "-", "--model", model_dir)
    assert report.exit_code == 0, report.stderr
    assert report.stderr.count("are both named 'text'") == 1


def test_score_jsonl_first_object_without_text_or_id(model_dir, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"kind": "header"}\n{"id": "p2", "text": "Any tips?", "author": "ana"}\n'
                   '{"id": "p3", "content": "Sale now on!"}\n')
    result = invoke("score", src, "-o", "-", "--model", model_dir, "--id-col", "id")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert [(r["id"], r["author"], r["status"]) for r in rows] == [
        ("row-1", None, "error"), ("p2", "ana", "ok"), ("p3", None, "ok")]
    assert rows[0]["error"] == "no text field in this object"
    assert "scored 3 posts (2 ok, 0 empty, 1 error)" in result.stderr


def test_score_parquet_binary_text_is_scored_as_text(model_dir, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"text": pa.array(["¿Qué tal? Any tips?".encode(), b"caf\xe9"],
                                              type=pa.binary())}), src)
    result = invoke("score", src, "-o", "-", "--model", model_dir)
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert [(r["text"], r["flags"]) for r in rows] == [
        ("¿Qué tal? Any tips?", []), ("caf\ufffd", ["invalid_utf8"])]


def test_damaged_model_directory_is_one_line_exit_1(model_dir, tmp_path):
    import shutil

    bad = tmp_path / "model"
    shutil.copytree(model_dir, bad)
    (bad / "meta.json").unlink()
    (bad / "meta.json").symlink_to("/dev/zero")
    for args in (["info", str(bad)], ["check", "Hola, ¿qué tal?", "--model", str(bad)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, args
        assert result.stderr == (f"error: {bad / 'meta.json'}: not a regular file (a device, FIFO "
                                 "or socket); refusing to read it\n")


def test_output_made_by_another_run_meanwhile_is_exit_1(model_dir, tmp_path, monkeypatch):
    from analyzer.writers import RowWriter

    src = tmp_path / "posts.csv"
    src.write_text("id,text\n1,Who is coming tonight?\n2,Nuevo horario desde el lunes\n", "utf-8")
    dest = tmp_path / "scored.csv"
    commit = RowWriter.commit

    def other_run_first(self):
        dest.write_text("id,label\n9,media\n", "utf-8")  # the other run finished first
        commit(self)

    monkeypatch.setattr(RowWriter, "commit", other_run_first)
    result = runner.invoke(app, ["score", str(src), "-o", str(dest), "--model", str(model_dir)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"error: {dest}: was created by another process while this run was writing; it was left "
        "as it is and this run's output was not written (run again with --force to replace it)")
    assert dest.read_text("utf-8") == "id,label\n9,media\n"


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_terminated_run_leaves_no_partial_file(model_dir, tmp_path, signame):
    import signal
    import subprocess
    import sys
    import time

    src = tmp_path / "posts.csv"
    rows = ["Who is coming tonight?", "Nuevo horario de la biblioteca desde el lunes",
            "Che partita ieri sera, complimenti a tutti!", "30% off everything this weekend"]
    src.write_text("id,text\n" + "".join(f"{n},{rows[n % 4]} {n}\n" for n in range(200_000)),
                   "utf-8")
    out = tmp_path / "out" / "scored.csv"
    proc = subprocess.Popen([sys.executable, "-m", "analyzer", "score", str(src), "-o", str(out),
                             "--workers", "1", "--model", str(model_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not any(out.parent.glob(".scored.csv.*.tmp")) and proc.poll() is None:
        assert time.monotonic() < deadline, "no temporary file appeared"
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read()  # still running: the signal lands mid-run
    proc.send_signal(getattr(signal, signame))
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert stderr.splitlines()[-1] == "error: interrupted; no output written"
    assert not out.parent.exists()  # the folder this run made is gone too


def test_unwritable_output_is_one_line_before_any_work(tmp_path, monkeypatch):
    import tempfile

    src = tmp_path / "labels.csv"
    src.write_text("text,label\nWho is coming tonight?,networking\n30% off today,media\n", "utf-8")

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    for args, dest in ((["train", str(src)], "models/mine/meta.json"),
                       (["score", str(src)], "scored.csv"),
                       (["report", str(src)], "report.html")):
        out = tmp_path / dest
        result = runner.invoke(app, [*args, "-o", str(out.parent if args[0] == "train" else out)])
        assert result.exit_code == 1, (args, result.stderr)
        assert result.stderr.splitlines()[-1].startswith(f"error: {out}: cannot write in "), result.stderr
        assert "Read-only file system" in result.stderr.splitlines()[-1]
        assert "training" not in result.stderr and "cross-validating" not in result.stderr


def test_disk_full_is_one_line_and_leaves_no_partial_file(model_dir, tmp_path, monkeypatch):
    from analyzer.writers import RowWriter

    src = tmp_path / "posts.csv"
    src.write_text("id,text\n1,Who is coming tonight?\n2,Nuovo orario da lunedì\n", "utf-8")

    def full(self, payload, n_rows):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(RowWriter, "write_encoded", full)
    out = tmp_path / "scored.csv"
    result = runner.invoke(app, ["score", str(src), "-o", str(out), "--model", str(model_dir)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "error: [Errno 28] No space left on device"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["posts.csv"]


def test_resume_on_stdin_is_refused(model_dir, tmp_path):
    result = runner.invoke(app, ["score", "-", "-o", str(tmp_path / "scored.csv"), "--resume",
                                 "--model", str(model_dir)], input="hola\nciao\n")
    assert result.exit_code == 1
    assert result.stderr == ("error: --resume cannot tell whether standard input holds the same "
                             "posts as before; save it to a file and score that file with --resume\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [["--help"], ["score", "--help"], ["check", "--help"]])
def test_help_imports_neither_spacy_nor_sklearn(args):
    import subprocess
    import sys

    code = ("import sys\nfrom analyzer.cli import app\n"
            f"try:\n    app({args!r})\nexcept SystemExit:\n    pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'spacy', 'sklearn', 'scipy', 'skops'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert "Usage" in out.stdout


def test_a_plain_value_error_is_a_bug_not_a_user_error(monkeypatch, tmp_path):
    # requests that cannot be met are one line (UsageError); any other ValueError keeps its traceback
    src = tmp_path / "p.csv"
    src.write_text("text\nhola\n")
    def bug(*args, **kwargs):
        raise ValueError("bug")

    monkeypatch.setattr("analyzer.training.train_files", bug)
    r = invoke("train", src, "-o", tmp_path / "m")
    assert isinstance(r.exception, ValueError) and str(r.exception) == "bug"
    r = invoke("score", src, "-o", tmp_path / "x.txt")
    assert r.exit_code == 1 and r.stderr.startswith("error: cannot tell the output format from")


def _spy_workers(monkeypatch):
    """Record the worker count score hands to scoring.score, then score in this process."""
    import dataclasses

    import analyzer.scoring as scoring

    used = []
    real = scoring.score

    def spy(posts, model, options):
        used.append(options.workers)
        return real(posts, model, dataclasses.replace(options, workers=1))

    monkeypatch.setattr(scoring, "score", spy)
    return used


@pytest.mark.parametrize("affinity", [True, False])
def test_workers_are_capped_at_the_usable_cores_with_a_note(model_dir, tmp_path, monkeypatch, affinity):
    import os

    if affinity:
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
        monkeypatch.setattr(os, "cpu_count", lambda: 64)  # the machine has more than we may use
    else:
        monkeypatch.delattr(os, "sched_getaffinity", raising=False)
        monkeypatch.setattr(os, "cpu_count", lambda: 2)
    used = _spy_workers(monkeypatch)
    src = tmp_path / "posts.csv"
    src.write_text("id,text\n1,Who is coming tonight?\n2,Nuevo horario desde el lunes\n", "utf-8")
    result = invoke("score", src, "-o", tmp_path / "scored.csv", "--model", model_dir, "--workers", "999")
    assert result.exit_code == 0, result.stderr
    assert used == [2]
    assert result.stderr.splitlines()[0] == "note: --workers 999 capped at 2 cores"
    assert len(list(csv.DictReader(open(tmp_path / "scored.csv", encoding="utf-8")))) == 2


def test_workers_within_the_cores_are_kept_without_a_note(model_dir, tmp_path, monkeypatch):
    import os

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    used = _spy_workers(monkeypatch)
    src = tmp_path / "posts.txt"
    src.write_text("Who is coming tonight?\n", "utf-8")
    result = invoke("score", src, "-o", tmp_path / "scored.jsonl", "--model", model_dir, "--workers", "2")
    assert result.exit_code == 0, result.stderr
    assert used == [2] and "capped" not in result.stderr


@pytest.mark.parametrize("name", ["zero.jsonl", "zero.json", "zero.csv", "zero.txt"])
def test_score_refuses_a_sparse_2gb_nul_file_in_one_line(model_dir, tmp_path, name):
    src = tmp_path / name
    with open(src, "wb") as fh:
        fh.truncate(2 * 1024**3)  # sparse: no disk used, and nothing worth reading whole
    out = tmp_path / "scored.csv"
    result = invoke("score", src, "-o", out, "--model", model_dir)
    assert result.exit_code == 1
    assert result.stderr == (f"error: {src}: looks binary, not text (NUL bytes in its first few KB); "
                             "if it is text, give its --encoding\n")
    assert not out.exists()


_UTF16_CSV = "id,text\n1,Who is coming tonight?\n2,¿Qué tal el lunes?\n"
_UTF16_TXT = "Who is coming tonight?\nCiao a tutti, com'è andata?\n"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("name,content,texts", [
    ("posts.csv", _UTF16_CSV, ["Who is coming tonight?", "¿Qué tal el lunes?"]),
    ("posts.txt", _UTF16_TXT, ["Who is coming tonight?", "Ciao a tutti, com'è andata?"]),
], ids=["csv", "txt"])
def test_utf16_without_bom_is_detected_and_decoded_with_a_note(model_dir, tmp_path, codec, name,
                                                                 content, texts):
    src = tmp_path / name
    src.write_bytes(content.encode(codec))  # no byte-order mark
    out = tmp_path / "scored.jsonl"
    result = invoke("score", src, "-o", out, "--model", model_dir)
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["text"] for r in rows] == texts and {r["status"] for r in rows} == {"ok"}
    assert "\0" not in result.stderr
    assert result.stderr.splitlines()[0] == (
        f"warning: {src}: no byte-order mark, but NUL bytes at every other position: read as "
        f"{codec.upper()} (give --encoding to read it otherwise)")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_read_as_another_encoding_is_one_line_naming_utf16(model_dir, tmp_path, codec):
    src = tmp_path / "posts.csv"
    src.write_bytes("text\nhola\n".encode(codec))
    result = invoke("score", src, "-o", tmp_path / "scored.csv", "--model", model_dir, "--encoding", "utf-8")
    assert result.exit_code == 1
    assert result.stderr == (f"error: {src}: looks like {codec.upper()} text without a byte-order "
                             f"mark, not utf-8; use --encoding {codec}\n")


def test_errors_never_write_control_bytes_to_stderr(model_dir, tmp_path):
    src = tmp_path / "posts.csv"
    src.write_bytes(b"ti\x00tle,body\x01\nhello,there\n")
    result = invoke("score", src, "-o", tmp_path / "scored.csv", "--model", model_dir)
    assert result.exit_code == 1
    assert "\0" not in result.stderr and "\x01" not in result.stderr
    assert result.stderr.startswith("error: ") and "ti\\x00tle, body\\x01" in result.stderr


_DEEP = "[" * 100_000 + "]" * 100_000
_TOO_DEEP = "JSON nested too deeply to read (hundreds of arrays or objects inside each other)"


def test_score_jsonl_row_nested_100000_deep_is_an_error_row(model_dir, tmp_path):
    src = tmp_path / "posts.jsonl"
    src.write_text('{"text": "Who is coming tonight?"}\n' + _DEEP + '\n{"text": "Nuovo orario"}\n', "utf-8")
    out = tmp_path / "scored.jsonl"
    result = invoke("score", src, "-o", out, "--model", model_dir)
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [(r["status"], r["error"]) for r in rows] == [("ok", None), ("error", _TOO_DEEP), ("ok", None)]
    assert "scored 3 posts (2 ok, 0 empty, 1 error)" in result.stderr


def test_score_json_file_nested_100000_deep_is_one_line(model_dir, tmp_path):
    src = tmp_path / "posts.json"
    src.write_text(_DEEP, "utf-8")
    result = invoke("score", src, "-o", tmp_path / "scored.csv", "--model", model_dir)
    assert result.exit_code == 1
    assert result.stderr == f"error: {src}: {_TOO_DEEP}\n"


def test_two_real_runs_writing_the_same_output_at_once_one_wins_the_other_exits_1(model_dir, tmp_path):
    """Both runs are past the start-up check (each has its hidden temporary file) before either
    gets its input on stdin, so both reach the rename: exactly one publishes."""
    import subprocess
    import sys
    import time

    dest = tmp_path / "scored.csv"
    root = Path(__file__).resolve().parents[1]
    procs = [subprocess.Popen([sys.executable, "-m", "analyzer", "score", "-", "-o", str(dest),
                               "--model", str(model_dir)], cwd=root, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob(".scored.csv.*.tmp"))) < 2:
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        assert time.monotonic() < deadline, "the runs did not start"
        time.sleep(0.05)
    inputs = ["id,text\n" + "".join(f"{k}-{n},Who is coming tonight {n}?\n" for n in range(300))
              for k in ("a", "b")]
    results = [p.communicate(text, timeout=120) for p, text in zip(procs, inputs)]
    codes = [p.returncode for p in procs]
    assert sorted(codes) == [0, 1], results
    winner, loser = codes.index(0), codes.index(1)
    assert results[loser][1] == (
        f"error: {dest}: was created by another process while this run was writing; it was left "
        "as it is and this run's output was not written (run again with --force to replace it)\n")
    rows = list(csv.DictReader(open(dest, encoding="utf-8")))
    assert [r["id"] for r in rows] == [f"{'ab'[winner]}-{n}" for n in range(300)]  # whole, not mixed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scored.csv"]


# -- rows in == rows out, whatever the mix of rows (hypothesis, through the CLI) ---------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
_DEEP_ROW = type("DeepRow", (), {"line": "[" * 3000 + "]" * 3000})()
_texts = st.one_of(st.text(_chars, max_size=40), st.sampled_from(["", " ", "\t", "\r\n", "¿Qué tal?",
                                                                   "=1+1", "Who is coming tonight?"]))
# (kind, row): valid and empty rows have text; malformed rows are rows all the same
_jsonl_rows = st.one_of(
    st.tuples(st.just("text"), st.builds(lambda t: {"text": t}, _texts)),
    st.tuples(st.just("error"), st.one_of(
        st.builds(lambda v: {"text": v}, st.one_of(st.lists(st.integers(), max_size=2),
                                                   st.dictionaries(st.text(max_size=2), st.integers(), max_size=2))),
        st.builds(lambda t: {"body_text": t}, _texts),  # no text field
        st.one_of(st.integers(), st.lists(st.integers(), max_size=2), st.text(_chars, max_size=5), st.none()),
        st.just(_DEEP_ROW))),  # nested too deep: written as it is
)
_csv_rows = st.one_of(
    st.tuples(st.just("text"), st.builds(lambda t: [t], _texts)),
    st.tuples(st.just("text"), st.builds(lambda t, e: [t, e], _texts, st.text(_chars, max_size=5))),  # extra field
    st.tuples(st.just("empty"), st.just([])),  # missing text field: id only
)


def _score_rows(model_dir, src):
    result = invoke("score", src, "-o", "-", "--model", model_dir)
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_jsonl_rows, max_size=12), at=st.integers(0, 12))
def test_jsonl_rows_in_equal_rows_out_and_every_failed_row_says_why(model_dir, tmp_path, rows, at):
    rows = [*rows[:at], ("text", {"text": "Who is coming tonight?"}), *rows[at:]]  # one text field at least
    src = tmp_path / "posts.jsonl"
    lines = [_DEEP_ROW.line if row is _DEEP_ROW else json.dumps(row) for _, row in rows]
    src.write_text("".join(line + "\n" for line in lines), "utf-8")
    out = _score_rows(model_dir, src)
    assert len(out) == len(rows)
    for (kind, _), row in zip(rows, out):
        assert row["status"] in ("ok", "empty", "error")
        if kind == "error":
            assert row["status"] == "error"
        if row["status"] != "ok":
            assert row["error"], row


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_csv_rows, max_size=12))
def test_csv_rows_in_equal_rows_out_and_every_failed_row_says_why(model_dir, tmp_path, rows):
    src = tmp_path / "posts.csv"
    with open(src, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        w.writerows([[f"r{n}", *cells] for n, (_, cells) in enumerate(rows)])
    out = _score_rows(model_dir, src)
    assert [r["id"] for r in out] == [f"r{n}" for n in range(len(rows))]
    for (kind, cells), row in zip(rows, out):
        assert row["status"] in ("ok", "empty", "error")
        if kind == "empty":
            assert row["status"] == "empty" and "missing_fields" in row["flags"]
        if len(cells) == 2:
            assert "extra_fields" in row["flags"]
        if row["status"] != "ok":
            assert row["error"], row


@pytest.mark.parametrize("raised, code", [(SystemExit(0), 0), (SystemExit(None), 0), (SystemExit(2), 2),
                                          (SystemExit("bad model"), 1), (None, 0)])
def test_main_ends_the_process_with_the_commands_exit_code(monkeypatch, capsys, raised, code):
    """main() skips the interpreter's teardown (os._exit) but keeps the exit code, runs the
    exit handlers and flushes both streams first."""
    import atexit

    import analyzer.cli as cli

    def command():
        print("done")
        if raised is not None:
            raise raised

    class Exited(Exception):
        pass

    def fake_exit(n):
        raise Exited(n)

    ran = []
    monkeypatch.setattr(cli, "app", command)
    monkeypatch.setattr(cli.os, "_exit", fake_exit)
    monkeypatch.setattr(atexit, "_run_exitfuncs", lambda: ran.append(True))
    monkeypatch.setattr(cli.signal, "signal", lambda *a: None)
    with pytest.raises(Exited) as stop:
        cli.main()
    assert stop.value.args == (code,)
    assert ran == [True]
    out = capsys.readouterr()
    assert out.out == "done\n"
    assert out.err == ("bad model\n" if code == 1 else "")


def test_score_process_exit_codes_and_complete_output(tmp_path):
    import subprocess
    import sys

    ok = subprocess.run([sys.executable, "-m", "analyzer", "check", "¿Alguien probó las zapatillas nuevas?",
                         "--format", "json"], capture_output=True, text=True)
    assert ok.returncode == 0 and json.loads(ok.stdout)["label"] == "networking"
    usage = subprocess.run([sys.executable, "-m", "analyzer", "check", "--bogus"], capture_output=True, text=True)
    assert usage.returncode == 2 and "No such option: --bogus" in usage.stderr
    missing = subprocess.run([sys.executable, "-m", "analyzer", "score", str(tmp_path / "none.csv"), "-o",
                              str(tmp_path / "out.csv")], capture_output=True, text=True)
    assert missing.returncode == 1 and missing.stderr.endswith("none.csv: file not found\n")
