"""Score with Dask: the `score` job spread over the workers of a (local or remote) cluster.

The output is a directory of Parquet parts (part-00000.parquet, ...) whose
concatenation equals, row for row, what ``content-analyzer score INPUT -o
out.parquet`` writes with the same model and options.

Exact by construction: the client indexes each input once with the readers
(``plan_partitions``) and every worker reads its piece with ``iter_records``, which
numbers, lays out and ids the rows as reading the whole file does (see
``analyzer.readers.partitions``). Inputs that cannot be cut (JSON arrays, UTF-16 text,
gzipped Parquet, text with lone CR line ends) are read whole by one worker.

Workers must see the inputs, the model directory and the output directory at
the same paths as the client (one machine, or a shared filesystem).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
import warnings
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator, Mapping

from .errors import AnalyzerError
from .files import share_mode
from .persistence import load_model
from .posts import Post
from .readers import Columns, Partition, ReaderError, ReaderWarning, iter_records, plan_partitions, post_from_fields
from .scoring import ScoreJob, ScoreOptions, output_columns, score, worker_model
from .writers import OutputExistsError, RowWriter

__all__ = ["DaskEngineError", "DaskScoreResult", "score_dask"]


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
    the ``Model.with_overrides`` arguments (``lang``, ``lexicon``) every worker
    applies to the loaded model, as ``score`` does locally.
    """
    if partition_rows < 1:
        raise ValueError("partition_rows must be at least 1")
    sources = [str(s) for s in sources]
    if "-" in sources:
        raise DaskEngineError("the Dask engine reads files, not stdin ('-'); "
                              "save the input to a file first")
    out = Path(output_dir)
    _check_output(out, force)
    # verify on the client first: fail before any cluster starts
    model = load_model(model_dir).with_overrides(**(overrides or {}))
    signal_names = model.pipeline.named_steps["features"].signal_names_
    parts = _plan(sources, fmt, columns or Columns(), partition_rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    try:
        score = ScoreJob.for_model(model, ScoreOptions(
            top_k=top_k, features=features, text=text, fmt="parquet",
            columns=tuple(output_columns(features, signal_names, text=text))))
        job = _Job(score=score, columns=columns or Columns(), out_dir=str(tmp),
                   width=max(5, len(str(len(parts) - 1))))
        with _connect(scheduler, n_workers, threads_per_worker) as client:
            counts = _run(client, parts, job)
        if not parts:  # still give readers of the directory its schema
            RowWriter(str(tmp / _part_name(0, job.width)), "parquet", score.options.columns).commit()
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


def _run(client: Any, parts: list[Partition], job: _Job) -> dict[str, int]:
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


def _plan(sources: list[str], fmt: str | None, chosen: Columns, partition_rows: int) -> list[Partition]:
    """Cut every input into partitions (the readers' plan: same opening, errors and warnings)."""
    return plan_partitions(sources, fmt, chosen, partition_rows)


# -- worker side ----------------------------------------------------------------------

def _score_partition(part: Partition, job: _Job) -> Counter:
    """Read, score and write one partition (atomically: a retried task rewrites it whole);
    returns its status counts."""
    model = worker_model(job.score)
    counts: Counter = Counter()
    path = Path(job.out_dir) / _part_name(part.index, job.width)
    try:
        with warnings.catch_warnings(), \
                RowWriter(str(path), "parquet", job.score.options.columns, force=True) as writer:
            warnings.simplefilter("ignore", ReaderWarning)  # the client warned, when planning
            options = replace(job.score.options, chunk_size=job.chunk_size)
            for n, table, chunk_counts in score(_read_partition(part, job.columns), model, options):
                writer.write_encoded(table, n)
                counts.update(chunk_counts)
    except ReaderError as exc:  # name the input as the user wrote it, not its absolute path
        raise ReaderError(part.name, exc.message, exc.line) from None
    if sum(counts.values()) != part.rows:
        raise DaskEngineError(f"{part.name}: partition {part.index} read {sum(counts.values())} "
                              f"rows, expected {part.rows} (did the file change during the run?)")
    return counts


def _read_partition(part: Partition, chosen: Columns) -> Iterator[Post]:
    rows = iter_records(part.file.path, part.file.fmt, part.byte_range, columns=chosen,
                        id_prefix=part.prefix, index=part.file)
    return map(post_from_fields, rows)


def _part_name(index: int, width: int) -> str:
    return f"part-{index:0{width}d}.parquet"
