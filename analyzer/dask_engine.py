"""Score with Dask: the `score` job spread over the workers of a (local or remote) cluster.

The output is a directory of Parquet parts (part-00000.parquet, ...) whose
concatenation equals, row for row, what ``content-analyzer score INPUT -o
out.parquet`` writes with the same model and options.

Why it is exact: the client makes one pass over each input with the readers'
own record iterators and notes the byte offset (in the decompressed stream)
where each partition's first record starts. Records end at line ends, so a
worker that reads ``file head .. first record`` + ``its byte range`` and drops
that first record parses the same records, with the same header, delimiter,
flags and row numbers, as a reader going through the whole file. Parquet is cut
by row index. Inputs that cannot be cut (JSON arrays, UTF-16 text, gzipped
Parquet, text with lone CR line ends) are read whole by one worker with ``read_posts``.

Workers must see the inputs, the model directory and the output directory at
the same paths as the client (one machine, or a shared filesystem).
"""

from __future__ import annotations

import gzip
import io
import itertools
import math
import os
import shutil
import tempfile
import uuid
import warnings
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from . import readers as _readers
from .errors import AnalyzerError
from .files import share_mode
from .persistence import load_model
from .posts import Post
from .readers import (  # the readers' own parsing, so partitions read exactly like files
    RECORD_READERS,
    Columns,
    ReaderError,
    ReaderWarning,
    _default_id,
    _guard,
    _Layout,
    _open,
    _real_id,
    _records,
    _RowIds,
    _settle,
    _to_post,
    read_posts,
    sniff_utf16,
)
from .scoring import ScoreJob, chunks, encode_chunk, output_columns, worker_model
from .writers import OutputExistsError, RowWriter

__all__ = ["DaskEngineError", "DaskScoreResult", "score_dask"]

_PEEK = 65536  # the most any reader looks ahead at the start of a stream
_GZIP = b"\x1f\x8b"
_UTF16 = (b"\xff\xfe", b"\xfe\xff")
# formats whose records end at line ends, so a file can be cut between records
_TEXT_RECORDS = {fmt: RECORD_READERS[fmt] for fmt in ("csv", "tsv", "jsonl", "txt")}


class DaskEngineError(AnalyzerError):
    """The Dask engine cannot run: scheduler unreachable, input it cannot take, model changed."""


@dataclass(frozen=True)
class DaskScoreResult:
    """What a run wrote: ``counts`` maps each status (ok, empty, error) to its number of rows."""

    rows: int
    partitions: int
    output_dir: Path
    counts: dict[str, int]


@dataclass(frozen=True)
class _Part:
    """One partition: rows ``first_row+1 .. first_row+rows`` of one input.

    kind "text": bytes ``start..stop`` of the decompressed file, after its first
    ``head`` bytes (header and first record); "parquet": rows ``start..stop``;
    "whole": the whole file through read_posts.
    """

    index: int
    name: str  # as the user wrote it, for messages
    path: str  # absolute, for the workers
    fmt: str
    kind: str
    start: int
    stop: int | None
    head: int
    first_row: int
    rows: int
    prefix: str | None
    layout: _Layout | None  # where the fields are (None: no object in the file)
    taken: frozenset[str] = frozenset()  # the file's ids like generated ones (row-7), see _RowIds
    settled_from: int = 1  # rows before it come before the file's first object: no layout


@dataclass(frozen=True)
class _Job:
    """What every partition task shares: the scoring job (as local workers get it),
    how to read the inputs and where the parts go."""

    score: ScoreJob
    columns: Columns
    out_dir: str
    width: int
    chunk_size: int = 2000


# -- public API -------------------------------------------------------------------

