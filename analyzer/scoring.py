"""Batch scoring: stream posts through the model in chunks and shape output rows.

Memory stays proportional to one chunk, whatever the input size; every input
post yields exactly one output row, in input order. ``score`` is the one way in:
one process, forked worker processes, or (through ``dask_engine``) a cluster's
workers all score a chunk with ``score_chunk``.
"""

from __future__ import annotations

import functools
import gc
import itertools
import json
import multiprocessing as mp
import threading
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from .errors import ModelError, WorkerError
from .explain import Batch, explain_batch
from .persistence import Model, load_model
from .posts import FUNCTIONS, NO_TEXT, media_rule
from .readers import materialize
from .signals import DIMENSIONS, SIGNAL_NAMES
from .writers import encode_rows

__all__ = [
    "OUTPUT_COLUMNS", "RULE_SIGNAL", "ScoreJob", "ScoreOptions", "ScoredChunk", "batch_records", "chunks",
    "output_columns", "score", "score_chunk", "worker_model",
]

OUTPUT_COLUMNS: tuple[str, ...] = (
    "id", "text", "author", "platform", "created_at", "is_reply", "lang", "label", "p_networking",
    "confidence", "function", "p_function", *DIMENSIONS, "words", "intercept", "signals", "status",
    "error", "flags",
)


def output_columns(features: bool = False, signal_names: Iterable[str] = SIGNAL_NAMES,
                   text: bool = True) -> list[str]:
    """Output columns; ``features`` adds one column per signal (raw value)."""
    base = [c for c in OUTPUT_COLUMNS if text or c != "text"]
    return [*base, *(signal_names if features else ())]


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


# the one entry of ``signals`` that explains a post labelled by rule (no words, only media)
RULE_SIGNAL = "rule__media_no_text"


def rule_explanation(post: Any, explanation: str) -> dict[str, Any]:
    """The ``signals`` entry of a post labelled by ``posts.media_rule``: the media count as its
    value, no contribution (no model weight was used)."""
    return {"name": RULE_SIGNAL, "dimension": "rule", "value": float(post.media_count),
            "contribution": None, "text": explanation}


def batch_records(batch: Batch, *, features: bool = False, text: bool = True) -> list[dict[str, Any]]:
    """Output rows straight from a scored batch: no intermediate per-post objects.

    A post with media and no words gets the label and function of ``media_rule``, the
    flag ``no_text``, its explanation as the one entry of ``signals`` and no
    probability, confidence or dimension scores (None: nothing was estimated).
    """
    n_ok = len(batch.ok)
    cols = {
        "label": batch.labels.tolist(),
        "p_networking": np.round(batch.p_networking, 6).tolist(),
        "confidence": np.round(np.maximum(batch.p_networking, 1 - batch.p_networking), 6).tolist(),
        "function": batch.functions(),
        "p_function": ([dict(zip(FUNCTIONS, r)) for r in np.round(batch.p_function, 6).tolist()]
                       if batch.p_function is not None else [None] * n_ok),
        **{d: np.round(batch.dims[:, k], 4).tolist() for k, d in enumerate(DIMENSIONS)},
        "words": np.round(batch.words, 4).tolist(),
        "intercept": np.round(batch.intercept, 4).tolist(),
    }
    row_of = {int(i): r for r, i in enumerate(batch.ok.tolist())} if n_ok else {}
    names = batch.featurizer.signal_names_
    raw = batch.raw.tolist() if features else None
    signals: list[list[dict[str, Any]]] = [[] for _ in range(n_ok)]
    for row, (name, dim, v, c, t) in zip(batch.top_row.tolist(), batch.all_top_items()):
        signals[row].append({"name": name, "dimension": dim, "value": round(v, 6),
                             "contribution": round(c, 6), "text": t})
    empty = {k: None for k in cols}
    out = []
    for i, post in enumerate(batch.posts):
        rec: dict[str, Any] = {
            "id": post.id,
            **({"text": post.text} if text else {}),
            "author": post.author,
            "platform": post.platform,
            "created_at": post.created_at.isoformat() if post.created_at else None,
            "is_reply": post.meta.get("is_reply"),
            "lang": batch.langs[i],
        }
        row = row_of.get(i)
        flags = post.flags
        if row is None:
            rec.update(empty)
            rule = media_rule(post)
            if rule is None:
                rec["signals"] = []
            else:
                rec["label"], rec["function"] = rule[0].value, rule[1]
                rec["signals"] = [rule_explanation(post, rule[2])]
                flags = (*flags, NO_TEXT)
        else:
            for k, v in cols.items():
                rec[k] = v[row]
            rec["signals"] = signals[row]
        rec["status"] = post.status
        rec["error"] = post.reason
        rec["flags"] = list(flags)
        if features:
            rec.update(zip(names, raw[row]) if row is not None else ((n, None) for n in names))
        out.append(rec)
    return out


@dataclass(frozen=True)
class ScoreOptions:
    """What the output looks like and how the work is spread.

    ``fmt`` None gives each chunk's rows as dicts; csv, jsonl or parquet gives them
    encoded for ``writers.RowWriter.write_encoded`` in ``columns`` (workers then send
    back bytes or an Arrow table, not Python objects).
    """

    top_k: int = 5
    features: bool = False
    text: bool = True
    fmt: str | None = None
    columns: tuple[str, ...] = ()
    escape_formulas: bool = True  # CSV: quote cells a spreadsheet would run as formulas
    workers: int = 1
    chunk_size: int = 2000


