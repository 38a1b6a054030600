"""Predictions with exact explanations.

For a logistic regression the decision value of a post is
``intercept + sum_j x_j * coef_j``; each term is the exact contribution of one
feature (positive = toward networking). Signal contributions are summed per
dimension; n-gram contributions form the ``words`` score. Nothing is sampled
or approximated, so the same post always gets the same explanation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
from sklearn.pipeline import Pipeline

from .features import PostFeaturizer
from .posts import Label, Post
from .signals import DIMENSIONS, describe

__all__ = [
    "Contribution",
    "Prediction",
    "dimension_matrix",
    "global_weights",
    "predict_posts",
]


@dataclass(frozen=True)
class Contribution:
    name: str
    kind: str  # "signal" or "ngram"
    dimension: str  # one of DIMENSIONS, or "words" for n-grams
    value: float
    contribution: float
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dimension": self.dimension,
            "value": round(self.value, 6),
            "contribution": round(self.contribution, 6),
            "text": self.text,
        }


@dataclass(frozen=True)
class Prediction:
    """One scored post: label, probability, and why.

    ``dimensions`` + ``words`` + ``intercept`` == ``decision`` (up to float
    rounding); P(networking) = 1 / (1 + exp(-decision)).
    """

    post: Post
    lang: str
    label: str | None
    p_networking: float | None
    decision: float | None = None
    intercept: float | None = None
    dimensions: Mapping[str, float] = field(default_factory=dict)
    words: float | None = None
    top: tuple[Contribution, ...] = ()
    signals: Mapping[str, float] | None = None  # every raw signal value, on request

    @property
    def status(self) -> str:
        return self.post.status

    @property
    def confidence(self) -> float | None:
        if self.p_networking is None:
            return None
        return max(self.p_networking, 1.0 - self.p_networking)


def _parts(model: Pipeline) -> tuple[PostFeaturizer, Any]:
    try:
        return model.named_steps["features"], model.named_steps["clf"]
    except (AttributeError, KeyError):
        raise TypeError("expected a Pipeline with 'features' and 'clf' steps") from None


def dimension_matrix(signal_names: Sequence[str]) -> np.ndarray:
    """(n_signals, n_dimensions) 0/1 matrix: which dimension each signal belongs to."""
    m = np.zeros((len(signal_names), len(DIMENSIONS)))
    for i, name in enumerate(signal_names):
        m[i, DIMENSIONS.index(name.split("__", 1)[0])] = 1.0
    return m


def predict_posts(
    model: Pipeline,
    posts: Iterable[Post],
    *,
    top_k: int = 5,
    with_signals: bool = False,
) -> list[Prediction]:
    """Label, probability and explanation for each post, in input order.

    Posts with ``status`` empty or error get a Prediction without a label,
    so callers keep one output row per input row.
    """
    featurizer, clf = _parts(model)
    posts = list(posts)
    ok = [i for i, p in enumerate(posts) if p.status == "ok"]
    out: list[Prediction | None] = [None] * len(posts)
    if ok:
        parsed = featurizer.parse([posts[i] for i in ok])
        raw = featurizer.signal_values(parsed)
        X = featurizer.transform_parsed(parsed, raw)
        coef = clf.coef_[0]
        intercept = float(clf.intercept_[0])
        decision = np.asarray(X @ coef).ravel() + intercept
        p_net = 1.0 / (1.0 + np.exp(-decision))
        n_sig = len(featurizer.signal_names_)
        sig_contrib = X[:, :n_sig].toarray() * coef[:n_sig]
        dims = sig_contrib @ dimension_matrix(featurizer.signal_names_)
        words = decision - intercept - sig_contrib.sum(axis=1)
        contrib = X.multiply(coef).tocsr()
        positive = clf.classes_[1]
        negative = clf.classes_[0]
        for row, i in enumerate(ok):
            out[i] = Prediction(
                post=posts[i],
                lang=parsed.langs[row],
                label=str(positive if decision[row] > 0 else negative),
                p_networking=float(p_net[row]),
                decision=float(decision[row]),
                intercept=intercept,
                dimensions={d: float(dims[row, k]) for k, d in enumerate(DIMENSIONS)},
                words=float(words[row]),
                top=_top(featurizer, contrib, X, raw, parsed.evidence[row], row, top_k),
                signals=(dict(zip(featurizer.signal_names_, map(float, raw[row])))
                         if with_signals else None),
            )
    if len(ok) < len(posts):
        from .features import resolve_langs

        rest = [i for i, p in enumerate(posts) if out[i] is None]
        langs = resolve_langs([posts[i].text for i in rest], [posts[i].lang for i in rest])
        for i, lang in zip(rest, langs):
            out[i] = Prediction(post=posts[i], lang=lang, label=None, p_networking=None)
    return out  # type: ignore[return-value]


def _top(featurizer, contrib, X, raw, evidence, row, k) -> tuple[Contribution, ...]:
    if k <= 0:
        return ()
    start, end = contrib.indptr[row], contrib.indptr[row + 1]
    cols = contrib.indices[start:end]
    vals = contrib.data[start:end]
    nz = vals != 0
    cols, vals = cols[nz], vals[nz]
    order = np.argsort(-np.abs(vals), kind="stable")[:k]
    n_sig = len(featurizer.signal_names_)
    items = []
    for j in order:
        col, c = int(cols[j]), float(vals[j])
        if col < n_sig:
            name = featurizer.signal_names_[col]
            value = float(raw[row, col])
            items.append(Contribution(name, "signal", name.split("__", 1)[0], value, c,
                                      describe(name, value, evidence)))
        else:
            gram = featurizer.ngram_names_[col - n_sig]
            items.append(Contribution(f"ngram__{gram}", "ngram", "words", float(X[row, col]), c,
                                      f'uses the words "{gram}"'))
    return tuple(items)


def global_weights(model: Pipeline) -> dict[str, np.ndarray | list[str]]:
    """Feature names and coefficients (positive = toward networking)."""
    featurizer, clf = _parts(model)
    names = list(featurizer.get_feature_names_out())
    coef = clf.coef_[0]
    if str(clf.classes_[1]) != Label.NETWORKING.value:
        coef = -coef
    return {"names": names, "coef": coef}
