"""Honest evaluation: held-out authors, external labelled files, and a plain baseline.

Every number is paired with a word TF-IDF + logistic regression baseline
trained on exactly the same posts in the same run, so a reader can tell what
the stylistic signals add over vocabulary alone.
"""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from .explain import predict_posts
from .features import resolve_langs
from .metrics import report_by
from .posts import Label, Post

__all__ = [
    "BASELINE_NAME",
    "build_baseline",
    "compare_on",
    "read_author_list",
    "split_by_authors",
]

BASELINE_NAME = "word TF-IDF (1-2-grams) + logistic regression"


def build_baseline(random_state: int = 0) -> Pipeline:
    """The plain baseline: word n-gram TF-IDF into logistic regression, nothing else."""
    return Pipeline([
        ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
        ("clf", LogisticRegression(max_iter=5000, random_state=random_state)),
    ])


def fit_baseline(posts: Sequence[Post], random_state: int = 0) -> Pipeline:
    model = build_baseline(random_state)
    model.fit([p.text for p in posts], [p.label.value for p in posts])
    return model


def read_author_list(path: str | Path) -> set[str]:
    """One author per line; blank lines and # comments are ignored."""
    out = set()
    for line in Path(path).read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.add(line)
    return out


def split_by_authors(posts: Iterable[Post], heldout: set[str]) -> tuple[list[Post], list[Post]]:
    """(training posts, held-out posts): every post of a held-out author is held out."""
    train, test = [], []
    for p in posts:
        (test if p.author in heldout else train).append(p)
    return train, test


def compare_on(
    model: Pipeline,
    baseline: Pipeline,
    posts: Sequence[Post],
    *,
    group_by: str = "lang",
) -> dict[str, Any]:
    """Reports of the model and of the baseline on the same labelled posts."""
    posts = [p for p in posts if p.label is not None and p.status == "ok"]
    y = [p.label.value for p in posts]
    preds = predict_posts(model, posts, top_k=0)
    if group_by == "lang":
        groups = [pr.lang for pr in preds]
    else:
        groups = [str(p.meta.get(group_by) or getattr(p, group_by, "") or "") for p in posts]
    proba_b = baseline.predict_proba([p.text for p in posts])
    positive = list(baseline.classes_).index(Label.NETWORKING.value)
    pb = proba_b[:, positive]
    yb = np.where(pb > 0.5, Label.NETWORKING.value, Label.MEDIA.value)
    return {
        "report": report_by(groups, y, [pr.label for pr in preds], [pr.p_networking for pr in preds]),
        "baseline": report_by(groups, y, list(yb), list(pb)),
        "baseline_name": BASELINE_NAME,
        "n_posts": len(posts),
        "label_counts": dict(sorted(collections.Counter(y).items())),
    }


def language_counts(posts: Sequence[Post]) -> dict[str, int]:
    langs = resolve_langs([p.text for p in posts], [p.lang for p in posts])
    return dict(sorted(collections.Counter(langs).items()))
