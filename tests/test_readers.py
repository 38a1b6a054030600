import csv
import gzip
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.posts import Label
from analyzer.inputs import read_many
from analyzer.readers import Columns, ReaderError, ReaderWarning, detect_format, read_posts

ROWS = [
    {"id": "a1", "full_text": "Hello, world", "user": "ana", "date": "2026-01-02T03:04:05Z", "language": "en-GB"},
    {"id": "a2", "full_text": "¿Qué tal?\nBien", "user": "luis", "date": "bad date", "language": "es"},
    {"id": "a3", "full_text": "", "user": None, "date": None, "language": None},
]


def write_csv(path, rows, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=delimiter)
        w.writeheader()
        w.writerows(rows)


def check_rows(posts):
    assert [p.id for p in posts] == ["a1", "a2", "a3"]
    assert [p.text for p in posts] == ["Hello, world", "¿Qué tal?\nBien", ""]
    assert [p.author for p in posts] == ["ana", "luis", None]
    assert [p.lang for p in posts] == ["en", "es", None]
    assert posts[0].created_at.isoformat() == "2026-01-02T03:04:05+00:00"
    assert "bad_date" in posts[1].flags and posts[1].created_at is None
    assert [p.status for p in posts] == ["ok", "ok", "empty"]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "csv-semicolon", "jsonl", "json", "parquet", "csv.gz", "jsonl.gz"])
def test_formats_and_aliases(tmp_path, fmt):
    if fmt.startswith("csv") and fmt != "csv.gz":
        path = tmp_path / "in.csv"
        write_csv(path, ROWS, ";" if fmt == "csv-semicolon" else ",")
    elif fmt == "tsv":
        path = tmp_path / "in.tsv"
        write_csv(path, ROWS, "\t")
    elif fmt.startswith("jsonl"):
        path = tmp_path / "in.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS), "utf-8")
    elif fmt == "json":
        path = tmp_path / "in.json"
        path.write_text(json.dumps({"data": ROWS}), "utf-8")
    elif fmt == "parquet":
        path = tmp_path / "in.parquet"
        pq.write_table(pa.Table.from_pylist(ROWS), path)
    if fmt == "csv.gz":
        plain = tmp_path / "plain.csv"
        write_csv(plain, ROWS)
        path = tmp_path / "in.csv.gz"
        path.write_bytes(gzip.compress(plain.read_bytes()))
    if fmt == "jsonl.gz":
        gz = tmp_path / "in.jsonl.gz"
        gz.write_bytes(gzip.compress(path.read_bytes()))
        path = gz
    posts = list(read_posts(path))
    if fmt in ("csv", "tsv", "csv-semicolon", "csv.gz"):
        # CSV has no null: the empty author stays empty
        assert posts[2].author is None
    check_rows(posts)


def test_plain_text_one_post_per_line(tmp_path):
    path = tmp_path / "posts.txt"
    path.write_text("first post\n\n  third  \n", "utf-8")
    posts = list(read_posts(path))
    assert [(p.id, p.text, p.status) for p in posts] == [("1", "first post", "ok"), ("2", "", "empty"), ("3", "third", "ok")]


@pytest.mark.parametrize("payload,expected", [
    (b'{"text": "a"}\n{"text": "b"}\n', "jsonl"),
    (b'[{"text": "a"}, {"text": "b"}]', "json"),
    (b"id,text\n1,a\n2,b\n", "csv"),
    (b"a\nb\n", "txt"),
])
def test_stdin_is_sniffed(payload, expected):
    posts = list(read_posts("-", stdin=io.BytesIO(payload)))
    assert [p.text for p in posts] == ["a", "b"], expected


def test_column_overrides_and_nested_fields(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"body2": "hi", "user": {"screen_name": "zed"}, "uid": 7}) + "\n")
    posts = list(read_posts(path, columns=Columns(text="body2", author="user.screen_name", id="uid")))
    assert (posts[0].id, posts[0].text, posts[0].author) == ("7", "hi", "zed")


