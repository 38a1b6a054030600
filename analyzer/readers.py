"""Read posts from tables and text: CSV, TSV, JSON Lines, JSON arrays, Parquet, plain text, stdin.

Readers stream: they yield one Post per input row, in order, and never drop
a row. A row that cannot be used becomes a Post with ``error`` set; a file
that cannot be parsed at all raises ReaderError naming the file and line.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import json
import math
import re
import sys
import warnings
import zlib
from collections import deque
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Mapping

from .errors import CSV_FIELD_LIMIT, TOO_DEEP, ReaderError, UsageError
from .posts import FUNCTION_LABEL, LabelError, Post, normalize_lang, normalize_text, parse_date, parse_function, parse_label

__all__ = [
    "ALIASES",
    "Columns",
    "FORMATS",
    "ReaderError",
    "ReaderWarning",
    "detect_format",
    "materialize",
    "post_from_fields",
    "read_posts",
    "read_records",
    "sniff_utf16",
]

FORMATS = ("csv", "tsv", "jsonl", "json", "parquet", "txt")
_SUFFIXES = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".json": "json", ".parquet": "parquet", ".pq": "parquet", ".txt": "txt", ".text": "txt",
}
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


class ReaderWarning(UserWarning):
    """Something in an input the reader resolved one way that the user should know about
    (repeated column names); ``str()`` is one line naming the file."""


def _warn(name: str, message: str) -> None:
    warnings.warn(ReaderWarning(f"{name}: {message}"), stacklevel=3)


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


def detect_format(name: str) -> str | None:
    """Format from a file name (``posts.csv.gz`` -> csv); None when the name says nothing."""
    suffixes = [s.lower() for s in Path(name).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return _SUFFIXES.get(suffixes[-1]) if suffixes else None


# -- opening -----------------------------------------------------------------

def _open(source: str | Path, stdin: IO[bytes] | None) -> tuple[str, IO[bytes]]:
    if str(source) == "-":
        raw = stdin if stdin is not None else sys.stdin.buffer
        return "<stdin>", raw
    path = Path(source)
    name = str(path)
    if path.is_dir():
        raise ReaderError(name, "is a directory, expected a file")
    try:
        return name, open(path, "rb")
    except FileNotFoundError:
        raise ReaderError(name, "file not found") from None
    except PermissionError:
        raise ReaderError(name, "permission denied") from None
    except OSError as exc:
        raise ReaderError(name, f"cannot open ({exc.strerror})") from None


def _buffered(stream: IO[bytes]) -> IO[bytes]:
    if hasattr(stream, "peek"):
        return stream
    return io.BufferedReader(stream)  # type: ignore[arg-type]


def _maybe_gunzip(name: str, stream: IO[bytes]) -> IO[bytes]:
    head = stream.peek(2)[:2]  # type: ignore[attr-defined]
    if head == b"\x1f\x8b":
        return _buffered(gzip.GzipFile(fileobj=stream, mode="rb"))  # type: ignore[arg-type]
    return stream


def _sniff(head: bytes) -> str:
    if head.startswith(b"PAR1"):
        return "parquet"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return "jsonl"
    if text.startswith(b"["):
        return "json"
    first = _first_line(text).decode("utf-8", "replace").strip().lower()
    for fmt, sep in (("tsv", "\t"), ("csv", ","), ("csv", ";")):
        cells = [c.strip().strip('"').strip() for c in first.split(sep)]
        if len(cells) > 1 and set(cells) & set(ALIASES["text"]):
            return fmt
    return "txt"


# -- line decoding -------------------------------------------------------------

_LONE_CR = re.compile(rb"(?<=\r)(?!\n)")  # after a CR that is not part of CRLF
_LINE_END = re.compile(rb"\r\n|\r|\n")


def _first_line(data: bytes) -> bytes:
    """The first line of ``data``, ending at LF, CRLF or a lone CR (old Mac files)."""
    return _LINE_END.split(data, 1)[0]


def _split_cr(raw: bytes) -> list[bytes]:
    """One LF-terminated chunk as lines, a lone CR ending a line as LF and CRLF do
    (terminators kept, so the CSV parser still sees CRs inside quoted fields)."""
    if b"\r" not in raw or (raw.endswith(b"\r\n") and raw.count(b"\r") == 1):
        return [raw]
    return [piece for piece in _LONE_CR.split(raw) if piece]


# the flag of a row that was not valid UTF-8 and was read as Windows-1252 (Latin-1) instead
DECODED_CP1252 = "decoded_cp1252"


def check_encoding(encoding: str | None) -> str | None:
    """The codec's canonical name (``latin1`` -> ``iso8859-1``); ValueError for unknown names."""
    if encoding is None:
        return None
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise UsageError(f"unknown encoding {encoding!r} (e.g. utf-8, utf-16, cp1252, latin-1)") from None


