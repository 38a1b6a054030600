"""Score files into one output: what ``content-analyzer score`` does, callable without a terminal.

The engine (this machine or a Dask cluster), resuming, the worker count and the
scoring loop are decided here, once; the command line only reads its options,
shows progress and prints the summary this returns.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal, Sequence

from . import scoring
from .checkpoint import ResumableOutput, fingerprint
from .dask_engine import score_dask  # Dask itself is imported only when a cluster starts
from .inputs import read_many
from .persistence import Model
from .readers import Columns
from .scoring import ScoreOptions, output_columns
from .writers import open_writer, output_format

__all__ = ["ScoreInterrupted", "ScoreSummary", "default_workers", "score_files", "usable_cores", "worker_count"]

LARGE_INPUT = 5_000_000  # bytes of input from which every core is used by default


@dataclass
class ScoreSummary:
    rows: int
    counts: dict[str, int]  # ok, empty, error
    output: str  # the file or directory written, "stdout" for -
    export_stats: list = field(default_factory=list)  # one ExportStats per platform export read
    partitions: int | None = None  # with the Dask engine


class ScoreInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) while scoring; ``rows_done`` rows are kept for ``--resume``
    (None when the job was not resumable: nothing was written)."""

    def __init__(self, rows_done: int | None):
        super().__init__()
        self.rows_done = rows_done


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform tells it)."""
    if hasattr(os, "sched_getaffinity"):
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except OSError:
            pass
    return os.cpu_count() or 1


def worker_count(requested: int | None, inputs: Sequence[str],
                 note: Callable[[str], None] = lambda msg: None) -> int:
    """``requested`` workers, but never more processes than cores (``note`` says so)."""
    if requested is None:
        return default_workers(inputs)
    cores = usable_cores()
    if requested > cores:
        note(f"note: --workers {requested} capped at {cores} core{'s' if cores != 1 else ''}")
        return cores
    return requested


def default_workers(inputs: Sequence[str]) -> int:
    """All cores for large inputs; one for small ones, where starting workers costs more."""
    cores = usable_cores()
    try:
        size = sum(Path(i).stat().st_size for i in inputs if i != "-" and Path(i).is_file())
    except OSError:
        size = 0
    return cores if size >= LARGE_INPUT else 1


def score_files(
    inputs: Sequence[str],
    output: str,
    model: Model,
    *,
    out_format: str | None = None,
    force: bool = False,
    input_format: str | None = None,
    encoding: str | None = None,
    columns: Columns | None = None,
    include_reposts: bool = False,
    include_direct: bool = False,
    features: bool = False,
    text: bool = True,
    top_k: int = 5,
    chunk_size: int = 2000,
    workers: int | None = None,
    engine: Literal["local", "dask"] = "local",
    scheduler: str | None = None,
    partition_rows: int = 50_000,
    resume: bool = False,
    escape_formulas: bool = True,
    on_chunk: Callable[[int], None] = lambda n: None,
    note: Callable[[str], None] = lambda msg: None,
) -> ScoreSummary:
    """Score every post of ``inputs`` into ``output`` (``-``: JSON Lines on stdout), one row
    per input row, in order; ``note`` gets what the user should know on the way.

    With ``resume`` finished chunks are kept beside the output (``checkpoint``), so the
    same call continues after an interruption; with ``engine="dask"`` the output is a
    directory of Parquet parts. Raises ScoreInterrupted on Ctrl-C while scoring.
    """
    columns = columns or Columns()
    if engine == "dask":
        return _score_dask(inputs, output, model, scheduler=scheduler, workers=workers, note=note,
                           partition_rows=partition_rows, columns=columns, fmt=input_format, top_k=top_k,
                           features=features, text=text, force=force)
    names = output_columns(features, model.pipeline.named_steps["features"].signal_names_, text=text)
    fmt = output_format(output, out_format)
    if resume:
        read_options = {"input_format": input_format, "columns": dataclasses.asdict(columns),
                        "reposts": include_reposts, "direct": include_direct, "top_k": top_k,
                        "encoding": encoding, "features": features, "text": text,
                        "chunk_size": chunk_size, "escape_formulas": escape_formulas}
        digest = fingerprint(inputs, {**read_options, "fmt": fmt, "names": names,
                                      "model": model.meta.get("model_sha256"), "overrides": model.overrides})
        writer = ResumableOutput(output, fmt, names, digest, force=force)
    else:
        writer = open_writer(output, names, fmt=fmt, force=force)
    n_workers = worker_count(workers, inputs, note)
    options = ScoreOptions(top_k=top_k, features=features, text=text, fmt=fmt, columns=tuple(names),
                           escape_formulas=escape_formulas, workers=n_workers, chunk_size=chunk_size)
    export_stats: list = []
    posts = read_many(inputs, fmt=input_format, columns=columns, include_reposts=include_reposts,
                      include_direct=include_direct, export_stats=export_stats, raw=n_workers > 1,
                      encoding=encoding)
    counts = {"ok": 0, "empty": 0, "error": 0}
    try:
        if resume:
            if writer.resumed:
                note(f"resuming after {writer.rows_done} rows already scored")
            for chunk in scoring.score(itertools.islice(posts, writer.rows_done, None), model, options):
                writer.write_chunk(chunk.payload, chunk.rows, chunk.counts)
                on_chunk(chunk.rows)
            writer.commit()
            counts = writer.state["counts"]
        else:
            with writer:
                for chunk in scoring.score(posts, model, options):
                    writer.write_encoded(chunk.payload, chunk.rows)
                    for k, v in chunk.counts.items():
                        counts[k] += v
                    on_chunk(chunk.rows)
    except KeyboardInterrupt:
        raise ScoreInterrupted(writer.rows_done if resume else None) from None
    finally:
        if resume:
            writer.close()  # another run may take the job over now
    return ScoreSummary(rows=sum(counts.values()), counts=counts, export_stats=export_stats,
                        output="stdout" if output == "-" else output)


def _score_dask(inputs, output, model: Model, *, scheduler, workers, note, **kwargs) -> ScoreSummary:
    # a local cluster forks its workers here: no more of them than cores
    n_workers = worker_count(workers, [], note) if workers and scheduler is None else workers or 2
    result = score_dask(list(inputs), output, model_dir=model.path, scheduler=scheduler,
                        n_workers=n_workers, overrides=model.overrides, **kwargs)
    c = result.counts
    return ScoreSummary(rows=result.rows, counts={k: c.get(k, 0) for k in ("ok", "empty", "error")},
                        output=str(result.output_dir), partitions=result.partitions)
