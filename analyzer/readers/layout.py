"""Which column holds each field: the user's choice or a usual name, settled once per file
(over the first objects for JSON, whose objects may each have other keys)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Iterable, Mapping

from ..errors import ReaderError
from .records import Record
from .warning import warn as _warn

__all__ = ["ALIASES", "Columns", "Layout", "SAMPLE", "first_object", "lookup", "settle"]

ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("text", "full_text", "content", "message", "post", "caption", "body", "tweet",
             "status", "post_text", "texto", "testo"),
    "id": ("id", "post_id", "tweet_id", "id_str", "status_id", "uuid", "guid"),
    "author": ("author", "user", "username", "user_name", "screen_name", "account", "handle",
               "author_name", "owner", "from", "autor", "autore"),
    "created_at": ("created_at", "date", "timestamp", "time", "created", "published",
                   "posted_at", "datetime", "publish_date", "created_time", "fecha", "data"),
    "lang": ("lang", "language", "locale", "idioma", "lingua"),
    "label": ("label", "labels", "class", "category", "y", "target", "annotation"),
    "platform": ("platform", "network", "channel", "social_network", "plataforma", "piattaforma"),
    "function": ("function", "funcion", "función", "funzione"),
}


@dataclass(frozen=True)
class Columns:
    """Column names chosen by the user; None means "find it by its usual names"."""

    text: str | None = None
    id: str | None = None
    author: str | None = None
    created_at: str | None = None
    lang: str | None = None
    label: str | None = None
    platform: str | None = None
    function: str | None = None


_MISSING = object()


def _find(record: Mapping[str, Any], key: str) -> Any:
    """The value of ``key``, a column or a dotted path into nested objects; _MISSING if absent."""
    if key in record:
        return record[key]
    value: Any = record
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def lookup(record: Mapping[str, Any], key: str) -> Any:
    if key in record:  # the usual case, without a call
        return record[key]
    value = _find(record, key)
    return None if value is _MISSING else value


def _has(record: Mapping[str, Any], key: str) -> bool:
    return _find(record, key) is not _MISSING


def _match(name: str, keys: Mapping[str, Any], chosen: Columns, warn: bool = True,
           keep_chosen: bool = False) -> dict[str, str | None]:
    """Each field's column among ``keys``: the chosen name (exactly, else ignoring case) or the
    first alias present; None when absent (``keep_chosen``: the chosen name even so)."""
    lowered: dict[str, list[Any]] = {}  # names differing only in case: the first one is used
    for k in keys:
        lowered.setdefault(str(k).strip().lower(), []).append(k)

    def pick(field: str, low: str) -> Any:
        found = lowered[low]
        if len(found) > 1 and warn:
            names = ", ".join(repr(str(k)) for k in found)
            option = _OPTION.get(field)
            _warn(name, f"columns {names} differ only in case: {str(found[0])!r} is used as the "
                        f"{field} column" + (f"; choose another with {option}" if option else ""))
        return found[0]

    out: dict[str, str | None] = {}
    for field in fields(Columns):
        want = getattr(chosen, field.name)
        if want is not None:
            if _has(keys, want):
                out[field.name] = want
            elif want.lower() in lowered:
                out[field.name] = pick(field.name, want.lower())
            else:
                out[field.name] = want if keep_chosen else None
            continue
        alias = next((a for a in ALIASES[field.name] if a in lowered), None)
        out[field.name] = pick(field.name, alias) if alias is not None else None
    return out


def _check(name: str, cols: dict[str, str | None], keys: Iterable[Any], chosen: Columns,
           labels: bool) -> dict[str, str | None]:
    """Refuse a file whose chosen columns, text column (or label column) are missing."""
    for field in fields(Columns):
        want = getattr(chosen, field.name)
        if want is not None and cols[field.name] is None:
            raise ReaderError(name, f"column {want!r} not found; columns: {_columns(keys)}")
    if cols["text"] is None:
        raise ReaderError(
            name, f"no text column (looked for {', '.join(ALIASES['text'])}); "
            f"columns: {_columns(keys)}; choose one with --text-col")
    if labels and cols["label"] is None and cols["function"] is None:
        raise ReaderError(
            name, f"no label column (looked for {', '.join(ALIASES['label'])}); "
            f"columns: {_columns(keys)}; choose one with --label-col")
    return cols


def _resolve(name: str, keys: Mapping[str, Any], chosen: Columns, labels: bool,
             warn: bool = True) -> dict[str, str | None]:
    return _check(name, _match(name, keys, chosen, warn), keys, chosen, labels)


SAMPLE = 1000  # JSON objects a file's columns are settled over


class Layout:
    """Where a file's fields are. Tables (CSV, Parquet) have one header: ``cols``. JSON
    objects may each have other keys: ``per_row`` looks every object's fields up in its own
    keys (cached per key set), and an object without a text field is an error row; ``cols``
    then holds the columns found over the first objects (``SAMPLE``)."""

    def __init__(self, cols: dict[str, str | None], per_row: bool = False,
                 chosen: Columns | None = None):
        self.cols, self.per_row, self.chosen = cols, per_row, chosen or Columns()
        self._cache: dict[tuple, dict[str, str | None]] = {}

    def __getstate__(self) -> dict:  # sent to workers without the cache
        return {"cols": self.cols, "per_row": self.per_row, "chosen": self.chosen, "_cache": {}}

    def row(self, record: Any) -> tuple[dict[str, str | None], str | None]:
        """The columns of one record, and the error of a record without a text field."""
        if not self.per_row or not isinstance(record, Mapping):
            return self.cols, None
        key = tuple(record)
        cols = self._cache.get(key)
        if cols is None:
            cols = _match("", record, self.chosen, warn=False, keep_chosen=True)
            if len(self._cache) < 4096:
                self._cache[key] = cols
        if cols["text"] is None or not _has(record, cols["text"]):
            wanted = repr(self.chosen.text) if self.chosen.text else "text"
            return cols, f"no {wanted} field in this object"
        return cols, None


def settle(name: str, fmt: str, window: list[Any], chosen: Columns, labels: bool) -> Layout:
    """The layout of a file from its first records that are objects (``window``)."""
    if fmt == "txt":
        if labels:
            raise ReaderError(name, "plain text has no label column; use CSV or JSONL")
        return Layout(_txt_columns())
    objects = [r for r in window if isinstance(r, Mapping)]
    if fmt not in ("json", "jsonl"):
        return Layout(_resolve(name, objects[0], chosen, labels))
    keys = dict.fromkeys(k for r in objects for k in r)  # every key met, in order
    cols: dict[str, str | None] = dict.fromkeys(f.name for f in fields(Columns))
    seen: set[tuple] = set()
    for r in objects:
        if tuple(r) in seen:
            continue
        seen.add(tuple(r))
        for field, col in _match(name, r, chosen).items():
            if cols[field] is None:
                cols[field] = col
    return Layout(_check(name, cols, keys, chosen, labels), per_row=True, chosen=chosen)


def first_object(window: Iterable[Record]) -> int | None:
    return next((i for i, r in enumerate(window) if isinstance(r[1], Mapping)), None)


# the command-line option choosing each field's column
_OPTION = {"text": "--text-col", "id": "--id-col", "author": "--author-col",
           "created_at": "--date-col", "lang": "--lang-col", "label": "--label-col"}


def _columns(keys: Iterable[Any]) -> str:
    names = [str(k)[:40] for k in keys]
    shown = ", ".join(names[:30]) or "(none)"
    return shown + (f" ... ({len(names)} in all)" if len(names) > 30 else "")


def _txt_columns() -> dict[str, str | None]:
    """Plain text has one field per line: the text."""
    return {f.name: None for f in fields(Columns)} | {"text": "text"}

