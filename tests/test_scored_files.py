import gzip
import zipfile

from analyzer.audit import build_audit
from analyzer.scored_files import fill_signal_values, is_scored, is_table, scored_row
from analyzer.signals import SIGNAL_NAMES


def test_scored_row_parses_csv_strings():
    r = scored_row({"p_networking": "0.25", "style": "-1.5", "signals": '[{"name": "x", "contribution": -1}]',
                    "is_reply": "False", "label": "media", "style__n_questions": "2.0", "status": "ok"})
    assert r["p_networking"] == 0.25 and r["style"] == -1.5 and r["is_reply"] is False
    assert r["signals"][0]["name"] == "x" and r["style__n_questions"] == 2.0


def test_scored_row_with_signals_nested_too_deep_has_none():
    r = scored_row({"signals": "[" * 100_000 + "]" * 100_000, "label": "media", "status": "ok"})
    assert r["signals"] == []


def test_rule_rows_read_back_from_a_csv_file():
    csv_row = {"id": "2", "text": "", "author": "acme", "label": "media", "p_networking": "",
               "confidence": "", "function": "information", "style": "", "signals": "[]",
               "is_reply": "False", "status": "ok", "flags": "no_text"}
    audit = build_audit([scored_row(csv_row)])
    assert audit["by_rule"] == {"posts": 1, "media": 1, "networking": 0}
    assert (audit["overall"]["posts"], audit["overall"]["media"]) == (1, 1)
    # without the no_text flag a row with no probability is not a scored post
    unflagged = build_audit([scored_row({**csv_row, "flags": ""})])
    assert (unflagged["overall"]["posts"], unflagged["by_rule"]["posts"]) == (0, 0)


def test_is_scored_needs_label_probability_and_status():
    assert is_scored({"id": "1", "label": "media", "p_networking": "0.1", "status": "ok"})
    assert not is_scored({"id": "1", "text": "a raw post", "label": "media"})


def test_is_table(tmp_path):
    csv = tmp_path / "scored.csv"
    csv.write_text("id,label\n1,media\n")
    assert is_table(str(csv))
    bare = tmp_path / "scored"  # the name says nothing: read as a table
    bare.write_text("id,label\n1,media\n")
    assert is_table(str(bare))
    text = tmp_path / "posts.txt"  # one post per line, never a scored file
    text.write_text("hello\n")
    assert not is_table(str(text))
    with zipfile.ZipFile(tmp_path / "export", "w") as zf:  # an archive with no telling name
        zf.writestr("posts.json", "[]")
    assert not is_table(str(tmp_path / "export"))
    gz = tmp_path / "scored.csv.gz"  # a compressed table keeps its name's format
    gz.write_bytes(gzip.compress(b"id,label\n1,media\n"))
    assert is_table(str(gz))
    assert not is_table(str(tmp_path / "posts.zip"))  # missing
    assert not is_table(str(tmp_path))  # a folder
    assert not is_table("-")


def test_fill_signal_values_only_where_the_row_lacks_them(trained):
    featurizer = trained.model.named_steps["features"]
    rows = [{"id": "1", "text": "Anyone tried the trail? https://example.com/x", "lang": "en"},
            {"id": "2", "text": "Also a question?", "lang": "en", "style__n_questions": 0.0},
            {"id": "3", "text": "", "lang": "en"}]
    fill_signal_values(rows, featurizer)
    assert set(featurizer.signal_names_) <= set(rows[0])
    assert (rows[0]["style__n_questions"], rows[0]["content__n_urls"]) == (1.0, 1.0)
    assert rows[1] == {"id": "2", "text": "Also a question?", "lang": "en", "style__n_questions": 0.0}
    assert rows[2] == {"id": "3", "text": "", "lang": "en"}  # no text, nothing to count


def test_fill_signal_values_does_not_parse_rows_that_carry_them():
    class NoParse:
        def parse(self, posts):
            raise AssertionError("parsed again")

    rows = [{"id": "1", "text": "x", SIGNAL_NAMES[0]: 1.0}]
    fill_signal_values(rows, NoParse())
    assert rows == [{"id": "1", "text": "x", SIGNAL_NAMES[0]: 1.0}]