def test_missing_text_column_lists_columns(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,headline,views\n1,hello,3\n")
    with pytest.raises(ReaderError, match=r"x.csv: no text column .*columns: id, headline, views; choose one with --text-col"):
        list(read_posts(path))
    with pytest.raises(ReaderError, match="column 'nope' not found; columns: id, headline, views"):
        list(read_posts(path, columns=Columns(text="nope")))


def test_invalid_json_line_names_file_and_line(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "ok"}\n\n{"text": broken}\n')
    with pytest.raises(ReaderError, match=r"x.jsonl:3: invalid JSON"):
        list(read_posts(path))


def test_non_object_rows_become_error_rows(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "ok"}\n["a", "list"]\n{"text": {"nested": 1}}\n{"text": 12.5}\n')
    posts = list(read_posts(path))
    assert [p.status for p in posts] == ["ok", "error", "error", "ok"]
    assert posts[1].error == "line is a JSON list, expected an object"
    assert posts[2].error == "text is a dict, expected a string"
    assert posts[3].text == "12.5" and "non_string_text" in posts[3].flags


def test_invalid_utf8_is_read_as_cp1252_and_flagged(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"text\ncaf\xe9 ok\nfine\n")
    posts = list(read_posts(path))
    assert posts[0].text == "café ok" and posts[0].flags == ("decoded_cp1252",)
    assert posts[1].flags == ()
    # with the encoding given as UTF-8, bad bytes are replaced and flagged
    strict = list(read_posts(path, encoding="utf-8"))
    assert strict[0].text == "caf\ufffd ok" and strict[0].flags == ("invalid_utf8",)


LATIN1_ROWS = [
    ("es1", "¡Rebajas de verano! 30% de descuento en toda la colección, envío gratis a España", "tienda_ñ"),
    ("es2", "¿Alguien sabe dónde comprar café de Colombia en Málaga? Gracias", "maría"),
    ("it1", "Perché non venite domenica? Sarà una festa, c'è posto per tutti", "niccolò"),
    ("it2", "Saldi di fine stagione: sconto del 40% su tutta la città… solo in negozio", "caffè_roma"),
]


def _latin1_csv(tmp_path, codec="cp1252"):
    path = tmp_path / "legacy.csv"
    lines = ["id;text;author"] + [f"{i};{t};{a}" for i, t, a in LATIN1_ROWS]  # a spreadsheet's ; CSV
    path.write_bytes("\r\n".join(lines).encode(codec) + b"\r\n")
    return path


def test_cp1252_csv_in_spanish_and_italian_is_detected_per_row(tmp_path):
    path = _latin1_csv(tmp_path)  # "…" (0x85) exists in cp1252 only, not in Latin-1
    posts = list(read_posts(path))
    assert [(p.id, p.text, p.author) for p in posts] == LATIN1_ROWS
    assert all(p.flags == ("decoded_cp1252",) for p in posts)
    assert not any("\ufffd" in p.text for p in posts)


def test_encoding_option_reads_legacy_files_without_flags(tmp_path):
    path = _latin1_csv(tmp_path)
    posts = list(read_posts(path, encoding="cp1252"))
    assert [(p.id, p.text, p.author, p.flags) for p in posts] == [(*r, ()) for r in LATIN1_ROWS]
    rows = LATIN1_ROWS[:2]  # Spanish only: no "…", so true Latin-1
    path.write_bytes(("id,text\n" + "".join(f'{i},"{t}"\n' for i, t, _ in rows)).encode("latin-1"))
    assert [(p.text, p.flags) for p in read_posts(path, encoding="latin-1")] == [(t, ()) for _, t, _ in rows]
    with pytest.raises(ValueError, match="unknown encoding 'klingon'"):
        list(read_posts(path, encoding="klingon"))


def test_utf8_and_utf16_files_are_not_flagged(tmp_path):
    path = tmp_path / "x.csv"
    for data in ("\ufeffid,text\n1,Perché sì\n".encode("utf-8"), "id,text\n1,Perché sì\n".encode("utf-16")):
        path.write_bytes(data)
        assert [(p.id, p.text, p.flags) for p in read_posts(path)] == [("1", "Perché sì", ())]
    path.write_bytes("id,text\n1,¿Qué tal?\n".encode("utf-16-le"))  # no BOM: say so
    assert [p.text for p in read_posts(path, encoding="utf-16-le")] == ["¿Qué tal?"]


def test_utf16_spreadsheet_export(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes("text\tauthor\nhola\tana\n".encode("utf-16"))
    posts = list(read_posts(path, fmt="tsv"))
    assert [(p.text, p.author) for p in posts] == [("hola", "ana")]


def test_csv_ragged_rows_and_embedded_newlines(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('id,text,author\n1,"line one\nline two, with comma",ana\n2,short\n3,x,y,z\n')
    posts = list(read_posts(path))
    assert posts[0].text == "line one\nline two, with comma"
    assert posts[1].author is None and posts[1].flags == ("missing_fields",)
    assert posts[2].flags == ("extra_fields",)


@pytest.mark.parametrize("setup,message", [
    ("missing", "file not found"),
    ("directory", "is a directory"),
    ("binary", "looks binary, not text"),
    ("truncated_gzip", "truncated or corrupt compressed data"),
    ("bad_json_array", "invalid JSON"),
    ("bad_parquet", "invalid Parquet"),
])
def test_unreadable_inputs_raise_one_line_errors(tmp_path, setup, message):
    path = tmp_path / "in.csv"
    if setup == "directory":
        path.mkdir()
    elif setup == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    elif setup == "truncated_gzip":
        path = tmp_path / "in.csv.gz"
        body = "".join(f"post number {i} about {i * 7919 % 104729}\n" for i in range(5000))
        data = gzip.compress(("text\n" + body).encode())
        path.write_bytes(data[: len(data) // 2])
    elif setup == "bad_json_array":
        path = tmp_path / "in.json"
        path.write_text('[{"text": "a"},')
    elif setup == "bad_parquet":
        path = tmp_path / "in.parquet"
        path.write_bytes(b"PAR1 not really")
    with pytest.raises(ReaderError, match=message) as exc:
        list(read_posts(path))
    assert "\n" not in str(exc.value)
    assert str(path) in str(exc.value)


def test_labels_are_parsed_and_bad_ones_kept_for_the_report(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("text,label\na,Promotional\nb,conversational\nc,spam\n")
    posts = list(read_posts(path, labels=True))
    assert [p.label for p in posts] == [Label.MEDIA, Label.NETWORKING, None]
    assert posts[2].meta["label_raw"] == "spam"
    nolabel = tmp_path / "nolabel.csv"
    nolabel.write_text("text\na\n")
    with pytest.raises(ReaderError, match="no label column"):
        list(read_posts(nolabel, labels=True))


def test_read_many_prefixes_default_ids(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("one\n")
    b.write_text("two\n")
    assert [p.id for p in read_many([a, b])] == ["a.txt:1", "b.txt:1"]
    assert [p.id for p in read_many([a])] == ["1"]


def test_detect_format():
    assert detect_format("x.CSV") == "csv"
    assert detect_format("x.jsonl.gz") == "jsonl"
    assert detect_format("x.ndjson") == "jsonl"
    assert detect_format("README") is None


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(texts, max_size=20))
def test_csv_round_trip_keeps_every_row_in_order(tmp_path, values):
    path = tmp_path / "prop.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        for i, v in enumerate(values):
            w.writerow([f"r{i}", v])
    posts = list(read_posts(path))
    assert [p.id for p in posts] == [f"r{i}" for i in range(len(values))]


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(texts, st.none(), st.integers(), st.floats(), st.booleans(),
                          st.lists(st.integers(), max_size=2)), max_size=20))
def test_jsonl_any_value_types_keep_every_row(tmp_path, values):
    path = tmp_path / "prop.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for v in values:
            fh.write(json.dumps({"text": v}) + "\n")
    posts = list(read_posts(path))
    assert len(posts) == len(values)
    for p, v in zip(posts, values):
        assert p.status == ("error" if isinstance(v, list) else p.status)


# -- CR-only line endings (old Mac, some exports) ------------------------------------

def test_plain_text_with_cr_line_ends_gives_one_row_per_post(tmp_path):
    path = tmp_path / "posts.txt"
    path.write_bytes(b"first post\rsecond post\rthird post\r")
    posts = list(read_posts(path))
    assert [(p.id, p.text) for p in posts] == [("1", "first post"), ("2", "second post"), ("3", "third post")]


def test_mixed_line_ends_are_all_line_ends(tmp_path):
    path = tmp_path / "posts.txt"
    path.write_bytes(b"one\r\ntwo\rthree\nfour")
    assert [p.text for p in read_posts(path)] == ["one", "two", "three", "four"]


def test_csv_with_cr_line_ends_is_read(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b'id,text,author\ra1,hello,ana\ra2,"two\rlines, quoted",luis\ra3,bye,\r')
    posts = list(read_posts(path))
    assert [(p.id, p.text, p.author) for p in posts] == [
        ("a1", "hello", "ana"), ("a2", "two\nlines, quoted", "luis"), ("a3", "bye", None)]
    assert all(p.flags == () for p in posts)


def test_csv_with_cr_line_ends_from_stdin_is_sniffed(tmp_path):
    posts = list(read_posts("-", stdin=io.BytesIO(b"id;text\r1;a\r2;b\r")))
    assert [(p.id, p.text) for p in posts] == [("1", "a"), ("2", "b")]


def test_jsonl_with_cr_line_ends_is_read(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"id": "a1", "text": "hi"}\r{"id": "a2", "text": "there"}\r\r{"id": "a3", "text": "x"}')
    posts = list(read_posts(path))
    assert [(p.id, p.text) for p in posts] == [("a1", "hi"), ("a2", "there"), ("a3", "x")]


def test_cr_line_ends_keep_decoding_flags_on_their_own_row(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"text\rcaf\xe9\rfine\r")
    posts = list(read_posts(path))
    assert [(p.text, p.flags) for p in posts] == [("café", ("decoded_cp1252",)), ("fine", ())]


# -- generated ids ---------------------------------------------------------------------

def test_blank_and_nan_ids_get_row_ids(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,text\n1,a\n,b\n  ,c\nNaN,d\n")
    assert [p.id for p in read_posts(path)] == ["1", "row-2", "row-3", "NaN"]
    pq_path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"id": [1.0, float("nan"), None], "text": ["a", "b", "c"]}), pq_path)
    assert [p.id for p in read_posts(pq_path)] == ["1", "row-2", "row-3"]
    jsonl = tmp_path / "x.jsonl"
    jsonl.write_text('{"id": NaN, "text": "a"}\n{"id": "", "text": "b"}\n{"id": 7, "text": "c"}\n')
    assert [p.id for p in read_posts(jsonl)] == ["row-1", "row-2", "7"]


def test_generated_ids_never_equal_an_id_of_the_file(tmp_path):
    path = tmp_path / "x.csv"
    # row 1's generated id would be row-1, which row 3 holds; row-1-2 is taken too, earlier
    path.write_text("id,text\n,a\nrow-1-2,b\nrow-1,c\n2,d\n,e\n")
    ids = [p.id for p in read_posts(path)]
    assert ids == ["row-1-3", "row-1-2", "row-1", "2", "row-5"]
    assert len(set(ids)) == len(ids)


def test_generated_ids_from_stdin_read_ahead(tmp_path):
    data = b"id,text\n,a\nrow-1,b\n,c\n"
    assert [p.id for p in read_posts("-", stdin=io.BytesIO(data))] == ["row-1-2", "row-1", "row-3"]


def test_files_without_id_column_keep_row_numbers(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("text\na\nb\n")
    assert [p.id for p in read_posts(path)] == ["1", "2"]
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("id,text\n,x\n")
    b.write_text("id,text\n,y\nb.csv:row-1,z\n")
    assert [p.id for p in read_many([a, b])] == ["a.csv:row-1", "b.csv:row-1-2", "b.csv:row-1"]


# -- repeated column names -------------------------------------------------------------

def test_repeated_header_name_uses_the_first_column_and_warns(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,text,text\n1,first,second\n2,a\n")
    with pytest.warns(ReaderWarning) as caught:
        posts = list(read_posts(path))
    assert [(p.id, p.text) for p in posts] == [("1", "first"), ("2", "a")]
    assert [str(w.message) for w in caught] == [
        f"{path}: columns 2 and 3 are both named 'text': column 2 is used, the other ignored; "
        "rename them to read them"]


def test_header_names_differing_in_case_warn_naming_the_column_used(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("text,Text,author\nlower,upper,ana\n")
    with pytest.warns(ReaderWarning) as caught:
        posts = list(read_posts(path))
    assert posts[0].text == "lower"
    assert [str(w.message) for w in caught] == [
        f"{path}: columns 'text', 'Text' differ only in case: 'text' is used as the text column; "
        "choose another with --text-col"]
    assert list(read_posts(path, columns=Columns(text="Text")))[0].text == "upper"  # exact name


def test_unique_header_names_do_not_warn(tmp_path, recwarn):
    path = tmp_path / "x.csv"
    path.write_text("id,text,author\n,a,b\n")
    assert [p.id for p in read_posts(path)] == ["row-1"]
    assert not [w for w in recwarn if issubclass(w.category, ReaderWarning)]


# -- JSON objects with different keys ----------------------------------------------------

def write_jsonl(path, objs):
    path.write_text("".join(json.dumps(o) + "\n" for o in objs), "utf-8")


def test_jsonl_later_objects_keep_fields_the_first_lacks(tmp_path):
    path = tmp_path / "x.jsonl"
    write_jsonl(path, [{"text": "first"},
                       {"text": "second", "id": "b2", "author": "ana", "created_at": "2026-01-02"},
                       {"content": "third", "user": "luis", "id": 3}])
    posts = list(read_posts(path))
    assert [(p.id, p.text, p.author) for p in posts] == [
        ("row-1", "first", None), ("b2", "second", "ana"), ("3", "third", "luis")]
    assert posts[1].created_at.isoformat() == "2026-01-02T00:00:00"
    assert [p.status for p in posts] == ["ok", "ok", "ok"]


def test_jsonl_chosen_column_missing_from_the_first_object(tmp_path):
    path = tmp_path / "x.jsonl"
    write_jsonl(path, [{"text": "a"}, {"text": "b", "uid": "u2"}])
    assert [p.id for p in read_posts(path, columns=Columns(id="uid"))] == ["row-1", "u2"]
    with pytest.raises(ReaderError, match=r"column 'nope' not found; columns: text, uid"):
        list(read_posts(path, columns=Columns(id="nope")))


def test_jsonl_object_without_text_is_an_error_row_not_a_refused_file(tmp_path):
    path = tmp_path / "x.jsonl"
    write_jsonl(path, [{"id": "m1", "kind": "meta"}, {"id": "p2", "text": "hello"},
                       {"id": "p3", "text": None}])
    posts = list(read_posts(path))
    assert [(p.id, p.status, p.error) for p in posts] == [
        ("m1", "error", "no text field in this object"), ("p2", "ok", None), ("p3", "empty", None)]
    array = tmp_path / "x.json"
    array.write_text(json.dumps([{"id": "m1"}, {"id": "p2", "body": "hi"}]))
    assert [(p.id, p.status, p.text) for p in read_posts(array)] == [
        ("m1", "error", ""), ("p2", "ok", "hi")]
    chosen = list(read_posts(path, columns=Columns(text="kind")))
    missing = ("error", "no 'kind' field in this object")
    assert [(p.status, p.error) for p in chosen] == [("ok", None), missing, missing]


def test_jsonl_without_text_in_any_object_is_refused(tmp_path):
    path = tmp_path / "x.jsonl"
    write_jsonl(path, [{"id": 1, "headline": "a"}, {"id": 2, "views": 3}])
    with pytest.raises(ReaderError, match=r"no text column .*columns: id, headline, views; choose"):
        list(read_posts(path))


def test_jsonl_columns_settle_after_leading_non_objects(tmp_path, monkeypatch):
    from analyzer.readers import layout as readers  # SAMPLE lives in the layout module

    monkeypatch.setattr(readers, "SAMPLE", 2)
    path = tmp_path / "x.jsonl"
    path.write_text('1\n2\n3\n{"text": "a"}\n{"text": "b", "id": "x"}\n{"id": "y"}\n'
                    '{"text": "c"}\n')
    posts = list(read_posts(path))
    # rows before the first object come before any column is known: bare row numbers
    assert [(p.id, p.status) for p in posts] == [
        ("1", "error"), ("2", "error"), ("3", "error"), ("row-4", "ok"), ("x", "ok"),
        ("y", "error"), ("row-7", "ok")]


# -- Parquet binary columns --------------------------------------------------------------

@pytest.mark.parametrize("kind", [pa.binary(), pa.large_binary()])
def test_parquet_binary_text_is_decoded_and_invalid_bytes_flagged(tmp_path, kind):
    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({
        "id": pa.array([b"p1", b"p2", b"", None], type=kind),
        "text": pa.array(["café".encode(), b"caf\xe9 ok", b"plain", None], type=kind),
        "author": pa.array([b"ana", None, b"luis", b"x"], type=kind),
    }), path)
    posts = list(read_posts(path))
    assert [(p.id, p.text, p.author, p.flags, p.status) for p in posts] == [
        ("p1", "café", "ana", (), "ok"),
        ("p2", "caf\ufffd ok", None, ("invalid_utf8",), "ok"),
        ("row-3", "plain", "luis", (), "ok"),
        ("row-4", "", "x", (), "empty"),
    ]


def test_reading_a_csv_imports_neither_spacy_nor_sklearn(tmp_path):
    import subprocess
    import sys

    src = tmp_path / "posts.csv"
    src.write_text("id,text,lang\n1,Hola a todos,es\n2,Ciao!,it\n", encoding="utf-8")
    code = ("import sys\nfrom analyzer.inputs import read_many\n"
            f"posts = list(read_many([{str(src)!r}]))\n"
            "print(len(posts), sorted({m.split('.')[0] for m in sys.modules} & {'spacy', 'sklearn', 'scipy', 'skops'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "2 []"


# -- binary inputs: refused from their first bytes, in every text format ------------------

class _Zeros(io.RawIOBase):
    """A stream of NUL bytes as long as a 2 GB file, failing the test if read past 1 MB."""

    def __init__(self, size=2 * 1024**3):
        self.left, self.read_so_far = size, 0

    def readable(self):
        return True

    def readinto(self, buf):
        assert self.read_so_far < 1 << 20, "read past the first MB of a binary input"
        n = min(len(buf), self.left)
        buf[:n] = bytes(n)
        self.left -= n
        self.read_so_far += n
        return n


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "tsv", "txt"])
def test_binary_input_is_refused_after_sniffing_its_head_in_every_text_format(fmt):
    zeros = _Zeros()
    with pytest.raises(ReaderError, match=r"^<stdin>: looks binary, not text \(NUL bytes"):
        list(read_posts("-", fmt=fmt, stdin=io.BufferedReader(zeros)))
    assert zeros.read_so_far <= 64 * 1024


@pytest.mark.parametrize("name", ["zero.jsonl", "zero.json", "zero.csv", "zero.txt", "zero"])
def test_sparse_all_nul_file_is_refused_in_one_line(tmp_path, name):
    path = tmp_path / name
    with open(path, "wb") as fh:
        fh.truncate(2 * 1024**3)  # sparse: no disk used
    with pytest.raises(ReaderError) as info:
        list(read_many([path]))
    assert str(info.value) == (f"{path}: looks binary, not text (NUL bytes in its first few KB); if it is "
                               "text, give its --encoding")


def test_short_file_of_nul_bytes_is_binary_but_odd_bytes_stay_text(tmp_path):
    path = tmp_path / "short.jsonl"
    path.write_bytes(b"\0" * 40)
    with pytest.raises(ReaderError, match="looks binary, not text"):
        list(read_posts(path))
    legacy = tmp_path / "legacy.txt"
    legacy.write_bytes("caf\xe9 con leche\n".encode("latin-1"))
    [post] = read_posts(legacy)
    assert post.text == "café con leche" and post.flags == ("decoded_cp1252",)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("fmt,name", [("jsonl", "in.jsonl"), ("json", "in.json"), ("tsv", "in.tsv")])
def test_utf16_without_bom_is_read_in_every_text_format(tmp_path, codec, fmt, name):
    body = {"jsonl": '{"text": "hola"}\n{"text": "ciao"}\n', "json": '[{"text": "hola"}, {"text": "ciao"}]',
            "tsv": "id\ttext\n1\thola\n2\tciao\n"}[fmt]
    path = tmp_path / name
    path.write_bytes(body.encode(codec))
    with pytest.warns(ReaderWarning, match=f"read as {codec.upper()}"):
        posts = list(read_posts(path))
    assert [p.text for p in posts] == ["hola", "ciao"]


def test_sniff_utf16_needs_nul_bytes_at_every_other_position_and_readable_text():
    from analyzer.readers import sniff_utf16

    assert sniff_utf16("text\n".encode("utf-16-le")) == "utf-16-le"
    assert sniff_utf16("text\n".encode("utf-16-be")) == "utf-16-be"
    assert sniff_utf16(b"plain text\n") is None
    assert sniff_utf16(bytes(4096)) is None  # all NUL: binary, not UTF-16
    assert sniff_utf16(b"\x01\x00\x02\x00" * 100) is None  # control characters: binary


# -- JSON nested 100,000 deep: an error row (JSONL) or one line (JSON), never a RecursionError --

DEEP = "[" * 100_000 + "]" * 100_000


def test_jsonl_row_nested_too_deep_is_an_error_row_and_the_others_are_read(tmp_path):
    from analyzer.readers import TOO_DEEP

    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "text": "hola"}\n' + DEEP + '\n{"id": "c", "text": "ciao"}\n'
                    + '{"id": "d", "text": ' + DEEP + "}\n", "utf-8")
    posts = list(read_posts(path))
    assert [(p.id, p.status) for p in posts] == [("a", "ok"), ("row-2", "error"), ("c", "ok"),
                                                ("row-4", "error")]
    assert posts[1].error == posts[3].error == TOO_DEEP


def test_json_file_nested_too_deep_is_one_line(tmp_path):
    path = tmp_path / "in.json"
    path.write_text(DEEP, "utf-8")
    with pytest.raises(ReaderError) as info:
        list(read_many([path]))
    assert str(info.value) == (f"{path}: JSON nested too deeply to read (hundreds of arrays or "
                               "objects inside each other)")


@pytest.mark.parametrize("given", ["UTF_16LE", "utf-16-le", "UTF-16"])
def test_utf16_without_bom_with_a_utf16_encoding_given_is_read_without_a_warning(tmp_path, given):
    import warnings

    path = tmp_path / "in.txt"
    path.write_bytes("hola\nciao\n".encode("utf-16-le"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReaderWarning)
        posts = list(read_posts(path, encoding=given))
    assert [p.text for p in posts] == ["hola", "ciao"]
