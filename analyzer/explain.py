"""Predictions with exact explanations.

For a logistic regression the decision value of a post is
``intercept + sum_j x_j * coef_j``; each term is the exact contribution of one
feature (positive = toward networking). The starting point shown is the
intercept plus the starting-point column, which is scaled by how much evidence
the post holds (see PostFeaturizer). Signal contributions are summed per
dimension; n-gram contributions form the ``words`` score. Nothing is sampled
or approximated, so the same post always gets the same explanation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
from sklearn import config_context
from sklearn.pipeline import Pipeline

from .features import PostFeaturizer
from .parsing import resolve_langs
from .posts import FUNCTIONS, Label, Post, media_rule
from .signals import DIMENSIONS, describe, signal_by_name

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
    function: str | None = None  # information / action / community (consistent with label)
    p_function: Mapping[str, float] | None = None

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


@dataclass
class Batch:
    """Everything the model computed for a batch of posts, as arrays (no per-post objects).

    Rows of the arrays are the posts whose status is ``ok`` (``ok`` holds their
    positions in ``posts``). ``top_*`` hold the k largest contributions per row,
    sorted by row then by decreasing size.
    """

    posts: list[Post]
    ok: np.ndarray
    langs: list[str]
    featurizer: PostFeaturizer
    parsed: Any
    raw: np.ndarray
    decision: np.ndarray
    p_networking: np.ndarray
    dims: np.ndarray
    words: np.ndarray
    intercept: np.ndarray  # the starting point of each row
    labels: np.ndarray
    top_row: np.ndarray
    top_col: np.ndarray
    top_value: np.ndarray
    top_contribution: np.ndarray
    p_function: np.ndarray | None = None  # (rows, 3) in FUNCTIONS order
    _items: list | None = field(default=None, repr=False)

    def functions(self) -> list[str | None]:
        """The function of each row: community for networking, else the likelier of
        information and action."""
        if self.p_function is None:
            return [None] * len(self.labels)
        media = np.where(self.p_function[:, 0] >= self.p_function[:, 1], "information", "action")
        return np.where(self.labels == Label.NETWORKING.value, "community", media).tolist()

    def top_items(self, row: int) -> list[tuple[str, str, float, float, str]]:
        """(name, dimension, value, contribution, text) of one row's top contributions."""
        lo, hi = np.searchsorted(self.top_row, [row, row + 1])
        return self.all_top_items()[lo:hi]

    def all_top_items(self) -> list[tuple[str, str, float, float, str]]:
        """Every row's top items, in the order of ``top_row`` (computed once, then cached)."""
        if self._items is None:
            self._items = self._describe_all()
        return self._items

    def _describe_all(self) -> list[tuple[str, str, float, float, str]]:
        f = self.featurizer
        n_sig = len(f.signal_names_)
        sig_names = f.signal_names_
        meta = [signal_by_name(n) for n in sig_names]
        evidence = self.parsed.evidence_for(self.top_row, [meta[c].evidence if c < n_sig else None
                                                           for c in self.top_col.tolist()])
        out = []
        grams: dict[int, tuple[str, str]] = {}  # name and text of each n-gram column met
        for col, value, c, ev in zip(self.top_col.tolist(), self.top_value.tolist(),
                                     self.top_contribution.tolist(), evidence):
            if col < n_sig:
                name = sig_names[col]
                out.append((name, meta[col].dimension, value, c, describe(name, value, ev)))
                continue
            if col not in grams:
                name = f.feature_name(col)
                kind, gram = name.split("__", 1)
                grams[col] = name, (f'uses the words "{gram}"' if kind == "ngram" else f'has the letters "{gram.strip()}"')
            name, text = grams[col]
            out.append((name, "words", value, c, text))
        return out


def function_probabilities(head: Any, X: Any, p_networking: np.ndarray) -> np.ndarray:
    """(rows, 3) P(information), P(action), P(community), consistent with the binary model:
    P(community) is P(networking) and the head splits P(media) between information and action."""
    q = head.predict_proba(X)
    classes = [str(c) for c in head.classes_]
    info, action = q[:, classes.index("information")], q[:, classes.index("action")]
    share = info / np.maximum(info + action, 1e-12)
    media = 1.0 - p_networking
    return np.stack([media * share, media * (1.0 - share), p_networking], axis=1)


