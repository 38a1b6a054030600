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
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline

from .augment import augment_posts
from .errors import TrainingDataError
from .explain import predict_posts
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

_FEATURIZER_DEFAULTS = PostFeaturizer().get_params()
# chosen by mean macro-F1 over ../shared/eval/dev (see data/tools/select_model.py)
_CHOSEN: dict[str, Any] = {"C": 2.0, "signal_weight": 0.3}
# what every model's meta records: C and the block weights model selection varies, the
# featurizer's own default where nothing else was chosen
DEFAULT_PARAMS: dict[str, Any] = {
    "C": _CHOSEN["C"],
    **{k: _CHOSEN.get(k, _FEATURIZER_DEFAULTS[k]) for k in ("signal_weight", "char_weight")},
}
MIN_POSTS_PER_CLASS = 10
# below either, a cross-validated figure is too noisy (and too close to the writers' own
# style) to say how the model will do on new posts: training says so
SMALL_SAMPLE_AUTHORS = 10
SMALL_SAMPLE_PER_CLASS = 200
MIN_POSTS_PER_FUNCTION = 5  # fewer, and the function head is not trained
_FEATURIZER_KEYS = tuple(_FEATURIZER_DEFAULTS)


def build_model(*, C: float = DEFAULT_PARAMS["C"], random_state: int = 0, augment: float = 0.0,
                class_weight: str | None = None, **featurizer_params) -> Pipeline:
    """The untrained pipeline: PostFeaturizer -> LogisticRegression (``augment`` is a
    training option, see :func:`train`, accepted here so one parameter dict fits both)."""
    unknown = set(featurizer_params) - set(_FEATURIZER_KEYS)
    if unknown:
        raise TypeError(f"unknown model parameters: {sorted(unknown)}")
    params = {k: v for k, v in DEFAULT_PARAMS.items() if k in _FEATURIZER_KEYS}
    params.update(featurizer_params)
    for key in ("ngram_range", "char_ngram_range"):
        if key in params:
            params[key] = tuple(params[key])
    return Pipeline([
        ("features", PostFeaturizer(**params)),
        # the featurizer's last column is the starting point, scaled by evidence like the rest
        ("clf", LogisticRegression(C=C, max_iter=5000, random_state=random_state, fit_intercept=False,
                                  class_weight=class_weight)),
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
    posts, repeats = _without_repeats(posts)
    if repeats:
        # a text said again with the same label teaches nothing new, inflates the CV figure
        # (its copies fall in other folds) and costs time: 1M rows of 2 texts are 2 posts
        warnings.append(f"left out {len(repeats)} repeated post(s), same text and label as an "
                        f"earlier one: {_show(repeats)}")
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


def _without_repeats(posts: Sequence[Post]) -> tuple[list[Post], list[str]]:
    """The posts with exact repeats (same text, ignoring case and spacing, same label)
    left out, and the ids left out."""
    seen: set[tuple[str, str]] = set()
    kept, repeats = [], []
    for p in posts:
        key = (" ".join(p.text.lower().split()), p.label.value)
        if key in seen:
            repeats.append(p.id)
        else:
            seen.add(key)
            kept.append(p)
    return kept, repeats


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


def posts_array(posts: Sequence[Post]) -> np.ndarray:
    X = np.empty(len(posts), dtype=object)
    X[:] = list(posts)
    return X


def out_of_fold_decisions(posts: Sequence[Post], *, n_splits: int = 5, random_state: int = 0,
                          augment: float = 0.0, **params) -> tuple[np.ndarray, dict]:
    """Decision values of every post from a model that saw neither it nor its author
    (each fold's training posts augmented as the final model's are)."""
    y = np.array([p.label.value for p in posts])
    cv, groups, scheme = _splitter(posts, y, n_splits, random_state)
    decision = np.zeros(len(posts))
    for train_idx, test_idx in cv.split(np.zeros(len(posts)), y, groups):
        model = _fit(build_model(random_state=random_state, **params),
                     [posts[i] for i in train_idx], augment, random_state)
        decision[test_idx] = model.decision_function(posts_array([posts[i] for i in test_idx]))
    return decision, scheme


def _fit(model: Pipeline, posts: Sequence[Post], augment: float, seed: int) -> Pipeline:
    posts = augment_posts(posts, augment, seed=seed) if augment else list(posts)
    return model.fit(posts_array(posts), np.array([p.label.value for p in posts]))


def platt(decision: np.ndarray, y: Sequence[str]) -> tuple[float, float]:
    """(a, b) so that sigmoid(a * decision + b) is calibrated on these out-of-fold values.

    Folded into the classifier's coefficients, the calibrated model stays one linear
    function: every explanation still adds up exactly to the decision.
    """
    target = (np.asarray(y) == Label.NETWORKING.value).astype(int)
    fit = LogisticRegression(C=1e6, max_iter=1000).fit(decision.reshape(-1, 1), target)
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


def calibrate(model: Pipeline, a: float, b: float) -> Pipeline:
    """Scale the fitted classifier in place: decision' = a * decision + b."""
    clf = model.named_steps["clf"]
    clf.coef_ = clf.coef_ * a
    clf.intercept_ = np.asarray(clf.intercept_, dtype=float) * a + b
    return model


def cross_validate(
    posts: Sequence[Post], *, n_splits: int = 5, random_state: int = 0, **params
) -> tuple[dict, np.ndarray, dict]:
    """Out-of-fold P(networking) for every post, with metrics per language."""
    params = {**DEFAULT_PARAMS, **params}
    decision, scheme = out_of_fold_decisions(posts, n_splits=n_splits, random_state=random_state, **params)
    return _cv_report(posts, decision), 1.0 / (1.0 + np.exp(-decision)), scheme


def _cv_report(posts: Sequence[Post], decision: np.ndarray) -> dict:
    return proba_report(posts, 1.0 / (1.0 + np.exp(-np.asarray(decision))))


def proba_report(posts: Sequence[Post], proba: np.ndarray) -> dict:
    """Metrics per language of P(networking) ``proba`` against the posts' labels."""
    proba = np.asarray(proba, dtype=float)
    y = [p.label.value for p in posts]
    pred = np.where(proba > 0.5, Label.NETWORKING.value, Label.MEDIA.value)
    langs = resolve_langs([p.text for p in posts], [p.lang for p in posts])
    return report_by(langs, y, list(pred), list(proba))


def small_sample_warning(posts: Sequence[Post]) -> str | None:
    """Why a cross-validated score on these posts means little, or None."""
    authors = {p.author for p in posts if p.author}
    per_class = collections.Counter(p.label.value for p in posts)
    smaller = min(per_class.get(label.value, 0) for label in Label)
    reasons = []
    if len(authors) < SMALL_SAMPLE_AUTHORS:
        reasons.append(f"{len(authors)} author(s)" if authors else "no author column")
    if smaller < SMALL_SAMPLE_PER_CLASS:
        reasons.append(f"{smaller} posts in the smaller class")
    if not reasons:
        return None
    return (f"small sample ({', '.join(reasons)}; a figure that means something needs "
            f"{SMALL_SAMPLE_AUTHORS}+ authors and {SMALL_SAMPLE_PER_CLASS}+ posts per class): the "
            "cross-validated scores below can be far higher than on new posts")


def fit_function_head(model: Pipeline, posts: Sequence[Post], C: float) -> LogisticRegression | None:
    """Information / action / community classifier on the fitted model's features,
    or None when the posts carry too few function labels to learn all three."""
    keep = [p for p in posts if p.function]
    counts = collections.Counter(p.function for p in keep)
    if len(counts) < 3 or min(counts.values()) < MIN_POSTS_PER_FUNCTION:
        return None
    X = model.named_steps["features"].transform(posts_array(keep))
    return LogisticRegression(C=C, max_iter=5000).fit(X, [p.function for p in keep])


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
    function_head: LogisticRegression | None = None
    calibration: dict | None = None
    function_counts: dict[str, int] = field(default_factory=dict)
    # set by training.train_files: metrics on the user's own rows (train --add-default) and
    # the evaluations on held-out authors and external files, as the model's meta holds them
    cv_own_rows: dict | None = None
    evaluations: dict[str, Any] = field(default_factory=dict)


def train(
    posts: Iterable[Post],
    *,
    n_splits: int = 5,
    random_state: int = 0,
    cross_validation: bool = True,
    calibrated: bool = True,
    **params,
) -> TrainResult:
    """Check the data, cross-validate (grouped by author), then fit on everything.

    The out-of-fold decisions calibrate the final model (Platt scaling), and a
    three-way function head is fitted when the posts carry function labels.
    """
    posts, warnings = prepare_training_posts(posts)
    merged = {**DEFAULT_PARAMS, **params}
    model_params = {k: v for k, v in merged.items() if k != "augment"}
    augment = float(merged.get("augment", 0.0))
    cv = scheme = proba = calibration = None
    if cross_validation or calibrated:
        decision, scheme = out_of_fold_decisions(posts, n_splits=n_splits, random_state=random_state,
                                                 augment=augment, **model_params)
        if cross_validation:
            cv, proba = _cv_report(posts, decision), 1.0 / (1.0 + np.exp(-decision))
            small = small_sample_warning(posts)
            if small:
                warnings.append(small)
        else:
            scheme = None
    model = _fit(build_model(random_state=random_state, **model_params), posts, augment, random_state)
    y = [p.label.value for p in posts]
    if calibrated:
        a, b = platt(decision, y)
        calibrate(model, a, b)
        calibration = {"method": "platt", "on": "out-of-fold decisions, folds grouped by author",
                       "a": round(a, 6), "b": round(b, 6)}
    head = fit_function_head(model, posts, model_params.get("C", DEFAULT_PARAMS["C"]))
    langs = resolve_langs([p.text for p in posts], [p.lang for p in posts])
    return TrainResult(
        model=model,
        params={**merged, "random_state": random_state},
        cv=cv,
        cv_scheme=scheme,
        n_posts=len(posts),
        label_counts=dict(sorted(collections.Counter(p.label.value for p in posts).items())),
        function_counts=dict(sorted(collections.Counter(p.function for p in posts if p.function).items())),
        lang_counts=dict(sorted(collections.Counter(langs).items())),
        warnings=warnings,
        posts=posts,
        cv_proba=proba,
        function_head=head,
        calibration=calibration,
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
