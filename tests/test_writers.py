import csv
import io
import json

import pyarrow.parquet as pq
import pytest

from analyzer.writers import OutputExistsError, open_writer, output_format

COLUMNS = ["id", "p_networking", "signals", "is_reply", "error"]
ROWS = [
    {"id": "1", "p_networking": 0.25, "signals": [{"name": "a", "dimension": "style", "value": 1.0,
                                                   "contribution": -0.5, "text": "x"}],
     "is_reply": True, "error": None},
    {"id": "2", "p_networking": None, "signals": [], "is_reply": None, "error": "bad, row"},
]


@pytest.mark.parametrize("name,fmt", [("a.csv", "csv"), ("a.jsonl", "jsonl"), ("a.parquet", "parquet"),
                                      ("-", "jsonl"), ("a.ndjson", "jsonl")])
def test_output_format_from_name(name, fmt):
    assert output_format(name) == fmt


def test_unknown_output_format():
    with pytest.raises(ValueError, match="use a .csv, .jsonl or .parquet name"):
        output_format("out.xlsx")


def test_csv(tmp_path):
    path = tmp_path / "out.csv"
    with open_writer(str(path), COLUMNS) as w:
        w.write(ROWS)
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    assert [r["id"] for r in rows] == ["1", "2"]
    assert json.loads(rows[0]["signals"])[0]["contribution"] == -0.5
    assert rows[1]["error"] == "bad, row" and rows[1]["p_networking"] == ""


def test_jsonl_and_stdout(tmp_path):
    out = io.StringIO()
    with open_writer("-", COLUMNS, stdout=out) as w:
        w.write(ROWS)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert lines[0]["signals"][0]["name"] == "a" and lines[1]["p_networking"] is None


def test_parquet_keeps_types(tmp_path):
    path = tmp_path / "out.parquet"
    with open_writer(str(path), COLUMNS) as w:
        w.write(ROWS[:1])
        w.write(ROWS[1:])
    table = pq.read_table(path)
    assert table.num_rows == 2
    assert table.column("signals").to_pylist()[0][0]["contribution"] == -0.5
    assert table.column("is_reply").to_pylist() == [True, None]


def test_empty_parquet_still_has_columns(tmp_path):
    path = tmp_path / "out.parquet"
    with open_writer(str(path), COLUMNS):
        pass
    assert pq.read_table(path).column_names == COLUMNS


def test_existing_output_needs_force(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("keep me")
    with pytest.raises(OutputExistsError, match="--force or -F"):
        open_writer(str(path), COLUMNS)
    with open_writer(str(path), COLUMNS, force=True) as w:
        w.write(ROWS)
    assert path.read_text().startswith("id,")


def test_failure_leaves_no_partial_file(tmp_path):
    path = tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError):
        with open_writer(str(path), COLUMNS) as w:
            w.write(ROWS)
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_existing_file_survives_a_failed_overwrite(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with open_writer(str(path), COLUMNS, force=True) as w:
            w.write(ROWS)
            raise RuntimeError("boom")
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_csv_neutralises_every_formula_start_but_not_numbers(tmp_path):
    path = tmp_path / "out.csv"
    cells = ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "ok", "'=quoted already"]
    with open_writer(str(path), ["id", "p_networking"]) as w:
        w.write([{"id": c, "p_networking": -0.5} for c in cells])
    rows = list(csv.reader(open(path, encoding="utf-8", newline="")))[1:]
    assert [r[0] for r in rows] == ["'=1+1", "'+1", "'-1", "'@A1", "'\tx", "'\rx", "ok", "'=quoted already"]
    assert [r[1] for r in rows] == ["-0.5"] * 8


def test_csv_formulas_kept_when_asked(tmp_path):
    from analyzer.writers import encode_rows

    text = encode_rows("csv", ["id", "n"], [{"id": "=1+1", "n": -2}], escape_formulas=False)
    assert text == "=1+1,-2\r\n"
    assert encode_rows("csv", ["id", "n"], [{"id": "=1+1", "n": -2}]) == "'=1+1,-2\r\n"


def test_two_writers_of_one_path_never_lose_rows_silently(tmp_path):
    from analyzer.writers import OutputExistsError, open_writer

    dest = str(tmp_path / "scored.csv")
    first = open_writer(dest, ["id", "label"])
    second = open_writer(dest, ["id", "label"])  # started before the first finished
    first.write([{"id": "1", "label": "media"}])
    second.write([{"id": "2", "label": "networking"}])
    first.commit()
    with pytest.raises(OutputExistsError, match="was created by another process"):
        second.commit()
    assert (tmp_path / "scored.csv").read_text("utf-8") == "id,label\n1,media\n"
    assert [p.name for p in tmp_path.iterdir()] == ["scored.csv"]


def test_failed_run_removes_the_folders_it_made(tmp_path):
    from analyzer.writers import open_writer

    (tmp_path / "kept").mkdir()
    dest = tmp_path / "kept" / "new" / "deeper" / "scored.csv"
    with pytest.raises(RuntimeError):
        with open_writer(str(dest), ["id"]) as writer:
            writer.write([{"id": "1"}])
            raise RuntimeError("input failed")
    assert [p.name for p in tmp_path.iterdir()] == ["kept"]
    assert list((tmp_path / "kept").iterdir()) == []


def test_columns_encode_as_the_same_rows_in_every_format():
    from analyzer.writers import encode_columns, encode_rows

    columns = ["id", "text", "p_networking", "signals", "flags", "missing"]
    rows = [{"id": "en1", "text": "Anyone tried the new trail shoes?", "p_networking": 0.912345,
             "signals": [{"name": "style__n_questions", "dimension": "style", "value": 1.0,
                          "contribution": 0.5, "text": "asks a question"}], "flags": []},
            {"id": "es1", "text": "=¡Oferta! 30% hoy", "p_networking": None, "signals": [], "flags": ["no_text"]},
            {"id": "it1", "text": "Forza ragazzi 💙", "p_networking": 0.5, "signals": [], "flags": ["truncated", "x"]}]
    table = {c: [r.get(c) for r in rows] for c in columns if c != "missing"}
    csv_text = encode_columns("csv", columns, table)
    assert csv_text == encode_rows("csv", columns, rows)
    assert csv_text.splitlines()[1] == "es1,'=¡Oferta! 30% hoy,,[],no_text,"
    assert encode_columns("jsonl", columns, table) == encode_rows("jsonl", columns, rows)
    assert encode_columns("jsonl", columns, table).splitlines()[2] == (
        '{"id": "it1", "text": "Forza ragazzi 💙", "p_networking": 0.5, "signals": [], '
        '"flags": ["truncated", "x"], "missing": null}')
    assert encode_columns("parquet", columns, table).equals(encode_rows("parquet", columns, rows))
    assert encode_columns("csv", columns, {c: [] for c in columns}) == ""
