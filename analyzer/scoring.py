"""Batch scoring: stream posts through the model in chunks and shape output rows.

Memory stays proportional to one chunk, whatever the input size; every input
post yields exactly one output row, in input order.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Iterable, Iterator

from sklearn.pipeline import Pipeline

from .explain import Prediction, predict_posts
from .signals import DIMENSIONS, SIGNAL_NAMES

__all__ = ["OUTPUT_COLUMNS", "chunks", "output_columns", "prediction_record", "score_posts"]

OUTPUT_COLUMNS: tuple[str, ...] = (
    "id", "text", "author", "platform", "created_at", "is_reply", "lang", "label", "p_networking",
    "confidence", *DIMENSIONS, "words", "signals", "status", "error", "flags",
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


def _round(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(x, digits)


def prediction_record(pred: Prediction, *, features: bool = False) -> dict[str, Any]:
    """One output row (DESIGN.md columns) for a prediction."""
    post = pred.post
    error = post.error
    rec: dict[str, Any] = {
        "id": post.id,
        "text": post.text,
        "author": post.author,
        "platform": post.platform,
        "created_at": post.created_at.isoformat() if post.created_at else None,
        "is_reply": post.meta.get("is_reply"),
        "lang": pred.lang,
        "label": pred.label,
        "p_networking": _round(pred.p_networking),
        "confidence": _round(pred.confidence),
        **{d: _round(pred.dimensions.get(d)) for d in DIMENSIONS},
        "words": _round(pred.words),
        "signals": [c.as_dict() for c in pred.top],
        "status": post.status,
        "error": error,
        "flags": ",".join(post.flags) or None,
    }
    if features:
        rec.update(pred.signals or {})
    return rec


def score_posts(
    model: Pipeline,
    posts: Iterable[Any],
    *,
    chunk_size: int = 2000,
    top_k: int = 5,
    features: bool = False,
    on_chunk: Callable[[int], None] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Yield output rows chunk by chunk, in input order."""
    for chunk in chunks(posts, chunk_size):
        preds = predict_posts(model, chunk, top_k=top_k, with_signals=features)
        rows = [prediction_record(p, features=features) for p in preds]
        if on_chunk is not None:
            on_chunk(len(rows))
        yield rows
