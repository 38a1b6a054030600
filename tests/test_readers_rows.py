"""RawRow: a row's raw fields as a named tuple, and the Post made of it."""

import pickle
from datetime import datetime

from analyzer.posts import Label
from analyzer.readers import RawRow, materialize, post_from_fields, read_posts


def test_rawrow_is_a_tuple_with_named_fields():
    row = RawRow("7", ("decoded_cp1252",), None, " hi ", None, "ana", "2026-01-02", "ES", "X")
    assert isinstance(row, tuple) and len(row) == 12
    assert row._fields == ("default_id", "flags", "error", "text", "id", "author", "created_at",
                           "lang", "platform", "labels", "label", "function")
    assert (row.labels, row.label, row.function) == (False, None, None)
    assert pickle.loads(pickle.dumps(row)) == row
    assert post_from_fields(tuple(row)) == post_from_fields(row)  # a plain tuple still works


def test_post_from_fields_normalises():
    post = post_from_fields(RawRow("7", (), None, " hi ", None, "ana", "2026-01-02", "ES", "X",
                                   True, "networking"))
    assert (post.id, post.text, post.author, post.lang, post.platform, post.label) == \
        ("7", "hi", "ana", "es", "x", Label.NETWORKING)
    assert post.created_at == datetime(2026, 1, 2)
    binary = post_from_fields(RawRow("1", (), None, b"caf\xc3\xa9", b"\xff"))
    assert (binary.text, binary.id, binary.flags) == ("café", "\ufffd", ("invalid_utf8",))
    error = post_from_fields(RawRow("2", (), "line is a JSON list, expected an object"))
    assert (error.id, error.text, error.status) == ("2", "", "error")


def test_read_posts_raw_yields_rawrows(tmp_path):
    src = tmp_path / "p.jsonl"
    src.write_text('{"text": "hi", "user": "ana", "id": 5}\n[1]\n', "utf-8")
    rows = list(read_posts(src, raw=True))
    assert rows == [RawRow("5", (), None, "hi", 5, "ana"),
                    RawRow("row-2", (), "line is a JSON list, expected an object")]
    assert materialize(rows) == list(read_posts(src))