class ScoredChunk(NamedTuple):
    rows: int
    payload: Any  # the rows as dicts, or encoded in ScoreOptions.fmt
    counts: dict[str, int]  # rows per status: ok, empty, error


@dataclass(frozen=True)
class ScoreJob:
    """What a worker process needs to make the same model and output: where the model
    is, its sha256 (a model changed during the run is refused) and how it was adjusted
    (``Model.with_overrides`` arguments)."""

    model_dir: str
    overrides: tuple[tuple[str, Any], ...]
    options: ScoreOptions
    model_sha256: str | None = None

    @classmethod
    def for_model(cls, model: Model, options: ScoreOptions) -> ScoreJob:
        return cls(model_dir=str(model.path.resolve()), overrides=tuple(sorted(model.overrides.items())),
                   options=options, model_sha256=model.meta.get("model_sha256"))


_WORKER_MODELS: dict[tuple[str, Any, str], Model] = {}
_WORKER_LOCK = threading.Lock()  # Dask workers may run several tasks in threads


def worker_model(job: ScoreJob) -> Model:
    """The job's model, loaded and verified once per worker process, then reused."""
    key = (job.model_dir, job.model_sha256, json.dumps(job.overrides, sort_keys=True))
    with _WORKER_LOCK:
        if key not in _WORKER_MODELS:
            model = load_model(job.model_dir)
            if job.model_sha256 and model.meta.get("model_sha256") != job.model_sha256:
                raise ModelError(f"{job.model_dir}: the model changed during the run")
            _WORKER_MODELS.clear()
            _WORKER_MODELS[key] = model.with_overrides(**dict(job.overrides))
            # the model and spaCy objects live as long as the worker: keep them out of
            # the garbage collector's generations so its passes stay short
            gc.freeze()
        return _WORKER_MODELS[key]


def score_chunk(model: Model, options: ScoreOptions, posts: list[Any]) -> ScoredChunk:
    """Score one chunk of posts (or raw rows from ``read_many(..., raw=True)``)."""
    rows = batch_records(explain_batch(model.pipeline, materialize(posts), top_k=options.top_k,
                                       function_head=model.function_head),
                         features=options.features, text=options.text)
    counts = {"ok": 0, "empty": 0, "error": 0}
    for r in rows:
        counts[r["status"]] += 1
    payload = rows if options.fmt is None else encode_rows(options.fmt, options.columns, rows,
                                                           escape_formulas=options.escape_formulas)
    return ScoredChunk(len(rows), payload, counts)


def score(posts: Iterable[Any], model: Model, options: ScoreOptions = ScoreOptions()) -> Iterator[ScoredChunk]:
    """Score posts chunk by chunk, in input order, in this process or in ``options.workers``
    worker processes (see ``_score_in_workers``)."""
    with single_threaded_blas():
        if options.workers <= 1:
            for chunk in chunks(posts, options.chunk_size):
                yield score_chunk(model, options, chunk)
        else:
            yield from _score_in_workers(posts, model, options)


def single_threaded_blas():
    """Keep BLAS to one thread: the matrices here are small, and OpenBLAS's extra
    threads only spin (a third more CPU for nothing, and they crowd out workers)."""
    return threadpool_limits(limits=1, user_api="blas")


_FORKED: dict[str, Any] = {}


def _score_forked(items: list[Any]) -> ScoredChunk:
    return score_chunk(_FORKED["model"], _FORKED["options"], items)


def _score_spawned(job: ScoreJob, items: list[Any]) -> ScoredChunk:
    return score_chunk(worker_model(job), job.options, items)


def _score_in_workers(posts: Iterable[Any], model: Model, options: ScoreOptions) -> Iterator[ScoredChunk]:
    """Chunks scored in a ``concurrent.futures`` process pool; this process only reads and
    writes, workers turn raw rows into posts, score them and send back the chunk encoded.

    Where the platform can fork, workers start as copies of this process, with the model
    and spaCy pipeline loaded and warm; elsewhere (spawn) each loads the model once. The
    fork pool, not joblib: measured on 2026-12-07 (2 workers, 16,800 posts, bundled model,
    a fresh process per run as the CLI runs), 1.69 s and 1.70 s against 3.82 s and 4.03 s
    for joblib's loky workers, which each load the model first. A worker that dies makes
    the pool broken and this raises WorkerError (``multiprocessing.Pool.imap`` waited
    forever for the lost chunk: seen in about 1 of 70 runs). At most two chunks per worker
    are in flight, so memory stays bounded; a reading error is raised after the chunks
    read before it are written.
    """
    workers = options.workers
    if "fork" in mp.get_all_start_methods():
        context, submit = mp.get_context("fork"), _score_forked
        _FORKED.update(model=model, options=options)
        gc.freeze()  # objects shared with the forked workers stay out of their collector
    else:
        job = ScoreJob.for_model(model, options)
        context, submit = mp.get_context("spawn"), functools.partial(_score_spawned, job)
    failure: list[BaseException] = []
    try:
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            pending: deque = deque()
            source = chunks(posts, options.chunk_size)
            while True:
                try:
                    chunk = next(source)
                except StopIteration:
                    break
                except BaseException as exc:  # a reading error: stop reading, raise it at the end
                    failure.append(exc)
                    break
                pending.append(pool.submit(submit, chunk))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        if failure:
            raise failure[0]
    except BrokenProcessPool:
        raise WorkerError(f"a worker process stopped unexpectedly (of {workers}); nothing was written for "
                          "the rows it held: run again, or with --workers 1") from None
    finally:
        if _FORKED:
            gc.unfreeze()
            _FORKED.clear()
