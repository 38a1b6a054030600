"""Build, validate data for, cross-validate, train and evaluate the classifier.

The model is a two-step scikit-learn Pipeline (PostFeaturizer -> LogisticRegression)
so that every prediction decomposes exactly into per-feature contributions.
Cross-validation groups posts by author whenever authors are known, so one
account's style cannot leak from training folds into test folds.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from .errors import TrainingDataError
from .features import PostFeaturizer, resolve_langs
from .lexicons import available_languages
from .metrics import report_by
from .posts import Label, Post

__all__ = [
    "DEFAULT_PARAMS",
    "MIN_POSTS_PER_CLASS",
    "TrainResult",
    "TrainingDataError",
    "build_model",
    "cross_validate",
    "evaluate",
    "label_issues",
    "prepare_training_posts",
    "train",
]

DEFAULT_PARAMS: dict[str, Any] = {
    "C": 8.0,
    "ngram_range": (1, 2),
    "min_df": 2,
    "max_features": 50_000,
    "signal_weight": 1.0,
}
MIN_POSTS_PER_CLASS = 10
_FEATURIZER_KEYS = ("ngram_range", "min_df", "max_features", "sublinear_tf", "use_signals",
                    "use_ngrams", "signal_weight", "extra_cues", "lang", "signals", "batch_size")


def build_model(*, C: float = DEFAULT_PARAMS["C"], random_state: int = 0, **featurizer_params) -> Pipeline:
    """The untrained pipeline: PostFeaturizer -> LogisticRegression."""
    unknown = set(featurizer_params) - set(_FEATURIZER_KEYS)
    if unknown:
        raise TypeError(f"unknown model parameters: {sorted(unknown)}")
    params = {k: v for k, v in DEFAULT_PARAMS.items() if k in _FEATURIZER_KEYS}
    params.update(featurizer_params)
    if "ngram_range" in params:
        params["ngram_range"] = tuple(params["ngram_range"])
    return Pipeline([
        ("features", PostFeaturizer(**params)),
        ("clf", LogisticRegression(C=C, max_iter=5000, random_state=random_state)),
    ])


def _show(rows: Sequence[str], limit: int = 20) -> str:
    shown = ", ".join(rows[:limit])
    return shown + (f" ... and {len(rows) - limit} more" if len(rows) > limit else "")


def prepare_training_posts(posts: Iterable[Post]) -> tuple[list[Post], list[str]]:
    """Check labelled posts; return the usable ones and warnings.

    Raises TrainingDataError for what training cannot work around (unreadable
    rows, unknown or missing labels, a missing class, too few posts per class).
    Empty texts are left out with a warning that lists them.
    """
    posts = list(posts)
    errors = [p for p in posts if p.error]
    if errors:
        raise TrainingDataError(
            f"{len(errors)} row(s) could not be read: "
            + "; ".join(f"{p.id}: {p.error}" for p in errors[:10]), [p.id for p in errors])
    bad = [p for p in posts if p.label is None]
    if bad:
        values = collections.Counter(str(p.meta.get("label_raw", "")) for p in bad)
        shown = ", ".join(f"{v!r} x{c}" for v, c in values.most_common(5))
        raise TrainingDataError(
            f"{len(bad)} row(s) without a valid label ({shown}); accepted: media, networking "
            f"(or promotional, broadcast, conversational). Rows: {_show([p.id for p in bad])}",
            [p.id for p in bad])
    warnings: list[str] = []
    empty = [p for p in posts if not p.text.strip()]
    if empty:
        warnings.append(f"left out {len(empty)} post(s) with empty text: {_show([p.id for p in empty])}")
        posts = [p for p in posts if p.text.strip()]
    by_text: dict[str, set[str]] = collections.defaultdict(set)
    ids_by_text: dict[str, list[str]] = collections.defaultdict(list)
    for p in posts:
        key = " ".join(p.text.lower().split())
        by_text[key].add(p.label.value)
        ids_by_text[key].append(p.id)
    conflicts = [ids for key, ids in ids_by_text.items() if len(by_text[key]) > 1]
    if conflicts:
        warnings.append(
            f"{len(conflicts)} text(s) appear with both labels: "
            + "; ".join("/".join(ids) for ids in conflicts[:10]))
    unsupported = collections.Counter(
        p.lang for p in posts if p.lang and p.lang not in available_languages())
    if unsupported:
        warnings.append(
            "no lexicon for language(s) "
            + ", ".join(f"{lang} ({n} posts)" for lang, n in unsupported.most_common())
            + ": those posts get language-independent signals and n-grams only")
    counts = collections.Counter(p.label.value for p in posts)
    missing = [label.value for label in Label if counts[label.value] == 0]
    if missing:
        raise TrainingDataError(f"no post labelled {', '.join(missing)}: both classes are needed")
    small = {k: v for k, v in counts.items() if v < MIN_POSTS_PER_CLASS}
    if small:
        raise TrainingDataError(
            "too few posts per class to train and cross-validate "
            f"({', '.join(f'{k}: {v}' for k, v in small.items())}; need at least {MIN_POSTS_PER_CLASS})")
    return posts, warnings


def _splitter(posts: Sequence[Post], y: np.ndarray, n_splits: int, random_state: int):
    """Grouped-by-author folds when authors are known, stratified folds otherwise."""
    authors = [p.author for p in posts]
    if any(authors):
        groups = np.array([a if a else f"__row_{i}" for i, a in enumerate(authors)], dtype=object)
        n_groups = len(set(groups))
        k = min(n_splits, n_groups)
        if k >= 2:
            return (StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=random_state),
                    groups, {"kind": "StratifiedGroupKFold", "grouped_by": "author",
                             "n_splits": k, "n_groups": n_groups})
    k = min(n_splits, int(min(collections.Counter(y).values())))
    return (StratifiedKFold(n_splits=k, shuffle=True, random_state=random_state), None,
            {"kind": "StratifiedKFold", "grouped_by": None, "n_splits": k})


def cross_validate(
    posts: Sequence[Post], *, n_splits: int = 5, random_state: int = 0, **params
) -> tuple[dict, np.ndarray, dict]:
    """Out-of-fold P(networking) for every post, with metrics per language."""
    X = np.empty(len(posts), dtype=object)
    X[:] = list(posts)
    y = np.array([p.label.value for p in posts])
    cv, groups, scheme = _splitter(posts, y, n_splits, random_state)
    model = build_model(random_state=random_state, **params)
    proba = cross_val_predict(model, X, y, groups=groups, cv=cv, method="predict_proba")[:, 1]
    pred = np.where(proba > 0.5, Label.NETWORKING.value, Label.MEDIA.value)
    langs = resolve_langs([p.text for p in posts], [p.lang for p in posts])
    return report_by(langs, list(y), list(pred), list(proba)), proba, scheme


@dataclass
class TrainResult:
    model: Pipeline
    params: dict[str, Any]
    cv: dict | None
    cv_scheme: dict | None
    n_posts: int
    label_counts: dict[str, int]
    lang_counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list, repr=False)  # the posts trained on, in order
    cv_proba: np.ndarray | None = field(default=None, repr=False)  # out-of-fold P(networking)


def train(
    posts: Iterable[Post],
    *,
    n_splits: int = 5,
    random_state: int = 0,
    cross_validation: bool = True,
    **params,
) -> TrainResult:
    """Check the data, cross-validate (grouped by author), then fit on everything."""
    posts, warnings = prepare_training_posts(posts)
    merged = {**DEFAULT_PARAMS, **params}
    cv = scheme = proba = None
    if cross_validation:
        cv, proba, scheme = cross_validate(posts, n_splits=n_splits, random_state=random_state, **merged)
    model = build_model(random_state=random_state, **merged)
    X = np.empty(len(posts), dtype=object)
    X[:] = posts
    model.fit(X, np.array([p.label.value for p in posts]))
    langs = resolve_langs([p.text for p in posts], [p.lang for p in posts])
    return TrainResult(
        model=model,
        params={**merged, "random_state": random_state},
        cv=cv,
        cv_scheme=scheme,
        n_posts=len(posts),
        label_counts=dict(sorted(collections.Counter(p.label.value for p in posts).items())),
        lang_counts=dict(sorted(collections.Counter(langs).items())),
        warnings=warnings,
        posts=posts,
        cv_proba=proba,
    )


def label_issues(posts: Sequence[Post], proba: np.ndarray, *, threshold: float = 0.9) -> list[tuple[Post, float]]:
    """Posts whose out-of-fold probability of their own label is at most ``1 - threshold``.

    Each post was scored by a model that never saw it (nor, when authors are
    known, its author), so a very confident disagreement points at a label
    worth a second look; the list is sorted from the most doubtful.
    """
    out = []
    for post, p_net in zip(posts, proba):
        p_given = p_net if post.label is Label.NETWORKING else 1.0 - p_net
        if p_given <= 1.0 - threshold:
            out.append((post, float(p_given)))
    return sorted(out, key=lambda t: t[1])


def evaluate(model: Pipeline, posts: Iterable[Post], *, errors: int = 0, group_by: str = "lang") -> dict:
    """Metrics of a trained model on labelled posts, overall and per language.

    ``errors`` > 0 adds the most confidently misclassified posts.
    """
    from .explain import predict_posts

    posts, warnings = prepare_training_posts(posts)
    preds = predict_posts(model, posts, top_k=5)
    y_true = [p.label.value for p in posts]
    y_pred = [pr.label for pr in preds]
    proba = [pr.p_networking for pr in preds]
    groups = [pr.lang if group_by == "lang" else str(getattr(p, group_by) or "") for p, pr in zip(posts, preds)]
    out = report_by(groups, y_true, y_pred, proba)
    out["warnings"] = warnings
    if errors:
        wrong = [(pr.confidence, p, pr) for p, pr in zip(posts, preds) if pr.label != p.label.value]
        wrong.sort(key=lambda t: -t[0])
        out["errors"] = [
            {
                "id": p.id,
                "text": p.text,
                "lang": pr.lang,
                "label": p.label.value,
                "predicted": pr.label,
                "p_networking": pr.p_networking,
                "signals": [c.as_dict() for c in pr.top],
            }
            for _, p, pr in wrong[:errors]
        ]
    return out
