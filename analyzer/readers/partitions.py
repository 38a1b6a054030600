"""Reading a file in pieces: one pass notes where its records start (``index_file``), then
any range of it reads the same records, row numbers, layout and ids as the whole file.

Why it is exact: records of CSV, TSV, JSON Lines and text end at line ends, so the reader
run over ``file head .. first record`` + ``the bytes from a mark on``, dropping that first
record, parses the records from the mark on with the same header, delimiter and flags as a
reader going through the whole file. Parquet is cut by row index. Inputs that cannot be
cut (JSON arrays, UTF-16 text, gzipped Parquet, text with lone CR line ends) are "whole".
"""

from __future__ import annotations

import bisect
import gzip
import io
import itertools
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from ..errors import ReaderError
from ..filetypes import sniff_file_type
from . import layout as _layout
from .decoding import sniff_utf16
from .ids import RowIds, default_id, real_id
from .layout import Columns, Layout, settle
from .opening import guard, open_input, open_records
from .records import RECORD_READERS, Record
from .rows import RawRow, extract

__all__ = ["FileIndex", "Partition", "index_file", "plan_partitions", "read_range"]

_PEEK = 65536  # the most any reader looks ahead at the start of a stream
_CUTTABLE = ("csv", "tsv", "jsonl", "txt")  # formats whose records end at line ends


