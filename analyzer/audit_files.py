"""From input files to an audit: raw posts are scored here, files ``score`` wrote are read back.

:mod:`analyzer.audit` only counts rows; this module finds the rows. A scored
file is never scored again: its labels, scores and explanations are counted as
written (:mod:`analyzer.scored_files`).
"""

from __future__ import annotations

from itertools import chain
from typing import Any, Callable, Mapping, Sequence

from .audit import AuditBuilder
from .explain import global_weights
from .inputs import read_many
from .readers import read_records
from .scored_files import fill_signal_values, is_scored, is_table, scored_row
from .scoring import ScoreOptions, chunks, score, single_threaded_blas
from .signals import SIGNAL_NAMES

__all__ = ["audit_sources", "signal_weights"]


def signal_weights(pipeline: Any) -> dict[str, float]:
    """Model weight of every signal (positive = toward networking)."""
    w = global_weights(pipeline)
    return {n: float(c) for n, c in zip(w["names"], w["coef"]) if n in SIGNAL_NAMES}


def audit_sources(
    sources: Sequence[str],
    model: Any,
    *,
    read_posts_kwargs: Mapping[str, Any] | None = None,
    chunk_size: int = 2000,
    target_rule: str = "80/20",
    examples: int = 5,
    on_chunk: Callable[[int], Any] | None = None,
) -> dict[str, Any]:
    """Audit raw inputs (scored here with ``model``) or files that ``score`` wrote.

    A scored file keeps its own labels, scores and signals; when it lacks the
    per-signal columns but has the text, the signal values are recomputed from
    the text (:func:`analyzer.scored_files.fill_signal_values` says why).
    """
    pipeline = model.pipeline
    builder = AuditBuilder(target_rule=target_rule, examples=examples, weights=signal_weights(pipeline))
    featurizer = pipeline.named_steps["features"]
    kwargs = dict(read_posts_kwargs or {})

    def add(rows: list) -> None:
        builder.add(rows)
        if on_chunk:
            on_chunk(len(rows))

    with single_threaded_blas():
        for source in sources:
            records = read_records(source, fmt=kwargs.get("fmt")) if is_table(source) else iter(())
            first = next(records, None)
            if first is not None and is_scored(first):
                for chunk in chunks(chain([first], records), chunk_size):
                    rows = [scored_row(r) for r in chunk]
                    fill_signal_values(rows, featurizer)
                    add(rows)
                continue
            posts = read_many([source], **kwargs)
            for _, rows, _ in score(posts, model, ScoreOptions(chunk_size=chunk_size, features=True)):
                add(rows)
        return builder.finish()