class _Lines:
    """Decoded lines of a byte stream; remembers which lines needed a fallback.

    With no ``encoding``: UTF-16 when the stream starts with its byte-order mark, else
    UTF-8 (BOM skipped), line by line; a line that is not valid UTF-8 is read as
    Windows-1252 (the usual legacy encoding of Spanish and Italian spreadsheets, a superset
    of Latin-1's printable characters) and remembered in ``fallback``, never turned into
    replacement characters. With an ``encoding``, lines are decoded with it; bytes it cannot
    decode become U+FFFD and the line is remembered in ``bad``.
    """

    def __init__(self, stream: IO[bytes], encoding: str | None = None):
        self.stream = stream
        self.encoding = check_encoding(encoding)
        self.bad: set[int] = set()
        self.fallback: set[int] = set()
        self.count = 0

    def flags(self, line: int) -> tuple[str, ...]:
        """The decoding flags of one line."""
        if line in self.fallback:
            return (DECODED_CP1252,)
        return ("invalid_utf8" if self.encoding in (None, "utf-8") else "invalid_encoding",) \
            if line in self.bad else ()

    def __iter__(self) -> Iterator[str]:
        head = self.stream.peek(4)[:4]  # type: ignore[attr-defined]
        wide = self.encoding is not None and self.encoding.startswith(("utf-16", "utf-32"))
        if wide or (self.encoding is None and head[:2] in (b"\xff\xfe", b"\xfe\xff")):
            # UTF-16 with BOM, as spreadsheet "Unicode text" exports are
            text = io.TextIOWrapper(self.stream, encoding=self.encoding or "utf-16", errors="replace",
                                    newline="")
            for line in text:
                self.count += 1
                yield line
            return
        codec = self.encoding or "utf-8"
        for chunk in self.stream:
            for raw in _split_cr(chunk):
                self.count += 1
                if self.count == 1 and codec == "utf-8" and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                try:
                    yield raw.decode(codec)
                except UnicodeDecodeError:
                    if self.encoding is None:
                        self.fallback.add(self.count)
                        # the five bytes cp1252 leaves undefined are C1 controls in Latin-1
                        yield raw.decode("cp1252", "strict") if _cp1252_ok(raw) else raw.decode("latin-1")
                    else:
                        self.bad.add(self.count)
                        yield raw.decode(codec, "replace")


def _cp1252_ok(raw: bytes) -> bool:
    return not any(b in raw for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"))


_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x7fELF", b"BZh",
          b"\xfd7zXZ", b"PAR1", b"SQLite format")


_HEAD = 8192  # bytes of a text input looked at before any row is read


def sniff_utf16(head: bytes) -> str | None:
    """``utf-16-le`` / ``utf-16-be`` for text written as UTF-16 without a byte-order mark
    (NUL bytes at every other position of the first KB, and it decodes as readable text);
    None otherwise."""
    head = head[:1024]
    head = head[:len(head) - len(head) % 2]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    half = len(head) // 2
    for codec, high, low in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if high.count(0) >= 0.7 * half and low.count(0) <= 0.1 * half:
            try:
                text = head.decode(codec)
            except UnicodeDecodeError:  # a lone surrogate: cut at the end of the head, or not text
                text = head[:-2].decode(codec, "replace")
            controls = sum(1 for c in text if c < " " and c not in "\t\r\n") + text.count("\ufffd")
            if controls <= 0.05 * len(text):
                return codec
    return None


