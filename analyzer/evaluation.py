"""Honest evaluation: held-out authors, external labelled files, and a plain baseline.

Every number is paired with two plain baselines (word and character TF-IDF +
logistic regression) trained on exactly the same posts in the same run, so a
reader can tell what the signals add over vocabulary alone; external files are
also scored with their links removed, because links are a shortcut in some.
"""

from __future__ import annotations

import collections
import dataclasses
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from .explain import predict_posts
from .metrics import function_report, report_by
from .patterns import LINK_IN_TEXT
from .posts import Label, Post

__all__ = [
    "BASELINE_NAME",
    "CHAR_BASELINE_NAME",
    "build_baseline",
    "fit_baseline",
    "fit_baselines",
    "mask_urls",
    "compare_on",
    "read_author_list",
    "split_by_authors",
]

BASELINE_NAME = "word TF-IDF (1-2-grams) + logistic regression"
CHAR_BASELINE_NAME = "char TF-IDF (2-5-grams in word bounds) + logistic regression"


def build_baseline(random_state: int = 0, kind: str = "word") -> Pipeline:
    """A plain baseline: word (or character) n-gram TF-IDF into logistic regression, nothing else."""
    if kind == "word":
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    elif kind == "char":
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
    else:
        raise ValueError(f"unknown baseline kind {kind!r}")
    return Pipeline([("tfidf", vectorizer), ("clf", LogisticRegression(max_iter=5000, random_state=random_state))])


def fit_baseline(posts: Sequence[Post], random_state: int = 0, kind: str = "word") -> Pipeline:
    model = build_baseline(random_state, kind)
    model.fit([p.text for p in posts], [p.label.value for p in posts])
    return model


def fit_baselines(posts: Sequence[Post], random_state: int = 0) -> dict[str, Pipeline]:
    """Both baselines, trained on the same posts: what every evaluation is compared with."""
    return {BASELINE_NAME: fit_baseline(posts, random_state, "word"),
            CHAR_BASELINE_NAME: fit_baseline(posts, random_state, "char")}


def mask_urls(posts: Iterable[Post]) -> list[Post]:
    """The posts with every link removed: links are a shortcut in some external files
    (news sources link, replies rarely do), so results are also reported without them."""
    return [dataclasses.replace(p, text=" ".join(LINK_IN_TEXT.sub(" ", p.text).split())) for p in posts]


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
    baselines: Mapping[str, Pipeline] | Pipeline,
    posts: Sequence[Post],
    *,
    group_by: str = "lang",
    function_head: Any = None,
    masked: bool = True,
) -> dict[str, Any]:
    """Reports of the model and of the baselines on the same labelled posts; with
    ``masked``, the same again on the posts with their links removed."""
    if isinstance(baselines, Pipeline):
        baselines = {BASELINE_NAME: baselines}
    posts = [p for p in posts if p.label is not None and p.status == "ok" and not p.by_rule]
    out = _reports(model, baselines, posts, group_by, function_head)
    out.update(n_posts=len(posts), label_counts=dict(sorted(collections.Counter(
        p.label.value for p in posts).items())))
    if masked:
        kept = [p for p in mask_urls(posts) if p.text]
        out["links_masked"] = {**_reports(model, baselines, kept, group_by, None), "n_posts": len(kept)}
    return out


def _reports(model: Pipeline, baselines: Mapping[str, Pipeline], posts: Sequence[Post], group_by: str,
             function_head: Any) -> dict[str, Any]:
    y = [p.label.value for p in posts]
    preds = predict_posts(model, posts, top_k=0, function_head=function_head)
    if group_by == "lang":
        groups = [pr.lang for pr in preds]
    else:
        groups = [str(p.meta.get(group_by) or getattr(p, group_by, "") or "") for p in posts]
    reports = {}
    for name, baseline in baselines.items():
        proba = baseline.predict_proba([p.text for p in posts])
        pb = proba[:, list(baseline.classes_).index(Label.NETWORKING.value)]
        yb = np.where(pb > 0.5, Label.NETWORKING.value, Label.MEDIA.value)
        reports[name] = report_by(groups, y, list(yb), list(pb))
    first = next(iter(baselines))
    out = {
        "report": report_by(groups, y, [pr.label for pr in preds], [pr.p_networking for pr in preds]),
        "baseline": reports[first],
        "baseline_name": first,
        "baselines": reports,
    }
    with_function = [(p.function, pr.function) for p, pr in zip(posts, preds) if p.function and pr.function]
    if with_function:
        out["function_report"] = function_report([a for a, _ in with_function], [b for _, b in with_function])
    return out

