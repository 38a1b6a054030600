"""What the audit report says about the model: its provenance and quality (from meta.json)
and its strongest weights (from the pipeline). Data only; report.py renders it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .explain import global_weights
from .signals import DIMENSIONS, signal_by_name

__all__ = ["model_insights", "model_summary"]


def model_summary(meta: Mapping[str, Any], path: str | Path | None = None) -> dict[str, Any]:
    """What the report says about the model: provenance and per-language quality."""
    def per_lang(report: Mapping[str, Any] | None) -> dict[str, Any]:
        if not report:
            return {}
        out = {g: {"posts": m.get("n"), "macro_f1": m.get("macro_f1")}
               for g, m in report.get("by_group", {}).items()}
        if report.get("overall"):
            out["all"] = {"posts": report["overall"].get("n"), "macro_f1": report["overall"].get("macro_f1")}
        return out

    evaluations = {}
    for name, ev in (meta.get("evaluations") or {}).items():
        evaluations[name] = {"model": per_lang(ev.get("report")), "baseline": per_lang(ev.get("baseline"))}
    training = meta.get("training", {})
    return {
        # the folder's name only: a shared report must not reveal where files live
        "name": Path(path).name if path else None,
        "created_at": meta.get("created_at"),
        "versions": meta.get("versions", {}),
        "n_signals": meta.get("n_signals"),
        "n_ngrams": meta.get("n_ngrams"),
        "training_posts": training.get("n_posts"),
        "training_languages": training.get("lang_counts"),
        "cv_scheme": meta.get("cv_scheme"),
        "cv_macro_f1": per_lang(meta.get("cv")),
        "evaluations": evaluations,
    }


def model_insights(pipeline: Any, *, k: int = 5) -> dict[str, Any]:
    """The model's global feature report: strongest weights toward each class.

    Signals per dimension (they apply to every language, with each language's
    own cue words); n-grams per training language they occur in.
    """
    weights = global_weights(pipeline)
    featurizer = pipeline.named_steps["features"]
    names, coef = weights["names"], np.asarray(weights["coef"])
    n_sig = len(featurizer.signal_names_)
    by_dim: dict[str, Any] = {}
    for dim in DIMENSIONS:
        idx = [i for i in range(n_sig) if names[i].startswith(dim + "__")]
        idx.sort(key=lambda i: coef[i])
        entry = lambda i: {"name": names[i], "weight": float(coef[i]),  # noqa: E731
                           "description": signal_by_name(names[i]).description}
        by_dim[dim] = {
            "toward_media": [entry(i) for i in idx[:k] if coef[i] < 0],
            "toward_networking": [entry(i) for i in idx[::-1][:k] if coef[i] > 0],
        }
    ngrams: dict[str, Any] = {}
    mask = np.asarray(getattr(featurizer, "ngram_lang_mask_", np.zeros(0, dtype=np.uint64)))
    gram_coef = coef[n_sig:]
    for bit, lang in enumerate(getattr(featurizer, "languages_", [])):
        if not len(mask):
            break
        idx = np.flatnonzero(mask & np.uint64(1 << bit))
        if not len(idx):
            continue
        order = idx[np.argsort(gram_coef[idx], kind="stable")]
        ngrams[lang] = {
            "toward_media": [{"ngram": featurizer.ngram_names_[i], "weight": float(gram_coef[i])}
                             for i in order[:k] if gram_coef[i] < 0],
            "toward_networking": [{"ngram": featurizer.ngram_names_[i], "weight": float(gram_coef[i])}
                                  for i in order[::-1][:k] if gram_coef[i] > 0],
        }
    return {"signals_by_dimension": by_dim, "ngrams_by_language": ngrams,
            "intercept": float(pipeline.named_steps["clf"].intercept_[0])}
