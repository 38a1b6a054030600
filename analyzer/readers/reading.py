"""Reading one input row by row: the posts of a file (``read_posts``), their raw fields
(``iter_records``, whole or one byte range of it) and the raw rows as dicts (``read_records``).

Readers stream: they yield one row per input row, in order, and never drop a row. A row
that cannot be used becomes a Post with ``error`` set; a file that cannot be parsed at all
raises ReaderError naming the file and line.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Mapping

from . import layout as _layout
from .ids import Pending, RowIds, collect_ids, default_id
from .layout import Columns, Layout, first_object, settle
from .opening import close, open_records
from .partitions import FileIndex, index_file, read_range
from .records import Record
from .rows import RawRow, extract, post_from_fields
from .warning import ReaderWarning

__all__ = ["iter_records", "read_posts", "read_records"]


def read_records(source: str | Path, *, fmt: str | None = None,
                 stdin: IO[bytes] | None = None) -> Iterator[dict[str, Any]]:
    """Raw rows of a table as dicts, in order (rows that are not objects become ``{}``)."""
    name, fmt, records, raw = open_records(source, fmt, stdin)
    try:
        for _, record, _, _ in records:
            yield dict(record) if isinstance(record, Mapping) else {}
    finally:
        close(raw, stdin)


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
    row's RawRow instead (see ``post_from_fields``). ``encoding`` (any Python
    codec name) decodes text formats; by default UTF-16 is detected from its BOM,
    else UTF-8 is read and a row that is not valid UTF-8 is read as cp1252 and
    flagged ``decoded_cp1252``.
    """
    rows = _raw_rows(source, fmt, columns, labels, id_prefix, stdin, encoding)
    yield from (rows if raw else map(post_from_fields, rows))


def iter_records(path: str | Path, fmt: str | None = None,
                 byte_range: tuple[int, int | None] | None = None, *, columns: Columns | None = None,
                 labels: bool = False, id_prefix: str | None = None, encoding: str | None = None,
                 index: FileIndex | None = None) -> Iterator[RawRow]:
    """The RawRows of one input, in order: the one reader API for local and cluster reading.

    Without ``byte_range`` the whole input (a file or ``-``). With ``(start, stop)`` only
    the rows whose record starts at a byte offset in ``start <= offset < stop`` of the
    decompressed file (``stop`` None: to the end; Parquet counts rows, not bytes), numbered,
    laid out and given ids exactly as when the whole file is read, so ranges that cover a
    file read each of its rows once. A range is read from the nearest ``index`` mark before
    it; without ``index`` the file is indexed first (one pass, see ``index_file``).
    """
    if byte_range is None:
        yield from _raw_rows(path, fmt, columns, labels, id_prefix, None, encoding)
        return
    if index is None:
        index = index_file(path, fmt, columns, labels=labels)
    yield from read_range(index, byte_range, id_prefix)


def _raw_rows(source: str | Path, fmt: str | None, columns: Columns | None, labels: bool,
              id_prefix: str | None, stdin: IO[bytes] | None,
              encoding: str | None) -> Iterator[RawRow]:
    name, fmt, records, raw = open_records(source, fmt, stdin, encoding)
    try:
        chosen = columns or Columns()
        rows = Pending(records)
        layout: Layout | None = None
        sample = _layout.SAMPLE
        if fmt == "txt":
            layout = settle(name, fmt, [], chosen, labels)
        else:  # settled over the first objects, before any row is given out
            first = first_object(rows.peek(sample))
            if first is not None:
                window = [r[1] for r in list(rows.peek(first + sample))[first:]]
                layout = settle(name, fmt, window, chosen, labels)
        ids = RowIds(id_prefix, lambda: _ids_like_generated(source, fmt, layout, rows, stdin),
                     has_id_column=layout is not None and layout.cols["id"] is not None)
        for n, record, flags, error in rows:
            if layout is None and isinstance(record, Mapping):  # no object in the first SAMPLE
                window = [record, *(r[1] for r in list(rows.peek(sample - 1)))]
                layout = settle(name, fmt, window, chosen, labels)
                ids.has_id_column = layout.cols["id"] is not None
            if layout is None:
                yield extract(None, flags, error, {}, default_id(id_prefix, n), labels)
                continue
            cols, missing = layout.row(record)
            yield extract(record, flags, error or missing, cols, ids(n, record, cols), labels)
    finally:
        close(raw, stdin)


def _ids_like_generated(source: str | Path, fmt: str, layout: Layout | None, rows: Pending,
                        stdin: IO[bytes] | None) -> set[str]:
    """The ids of a whole input containing ``row-`` (a second pass; stdin is read ahead)."""
    if str(source) == "-":
        records: Iterable[Record] = rows.rest()
        stream = None
    else:
        _, _, records, stream = open_records(source, fmt, None)
    try:
        with warnings.catch_warnings():  # said on the first pass already
            warnings.simplefilter("ignore", ReaderWarning)
            return collect_ids(records, layout)
    finally:
        if stream is not None:
            stream.close()