def _text_encoding(name: str, head: bytes, encoding: str | None) -> str | None:
    """The encoding to read a text input with: the one given, or UTF-16 detected without
    its BOM (a warning says so); refuses binary input (``_check_not_binary``)."""
    encoding = check_encoding(encoding)  # canonical: utf_16LE -> utf-16-le
    utf16 = sniff_utf16(head) if head[:2] not in (b"\xff\xfe", b"\xfe\xff") else None
    if utf16 is not None and encoding in (None, "utf-16"):  # utf-16 alone needs a BOM for its order
        if encoding is None:
            _warn(name, f"no byte-order mark, but NUL bytes at every other position: read as "
                        f"{utf16.upper()} (give --encoding to read it otherwise)")
        return utf16
    if utf16 is not None and not encoding.startswith("utf-16"):
        raise ReaderError(name, f"looks like {utf16.upper()} text without a byte-order mark, not "
                                f"{encoding}; use --encoding {utf16}")
    _check_not_binary(name, head, encoding)
    return encoding


def _check_not_binary(name: str, head: bytes, encoding: str | None = None) -> None:
    """Refuse images, archives, zero-filled and other binary files fed in as text, from
    their first bytes (``head``), before they become rows or are read whole."""
    head = head[:_HEAD]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or (encoding or "").lower().replace("_", "-").startswith(
            ("utf-16", "utf16", "utf-32", "utf32")):
        return
    if head.startswith(b"PK\x03\x04"):
        raise ReaderError(name, "is a zip archive with no platform export in it (or a damaged one); "
                                "unzip it and give the posts file")
    if head.startswith(_MAGIC):
        raise ReaderError(name, "looks binary, not text (an image, archive or database)")
    nul = head.count(0)
    # short files with odd bytes are text in a legacy encoding, flagged per row; NULs are not
    if nul * 10 > len(head) and (len(head) >= 512 or nul * 2 > len(head)):
        raise ReaderError(name, "looks binary, not text (NUL bytes in its first few KB); "
                                "if it is text, give its --encoding")
    if len(head) >= 512:
        decoded = head.decode("utf-8", "replace")
        if decoded.count("\ufffd") > 0.3 * len(decoded):
            raise ReaderError(name, "looks binary, not text (mostly bytes that are not UTF-8)")


# -- record iterators: yield (row number, record or None, flags, error) ----------

Record = tuple[int, Any, tuple[str, ...], "str | None"]


def _csv_records(name: str, stream: IO[bytes], delimiter: str | None,
                 encoding: str | None = None) -> Iterator[Record]:
    lines = _Lines(stream, encoding)
    it = iter(lines)
    csv.field_size_limit(CSV_FIELD_LIMIT)
    if delimiter is None:
        head = _first_line(stream.peek(65536)[:65536])  # type: ignore[attr-defined]
        counts = {d: head.count(d.encode()) for d in (",", ";", "\t", "|")}
        delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    reader = csv.reader(it, delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ReaderError(name, f"invalid CSV header ({exc})", lines.count) from None
    if header is None:
        return
    header = [h.strip() for h in header]
    width = len(header)
    keep = _first_of_repeated(name, header)  # positions to read; None: every name is unique
    n = 0
    prev_line = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ReaderError(name, f"invalid CSV ({exc})", reader.line_num) from None
        if not row:
            prev_line = reader.line_num
            continue
        n += 1
        flags = list(dict.fromkeys(f for line in range(prev_line + 1, reader.line_num + 1)
                                   for f in lines.flags(line)))
        if len(row) != width:
            flags.append("missing_fields" if len(row) < width else "extra_fields")
        prev_line = reader.line_num
        record = dict.fromkeys(header)  # every column present, missing fields as None
        if keep is None:
            record.update(zip(header, row))
        else:  # a repeated name takes its first column's value
            record.update((header[i], row[i]) for i in keep if i < len(row))
        yield n, record, tuple(flags), None


def _first_of_repeated(name: str, header: list[str]) -> list[int] | None:
    """Warn about header names given to several columns; the positions of first occurrences."""
    positions: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        positions.setdefault(h, []).append(i)
    repeated = {h: at for h, at in positions.items() if len(at) > 1}
    if not repeated:
        return None
    for h, at in repeated.items():
        where = ", ".join(str(i + 1) for i in at[:-1]) + f" and {at[-1] + 1}"
        _warn(name, f"columns {where} are {'both' if len(at) == 2 else 'all'} named {h!r}: "
                    f"column {at[0] + 1} is used, "
                    f"the other{'s' if len(at) > 2 else ''} ignored; rename them to read them")
    return sorted(at[0] for at in positions.values())


# why a JSON value nested deeper than the decoders go (Python: about 1,000 levels) is refused


def _jsonl_records(name: str, stream: IO[bytes], encoding: str | None = None) -> Iterator[Record]:
    lines = _Lines(stream, encoding)
    n = 0
    for line in lines:
        if not line.strip():
            continue
        n += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ReaderError(name, f"invalid JSON ({exc.msg}, column {exc.colno})", lines.count) from None
        except RecursionError:  # one row nested too deep to decode: that row is an error row
            yield n, None, lines.flags(lines.count), TOO_DEEP
            continue
        flags = lines.flags(lines.count)
        if isinstance(obj, dict):
            yield n, obj, flags, None
        else:
            yield n, None, flags, f"line is a JSON {type(obj).__name__}, expected an object"


def _json_records(name: str, stream: IO[bytes], encoding: str | None = None) -> Iterator[Record]:
    raw = stream.read()
    flags: tuple[str, ...] = ()
    encoding = check_encoding(encoding)
    if encoding is not None and encoding != "utf-8":
        text = raw.decode(encoding, "replace")
        flags = ("invalid_encoding",) if "\ufffd" in text else ()
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "replace")
            flags = ("invalid_utf8",)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReaderError(name, f"invalid JSON ({exc.msg})", exc.lineno) from None
    except RecursionError:
        raise ReaderError(name, TOO_DEEP) from None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise ReaderError(name, "expected a JSON array of objects (or an object holding one array)")
        data = lists[0]
    if not isinstance(data, list):
        raise ReaderError(name, f"expected a JSON array of objects, found a {type(data).__name__}")
    for n, obj in enumerate(data, 1):
        if isinstance(obj, dict):
            yield n, obj, flags, None
        else:
            yield n, None, flags, f"item is a JSON {type(obj).__name__}, expected an object"


