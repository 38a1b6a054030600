"""Classification metrics reported everywhere: macro-F1, per class, confusion, calibration.

Plain dicts of floats and ints, so they go into meta.json, model cards and
``--format json`` output unchanged.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from .posts import FUNCTIONS, LABELS, Label

__all__ = ["LABELS", "classification_report", "expected_calibration_error", "function_report", "report_by"]


def expected_calibration_error(
    y_true: Sequence[str], p_networking: Sequence[float], n_bins: int = 10
) -> float:
    """ECE over equal-width bins of P(networking), weighted by bin size.

    The rows are sorted first, so the same posts in another order give the same float
    to the last digit (a labels file holds them in the order they were labelled).
    """
    y = np.asarray([t == Label.NETWORKING.value for t in y_true], dtype=float)
    p = np.asarray(p_networking, dtype=float)
    if len(p) == 0:
        return float("nan")
    order = np.lexsort((y, p))
    y, p = y[order], p[order]
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            ece += mask.mean() * abs(y[mask].mean() - p[mask].mean())
    return float(ece)


def classification_report(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    p_networking: Sequence[float] | None = None,
) -> dict:
    """Macro-F1, accuracy, per-class precision/recall/F1/support, confusion matrix, ECE."""
    y_true = list(map(str, y_true))
    y_pred = list(map(str, y_pred))
    n = len(y_true)
    out: dict = {"n": n}
    if n == 0:
        return out
    p, r, f, s = precision_recall_fscore_support(
        y_true, y_pred, labels=list(LABELS), zero_division=0
    )
    present = [i for i, label in enumerate(LABELS) if s[i] > 0]
    out["macro_f1"] = float(np.mean([f[i] for i in present])) if present else 0.0
    out["accuracy"] = float(np.mean([a == b for a, b in zip(y_true, y_pred)]))
    out["per_class"] = {
        label: {
            "precision": float(p[i]),
            "recall": float(r[i]),
            "f1": float(f[i]),
            "support": int(s[i]),
        }
        for i, label in enumerate(LABELS)
    }
    cm = confusion_matrix(y_true, y_pred, labels=list(LABELS))
    out["confusion"] = {"labels": list(LABELS), "rows_true_cols_pred": cm.tolist()}
    if p_networking is not None:
        out["ece"] = expected_calibration_error(y_true, p_networking)
    return out


def report_by(
    groups: Sequence[str],
    y_true: Sequence[str],
    y_pred: Sequence[str],
    p_networking: Sequence[float] | None = None,
) -> dict:
    """The overall report plus one per group value (language, source...)."""
    groups = list(groups)
    out = {"overall": classification_report(y_true, y_pred, p_networking)}
    by: dict[str, dict] = {}
    for g in sorted(set(groups)):
        idx = [i for i, x in enumerate(groups) if x == g]
        by[g] = classification_report(
            [y_true[i] for i in idx],
            [y_pred[i] for i in idx],
            None if p_networking is None else [p_networking[i] for i in idx],
        )
    out["by_group"] = by
    return out


def function_report(y_true: Sequence[str], y_pred: Sequence[str]) -> dict:
    """Macro-F1, accuracy and per-function F1 of information / action / community labels."""
    p, r, f, s = precision_recall_fscore_support(list(y_true), list(y_pred), labels=list(FUNCTIONS),
                                                 zero_division=0)
    present = [i for i in range(len(FUNCTIONS)) if s[i] > 0]
    return {
        "n": len(y_true),
        "macro_f1": float(np.mean([f[i] for i in present])) if present else 0.0,
        "accuracy": float(np.mean([a == b for a, b in zip(y_true, y_pred)])) if len(y_true) else 0.0,
        "per_function": {fn: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
                              "support": int(s[i])} for i, fn in enumerate(FUNCTIONS)},
    }