def score_dask(sources: list[str], output_dir: str | Path, *, model_dir: str | Path | None = None,
               scheduler: str | None = None, n_workers: int = 2, threads_per_worker: int = 1,
               partition_rows: int = 50_000, columns: Columns | None = None, fmt: str | None = None,
               top_k: int = 5, features: bool = False, text: bool = True, force: bool = False,
               overrides: Mapping[str, Any] | None = None) -> DaskScoreResult:
    """Score ``sources`` on a Dask cluster into a directory of Parquet parts.

    Without ``scheduler`` a LocalCluster of ``n_workers`` processes is started
    and closed; with ``scheduler="tcp://host:8786"`` that cluster is used. The
    output appears only when every partition succeeded. ``overrides`` are
    featurizer parameters every worker sets on the loaded model (``lang``,
    ``extra_cues``), as ``score`` does locally.
    """
    if partition_rows < 1:
        raise ValueError("partition_rows must be at least 1")
    sources = [str(s) for s in sources]
    if "-" in sources:
        raise DaskEngineError("the Dask engine reads files, not stdin ('-'); "
                              "save the input to a file first")
    out = Path(output_dir)
    _check_output(out, force)
    model = load_model(model_dir)  # verify on the client first: fail before any cluster starts
    model.overrides = dict(overrides or {})
    signal_names = model.pipeline.named_steps["features"].signal_names_
    parts = _plan(sources, fmt, columns or Columns(), partition_rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    try:
        score = ScoreJob.for_model(model, top_k=top_k, features=features, text=text, fmt="parquet",
                                   columns=output_columns(features, signal_names, text=text))
        job = _Job(score=score, columns=columns or Columns(), out_dir=str(tmp),
                   width=max(5, len(str(len(parts) - 1))))
        with _connect(scheduler, n_workers, threads_per_worker) as client:
            counts = _run(client, parts, job)
        if not parts:  # still give readers of the directory its schema
            RowWriter(str(tmp / _part_name(0, job.width)), "parquet", score.columns).commit()
        _publish(tmp, out, force)
    except BaseException:  # cleaned after the cluster is closed: no task still writing
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return DaskScoreResult(rows=sum(counts.values()), partitions=max(len(parts), 1),
                           output_dir=out, counts=counts)


# -- client side --------------------------------------------------------------------

def _check_output(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"{out}: exists and is not a directory; choose an output directory")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise OutputExistsError(
            f"{out}: directory exists and is not empty; to replace it, set the --force or -F flag")


@contextmanager
def _connect(scheduler: str | None, n_workers: int, threads_per_worker: int):
    """A Client to the given scheduler, or to a LocalCluster that lives as long as the block."""
    from distributed import Client, LocalCluster

    if scheduler is None:
        with LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                          processes=True, dashboard_address=":0") as cluster, \
                Client(cluster, set_as_default=False) as client:
            yield client
        return
    try:
        client = Client(scheduler, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise DaskEngineError(
            f"cannot connect to the Dask scheduler at {scheduler}: {exc}") from None
    with client:
        yield client


def _run(client: Any, parts: list[_Part], job: _Job) -> dict[str, int]:
    """Score every partition on the cluster; the first failure cancels the rest."""
    futures = client.map(_score_partition, parts, job=job, pure=False)
    try:
        results = client.gather(futures)
    except BaseException:
        client.cancel(futures)
        raise
    counts = Counter({"ok": 0, "empty": 0, "error": 0})
    for part_counts in results:
        counts.update(part_counts)
    return dict(counts)


def _publish(tmp: Path, out: Path, force: bool) -> None:
    """Rename the finished directory into place (replacing ``out`` only when allowed)."""
    _check_output(out, force)
    share_mode(tmp, 0o777)
    if not out.exists():
        os.replace(tmp, out)
        return
    old = out.with_name(f".{out.name}.{uuid.uuid4().hex}.old")
    os.replace(out, old)
    os.replace(tmp, out)
    shutil.rmtree(old, ignore_errors=True)


def _plan(sources: list[str], fmt: str | None, chosen: Columns, partition_rows: int) -> list[_Part]:
    """Cut every input into partitions; default ids get a file prefix when there are several."""
    parts: list[_Part] = []
    for source in sources:
        prefix = Path(source).name if len(sources) > 1 else None
        parts.extend(_plan_file(source, fmt, chosen, prefix, partition_rows, len(parts)))
    return parts


def _plan_file(source: str, fmt: str | None, chosen: Columns, prefix: str | None,
               partition_rows: int, index: int) -> list[_Part]:
    name, fmt, records, raw = _records(source, fmt, None)  # same opening, errors and format
    try:
        with _logical(source) as stream:
            head = stream.peek(1024)[:1024]
            gzipped, utf16 = stream.gzipped, head[:2] in _UTF16 or sniff_utf16(head) is not None
            if fmt in _TEXT_RECORDS and not utf16:
                return _plan_text(stream, name, source, fmt, chosen, prefix, partition_rows, index)
        if fmt == "parquet" and not gzipped:
            first = next(records, None)
            if first is None:
                return []
            import pyarrow.parquet as pq

            rows = pq.ParquetFile(source).metadata.num_rows
            settling = _Settling(name, fmt, chosen)
            settling.add(*first[:2])
            settling.finish()
            if settling.layout.cols["id"]:  # its ids like generated ones: a pass over the rows
                for n, record, _, _ in records:
                    settling.add(n, record)
            return _split(index, name, source, fmt, "parquet", rows, partition_rows, prefix,
                          settling, starts=range(0, rows, partition_rows), head=0)
        rows = 0  # JSON arrays, UTF-16, gzipped Parquet: one partition
        settling = _Settling(name, fmt, chosen)  # its column errors and warnings, here
        for rows, record, _, _ in records:
            settling.add(rows, record)
        settling.finish()
        return [_whole(index, name, source, fmt, rows, prefix)] if rows else []
    finally:
        raw.close()


def _whole(index: int, name: str, source: str, fmt: str, rows: int, prefix: str | None) -> _Part:
    return _Part(index, name, str(Path(source).resolve()), fmt, "whole", 0, None, 0, 0, rows,
                 prefix, None)


def _plan_text(stream: _Tracked, name: str, source: str, fmt: str, chosen: Columns,
               prefix: str | None, partition_rows: int, index: int) -> list[_Part]:
    """Run the reader over the file once, noting where every partition_rows-th record ends."""
    head, cuts, rows = 0, [0], 0
    settling = _Settling(name, fmt, chosen)
    for rows, record, _, _ in _guard(name, _TEXT_RECORDS[fmt](name, stream)):
        if rows == 1:
            head = stream.consumed
        settling.add(rows, record)
        if rows % partition_rows == 0:
            cuts.append(stream.consumed)
    settling.finish()
    if stream.lone_cr:  # CR line ends: records do not end where the byte lines do, read it whole
        return [_whole(index, name, source, fmt, rows, prefix)] if rows else []
    return _split(index, name, source, fmt, "text", rows, partition_rows, prefix, settling,
                  starts=cuts[:math.ceil(rows / partition_rows)], head=head)


def _split(index: int, name: str, source: str, fmt: str, kind: str, rows: int, partition_rows: int,
           prefix: str | None, settling: "_Settling", starts: Any, head: int) -> list[_Part]:
    starts = list(starts)
    stops = [*starts[1:], rows if kind == "parquet" else None]
    path = str(Path(source).resolve())
    taken = frozenset(settling.taken)
    return [
        _Part(index + i, name, path, fmt, kind, start, stop, head, i * partition_rows,
              min(partition_rows, rows - i * partition_rows), prefix, settling.layout, taken,
              settling.settled_from)
        for i, (start, stop) in enumerate(zip(starts, stops))
    ]


class _Settling:
    """A file's layout, settled in one pass over its records exactly as read_posts settles
    it (over the SAMPLE records from the first object on), and its ids like generated ones."""

    def __init__(self, name: str, fmt: str, chosen: Columns):
        self.name, self.fmt, self.chosen = name, fmt, chosen
        self.first: int | None = None  # row number of the first object
        self.early: list[Any] = []  # records from the first object on, until settled
        self.taken: set[str] = set()
        self.layout: _Layout | None = None
        if fmt == "txt":
            self.layout = _settle(name, fmt, [], chosen, False)

    @property
    def settled_from(self) -> int:
        """The first row read with the layout (rows before the first object come before)."""
        return 1 if self.first is None or self.first <= _readers.SAMPLE else self.first

    def add(self, n: int, record: Any) -> None:
        if self.layout is not None:
            self._note_id(record)
            return
        if self.first is None:
            if not isinstance(record, Mapping):
                return
            self.first = n
        self.early.append(record)
        if len(self.early) == _readers.SAMPLE:
            self._settle()

    def finish(self) -> None:
        if self.layout is None and self.first is not None:
            self._settle()

    def _settle(self) -> None:
        self.layout = _settle(self.name, self.fmt, self.early, self.chosen, False)
        for record in self.early:
            self._note_id(record)
        self.early = []

    def _note_id(self, record: Any) -> None:
        real = _real_id(record, self.layout.row(record)[0])
        if real is not None and "row-" in real:
            self.taken.add(real)


# -- streams ------------------------------------------------------------------------

class _Tracked(io.BufferedReader):
    """A file (gunzipped if need be) that counts the bytes of the lines it hands out.

    The readers iterate lines; when they yield a record, ``consumed`` is where
    the next record's lines begin.
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


class _Slice(io.BufferedReader):
    """Head of a file plus one partition's bytes; peeks at position 0 see the file's own head,
    so binary, BOM and delimiter sniffing decide as they did for the whole file."""

    def __init__(self, data: bytes, file_head: bytes):
        super().__init__(io.BytesIO(data))  # type: ignore[arg-type]
        self._file_head = file_head

    def peek(self, size: int = 0) -> bytes:
        return self._file_head if self.tell() == 0 else super().peek(size)


@contextmanager
def _logical(path: str) -> Iterator[_Tracked]:
    """The decompressed byte stream of a file, seekable (gzip seeks by decompressing)."""
    _, raw = _open(path, None)
    with raw:
        gzipped = raw.peek(2)[:2] == _GZIP  # type: ignore[attr-defined]
        inner = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw
        stream = _Tracked(inner)  # type: ignore[arg-type]
        stream.gzipped = gzipped
        with stream:
            yield stream


# -- worker side ----------------------------------------------------------------------

def _score_partition(part: _Part, job: _Job) -> Counter:
    """Read, score and write one partition (atomically: a retried task rewrites it whole);
    returns its status counts."""
    model = worker_model(job.score)
    counts: Counter = Counter()
    path = Path(job.out_dir) / _part_name(part.index, job.width)
    try:
        with warnings.catch_warnings(), \
                RowWriter(str(path), "parquet", job.score.columns, force=True) as writer:
            warnings.simplefilter("ignore", ReaderWarning)  # the client warned, when planning
            for chunk in chunks(_read_partition(part, job.columns), job.chunk_size):
                n, table, chunk_counts = encode_chunk(model, job.score, chunk)
                writer.write_encoded(table, n)
                counts.update(chunk_counts)
    except ReaderError as exc:  # name the input as the user wrote it, not its absolute path
        raise ReaderError(part.name, exc.message, exc.line) from None
    if sum(counts.values()) != part.rows:
        raise DaskEngineError(f"{part.name}: partition {part.index} read {sum(counts.values())} "
                              f"rows, expected {part.rows} (did the file change during the run?)")
    return counts


def _read_partition(part: _Part, chosen: Columns) -> Iterator[Post]:
    if part.kind == "whole":
        yield from read_posts(part.path, fmt=part.fmt, columns=chosen, id_prefix=part.prefix)
        return
    records = _parquet_rows(part) if part.kind == "parquet" else _text_rows(part)
    layout = part.layout
    ids = _RowIds(part.prefix, set(part.taken),
                  has_id_column=layout is not None and layout.cols["id"] is not None)
    for n, record, flags, error in records:
        if layout is None or n < part.settled_from:
            yield _to_post(None, flags, error, {}, _default_id(part.prefix, n), False)
            continue
        cols, missing = layout.row(record)
        yield _to_post(record, flags, error or missing, cols, ids(n, record, cols), False)


def _text_rows(part: _Part) -> Iterator[tuple]:
    """The partition's records, numbered as in the whole file."""
    with _logical(part.path) as stream:
        file_head = stream.read(max(part.head, _PEEK))
        stream.seek(part.start)
        body = stream.read() if part.stop is None else stream.read(part.stop - part.start)
    skip = 1 if part.start else 0  # drop the file's first record, read again for the header
    data = file_head[:part.head] + body if skip else body
    stream = _Slice(data, file_head[:_PEEK])
    records = _guard(part.name, _TEXT_RECORDS[part.fmt](part.name, stream))
    for n, record, flags, error in itertools.islice(records, skip, None):
        yield part.first_row + n - skip, record, flags, error


def _parquet_rows(part: _Part) -> Iterator[tuple]:
    """Rows start..stop of a Parquet file, reading only the row groups and columns needed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(part.path)
        start, stop = part.start, part.stop if part.stop is not None else pf.metadata.num_rows
        sizes = [pf.metadata.row_group(g).num_rows for g in range(pf.metadata.num_row_groups)]
        ends = list(itertools.accumulate(sizes))
        groups = [g for g, end in enumerate(ends) if end > start and end - sizes[g] < stop]
        names = pf.schema_arrow.names
        cols = part.layout.cols if part.layout else {}
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
        raise ReaderError(part.name, f"invalid Parquet ({exc})") from None


def _part_name(index: int, width: int) -> str:
    return f"part-{index:0{width}d}.parquet"
