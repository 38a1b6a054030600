"""Batch scoring: stream posts through the model in chunks and shape output rows.

Memory stays proportional to one chunk, whatever the input size; every input
post yields exactly one output row, in input order.
"""

from __future__ import annotations

import gc
import itertools
import json
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

import numpy as np
from sklearn.pipeline import Pipeline

from .explain import Batch, explain_batch
from .posts import FUNCTIONS, NO_TEXT, media_rule
from .signals import DIMENSIONS, SIGNAL_NAMES
from .writers import encode_rows

__all__ = [
    "OUTPUT_COLUMNS", "RULE_SIGNAL", "ScoreJob", "batch_records", "chunks", "encode_chunk", "output_columns", "score_encoded",
    "score_posts", "worker_model",
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


def score_posts(
    model: Pipeline,
    posts: Iterable[Any],
    *,
    chunk_size: int = 2000,
    top_k: int = 5,
    features: bool = False,
    text: bool = True,
    on_chunk: Callable[[int], None] | None = None,
    function_head: Any = None,
) -> Iterator[list[dict[str, Any]]]:
    """Yield output rows chunk by chunk, in input order."""
    for chunk in chunks(posts, chunk_size):
        rows = batch_records(explain_batch(model, chunk, top_k=top_k, function_head=function_head),
                             features=features, text=text)
        if on_chunk is not None:
            on_chunk(len(rows))
        yield rows


# -- chunks scored in worker processes ----------------------------------------------

@dataclass(frozen=True)
class ScoreJob:
    """What a worker needs to score and encode a chunk: where the model is, how it
    was adjusted (language, extra cue words) and what the output looks like."""

    model_dir: str
    overrides: tuple[tuple[str, Any], ...]
    top_k: int
    features: bool
    text: bool
    fmt: str
    columns: tuple[str, ...]
    model_sha256: str | None = None  # when set, workers refuse a model that changed since
    escape_formulas: bool = True  # CSV: quote cells a spreadsheet would run as formulas

    @classmethod
    def for_model(cls, model: Any, *, top_k: int, features: bool, text: bool, fmt: str,
                  columns: Iterable[str], escape_formulas: bool = True) -> ScoreJob:
        """The job for a loaded ``persistence.Model``: its directory, sha256 and overrides."""
        return cls(model_dir=str(model.path.resolve()), overrides=tuple(sorted(model.overrides.items())),
                   top_k=top_k, features=features, text=text, fmt=fmt, columns=tuple(columns),
                   model_sha256=model.meta.get("model_sha256"), escape_formulas=escape_formulas)


_WORKER_MODELS: dict[tuple[str, Any, str], tuple[Pipeline, Any]] = {}
_WORKER_LOCK = threading.Lock()  # Dask workers may run several tasks in threads
_MODEL_LOADS = 0  # models this process loaded; read by tests


def worker_model(job: ScoreJob) -> tuple[Pipeline, Any]:
    """The job's model, loaded and verified once per worker process, then reused."""
    from .persistence import ModelError, load_model

    global _MODEL_LOADS
    key = (job.model_dir, job.model_sha256, json.dumps(job.overrides, sort_keys=True))
    with _WORKER_LOCK:
        if key not in _WORKER_MODELS:
            model = load_model(job.model_dir)
            if job.model_sha256 and model.meta.get("model_sha256") != job.model_sha256:
                raise ModelError(f"{job.model_dir}: the model changed during the run")
            if job.overrides:
                model.pipeline.named_steps["features"].set_params(**dict(job.overrides))
            _WORKER_MODELS.clear()
            _WORKER_MODELS[key] = (model.pipeline, model.function_head)
            _MODEL_LOADS += 1
            # the model and spaCy objects live as long as the worker: keep them out of
            # the garbage collector's generations so its passes stay short
            gc.freeze()
        return _WORKER_MODELS[key]


def encode_chunk(model: tuple[Pipeline, Any], job: ScoreJob, posts: list[Any]) -> tuple[int, Any, dict[str, int]]:
    """Score a chunk with (pipeline, function head) and return (rows, encoded rows, status counts)."""
    pipeline, head = model
    rows = batch_records(explain_batch(pipeline, posts, top_k=job.top_k, function_head=head),
                         features=job.features, text=job.text)
    counts = {"ok": 0, "empty": 0, "error": 0}
    for r in rows:
        counts[r["status"]] += 1
    return len(rows), encode_rows(job.fmt, job.columns, rows, escape_formulas=job.escape_formulas), counts


def _encode_in_worker(job: ScoreJob, items: list[Any]) -> tuple[int, Any, dict[str, int]]:
    from .readers import materialize

    return encode_chunk(worker_model(job), job, materialize(items))


def score_encoded(
    pipeline: tuple[Pipeline, Any],
    job: ScoreJob,
    posts: Iterable[Any],
    *,
    workers: int = 1,
    chunk_size: int = 2000,
) -> Iterator[tuple[int, Any, dict[str, int]]]:
    """Score posts chunk by chunk, in input order, in this process or in ``workers`` processes.

    ``pipeline`` is the (pipeline, function head) pair of a loaded model.

    Workers turn raw rows into posts (``read_many(..., raw=True)`` items),
    score them and send back their chunk already encoded; this process only
    reads and writes. At most two chunks per worker are in flight, so memory
    stays bounded whatever the input size. Where the platform can fork, workers
    start as copies of this process, with the model and spaCy pipeline already
    loaded and warm; elsewhere each joblib worker loads the model once.
    """
    with single_threaded_blas():
        yield from _score_encoded(pipeline, job, posts, workers, chunk_size)


def single_threaded_blas():
    """Keep BLAS to one thread: the matrices here are small, and OpenBLAS's extra
    threads only spin (a third more CPU for nothing, and they crowd out workers)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _score_encoded(pipeline: tuple[Pipeline, Any], job: ScoreJob, posts: Iterable[Any], workers: int,
                   chunk_size: int) -> Iterator[tuple[int, Any, dict[str, int]]]:
    if workers <= 1:
        from .readers import materialize

        for chunk in chunks(posts, chunk_size):
            yield encode_chunk(pipeline, job, materialize(chunk))
        return
    import multiprocessing as mp

    if "fork" in mp.get_all_start_methods():
        yield from _score_forked(pipeline, job, posts, workers, chunk_size)
        return
    from joblib import Parallel, delayed

    with Parallel(n_jobs=workers, return_as="generator", pre_dispatch="2*n_jobs",
                  batch_size=1) as parallel:
        yield from parallel(delayed(_encode_in_worker)(job, chunk) for chunk in chunks(posts, chunk_size))


_FORKED: dict[str, Any] = {}


def _encode_forked(items: list[Any]) -> tuple[int, Any, dict[str, int]]:
    from .readers import materialize

    return encode_chunk(_FORKED["pipeline"], _FORKED["job"], materialize(items))


def _score_forked(pipeline: tuple[Pipeline, Any], job: ScoreJob, posts: Iterable[Any], workers: int,
                  chunk_size: int) -> Iterator[tuple[int, Any, dict[str, int]]]:
    """Forked workers through ``concurrent.futures``: a worker that dies makes the pool
    broken and this raises WorkerError (``multiprocessing.Pool.imap`` waited forever for the
    lost chunk: seen in about 1 of 70 runs). At most two chunks per worker are in flight; a
    reading error is raised after the chunks read before it are written."""
    import multiprocessing as mp
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from .errors import WorkerError

    _FORKED.update(pipeline=pipeline, job=job)
    failure: list[BaseException] = []
    gc.freeze()  # objects shared with the forked workers stay out of their collector
    try:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            pending: deque = deque()
            source = chunks(posts, chunk_size)
            while True:
                try:
                    chunk = next(source)
                except StopIteration:
                    break
                except BaseException as exc:  # a reading error: stop reading, raise it at the end
                    failure.append(exc)
                    break
                pending.append(pool.submit(_encode_forked, chunk))
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
        gc.unfreeze()
        _FORKED.clear()