@dataclass(frozen=True)
class FileIndex:
    """What reading a piece of one file needs to know of the whole: its layout, its ids
    like generated ones (``row-7``, see RowIds) and, every ``every`` records, a mark
    ``(byte offset, rows before it)`` where a record starts (Parquet: row index).

    kind "text": cut at the marks' byte offsets, after the file's first ``head`` bytes
    (header and first record); "parquet": cut by row; "whole": read only whole.
    """

    name: str  # as the user wrote it, for messages
    path: str  # absolute, for workers
    fmt: str
    kind: str
    rows: int
    every: int
    marks: tuple[tuple[int, int], ...] = ((0, 0),)
    head: int = 0
    layout: Layout | None = None  # where the fields are (None: no object in the file)
    taken: frozenset[str] = frozenset()
    settled_from: int = 1  # rows before it come before the file's first object: no layout
    labels: bool = False  # label fields read (and required) as read_posts(labels=True) does

    def ranges(self) -> list[tuple[tuple[int, int | None] | None, int]]:
        """``(range, rows)`` of each piece of ``every`` rows (range None: the whole file)."""
        if not self.rows:
            return []
        if self.kind == "whole":
            return [(None, self.rows)]
        starts = [offset for offset, _ in self.marks[:-(-self.rows // self.every)]]
        stops = [*starts[1:], self.rows if self.kind == "parquet" else None]
        return [((start, stop), min(self.every, self.rows - i * self.every))
                for i, (start, stop) in enumerate(zip(starts, stops))]


@dataclass(frozen=True)
class Partition:
    """One piece of one input: rows ``byte_range`` of ``file`` (None: all of it)."""

    index: int
    file: FileIndex
    byte_range: tuple[int, int | None] | None
    rows: int
    prefix: str | None

    @property
    def kind(self) -> str:
        return self.file.kind if self.byte_range is not None else "whole"

    @property
    def name(self) -> str:
        return self.file.name


def plan_partitions(sources: list[str], fmt: str | None, columns: Columns | None,
                    partition_rows: int) -> list[Partition]:
    """Cut every input into partitions of ``partition_rows`` rows; default ids get a file
    prefix when there are several inputs (as ``read_many`` gives them)."""
    parts: list[Partition] = []
    for source in sources:
        prefix = Path(source).name if len(sources) > 1 else None
        index = index_file(source, fmt, columns, every=partition_rows)
        parts.extend([Partition(len(parts) + i, index, byte_range, rows, prefix)
                      for i, (byte_range, rows) in enumerate(index.ranges())])
    return parts


def index_file(source: str | Path, fmt: str | None = None, columns: Columns | None = None, *,
               labels: bool = False, every: int = 50_000) -> FileIndex:
    """One pass over a file with its own reader: its layout (with the same column errors
    and warnings as reading it), its ids like generated ones and a mark every ``every`` rows."""
    source = str(source)
    chosen = columns or Columns()
    name, fmt, records, raw = open_records(source, fmt, None)  # same opening, errors and format
    path = str(Path(source).resolve())
    try:
        with _logical(source) as stream:
            head = stream.peek(1024)[:1024]
            gzipped = stream.gzipped
            utf16 = head[:2] in (b"\xff\xfe", b"\xfe\xff") or sniff_utf16(head) is not None
            if fmt in _CUTTABLE and not utf16:
                return _index_text(stream, name, path, fmt, chosen, labels, every)
        settling = _Settling(name, fmt, chosen, labels)  # its column errors and warnings, here
        rows = 0
        if fmt == "parquet" and not gzipped:
            first = next(records, None)
            if first is None:
                return FileIndex(name, path, fmt, "parquet", 0, every)
            import pyarrow.parquet as pq

            rows = pq.ParquetFile(source).metadata.num_rows
            settling.add(*first[:2])
            settling.finish()
            if settling.layout.cols["id"]:  # its ids like generated ones: a pass over the rows
                for n, record, _, _ in records:
                    settling.add(n, record)
            marks = tuple((r, r) for r in range(0, rows, every))
            return settling.index(name, path, fmt, "parquet", rows, every, marks, 0)
        for rows, record, _, _ in records:  # JSON arrays, UTF-16, gzipped Parquet: whole
            settling.add(rows, record)
        settling.finish()
        return FileIndex(name, path, fmt, "whole", rows, every)
    finally:
        raw.close()


def _index_text(stream: _Tracked, name: str, path: str, fmt: str, chosen: Columns, labels: bool,
                every: int) -> FileIndex:
    """Run the reader over the file once, noting where every ``every``-th record ends."""
    head, marks, rows = 0, [(0, 0)], 0
    settling = _Settling(name, fmt, chosen, labels)
    for rows, record, _, _ in guard(name, RECORD_READERS[fmt](name, stream)):
        if rows == 1:
            head = stream.consumed
        settling.add(rows, record)
        if rows % every == 0:
            marks.append((stream.consumed, rows))
    settling.finish()
    if stream.lone_cr:  # CR line ends: records do not end where the byte lines do, read it whole
        return FileIndex(name, path, fmt, "whole", rows, every)
    return settling.index(name, path, fmt, "text", rows, every, tuple(marks), head)


class _Settling:
    """A file's layout, settled in one pass over its records exactly as read_posts settles
    it (over the SAMPLE records from the first object on), and its ids like generated ones."""

    def __init__(self, name: str, fmt: str, chosen: Columns, labels: bool):
        self.name, self.fmt, self.chosen, self.labels = name, fmt, chosen, labels
        self.first: int | None = None  # row number of the first object
        self.early: list[Any] = []  # records from the first object on, until settled
        self.taken: set[str] = set()
        self.layout: Layout | None = None
        if fmt == "txt":
            self.layout = settle(name, fmt, [], chosen, labels)

    def index(self, name: str, path: str, fmt: str, kind: str, rows: int, every: int,
              marks: tuple[tuple[int, int], ...], head: int) -> FileIndex:
        # the first row read with the layout (rows before the first object come before)
        settled_from = 1 if self.first is None or self.first <= _layout.SAMPLE else self.first
        return FileIndex(name, path, fmt, kind, rows, every, marks, head, self.layout,
                         frozenset(self.taken), settled_from, self.labels)

    def add(self, n: int, record: Any) -> None:
        if self.layout is not None:
            self._note_id(record)
            return
        if self.first is None:
            if not isinstance(record, Mapping):
                return
            self.first = n
        self.early.append(record)
        if len(self.early) == _layout.SAMPLE:
            self._settle()

    def finish(self) -> None:
        if self.layout is None and self.first is not None:
            self._settle()

    def _settle(self) -> None:
        self.layout = settle(self.name, self.fmt, self.early, self.chosen, self.labels)
        for record in self.early:
            self._note_id(record)
        self.early = []

    def _note_id(self, record: Any) -> None:
        real = real_id(record, self.layout.row(record)[0])
        if real is not None and "row-" in real:
            self.taken.add(real)


# -- reading a range ----------------------------------------------------------------

def read_range(index: FileIndex, byte_range: tuple[int, int | None],
               prefix: str | None = None) -> Iterator[RawRow]:
    """The RawRows of the records starting in ``byte_range`` (Parquet: rows) of an indexed
    file, with its row numbers, layout and ids."""
    if index.kind == "whole":
        raise ReaderError(index.name, f"cannot be read in byte ranges ({index.fmt} read whole "
                                      "only: JSON arrays, UTF-16, lone CR line ends, gzipped Parquet)")
    start, stop = byte_range
    records = _parquet_rows(index, start, stop) if index.kind == "parquet" \
        else _text_rows(index, start, stop)
    layout, labels = index.layout, index.labels
    ids = RowIds(prefix, set(index.taken),
                 has_id_column=layout is not None and layout.cols["id"] is not None)
    for n, record, flags, error in records:
        if layout is None or n < index.settled_from:
            yield extract(None, flags, error, {}, default_id(prefix, n), labels)
            continue
        cols, missing = layout.row(record)
        yield extract(record, flags, error or missing, cols, ids(n, record, cols), labels)


def _text_rows(index: FileIndex, start: int, stop: int | None) -> Iterator[Record]:
    """The records starting at byte offsets ``start .. stop``, numbered as in the whole file:
    read from the last mark at or before ``start``, behind the file's head."""
    offsets = [offset for offset, _ in index.marks]
    at = bisect.bisect_right(offsets, start) - 1
    mark, before = index.marks[at]
    # a range from one mark to the next (as planned): its number of records is known
    planned = mark == start and (stop is None or offsets[at + 1:at + 2] == [stop])
    with _logical(index.path) as source:
        file_head = source.read(max(index.head, _PEEK))
        source.seek(mark)
        skip = 1 if mark else 0  # drop the file's first record, read again for the header
        lead = file_head[:index.head] if skip else b""
        kind = _HeadPeek if planned else _Tracked  # _Tracked counts bytes, line by line
        stream = kind(_Joined(lead, source), peek_head=file_head[:_PEEK])  # type: ignore[arg-type]
        records = guard(index.name, RECORD_READERS[index.fmt](index.name, stream))
        for _ in range(skip):
            next(records, None)
        if planned:
            count = None if stop is None else index.marks[at + 1][1] - before
            for n, record, flags, error in itertools.islice(records, count):
                yield before + n - skip, record, flags, error
            return
        while True:
            offset = mark + stream.consumed - len(lead)  # where the next record starts
            if stop is not None and offset >= stop:
                return
            item = next(records, None)
            if item is None:
                return
            if offset >= start:
                n, record, flags, error = item
                yield before + n - skip, record, flags, error


def _parquet_rows(index: FileIndex, start: int, stop: int | None) -> Iterator[Record]:
    """Rows start..stop of a Parquet file, reading only the row groups and columns needed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(index.path)
        stop = min(stop if stop is not None else pf.metadata.num_rows, pf.metadata.num_rows)
        if start >= stop:
            return
        sizes = [pf.metadata.row_group(g).num_rows for g in range(pf.metadata.num_row_groups)]
        ends = list(itertools.accumulate(sizes))
        groups = [g for g, end in enumerate(ends) if end > start and end - sizes[g] < stop]
        names = pf.schema_arrow.names
        cols = index.layout.cols if index.layout else {}
        needed = {c if c in names else c.split(".")[0] for c in cols.values() if c}
        row = ends[groups[0]] - sizes[groups[0]]
        n = start
        for batch in pf.iter_batches(batch_size=4096, row_groups=groups,
                                     columns=[c for c in names if c in needed]):
            lo, hi = max(start - row, 0), min(stop - row, batch.num_rows)
            row += batch.num_rows
            if lo < hi:
                for record in batch.slice(lo, hi - lo).to_pylist():
                    n += 1
                    yield n, record, (), None
            if row >= stop:
                break
    except (pa.ArrowException, OSError) as exc:
        raise ReaderError(index.name, f"invalid Parquet ({exc})") from None


# -- streams ------------------------------------------------------------------------

class _HeadPeek(io.BufferedReader):
    """A byte stream whose peeks see ``peek_head`` until a line is read (the file's own head,
    so BOM and delimiter sniffing decide as they did for the whole file)."""

    def __init__(self, raw: Any, peek_head: bytes | None = None):
        super().__init__(raw)
        self._peek_head = peek_head

    def peek(self, size: int = 0) -> bytes:
        if self._peek_head is not None and self.tell() == 0:
            return self._peek_head
        return super().peek(size)


class _Tracked(_HeadPeek):
    """A byte stream that counts the bytes of the lines it hands out.

    The readers iterate lines; when they yield a record, ``consumed`` is where the next
    record's lines begin.
    """

    consumed = 0
    gzipped = False
    lone_cr = False  # a line ended by a lone CR: the readers split it, so offsets are not record ends

    def __next__(self) -> bytes:
        line = super().__next__()
        self.consumed += len(line)
        if not self.lone_cr and b"\r" in line and (line.count(b"\r") > 1 or not line.endswith(b"\r\n")):
            self.lone_cr = True
        return line


class _Joined(io.RawIOBase):
    """Some bytes, then the rest of a stream."""

    def __init__(self, lead: bytes, rest: Any):
        self._lead, self._rest, self._pos = memoryview(lead), rest, 0

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer: Any) -> int:
        if self._lead:
            n = min(len(buffer), len(self._lead))
            buffer[:n] = self._lead[:n]
            self._lead = self._lead[n:]
        else:
            data = self._rest.read(len(buffer))
            n = len(data)
            buffer[:n] = data
        self._pos += n
        return n


@contextmanager
def _logical(path: str) -> Iterator[_Tracked]:
    """The decompressed byte stream of a file, seekable (gzip seeks by decompressing)."""
    _, raw = open_input(path, None)
    with raw:
        gzipped = sniff_file_type(raw.peek(2)[:2]) == "gzip"  # type: ignore[attr-defined]
        inner = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw
        stream = _Tracked(inner)  # type: ignore[arg-type]
        stream.gzipped = gzipped
        with stream:
            yield stream
