"""The cheap refit behind `label` and `learning-curve`: the model's featurizer kept as
it is (vocabulary, scalers, signals), only the logistic regression fitted again on the
base corpus plus the user's labels, each weighted ``user_weight`` times, then scaled by
the model's own Platt calibration, so that with no user labels it is the model as loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from .errors import TrainingDataError
from .model import posts_array
from .posts import LABELS, Post

__all__ = ["BaseData", "Scorer", "USER_WEIGHT", "refit"]

# How many base-corpus posts one of the user's labels counts as in a refit. The bundled
# corpus holds about 13,000 posts: unweighted, 100 labels would move the model by under 1 %.
USER_WEIGHT = 10.0

@dataclass(frozen=True)
class Scorer:
    """A linear scorer on the featurizer's columns: decision = X @ coef + intercept."""

    coef: np.ndarray
    intercept: float
    n_user: int = 0  # user labels it was fitted with (0: the model as loaded)

    def decision(self, X: sp.spmatrix) -> np.ndarray:
        return np.asarray(X @ self.coef).ravel() + self.intercept

    def pipeline(self, featurizer: Any, classes: Sequence[str] = LABELS) -> Pipeline:
        """A fitted Pipeline (featurizer -> this classifier) for explanations."""
        clf = LogisticRegression()
        clf.classes_ = np.asarray(classes, dtype=object)
        clf.coef_ = self.coef.reshape(1, -1)
        clf.intercept_ = np.array([self.intercept])
        clf.n_features_in_ = len(self.coef)
        return Pipeline([("features", featurizer), ("clf", clf)])

    @classmethod
    def from_pipeline(cls, pipeline: Pipeline) -> "Scorer":
        clf = pipeline.named_steps["clf"]
        if [str(c) for c in clf.classes_] != list(LABELS):
            raise ValueError(f"expected classes {LABELS}, the model has {list(clf.classes_)}")
        return cls(np.asarray(clf.coef_[0], dtype=float).copy(), float(clf.intercept_[0]))


@dataclass
class BaseData:
    """The base corpus as the model's featurizer sees it, plus how to refit on it."""

    X: sp.csr_matrix
    y: np.ndarray
    C: float
    calibration: tuple[float, float] = (1.0, 0.0)  # decision = a * (X @ w) + b
    random_state: int = 0

    @classmethod
    def build(cls, featurizer: Any, posts: Sequence[Post], *, C: float,
              calibration: Mapping[str, Any] | None = None, random_state: int = 0) -> "BaseData":
        X = featurizer.transform(posts_array(posts)) if posts else sp.csr_matrix((0, featurizer.n_features_out_))
        cal = (float(calibration["a"]), float(calibration["b"])) if calibration else (1.0, 0.0)
        return cls(sp.csr_matrix(X), np.array([p.label.value for p in posts], dtype=object), float(C), cal,
                   random_state)


def refit(base: BaseData, X_user: sp.spmatrix, y_user: Sequence[str], *,
          user_weight: float = USER_WEIGHT, warm: Scorer | None = None) -> Scorer:
    """The classifier fitted again on the base corpus plus the user's labels.

    Same estimator as training (logistic regression, no intercept of its own, the
    model's C), the user's rows weighted ``user_weight``; the result is scaled by
    the base model's calibration, so that with no user rows it is the base model.
    ``warm`` starts the solver from a previous scorer (faster, same optimum).
    """
    y_user = np.asarray(list(y_user), dtype=object)
    X = sp.vstack([base.X, sp.csr_matrix(X_user)], format="csr") if len(y_user) else base.X
    y = np.concatenate([base.y, y_user]) if len(y_user) else base.y
    if len(set(y.tolist())) < 2:
        raise TrainingDataError("the base corpus and the labels hold one class only: both are needed")
    weight = np.concatenate([np.ones(len(base.y)), np.full(len(y_user), float(user_weight))])
    clf = LogisticRegression(C=base.C, max_iter=5000, fit_intercept=False, random_state=base.random_state,
                             warm_start=warm is not None)
    a, b = base.calibration
    if warm is not None:
        clf.coef_ = (warm.coef / a).reshape(1, -1)
    clf.fit(X, y, sample_weight=weight)
    if [str(c) for c in clf.classes_] != list(LABELS):
        raise TrainingDataError(f"unexpected classes {list(clf.classes_)}")
    return Scorer(clf.coef_[0] * a, b, n_user=len(y_user))
