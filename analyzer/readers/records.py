"""One record iterator per table format, over a (decompressed) byte stream.

Each yields ``(row number, record or None, flags, error)`` in file order; a row it cannot
use still comes out (as an error), and what cannot be parsed at all raises ReaderError.
"""

from __future__ import annotations

import csv
import io
import json
from typing import IO, Any, Iterator

from ..errors import CSV_FIELD_LIMIT, TOO_DEEP, ReaderError
from .decoding import Lines, check_encoding, first_line
from .warning import warn

__all__ = ["RECORD_READERS", "Record"]

Record = tuple[int, Any, tuple[str, ...], "str | None"]


def _csv_records(name: str, stream: IO[bytes], delimiter: str | None,
                 encoding: str | None = None) -> Iterator[Record]:
    lines = Lines(stream, encoding)
    it = iter(lines)
    csv.field_size_limit(CSV_FIELD_LIMIT)
    if delimiter is None:
        head = first_line(stream.peek(65536)[:65536])  # type: ignore[attr-defined]
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
        warn(name, f"columns {where} are {'both' if len(at) == 2 else 'all'} named {h!r}: "
                    f"column {at[0] + 1} is used, "
                    f"the other{'s' if len(at) > 2 else ''} ignored; rename them to read them")
    return sorted(at[0] for at in positions.values())




def _jsonl_records(name: str, stream: IO[bytes], encoding: str | None = None) -> Iterator[Record]:
    lines = Lines(stream, encoding)
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
    lines = Lines(stream, encoding)
    for n, line in enumerate(lines, 1):
        flags = lines.flags(n)
        yield n, {"text": line.rstrip("\r\n")}, flags, None


def _csv(name: str, stream: IO[bytes], encoding: str | None = None) -> Iterator[Record]:
    return _csv_records(name, stream, None, encoding)


def _tsv(name: str, stream: IO[bytes], encoding: str | None = None) -> Iterator[Record]:
    return _csv_records(name, stream, "\t", encoding)


def _parquet(name: str, stream: IO[bytes], encoding: str | None = None) -> Iterator[Record]:
    return _parquet_records(name, stream)


# format -> record iterator over a (decompressed) byte stream
RECORD_READERS = {"csv": _csv, "tsv": _tsv, "jsonl": _jsonl_records, "json": _json_records,
                  "parquet": _parquet, "txt": _txt_records}