def _parquet_records(name: str, stream: IO[bytes]) -> Iterator[Record]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    source: Any = stream
    if not (hasattr(stream, "seekable") and stream.seekable()):
        source = io.BytesIO(stream.read())
    try:
        pf = pq.ParquetFile(source)
        n = 0
        for batch in pf.iter_batches(batch_size=4096):
            for rec in batch.to_pylist():
                n += 1
                yield n, rec, (), None
    except (pa.ArrowException, OSError) as exc:
        raise ReaderError(name, f"invalid Parquet ({exc})") from None


def _txt_records(name: str, stream: IO[bytes], encoding: str | None = None) -> Iterator[Record]:
    lines = _Lines(stream, encoding)
    for n, line in enumerate(lines, 1):
        flags = lines.flags(n)
        yield n, {"text": line.rstrip("\r\n")}, flags, None


# -- records -> posts ----------------------------------------------------------

def _lookup(record: Mapping[str, Any], key: str) -> Any:
    if key in record:
        return record[key]
    value: Any = record
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _has(record: Mapping[str, Any], key: str) -> bool:
    if key in record:
        return True
    value: Any = record
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False
        value = value[part]
    return True


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


class _Layout:
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


def _settle(name: str, fmt: str, window: list[Any], chosen: Columns, labels: bool) -> _Layout:
    """The layout of a file from its first records that are objects (``window``)."""
    if fmt == "txt":
        if labels:
            raise ReaderError(name, "plain text has no label column; use CSV or JSONL")
        return _Layout(_txt_columns())
    objects = [r for r in window if isinstance(r, Mapping)]
    if fmt not in ("json", "jsonl"):
        return _Layout(_resolve(name, objects[0], chosen, labels))
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
    return _Layout(_check(name, cols, keys, chosen, labels), per_row=True, chosen=chosen)


def _first_object(window: Iterable[Record]) -> int | None:
    return next((i for i, r in enumerate(window) if isinstance(r[1], Mapping)), None)


# the command-line option choosing each field's column
_OPTION = {"text": "--text-col", "id": "--id-col", "author": "--author-col",
           "created_at": "--date-col", "lang": "--lang-col", "label": "--label-col"}


def _columns(keys: Iterable[Any]) -> str:
    names = [str(k)[:40] for k in keys]
    shown = ", ".join(names[:30]) or "(none)"
    return shown + (f" ... ({len(names)} in all)" if len(names) > 30 else "")