def explain_batch(model: Pipeline, posts: Iterable[Post], *, top_k: int = 5,
                  function_head: Any = None) -> Batch:
    """Score and explain a batch: one tokenisation pass, then matrix algebra."""
    featurizer, clf = _parts(model)
    posts = list(posts)
    # posts with media and no words are labelled by rule (posts.media_rule), not by the model
    ok = np.array([i for i, p in enumerate(posts) if p.status == "ok" and not p.by_rule], dtype=np.int64)
    parsed = featurizer.parse([posts[i] for i in ok])
    raw = featurizer.signal_values(parsed)
    # a fitted model's parameters were checked when it was fitted; checking them again
    # on every call (sklearn's validate_params around normalize ...) cost a single post
    # about 8 % (measured 2026-12-07, warm per-post latency, three alternating processes
    # each: medians 4.57-4.77 ms against 5.00-5.23 ms). The data are still checked.
    with config_context(skip_parameter_validation=True):
        X = featurizer.transform_parsed(parsed, raw)
        coef = clf.coef_[0]
        decision = np.asarray(X @ coef).ravel() + float(clf.intercept_[0])
        p_net = 1.0 / (1.0 + np.exp(-decision))
        p_function = (function_probabilities(function_head, X, p_net)
                      if function_head is not None and len(ok) else None)
    n_sig = len(featurizer.signal_names_)
    sig_contrib = X[:, :n_sig].toarray() * coef[:n_sig]
    dims = sig_contrib @ dimension_matrix(featurizer.signal_names_)
    # the starting point of each post: the calibrated intercept plus the last column
    # (the classifier's own starting point, scaled by the post's evidence)
    start_col = X.shape[1] - 1
    intercept = float(clf.intercept_[0]) + X[:, start_col].toarray().ravel() * coef[start_col]
    # exact per-feature contributions share X's sparsity structure
    contrib = X.data * coef[X.indices]
    contrib_shown = np.where(X.indices == start_col, 0.0, contrib)
    pick = _top_k_positions(X.indptr, contrib_shown, top_k)
    cols = X.indices[pick]
    top_row = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))[pick]
    is_sig = cols < n_sig
    values = X.data[pick].copy()
    values[is_sig] = raw[top_row[is_sig], cols[is_sig]]
    labels = np.where(decision > 0, str(clf.classes_[1]), str(clf.classes_[0]))
    langs = [""] * len(posts)
    for row, i in enumerate(ok.tolist()):
        langs[i] = parsed.langs[row]
    rest = [i for i in range(len(posts)) if not langs[i]]
    if rest:
        for i, lang in zip(rest, resolve_langs([posts[i].text for i in rest], [posts[i].lang for i in rest])):
            langs[i] = lang
    return Batch(
        posts=posts, ok=ok, langs=langs, featurizer=featurizer, parsed=parsed, raw=raw,
        decision=decision, p_networking=p_net, dims=dims,
        p_function=p_function,
        words=decision - intercept - sig_contrib.sum(axis=1), intercept=intercept, labels=labels,
        top_row=top_row, top_col=cols, top_value=values, top_contribution=contrib[pick],
    )


