"""Incremental JSON members with ijson: JS assignment prefix, trailing ';', repeated keys,
errors naming the member and line."""

from __future__ import annotations

import io
import json
from typing import IO

import ijson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.exports import jsonfile
from analyzer.exports.containers import Source
from analyzer.exports.jsonfile import JsonFile, first_item, open_json
from analyzer.readers import ReaderError


class _Memory(Source):
    """One member held in memory."""

    def __init__(self, data: bytes, label: str = "a.zip", member: str = "f.json"):
        super().__init__(label)
        self._data, self._member = data, member

    def _list(self) -> list[str]:
        return [self._member]

    def _open(self, member: str) -> IO[bytes]:
        return io.BytesIO(self._data)


def _doc(text: str, assignment: bool = False, chunk: int | None = None) -> JsonFile:
    source = _Memory(text.encode("utf-8"))
    return JsonFile(source, "f.json", source._open("f.json"), assignment=assignment, chunk=chunk)


def test_c_backend_is_used():
    assert ijson.backend == "yajl2_c"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**63 + 1, max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),  # yajl: 64-bit integers
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children,
                                                                       max_size=4),
    max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(json_values, max_size=8), st.integers(min_value=1, max_value=16),
       st.sampled_from(["", "window.YTD.tweets.part0 = ", "\ufeffwindow.YTD.tweets.part0 =\n"]),
       st.booleans())
def test_items_match_json_loads(items, chunk, prefix, indent):
    text = prefix + json.dumps(items, indent=2 if indent else None, ensure_ascii=False) + ";\n"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(jsonfile, "CHUNK", chunk)
        doc = _doc(text, assignment=True, chunk=chunk)
        assert doc.name == (prefix.lstrip("\ufeff").split("=")[0].strip() or None)
        assert doc.first == "["
        assert list(doc.items("item")) == items


def test_repeated_key_gives_the_items_of_every_array():
    text = ('{"type": "OrderedCollection", "totalItems": 3, "orderedItems": [], '
            '"orderedItems": [{"n": 1}, {"n": 2}, {"n": 3}]}')
    top: dict = {}
    assert list(_doc(text, chunk=5).items("orderedItems.item", top)) == [{"n": 1}, {"n": 2},
                                                                         {"n": 3}]
    assert top == {"type": "OrderedCollection", "totalItems": 3, "orderedItems": None}


def test_prefix_skips_other_members():
    text = '{"a": [1, {"b": "]"}], "items": [1, 2.5], "z": {"items": 3}}'
    assert list(_doc(text, chunk=3).items("items.item")) == [1, 2.5]


def test_first_list_of_a_wrapping_object():
    doc = _doc('{"label": "x", "group_posts_v2": [{"a": 1}, {"a": 2}], "other": [3]}')
    assert list(doc.first_list()) == [{"a": 1}, {"a": 2}]
    assert doc.found_list is True
    doc = _doc('{"label": "x"}')
    assert list(doc.first_list()) == []
    assert doc.found_list is False


@pytest.mark.parametrize("text, message", [
    ("[1, 2", "a.zip!f.json:1: invalid JSON (Expecting ',' delimiter)"),
    ('[\n{"a": 1}\n{"b": 2}]', "a.zip!f.json:3: invalid JSON (Expecting ',' delimiter, column 1)"),
    ("[1] extra", "a.zip!f.json:1: unexpected data after the JSON value: 'e'"),
    ('[\n\n"unterminated]', "a.zip!f.json:3: invalid JSON (Unterminated string starting at, "
                            "column 1)"),
    ('[1,\n NaN]', "a.zip!f.json:2: invalid JSON (lexical error: invalid char in json text.)"),
])
def test_errors_name_member_and_line(text, message):
    with pytest.raises(ReaderError) as err:
        list(_doc(text, chunk=4).items("item"))
    assert str(err.value) == message


def test_invalid_utf8_is_named():
    source = _Memory(b'["caf\xe9"]')
    with pytest.raises(ReaderError) as err, open_json(source, "f.json") as doc:
        list(doc.items("item"))
    assert str(err.value) == "a.zip!f.json: not valid UTF-8 text (invalid continuation byte)"


def test_assignment_must_come_first():
    with pytest.raises(ReaderError) as err:
        _doc("var tweets\n[1]", assignment=True)
    assert str(err.value) == ("a.zip!f.json:1: expected a JS assignment "
                              "`window.YTD.<type>.part<N> = [`, found 'var tweets'")


def test_value_and_line_of_the_value():
    doc = _doc("\n\nwindow.__THAR_CONFIG = {\"a\": [1]}", assignment=True)
    assert (doc.name, doc.first) == ("window.__THAR_CONFIG", "{")
    assert doc.error("x").line == 3
    assert doc.value() == {"a": [1]}


def test_first_item_of_a_cut_head():
    assert first_item(b'[{"a": 1}, {"b": [1, 2') == {"a": 1}
    assert first_item(b'[{"a": ') is None
    assert first_item(b"{}") is None


# -- nesting depth: stopped before ijson (whose memory grows with its square) sees it ----------

def _depth(value):
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


_tricky = st.sampled_from(list('[]{}"\\a'))
_values = st.recursive(st.none() | st.integers() | st.text(_tricky, max_size=6),
                       lambda kids: st.lists(kids, max_size=3)
                       | st.dictionaries(st.text(_tricky, max_size=3), kids, max_size=3),
                       max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(_values, st.lists(st.integers(1, 9), min_size=1, max_size=40))
def test_depth_guard_finds_the_nesting_depth_across_any_chunking(value, cuts):
    data = json.dumps(value).encode("utf-8")
    depth = _depth(value)
    for limit, stops in ((depth, False), (depth - 1, True)):
        if limit < 0:
            continue
        guard, pos, stopped = jsonfile._DepthGuard(limit), 0, False
        try:
            for cut in cuts * (len(data) // sum(cuts) + 1):
                guard.feed(data[pos:pos + cut])
                pos += cut
        except jsonfile.TooDeep:
            stopped = True
        assert stopped is stops, (data, limit)


@pytest.mark.parametrize("depth", [100_000, jsonfile.MAX_DEPTH + 1])
def test_member_nested_too_deep_is_one_line_naming_it(depth):
    text = '{"orderedItems": [{"a": ' + "[" * depth + "]" * depth + "}]}"
    with pytest.raises(ReaderError) as err:
        list(_doc(text).items("orderedItems.item"))
    assert str(err.value) == ("a.zip!f.json:1: JSON nested too deeply to read (hundreds of arrays "
                              "or objects inside each other)")


def test_member_nested_within_the_limit_is_read():
    depth = jsonfile.MAX_DEPTH - 1
    [item] = _doc("[" + "[" * depth + "]" * depth + "]", chunk=7).items("item")
    levels = 0
    while isinstance(item, list):
        item, levels = (item[0] if item else None), levels + 1
    assert levels == depth


def test_first_item_of_a_head_nested_too_deep_is_none():
    assert first_item(b"[" * 65536) is None
    assert first_item(b'[{"a": "[[[["}]') == {"a": "[[[["}