def _as_str(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (bytes, bytearray)):
        value = _decode(value)[0]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _extract(record: Any, flags: tuple[str, ...], error: str | None, cols: dict[str, str | None],
             default_id: str, labels: bool) -> tuple:
    """The raw values of one row's fields: cheap, so a reading process can hand rows
    to scoring workers, which normalise them with ``post_from_fields``."""
    if record is None:
        return (default_id, flags, error, None, None, None, None, None, None, labels, None, None)
    get = lambda field: _lookup(record, cols[field]) if cols.get(field) else None  # noqa: E731
    return (default_id, flags, error, get("text"), get("id"), get("author"), get("created_at"),
            get("lang"), get("platform"), labels, get("label") if labels else None,
            get("function") if labels else None)


def _decode(value: Any) -> tuple[Any, bool]:
    """Bytes (a Parquet binary column) as UTF-8 text, invalid bytes replaced; whether any were."""
    if not isinstance(value, (bytes, bytearray)):
        return value, False
    try:
        return bytes(value).decode("utf-8"), False
    except UnicodeDecodeError:
        return bytes(value).decode("utf-8", "replace"), True


def post_from_fields(fields: tuple) -> Post:
    """A Post from the raw fields ``_extract`` took from a row (normalised, flagged)."""
    (default_id, flags, error, raw_text, raw_id, raw_author, raw_date, raw_lang, raw_platform,
     labels, raw_label, raw_function) = fields
    values = (raw_text, raw_id, raw_author, raw_date, raw_lang, raw_platform, raw_label,
              raw_function)
    if any(isinstance(v, (bytes, bytearray)) for v in values):  # Parquet binary columns
        decoded = [_decode(v) for v in values]
        (raw_text, raw_id, raw_author, raw_date, raw_lang, raw_platform, raw_label,
         raw_function) = (v for v, _ in decoded)
        if any(bad for _, bad in decoded) and "invalid_utf8" not in flags:
            flags = (*flags, "invalid_utf8")
    meta: dict[str, Any] = {}
    if isinstance(raw_text, (dict, list)):
        error = f"text is a {type(raw_text).__name__}, expected a string"
        raw_text = None
    text, text_flags = normalize_text(raw_text)
    all_flags = list(flags) + list(text_flags)
    created = parse_date(raw_date)
    if created is None and _as_str(raw_date) is not None:
        all_flags.append("bad_date")
    label = function = None
    if labels:
        try:
            function = parse_function(raw_function)
            label = parse_label(raw_label) if _as_str(raw_label) or function is None else FUNCTION_LABEL[function]
            if function is not None and FUNCTION_LABEL[function] is not label:
                label = None
                meta["label_raw"] = f"{raw_label} (function {function} is {FUNCTION_LABEL[function].value})"
        except LabelError:
            meta["label_raw"] = raw_label if function is not None or raw_function is None else raw_function
    platform = _as_str(raw_platform)
    return Post(
        id=_as_str(raw_id) or default_id,
        text=text,
        author=_as_str(raw_author),
        created_at=created,
        lang=normalize_lang(_as_str(raw_lang)),
        platform=platform.lower() if platform else None,
        label=label,
        function=function,
        flags=tuple(all_flags),
        error=error,
        meta=meta,
    )


def materialize(items: Iterable[Any]) -> list[Post]:
    """Posts from what ``read_many(..., raw=True)`` yields (Posts or raw fields)."""
    return [x if isinstance(x, Post) else post_from_fields(x) for x in items]


def _to_post(record: Any, flags: tuple[str, ...], error: str | None,
             cols: dict[str, str | None], default_id: str, labels: bool) -> Post:
    return post_from_fields(_extract(record, flags, error, cols, default_id, labels))


def _txt_columns() -> dict[str, str | None]:
    """Plain text has one field per line: the text."""
    return {f.name: None for f in fields(Columns)} | {"text": "text"}


# format -> record iterator over a (decompressed) byte stream
RECORD_READERS = {
    "csv": lambda name, stream, encoding=None: _csv_records(name, stream, None, encoding),
    "tsv": lambda name, stream, encoding=None: _csv_records(name, stream, "\t", encoding),
    "jsonl": _jsonl_records,
    "json": _json_records,
    "parquet": lambda name, stream, encoding=None: _parquet_records(name, stream),
    "txt": _txt_records,
}


