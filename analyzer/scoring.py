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
import math
import multiprocessing as mp
import threading
from collections import deque
from contextlib import contextmanager
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
from .writers import column_rows, encode_columns, json_text

__all__ = [
    "OUTPUT_COLUMNS", "RULE_SIGNAL", "ScoreJob", "ScoreOptions", "ScoredChunk", "batch_columns", "chunks", "column_rows",
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


def chunks(items: Iterable[Any], size: int, tail_parts: int = 1) -> Iterator[list[Any]]:
    """Lists of ``size`` items in order. With ``tail_parts`` > 1 the last full list and
    what follows it come as ``tail_parts`` near-equal smaller lists (one list is read
    ahead to know which is last), so workers given the end of the input finish together
    instead of one scoring a whole chunk while the others wait. A reading error is raised
    after the lists read before it."""
    it = iter(items)
    if tail_parts <= 1:
        while chunk := list(itertools.islice(it, size)):
            yield chunk
        return
    held: list[Any] = []
    while True:
        try:
            chunk = list(itertools.islice(it, size))
        except BaseException:
            if held:
                yield held
            raise
        if len(chunk) < size:  # the end: split what is held and this last part
            rest = held + chunk
            parts = min(tail_parts, len(rest))
            bounds = [len(rest) * k // parts for k in range(parts + 1)] if rest else []
            for lo, hi in zip(bounds, bounds[1:]):
                yield rest[lo:hi]
            return
        if held:
            yield held
        held = chunk


# the one entry of ``signals`` that explains a post labelled by rule (no words, only media)
RULE_SIGNAL = "rule__media_no_text"


def rule_explanation(post: Any, explanation: str) -> dict[str, Any]:
    """The ``signals`` entry of a post labelled by ``posts.media_rule``: the media count as its
    value, no contribution (no model weight was used)."""
    return {"name": RULE_SIGNAL, "dimension": "rule", "value": float(post.media_count),
            "contribution": None, "text": explanation}


def batch_columns(batch: Batch, *, features: bool = False, text: bool = True,
                  json_cells: bool = False) -> dict[str, list[Any]]:
    """The output of a scored batch as columns (one list per output column, one value per
    post, in ``output_columns`` order), built from the batch's arrays without a dict per
    post: the CSV and Parquet encoders read columns, and building rows first cost as much
    as encoding them.

    A post with media and no words gets the label and function of ``media_rule``, the
    flag ``no_text``, its explanation as the one entry of ``signals`` and no
    probability, confidence or dimension scores (None: nothing was estimated).

    With ``json_cells``, ``signals`` and ``p_function`` come as the JSON text a CSV cell
    holds (``writers.json_text`` of the lists and dicts), written straight from the
    batch's arrays (see ``_json_cells``).
    """
    posts = batch.posts
    n, ok = len(posts), batch.ok.tolist()
    scored = {
        "label": batch.labels.tolist(),
        "p_networking": np.round(batch.p_networking, 6).tolist(),
        "confidence": np.round(np.maximum(batch.p_networking, 1 - batch.p_networking), 6).tolist(),
        "function": batch.functions(),
        **{d: np.round(batch.dims[:, k], 4).tolist() for k, d in enumerate(DIMENSIONS)},
        "words": np.round(batch.words, 4).tolist(),
        "intercept": np.round(batch.intercept, 4).tolist(),
    }
    p_function = np.round(batch.p_function, 6).tolist() if batch.p_function is not None else None
    items = batch.all_top_items()
    cells = _json_cells(batch.top_row.tolist(), items, p_function, len(ok)) if json_cells else None
    if cells is None:
        json_cells = False
        signals: list[Any] = [[] for _ in ok]
        for row, (name, dim, v, c, t) in zip(batch.top_row.tolist(), items):
            signals[row].append({"name": name, "dimension": dim, "value": round(v, 6),
                                 "contribution": round(c, 6), "text": t})
        scored["signals"] = signals
        scored["p_function"] = ([dict(zip(FUNCTIONS, r)) for r in p_function]
                                if p_function is not None else [None] * len(ok))
    else:
        scored["signals"], scored["p_function"] = cells
    if features:
        scored.update(zip(batch.featurizer.signal_names_, batch.raw.T.tolist() if len(ok) else
                          [[] for _ in batch.featurizer.signal_names_]))
    flags = [list(p.flags) for p in posts]
    if len(ok) < n:  # posts the model did not score: None, or the media rule's answer
        for k, values in scored.items():
            full: list[Any] = [None] * n
            for row, i in enumerate(ok):
                full[i] = values[row]
            scored[k] = full
        done = set(ok)
        for i, post in enumerate(posts):
            if i in done:
                continue
            rule = media_rule(post)
            signals = [] if rule is None else [rule_explanation(post, rule[2])]
            scored["signals"][i] = json_text(signals) if json_cells else signals
            if rule is not None:
                scored["label"][i], scored["function"][i] = rule[0].value, rule[1]
                flags[i].append(NO_TEXT)
    out: dict[str, list[Any]] = {"id": [p.id for p in posts]}
    if text:
        out["text"] = [p.text for p in posts]
    out.update(
        author=[p.author for p in posts],
        platform=[p.platform for p in posts],
        created_at=[p.created_at.isoformat() if p.created_at else None for p in posts],
        is_reply=[p.meta.get("is_reply") for p in posts],
        lang=list(batch.langs),
    )
    columns = output_columns(features, batch.featurizer.signal_names_ if features else (), text)
    fixed = {"status": [p.status for p in posts], "error": [p.reason for p in posts], "flags": flags}
    return {c: out[c] if c in out else fixed[c] if c in fixed else scored[c] for c in columns}


class _JSONStrings(dict):
    """The JSON text of each string met, made on first use."""

    def __missing__(self, value: str) -> str:
        out = self[value] = json_text(value)
        return out


def _json_cells(top_row: list[int], items: list[tuple[str, str, float, float, str]],
                p_function: list[list[float]] | None, n: int) -> tuple[list[str], list[Any]] | None:
    """The ``signals`` and ``p_function`` cells of ``n`` rows as JSON text, the same
    characters ``json_text`` gives for their lists and dicts, from format strings: making a
    dict per signal, then encoding it, was a tenth of scoring a post (measured 2026-12-08,
    40k real-looking posts). A float's JSON text is its ``repr``, except for NaN and
    infinities: then None, and the caller makes dicts."""
    numbers = [v for item in items for v in item[2:4]]
    if p_function is not None:
        numbers += [v for row in p_function for v in row]
    if not all(map(math.isfinite, numbers)):
        return None
    s = _JSONStrings()
    parts: list[list[str]] = [[] for _ in range(n)]
    for row, (name, dim, v, c, t) in zip(top_row, items):
        parts[row].append(f'{{"name": {s[name]}, "dimension": {s[dim]}, "value": {round(v, 6)!r}, '
                          f'"contribution": {round(c, 6)!r}, "text": {s[t]}}}')
    signals = ["[" + ", ".join(p) + "]" for p in parts]
    if p_function is None:
        return signals, [None] * n
    template = "{{" + ", ".join(f"{json_text(f)}: {{!r}}" for f in FUNCTIONS) + "}}"
    return signals, [template.format(*row) for row in p_function]


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
    table = batch_columns(explain_batch(model.pipeline, materialize(posts), top_k=options.top_k,
                                        function_head=model.function_head),
                          features=options.features, text=options.text, json_cells=options.fmt == "csv")
    counts = {"ok": 0, "empty": 0, "error": 0}
    for status in table["status"]:
        counts[status] += 1
    payload = column_rows(table) if options.fmt is None else encode_columns(
        options.fmt, options.columns, table, escape_formulas=options.escape_formulas)
    return ScoredChunk(len(table["status"]), payload, counts)


def score(posts: Iterable[Any], model: Model, options: ScoreOptions = ScoreOptions()) -> Iterator[ScoredChunk]:
    """Score posts chunk by chunk, in input order, in this process or in ``options.workers``
    worker processes (see ``_score_in_workers``)."""
    with single_threaded_blas(), long_lived_frozen():
        if options.workers <= 1:
            for chunk in chunks(posts, options.chunk_size):
                yield score_chunk(model, options, chunk)
        else:
            yield from _score_in_workers(posts, model, options)


@contextmanager
def long_lived_frozen() -> Iterator[None]:
    """The objects alive when scoring starts (the model, the spaCy vocabulary, every module)
    moved out of the garbage collector's generations for the run, as ``gc.freeze`` is
    meant for; forked workers inherit this. Each full collection otherwise walks them all
    again: measured 2026-12-07, 40k real-looking posts, 1 worker, the collector's time
    0.54-0.69 s of which full collections 0.41-0.50 s, against 0.33-0.40 s and 0.18-0.22 s.
    A heap someone else froze stays frozen."""
    ours = gc.get_freeze_count() == 0
    gc.freeze()
    try:
        yield
    finally:
        if ours:
            gc.unfreeze()


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
    else:
        job = ScoreJob.for_model(model, options)
        context, submit = mp.get_context("spawn"), functools.partial(_score_spawned, job)
    failure: list[BaseException] = []
    try:
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            pending: deque = deque()
            source = chunks(posts, options.chunk_size, tail_parts=2 * workers)
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
        _FORKED.clear()
