"""The label and learning-curve commands, through CliRunner (scripted keys) and tmux (the screen)."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.adaptation import BaseData, Scorer
from analyzer.labelfile import LabelFile
from analyzer.labeling import LabelSession
from analyzer.model import posts_array, prepare_training_posts
from analyzer.persistence import load_model
from analyzer.inputs import read_many
from label_examples import CANDIDATES, TRUTH

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def invoke(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """posts.jsonl: the 14 candidates, unlabelled; base.jsonl: the same texts labelled
    (a small base corpus, so that refits are quick)."""
    d = tmp_path_factory.mktemp("label")
    with open(d / "posts.jsonl", "w", encoding="utf-8") as fh:
        for i, (lang, text) in enumerate(CANDIDATES):
            fh.write(json.dumps({"id": f"p{i}", "text": text, "lang": lang, "author": f"acct{i % 3}"},
                                ensure_ascii=False) + "\n")
        fh.write(json.dumps({"id": "blank", "text": "  "}) + "\n")
    with open(d / "base.jsonl", "w", encoding="utf-8") as fh:
        for n, suffix in enumerate((" !", " :)")):
            for i, (lang, text) in enumerate(CANDIDATES):
                fh.write(json.dumps({"id": f"b{n}{i}", "text": text + suffix, "lang": lang, "label": TRUTH[i]},
                                    ensure_ascii=False) + "\n")
    return d


def library_session(model_dir, inputs, base, out, refit_every):
    """The same loop driven through the library: what the command must write."""
    model = load_model(model_dir)
    f = model.pipeline.named_steps["features"]
    posts = [p for p in read_many([str(i) for i in inputs]) if p.status == "ok"]
    base_posts = prepare_training_posts(read_many([str(base)], labels=True))[0]
    data = BaseData.build(f, base_posts, C=model.pipeline.named_steps["clf"].C,
                          calibration=model.meta.get("calibration"))
    return LabelSession(posts, f.transform(posts_array(posts)), data, LabelFile(out), Scorer.from_pipeline(model.pipeline),
                        refit_every=refit_every, seed=0, transform=lambda ps: f.transform(posts_array(ps)))


def shown_ids(stderr):
    return [line.split("─ ", 1)[1].split(" ", 1)[0] for line in stderr.splitlines() if line.startswith("╭─ ")]


def test_label_scripted_keys_undo_skip_quit_and_resume(files, model_dir, tmp_path):
    out = tmp_path / "labels.jsonl"
    args = ["label", files / "posts.jsonl", "-o", out, "--model", model_dir, "--base", files / "base.jsonl",
            "--refit-every", "3"]
    first = invoke(*args, input="m\ns\nu\nn\nx\nn\nq\nm\n")
    assert first.exit_code == 0, first.stderr
    assert first.stdout == ""
    assert "left out 1 empty" in first.stderr
    assert "unknown key 'x': m n q s u" in first.stderr
    ids = shown_ids(first.stderr)
    # A labelled; B skipped; C shown, undo brings B back; B labelled; C: unknown key, shown again, labelled; quit
    assert len(ids) == 7 and ids[1] == ids[3] and ids[2] == ids[4] == ids[5] and len(set(ids)) == 4
    expected_ids = [ids[0], ids[3], ids[5]]
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["id"] for r in lines] == expected_ids
    assert [r["label"] for r in lines] == ["media", "networking", "networking"]
    assert "3 labelled in this session, 3 in" in first.stderr

    # the same keys through the library give the same file, byte for byte
    ref = tmp_path / "ref.jsonl"
    s = library_session(model_dir, [files / "posts.jsonl"], files / "base.jsonl", ref, 3)
    s.current(); s.answer("media"); s.skip(); s.undo(); s.answer("networking"); s.answer("networking")
    s.close()
    assert out.read_bytes() == ref.read_bytes()

    # resume with --function: the labelled posts are not shown again; undo; end of input quits
    second = invoke(*args, "--function", input="c\na\nu\ni\n")
    assert second.exit_code == 0, second.stderr
    assert "resuming: 3 labels" in second.stderr
    again = shown_ids(second.stderr)
    assert not set(again) & set(expected_ids)
    assert again[1] == again[3] and len(again) == 5
    assert f"undone: label of {again[1]}" in second.stderr
    s = library_session(model_dir, [files / "posts.jsonl"], files / "base.jsonl", ref, 3)
    s.answer("", function="community"); s.answer("", function="action"); s.undo(); s.answer("", function="information")
    s.close()
    assert out.read_bytes() == ref.read_bytes()
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [(r["label"], r.get("function")) for r in lines[3:]] == [("networking", "community"),
                                                                    ("media", "information")]
    assert lines[3] == {"id": again[0], "text": lines[3]["text"], "label": "networking", "function": "community",
                        "author": lines[3]["author"], "lang": lines[3]["lang"], "suggested": lines[3]["suggested"],
                        "p_networking": lines[3]["p_networking"]}


def test_label_until_every_post_is_done(files, model_dir, tmp_path):
    out = tmp_path / "labels.jsonl"
    result = invoke("label", files / "posts.jsonl", "-o", out, "--model", model_dir, "--base", files / "base.jsonl",
                    input="s\n" * 14)
    assert result.exit_code == 0, result.stderr
    assert "every post is labelled or skipped" in result.stderr
    assert not out.exists() or out.read_text() == ""


def test_label_errors(files, model_dir, tmp_path):
    base = ["--model", model_dir, "--base", files / "base.jsonl"]
    assert invoke("label", files / "posts.jsonl", "-o", "-", *base).exit_code == 2
    (tmp_path / "empty.jsonl").write_text('{"text": ""}\n')
    r = invoke("label", tmp_path / "empty.jsonl", "-o", tmp_path / "l.jsonl", *base)
    assert r.exit_code == 1 and r.stderr.strip().endswith("error: no post to label in the inputs")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "p1", "label": "spam"}\n')
    r = invoke("label", files / "posts.jsonl", "-o", bad, *base, input="q\n")
    assert r.exit_code == 1
    assert "error: " + str(bad) + ":1: expected an object with an id and a label" in r.stderr
    r = invoke("label", tmp_path / "missing.csv", "-o", tmp_path / "l.jsonl", *base)
    assert r.exit_code == 1 and "file not found" in r.stderr


def _oracle_keys(model_dir, inputs, base, truth, tmp_path):
    """Keys that label every post right, in the order the command will show them."""
    s = library_session(model_dir, inputs, base, tmp_path / "oracle.jsonl", 20)
    keys = []
    while (shown := s.current()) is not None:
        keys.append(truth[shown.key][0])
        s.answer(truth[shown.key])
    s.close()
    return keys


def test_labels_file_feeds_evaluate_and_train(files, model_dir, labelled_file, tmp_path, monkeypatch):
    truth = {json.loads(x)["id"]: json.loads(x)["label"] for x in labelled_file.read_text().splitlines()}
    keys = _oracle_keys(model_dir, [labelled_file], files / "base.jsonl", truth, tmp_path)
    out = tmp_path / "labels.jsonl"
    r = invoke("label", labelled_file, "-o", out, "--model", model_dir, "--base", files / "base.jsonl",
               input="\n".join(keys) + "\n")
    assert r.exit_code == 0, r.stderr
    assert out.read_bytes() == (tmp_path / "oracle.jsonl").read_bytes()
    assert {json.loads(x)["id"]: json.loads(x)["label"] for x in out.read_text().splitlines()} == truth

    ours = invoke("evaluate", out, "--model", model_dir, "--format", "json")
    theirs = invoke("evaluate", labelled_file, "--model", model_dir, "--format", "json")
    assert ours.exit_code == 0, ours.stderr
    assert json.loads(ours.stdout)["overall"] == json.loads(theirs.stdout)["overall"]
    assert json.loads(ours.stdout)["overall"]["n"] == 50

    # the small base file stands in for the bundled corpus (9,500 posts take minutes to train)
    monkeypatch.setattr("analyzer.training.bundled_corpus_files", lambda: [files / "base.jsonl"])
    trained = invoke("train", out, "--add-default", "-o", tmp_path / "mine", "--cv-folds", "0")
    assert trained.exit_code == 0, trained.stderr
    meta = json.loads((tmp_path / "mine" / "meta.json").read_text())
    files_read = meta["training"]["files"]
    assert files_read[-1]["path"] == str(out) and files_read[-1]["rows"] == 50
    assert files_read[0]["path"] == str(files / "base.jsonl")
    assert meta["training"]["n_posts"] == 28 + 50


def test_learning_curve_json_and_png(model_dir, labelled_file, files, tmp_path):
    r = invoke("learning-curve", labelled_file, "-o", "-", "--model", model_dir, "--base", files / "base.jsonl",
               "--cv-folds", "3")
    assert r.exit_code == 0, r.stderr
    curve = json.loads(r.stdout)
    assert curve["n_labels"][:2] == [0, 25] and curve["n_posts"] == 50
    assert curve["cv"]["grouped_by"] == "author"
    assert "(the model alone)" in r.stderr
    png = tmp_path / "curve.png"
    r = invoke("learning-curve", labelled_file, "-o", png, "--model", model_dir, "--base", files / "base.jsonl",
               "--cv-folds", "3")
    assert r.exit_code == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = invoke("learning-curve", labelled_file, "-o", png, "--model", model_dir, "--base", files / "base.jsonl")
    assert again.exit_code == 1 and "already exists" in again.stderr
    assert invoke("learning-curve", labelled_file, "-o", tmp_path / "c.svg").exit_code == 2


TMUX = shutil.which("tmux")


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
def test_label_screen_fits_80_by_24_in_tmux(files, model_dir, tmp_path):
    out = tmp_path / "labels.jsonl"
    session = f"ca-label-{os.getpid()}"
    cmd = " ".join([sys.executable, "-m", "analyzer", "label", str(files / "posts.jsonl"), "-o", str(out),
                    "--model", str(model_dir), "--base", str(files / "base.jsonl"), "--function"])
    env = {**os.environ, "TERM": "xterm-256color"}
    subprocess.run([TMUX, "-L", session, "new-session", "-d", "-s", session, "-x", "80", "-y", "24",
                    "-c", str(ROOT), cmd + f"; echo EXIT=$? > {tmp_path / 'rc'}; sleep 30"], check=True, env=env)

    def screen():
        return subprocess.run([TMUX, "-L", session, "capture-pane", "-p", "-t", session], capture_output=True,
                              text=True, check=True).stdout

    def wait_for(text):
        for _ in range(600):
            shot = screen()
            if text in shot:
                return shot
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared:\n{shot}")

    try:
        shot = wait_for("[i] information")
        lines = shot.rstrip("\n").split("\n")
        assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
        assert lines[0].startswith("0 labelled (0 now)")  # the top of the screen is not scrolled away
        assert any(line.startswith("╭─ ") for line in lines) and any(line.startswith("╰") for line in lines)
        assert any(line.startswith("model: ") for line in lines)
        subprocess.run([TMUX, "-L", session, "send-keys", "-t", session, "c"], check=True)
        wait_for("1 labelled (1 now)")
        subprocess.run([TMUX, "-L", session, "send-keys", "-t", session, "q"], check=True)
        for _ in range(600):
            if (tmp_path / "rc").exists():
                break
            time.sleep(0.1)
        assert (tmp_path / "rc").read_text().strip() == "EXIT=0"
        [line] = out.read_text().splitlines()
        assert json.loads(line)["function"] == "community"
    finally:
        subprocess.run([TMUX, "-L", session, "kill-server"], check=False)


@pytest.mark.parametrize("command", ["label", "learning-curve"])
def test_help(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout


def test_train_add_default_ends_with_a_learning_curve(model_dir, labelled_file, files, tmp_path, monkeypatch):
    # the small base file stands in for the bundled corpus, the test model for the bundled model
    monkeypatch.setattr("analyzer.training.bundled_corpus_files", lambda: [files / "base.jsonl"])
    monkeypatch.setenv("CONTENT_ANALYZER_MODEL", str(model_dir))
    r = invoke("train", labelled_file, "--add-default", "-o", tmp_path / "mine", "--cv-folds", "3")
    assert r.exit_code == 0, r.stderr
    assert "cross-validated, your own rows only" in r.stderr
    assert "learning curve on your rows" in r.stderr
    assert "     0 labels  macro-F1" in r.stderr and "    25 labels  macro-F1" in r.stderr
    assert "50 labels, 3 folds grouped by author" in r.stderr


def test_train_add_default_skips_the_curve_for_few_rows(files, tmp_path, monkeypatch):
    monkeypatch.setattr("analyzer.training.bundled_corpus_files", lambda: [files / "base.jsonl"])
    few = tmp_path / "few.jsonl"
    few.write_text("".join(json.dumps({"text": t, "label": lab, "author": f"u{i % 3}"}) + "\n" for i, (t, lab) in
                           enumerate([("Compra ya, 20% de descuento", "media"), ("¿Quién viene el sábado?", "networking"),
                                      ("Saldi fino a domenica", "media"), ("Chi ha visto la partita?", "networking"),
                                      ("New drop out now, link in bio", "media"), ("Anyone fancy a pint later", "networking")])))
    r = invoke("train", few, "--add-default", "-o", tmp_path / "m", "--cv-folds", "2")
    assert r.exit_code == 0, r.stderr
    assert "learning curve: skipped (6 of your rows; it needs 50)" in r.stderr