def _records(source: str | Path, fmt: str | None, stdin: IO[bytes] | None, encoding: str | None = None):
    """(name, format, record iterator, raw stream) for one input; ``encoding`` as in read_posts."""
    if fmt is not None and fmt not in FORMATS:
        from .formats import PLATFORMS

        raise ReaderError(str(source), f"unknown format {fmt!r} (known: {', '.join((*FORMATS, *PLATFORMS))})")
    name, raw = _open(source, stdin)
    try:
        stream = _maybe_gunzip(name, _buffered(raw))
        fmt = fmt or (detect_format(name) if name != "<stdin>" else None)
        try:
            head = stream.peek(_HEAD)[:_HEAD]  # type: ignore[attr-defined]
        except (EOFError, zlib.error, OSError) as exc:
            raise _read_failure(name, exc) from None
        if fmt != "parquet" and not (fmt is None and head.startswith(b"PAR1")):
            encoding = _text_encoding(name, head, encoding)  # every text format, here only
        if fmt is None:
            head = stream.peek(65536)[:65536]  # type: ignore[attr-defined]
            if encoding is not None and encoding.startswith("utf-16"):
                head = head.decode(encoding, "replace").encode("utf-8")
            fmt = _sniff(head)
    except BaseException:
        _close(raw, stdin)
        raise
    records = RECORD_READERS.get(fmt, _txt_records)(name, stream, encoding)
    return name, fmt, _guard(name, records), raw


def _close(raw: IO[bytes], stdin: IO[bytes] | None) -> None:
    if raw is not stdin and raw is not getattr(sys.stdin, "buffer", None):
        raw.close()


def read_records(source: str | Path, *, fmt: str | None = None,
                 stdin: IO[bytes] | None = None) -> Iterator[dict[str, Any]]:
    """Raw rows of a table as dicts, in order (rows that are not objects become ``{}``)."""
    name, fmt, records, raw = _records(source, fmt, stdin)
    try:
        for _, record, _, _ in records:
            yield dict(record) if isinstance(record, Mapping) else {}
    finally:
        _close(raw, stdin)


def read_posts(
    source: str | Path,
    *,
    fmt: str | None = None,
    columns: Columns | None = None,
    labels: bool = False,
    id_prefix: str | None = None,
    stdin: IO[bytes] | None = None,
    raw: bool = False,
    encoding: str | None = None,
) -> Iterator[Any]:
    """Yield the posts of one file (or ``-`` for stdin), one per row, in order.

    ``fmt`` forces a format (csv, tsv, jsonl, json, parquet, txt); otherwise it
    comes from the file name, then from the content. ``labels`` requires and
    parses a label column (training and evaluation data). ``raw`` yields each
    row's raw fields instead (see ``post_from_fields``). ``encoding`` (any Python
    codec name) decodes text formats; by default UTF-16 is detected from its BOM,
    else UTF-8 is read and a row that is not valid UTF-8 is read as cp1252 and
    flagged ``decoded_cp1252``.
    """
    make = _extract if raw else _to_post
    name, fmt, records, raw = _records(source, fmt, stdin, encoding)
    try:
        chosen = columns or Columns()
        rows = _Pending(records)
        layout: _Layout | None = None
        if fmt == "txt":
            layout = _settle(name, fmt, [], chosen, labels)
        else:  # settled over the first objects, before any row is given out
            first = _first_object(rows.peek(SAMPLE))
            if first is not None:
                window = [r[1] for r in list(rows.peek(first + SAMPLE))[first:]]
                layout = _settle(name, fmt, window, chosen, labels)
        ids = _RowIds(id_prefix, lambda: _ids_like_generated(source, fmt, layout, rows, stdin),
                      has_id_column=layout is not None and layout.cols["id"] is not None)
        for n, record, flags, error in rows:
            if layout is None and isinstance(record, Mapping):  # no object in the first SAMPLE
                window = [record, *(r[1] for r in list(rows.peek(SAMPLE - 1)))]
                layout = _settle(name, fmt, window, chosen, labels)
                ids.has_id_column = layout.cols["id"] is not None
            if layout is None:
                yield make(None, flags, error, {}, _default_id(id_prefix, n), labels)
                continue
            cols, missing = layout.row(record)
            yield make(record, flags, error or missing, cols, ids(n, record, cols), labels)
    finally:
        _close(raw, stdin)


def _default_id(prefix: str | None, n: int | str) -> str:
    return f"{prefix}:{n}" if prefix else str(n)


