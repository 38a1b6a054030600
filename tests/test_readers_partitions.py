"""iter_records over byte ranges, and the index and partitions the Dask engine reads by."""

import gzip

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analyzer.readers import (Columns, ReaderError, index_file, iter_records, plan_partitions,
                              post_from_fields, read_posts)

TRICKY_CSV = ('id,text,author\n'
              'a1,"first, with a comma",ana\n'
              '\n'
              ',"a quoted\nnewline",bo\n'
              'row-4,"takes the id a blank row 4 would get",cy\n'
              ',plain,\n'
              'a5,"ends ""quoted""",dee\n')


def whole(path, **kwargs):
    return list(iter_records(path, **kwargs))


def test_a_csv_cut_anywhere_in_two_ranges_reads_every_row_once_with_the_same_ids(tmp_path):
    src = tmp_path / "posts.csv"
    src.write_text(TRICKY_CSV, "utf-8")
    want = whole(src)
    assert [r.default_id for r in want] == ["a1", "row-2", "row-4", "row-4-2", "a5"]
    size = src.stat().st_size
    index = index_file(src, every=2)
    for cut in range(size + 1):
        got = list(iter_records(src, "csv", (0, cut), index=index)) + \
            list(iter_records(src, "csv", (cut, None), index=index))
        assert got == want, cut
    # without an index, iter_records indexes the file itself
    assert whole(src, byte_range=(0, 40)) + whole(src, byte_range=(40, None)) == want


def test_ranges_of_jsonl_text_and_gzip_read_like_the_whole_file(tmp_path):
    jsonl = tmp_path / "p.jsonl"
    jsonl.write_text('"x"\n{"text": "a", "id": "row-3"}\n\n{"text": "b"}\n{"other": 1}\n'
                     '{"text": "c", "id": ""}\n', "utf-8")
    txt = tmp_path / "p.txt"
    txt.write_text("one\ntwo\n\nfour\n", "utf-8")
    gz = tmp_path / "p.csv.gz"
    gz.write_bytes(gzip.compress(TRICKY_CSV.encode()))
    for src, size in ((jsonl, jsonl.stat().st_size), (txt, txt.stat().st_size),
                      (gz, len(TRICKY_CSV.encode()))):
        want = whole(src)
        index = index_file(src, every=1)
        for cut in range(size + 1):
            got = [*iter_records(src, None, (0, cut), index=index),
                   *iter_records(src, None, (cut, None), index=index)]
            assert got == want, (src.name, cut)
    assert [r.default_id for r in whole(jsonl)] == ["row-1", "row-3", "row-3-2", "row-4", "row-5"]


def test_parquet_ranges_count_rows(tmp_path):
    src = tmp_path / "p.parquet"
    pq.write_table(pa.table({"text": [f"post {i}" for i in range(10)],
                             "id": ["", "x", "", "row-1", "", "y", "", "", "z", ""]}),
                   src, row_group_size=3)
    want = whole(src)
    assert [r.default_id for r in want][:4] == ["row-1-2", "x", "row-3", "row-1"]
    for cut in range(11):
        assert whole(src, byte_range=(0, cut)) + whole(src, byte_range=(cut, None)) == want


def test_index_marks_and_partitions(tmp_path):
    src = tmp_path / "posts.csv"
    src.write_text(TRICKY_CSV, "utf-8")
    index = index_file(src, every=2)
    head = len("id,text,author\na1,\"first, with a comma\",ana\n")
    assert (index.kind, index.rows, index.head, index.taken) == ("text", 5, head, frozenset({"row-4"}))
    assert [rows for _, rows in index.marks] == [0, 2, 4]
    parts = plan_partitions([str(src), str(src)], None, Columns(), 2)
    assert [(p.index, p.rows, p.prefix, p.kind) for p in parts] == \
        [(i, n, "posts.csv", "text") for i, n in enumerate((2, 2, 1, 2, 2, 1))]
    posts = [post_from_fields(r) for p in parts
             for r in iter_records(p.file.path, p.file.fmt, p.byte_range, id_prefix=p.prefix,
                                   index=p.file)]
    assert posts == [*read_posts(src, id_prefix="posts.csv")] * 2


def test_inputs_that_cannot_be_cut_are_whole(tmp_path):
    src = tmp_path / "p.json"
    src.write_text('[{"text": "a"}, {"text": "b"}]', "utf-8")
    index = index_file(src)
    assert (index.kind, index.rows, index.ranges()) == ("whole", 2, [(None, 2)])
    with pytest.raises(ReaderError, match=r"p\.json: cannot be read in byte ranges"):
        whole(src, byte_range=(0, None))
    cr = tmp_path / "cr.csv"
    cr.write_bytes(b"text\rone\rtwo\r")
    assert index_file(cr).kind == "whole"
    empty = tmp_path / "empty.csv"
    empty.write_text("text\n", "utf-8")
    assert (index_file(empty).rows, index_file(empty).ranges()) == (0, [])