def _top_k_positions(indptr: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """Positions (into a CSR data array) of each row's k largest non-zero |values|,
    ordered by row, then by decreasing size, equal sizes in column order: a row's choice
    depends on that row alone, never on the rows it was scored with (argpartition alone
    broke ties by where the values sat in the padded batch, so a post's fifth signal could
    change with its chunk).

    Rows go to ``_padded_top_k`` in groups of similar length (up to a power of two): padded
    to the longest row of the whole batch, real posts (a median of ~240 non-zeros, a longest
    of ~950) made four cells per value; grouped, fewer than two."""
    counts = np.diff(indptr)
    if k <= 0 or len(counts) == 0 or not counts.any():
        return np.zeros(0, np.int64)
    group = np.ceil(np.log2(np.maximum(counts, 1))).astype(np.int64)
    found = np.unique(group)
    if len(found) == 1:
        return _padded_top_k(indptr, values, k)
    picked = []
    for g in found.tolist():
        rows = np.flatnonzero(group == g)
        sub_counts = counts[rows]
        sub_indptr = np.concatenate(([0], np.cumsum(sub_counts)))
        # the group's values, row after row: position j of the group is gather[j] of the batch
        gather = np.repeat(indptr[rows] - sub_indptr[:-1], sub_counts) + np.arange(sub_indptr[-1])
        picked.append(gather[_padded_top_k(sub_indptr, values[gather], k)])
    pos = np.concatenate(picked)
    # back in row order; a row's own positions keep their order (decreasing size)
    return pos[np.argsort(np.searchsorted(indptr, pos, side="right"), kind="stable")]


def _padded_top_k(indptr: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """``_top_k_positions`` vectorised over a padded matrix of -|value| (padding +1, so it
    sorts last and is never kept)."""
    n_rows = len(indptr) - 1
    counts = np.diff(indptr)
    if n_rows == 0 or not counts.any():
        return np.zeros(0, np.int64)
    width = int(counts.max())
    neg = np.ones((n_rows, width))
    row_of = np.repeat(np.arange(n_rows), counts)
    neg[row_of, np.arange(len(values)) - indptr[row_of]] = -np.abs(values)
    kk = min(k, width)
    if kk < width:
        # the kk-th smallest of each row; everything below it is in, and of the entries
        # equal to it the first ones (in column order) fill the remaining places
        kth = np.partition(neg, kk - 1, axis=1)[:, kk - 1:kk]
        chosen = neg <= kth
        over = np.flatnonzero(chosen.sum(axis=1) > kk)  # rows with ties at the kk-th place
        if len(over):
            sub, t = neg[over], kth[over]
            tied = sub == t
            need = kk - (sub < t).sum(axis=1, keepdims=True)
            chosen[over] = (sub < t) | (tied & (np.cumsum(tied, axis=1) <= need))
        part = np.nonzero(chosen)[1].reshape(n_rows, kk)  # column order within each row
    else:
        part = np.tile(np.arange(width), (n_rows, 1))
    part_neg = np.take_along_axis(neg, part, axis=1)
    order = np.argsort(part_neg, axis=1, kind="stable")
    part = np.take_along_axis(part, order, axis=1)
    keep = np.take_along_axis(part_neg, order, axis=1) < 0
    return (indptr[:-1, None] + part)[keep]


def predict_posts(
    model: Pipeline,
    posts: Iterable[Post],
    *,
    top_k: int = 5,
    with_signals: bool = False,
    function_head: Any = None,
) -> list[Prediction]:
    """Label, probability and explanation for each post, in input order.

    Posts with ``status`` empty or error get a Prediction without a label,
    so callers keep one output row per input row. Posts with media and no words
    get the label and function of ``posts.media_rule`` and no probability.
    """
    b = explain_batch(model, posts, top_k=top_k, function_head=function_head)
    functions = b.functions()
    out = []
    for p, lang in zip(b.posts, b.langs):
        rule = media_rule(p)
        out.append(Prediction(post=p, lang=lang, label=rule[0].value if rule else None, p_networking=None,
                              function=rule[1] if rule else None))
    names = b.featurizer.signal_names_
    for row, i in enumerate(b.ok.tolist()):
        out[i] = Prediction(
            post=b.posts[i],
            lang=b.langs[i],
            label=str(b.labels[row]),
            p_networking=float(b.p_networking[row]),
            decision=float(b.decision[row]),
            intercept=float(b.intercept[row]),
            dimensions={d: float(b.dims[row, k]) for k, d in enumerate(DIMENSIONS)},
            words=float(b.words[row]),
            top=tuple(Contribution(name, "ngram" if dim == "words" else "signal", dim, v, c, text)
                      for name, dim, v, c, text in b.top_items(row)),
            signals=dict(zip(names, map(float, b.raw[row]))) if with_signals else None,
            function=functions[row],
            p_function=(dict(zip(FUNCTIONS, map(float, b.p_function[row])))
                        if b.p_function is not None else None),
        )
    return out


def global_weights(model: Pipeline) -> dict[str, np.ndarray | list[str]]:
    """Feature names and coefficients (positive = toward networking)."""
    featurizer, clf = _parts(model)
    names = list(featurizer.get_feature_names_out())
    coef = clf.coef_[0]
    if str(clf.classes_[1]) != Label.NETWORKING.value:
        coef = -coef
    return {"names": names, "coef": coef}
