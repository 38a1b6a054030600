"""How much the user's labels help: macro-F1 on them, cross-validated (folds grouped by
author when known), as more of them join the base corpus; and its plot.
"""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import f1_score

from .adaptation import USER_WEIGHT, BaseData, Scorer, refit
from .errors import TrainingDataError
from .model import _splitter, prepare_training_posts
from .posts import LABELS, Label, Post

__all__ = ["curve_steps", "learning_curve", "plot_curve"]


def curve_steps(n_max: int) -> list[int]:
    """0, 25, 50, 100, 200, 400 ... up to n_max, and n_max itself."""
    steps, n = [0], 25
    while n < n_max:
        steps.append(n)
        n = 50 if n == 25 else n * 2
    if n_max > 0:
        steps.append(n_max)
    return steps


def learning_curve(posts: Sequence[Post], X: sp.spmatrix, base: BaseData, scorer: Scorer, *,
                   n_splits: int = 5, seed: int = 0, user_weight: float = USER_WEIGHT,
                   steps: Sequence[int] | None = None) -> dict[str, Any]:
    """Macro-F1 on the user's labelled ``posts`` (features ``X``) as more of them join
    the base corpus.

    Each post is predicted by a model that did not see it: the posts are split into
    folds (grouped by author when authors are known); for each fold and each step n,
    the first n posts (in file order, the order they were labelled) of the other folds
    are added to the base corpus and the classifier refitted. Step 0 is ``scorer`` (the
    model as loaded) alone. The steps stop at the smallest training share of a fold.
    """
    clean, _ = prepare_training_posts(posts)
    if len(clean) != len(posts):
        raise TrainingDataError("labelled posts with empty text cannot be measured; leave them out")
    y = np.array([p.label.value for p in posts], dtype=object)
    cv, groups, scheme = _splitter(list(posts), y, n_splits, seed)
    folds = list(cv.split(np.zeros(len(posts)), y, groups))
    n_max = min(len(train) for train, _ in folds)
    steps = sorted(set(int(s) for s in (steps if steps is not None else curve_steps(n_max)) if 0 <= s <= n_max))
    X = sp.csr_matrix(X)
    pred = {n: np.empty(len(posts), dtype=object) for n in steps}
    for train_idx, test_idx in folds:
        warm = scorer
        for n in steps:
            if n == 0:
                s = scorer
            else:
                use = np.sort(train_idx)[:n]
                s = refit(base, X[use], y[use], user_weight=user_weight, warm=warm)
                warm = s
            d = s.decision(X[test_idx])
            pred[n][test_idx] = np.where(d > 0, Label.NETWORKING.value, Label.MEDIA.value)
    f1 = [round(float(f1_score(y, pred[n], average="macro", labels=list(LABELS))), 4) for n in steps]
    return {
        "n_posts": len(posts),
        "label_counts": dict(sorted(collections.Counter(y.tolist()).items())),
        "n_labels": steps,
        "macro_f1": f1,
        "model_alone": f1[0] if steps and steps[0] == 0 else None,
        "user_weight": user_weight,
        "cv": scheme,
    }


def plot_curve(curve: Mapping[str, Any], path: str | Path) -> None:
    """The learning curve as a PNG (matplotlib, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=100)
    ax.plot(curve["n_labels"], curve["macro_f1"], marker="o", label="bundled corpus + your labels")
    if curve.get("model_alone") is not None:
        ax.axhline(curve["model_alone"], linestyle="--", color="grey", label="model alone")
    ax.set_xlabel("your labels added")
    ax.set_ylabel("macro-F1 on your labels (cross-validated)")
    ax.set_ylim(0.0, 1.0)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    by = (curve.get("cv") or {}).get("grouped_by")
    ax.set_title(f"learning curve, {curve['n_posts']} labels" + (f", folds grouped by {by}" if by else ""))
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