def _real_id(record: Any, cols: Mapping[str, str | None]) -> str | None:
    """A row's own id, as the post will carry it (None: blank, NaN or missing)."""
    key = cols.get("id")
    return _as_str(_lookup(record, key)) if key and isinstance(record, Mapping) else None


class _RowIds:
    """Default ids. Without an id column a row's id is its number (``7``). With one, a row
    whose id is blank, NaN or missing gets ``row-7``, or ``row-7-2``, ``row-7-3`` ... when
    the file holds that id already: never equal to an id of the file.

    ``taken`` returns the file's ids that look like generated ones; it is called once,
    at the first blank id, so files without blank ids are read once.
    """

    def __init__(self, prefix: str | None, taken: Any, has_id_column: bool = False):
        self.prefix, self._taken, self.has_id_column = prefix, taken, has_id_column
        self.seen: set[str] = set()  # ids like generated ones met so far

    def __call__(self, n: int, record: Any, cols: Mapping[str, str | None]) -> str:
        if not self.has_id_column:
            return _default_id(self.prefix, n)
        real = _real_id(record, cols)
        if real is not None:
            if "row-" in real:
                self.seen.add(real)
            return real
        if callable(self._taken):
            self._taken = set(self._taken()) | self.seen
        return _generated_id(self.prefix, n, self._taken)


def _generated_id(prefix: str | None, n: int, taken: set[str] | frozenset[str]) -> str:
    base = f"row-{n}"
    candidate, k = _default_id(prefix, base), 1
    while candidate in taken:
        k += 1
        candidate = _default_id(prefix, f"{base}-{k}")
    return candidate


class _Pending:
    """A record iterator whose remaining records can be read ahead (stdin can be read once)."""

    def __init__(self, records: Iterator[Record]):
        self.records: Iterator[Record] = records
        self.ahead: deque[Record] | None = None

    def __iter__(self) -> "_Pending":
        return self

    def __next__(self) -> Record:
        if self.ahead:
            return self.ahead.popleft()
        return next(self.records)

    def peek(self, k: int) -> Iterable[Record]:
        """The next ``k`` records (fewer at the end), still to be yielded."""
        if self.ahead is None:
            self.ahead = deque()
        while len(self.ahead) < k:
            record = next(self.records, None)
            if record is None:
                break
            self.ahead.append(record)
        return itertools.islice(self.ahead, k)

    def rest(self) -> Iterable[Record]:
        """The records not yet yielded (they are still yielded after)."""
        if self.ahead is None:
            self.ahead = deque()
        self.ahead.extend(self.records)
        return self.ahead


def _ids_like_generated(source: str | Path, fmt: str, layout: _Layout | None, rows: _Pending,
                        stdin: IO[bytes] | None) -> set[str]:
    """The ids of a whole input containing ``row-`` (a second pass; stdin is read ahead)."""
    if str(source) == "-":
        records: Iterable[Record] = rows.rest()
        close = None
    else:
        _, _, records, close = _records(source, fmt, None)
    try:
        with warnings.catch_warnings():  # said on the first pass already
            warnings.simplefilter("ignore", ReaderWarning)
            return _collect_ids(records, layout)
    finally:
        if close is not None:
            close.close()


def _collect_ids(records: Iterable[Record], layout: _Layout | None) -> set[str]:
    taken: set[str] = set()
    if layout is None:
        return taken
    for _, record, _, _ in records:
        real = _real_id(record, layout.row(record)[0])
        if real is not None and "row-" in real:
            taken.add(real)
    return taken


def _guard(name: str, records: Iterator[Record]) -> Iterator[Record]:
    """Turn low-level failures mid-stream (truncated gzip, I/O) into ReaderError."""
    try:
        yield from records
    except ReaderError:
        raise
    except (EOFError, zlib.error, OSError) as exc:
        raise _read_failure(name, exc) from None
    except UnicodeError as exc:
        raise ReaderError(name, f"cannot decode text ({exc})") from None


def _read_failure(name: str, exc: BaseException) -> ReaderError:
    """A truncated gzip stream or an I/O error as one line naming the input."""
    if isinstance(exc, (EOFError, zlib.error, gzip.BadGzipFile)):
        return ReaderError(name, f"truncated or corrupt compressed data ({exc})")
    return ReaderError(name, f"read error ({getattr(exc, 'strerror', None) or exc})")

