"""A row's raw fields (``RawRow``) and the Post made of them.

Taking the fields out of a record is cheap and done where the file is read; normalising
them into a Post (text, dates, labels) is the costly part, so a reading process can hand
RawRows (plain tuples, cheap to pickle) to workers that call ``post_from_fields``.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, NamedTuple

from ..posts import FUNCTION_LABEL, LabelError, Post, normalize_lang, normalize_text, parse_date, parse_function, parse_label
from .layout import lookup

__all__ = ["RawRow", "as_str", "extract", "materialize", "post_from_fields", "to_post"]


class RawRow(NamedTuple):
    """The raw values of one row's fields, before normalisation. ``default_id`` is the id
    the post gets when ``id`` is blank; ``labels`` says whether label fields were read."""

    default_id: str
    flags: tuple[str, ...]
    error: str | None
    text: Any = None
    id: Any = None
    author: Any = None
    created_at: Any = None
    lang: Any = None
    platform: Any = None
    labels: bool = False
    label: Any = None
    function: Any = None


def as_str(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (bytes, bytearray)):
        value = _decode(value)[0]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


_make = RawRow._make  # tuple.__new__: a RawRow a row without NamedTuple's Python-level __new__


def extract(record: Any, flags: tuple[str, ...], error: str | None, cols: dict[str, str | None],
            default_id: str, labels: bool) -> RawRow:
    """The raw values of one row's fields, looked up in ``cols`` (none for a row that is
    not an object)."""
    if record is None:
        return _make((default_id, flags, error, None, None, None, None, None, None, labels, None, None))
    get = lambda field: lookup(record, cols[field]) if cols.get(field) else None  # noqa: E731
    return _make((default_id, flags, error, get("text"), get("id"), get("author"), get("created_at"),
                  get("lang"), get("platform"), labels, get("label") if labels else None,
                  get("function") if labels else None))


def _decode(value: Any) -> tuple[Any, bool]:
    """Bytes (a Parquet binary column) as UTF-8 text, invalid bytes replaced; whether any were."""
    if not isinstance(value, (bytes, bytearray)):
        return value, False
    try:
        return bytes(value).decode("utf-8"), False
    except UnicodeDecodeError:
        return bytes(value).decode("utf-8", "replace"), True


def post_from_fields(row: RawRow) -> Post:
    """A Post from the raw fields ``extract`` took from a row (normalised, flagged); any
    tuple in RawRow's field order will do."""
    (default_id, flags, error, raw_text, raw_id, raw_author, raw_date, raw_lang, raw_platform,
     labels, raw_label, raw_function) = row
    values = (raw_text, raw_id, raw_author, raw_date, raw_lang, raw_platform, raw_label,
              raw_function)
    if any(isinstance(v, (bytes, bytearray)) for v in values):  # Parquet binary columns
        decoded = [_decode(v) for v in values]
        values = tuple(v for v, _ in decoded)
        if any(bad for _, bad in decoded) and "invalid_utf8" not in flags:
            flags = (*flags, "invalid_utf8")
    raw_text, raw_id, raw_author, raw_date, raw_lang, raw_platform, raw_label, raw_function = values
    meta: dict[str, Any] = {}
    if isinstance(raw_text, (dict, list)):
        error = f"text is a {type(raw_text).__name__}, expected a string"
        raw_text = None
    text, text_flags = normalize_text(raw_text)
    all_flags = list(flags) + list(text_flags)
    created = parse_date(raw_date)
    if created is None and as_str(raw_date) is not None:
        all_flags.append("bad_date")
    label = function = None
    if labels:
        try:
            function = parse_function(raw_function)
            label = parse_label(raw_label) if as_str(raw_label) or function is None else FUNCTION_LABEL[function]
            if function is not None and FUNCTION_LABEL[function] is not label:
                label = None
                meta["label_raw"] = f"{raw_label} (function {function} is {FUNCTION_LABEL[function].value})"
        except LabelError:
            meta["label_raw"] = raw_label if function is not None or raw_function is None else raw_function
    platform = as_str(raw_platform)
    return Post(
        id=as_str(raw_id) or default_id,
        text=text,
        author=as_str(raw_author),
        created_at=created,
        lang=normalize_lang(as_str(raw_lang)),
        platform=platform.lower() if platform else None,
        label=label,
        function=function,
        flags=tuple(all_flags),
        error=error,
        meta=meta,
    )


def materialize(items: Iterable[Any]) -> list[Post]:
    """Posts from what ``read_many(..., raw=True)`` yields (Posts or RawRows)."""
    return [x if isinstance(x, Post) else post_from_fields(x) for x in items]


def to_post(record: Any, flags: tuple[str, ...], error: str | None,
            cols: dict[str, str | None], default_id: str, labels: bool) -> Post:
    return post_from_fields(extract(record, flags, error, cols, default_id, labels))


