"""Active learning: choose which posts to label, refit on the labels, measure the gain.

What ``content-analyzer label`` and ``content-analyzer learning-curve`` run, free of
any terminal. The pieces:

- :func:`select_batch`: the posts the model is least sure of, kept apart from one
  another (maximal marginal relevance over the model's own feature vectors), so a
  batch is not ten near-copies of the same post; ties are broken by a seeded shuffle,
  so the same seed gives the same order.
- :func:`refit`: the cheap refit. The model's featurizer is kept as it is (its
  vocabulary, scalers and signals) and only the logistic regression is fitted again,
  on the base corpus (the bundled one unless told otherwise) plus the user's labels,
  each of those weighted ``user_weight`` times, then scaled by the model's own Platt
  calibration. With no user labels it gives back the bundled model's decisions.
- :class:`LabelFile`: labels appended one JSON line at a time, flushed and fsynced,
  read back on resume, the last one removed on undo.
- :class:`LabelSession`: the loop: show a post, take a label, skip or undo, refit in a
  background thread every ``refit_every`` labels.
- :func:`learning_curve`: macro-F1 on the user's labels (cross-validated, folds grouped
  by author when known) as more of them are added to the base corpus.
"""

from __future__ import annotations

import collections
import json
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import normalize

from .errors import TrainingDataError, UsageError
from .posts import FUNCTION_LABEL, FUNCTIONS, LABELS, Label, Post

__all__ = [
    "BaseData",
    "LabelFile",
    "LabelFileError",
    "LabelSession",
    "Scorer",
    "USER_WEIGHT",
    "curve_steps",
    "label_record",
    "learning_curve",
    "post_keys",
    "random_order",
    "refit",
    "select_batch",
    "uncertainty",
]

# How many base-corpus posts one of the user's labels counts as in a refit. The bundled
# corpus holds about 9,500 posts: unweighted, 100 labels would move the model by 1 %.
USER_WEIGHT = 10.0
# Share of a batch's score given to diversity (maximal marginal relevance).
DIVERSITY = 0.5
# The batch is chosen among this many times its size of the most uncertain posts.
POOL_FACTOR = 10


class LabelFileError(UsageError):
    """A labels file that cannot be resumed; the message names the file and line."""


# -- scoring and refitting ----------------------------------------------------------

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
        from .model import _as_array

        X = featurizer.transform(_as_array(posts)) if posts else sp.csr_matrix((0, featurizer.n_features_out_))
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


# -- choosing posts -----------------------------------------------------------------

def uncertainty(decision: np.ndarray) -> np.ndarray:
    """1 at P(networking) = 0.5, falling to 0 as the model grows sure: 1 - |2p - 1|."""
    p = 1.0 / (1.0 + np.exp(-np.asarray(decision, dtype=float)))
    return 1.0 - np.abs(2.0 * p - 1.0)


def random_order(n: int, seed: int) -> np.ndarray:
    """A seeded permutation of range(n) (tie-breaking, and the random baseline)."""
    return np.random.default_rng(seed).permutation(n)


def select_batch(X: sp.spmatrix, decision: np.ndarray, available: Sequence[int], k: int, *,
                 seed: int = 0, seen: Sequence[int] = (), diversity: float = DIVERSITY,
                 pool_factor: int = POOL_FACTOR) -> list[int]:
    """Up to ``k`` row indices of ``X`` to label next, most useful first.

    The ``pool_factor * k`` most uncertain available rows are candidates; they are
    picked greedily by maximal marginal relevance: ``(1 - diversity) * uncertainty -
    diversity * (highest cosine similarity to a row already picked or in seen)``.
    Equal scores are ordered by a shuffle drawn from ``seed``.
    """
    available = np.asarray(list(available), dtype=np.int64)
    if k <= 0 or not len(available):
        return []
    unc = uncertainty(np.asarray(decision)[available])
    shuffle = random_order(len(available), seed)
    # most uncertain first; among equals, the seeded order
    order = np.lexsort((shuffle, -unc))
    pool = available[order[:max(k, pool_factor * k)]]
    pool_unc = unc[order[:len(pool)]]
    Xn = normalize(sp.csr_matrix(X)[pool])
    best_sim = np.zeros(len(pool))
    seen = np.asarray(list(seen), dtype=np.int64)
    if len(seen):
        sims = Xn @ normalize(sp.csr_matrix(X)[seen]).T
        best_sim = np.asarray(sims.max(axis=1).todense()).ravel()
    chosen: list[int] = []
    free = np.ones(len(pool), dtype=bool)
    for _ in range(min(k, len(pool))):
        score = (1.0 - diversity) * pool_unc - diversity * best_sim
        score[~free] = -np.inf
        j = int(np.argmax(score))  # the first maximum: pool is in (uncertainty, seeded) order
        chosen.append(int(pool[j]))
        free[j] = False
        best_sim = np.maximum(best_sim, np.asarray((Xn @ Xn[j].T).todense()).ravel())
    return chosen


# -- the labels file ----------------------------------------------------------------

def post_keys(posts: Sequence[Post]) -> list[str]:
    """A unique key per post: its id, with ``#2``, ``#3`` ... added to repeated ids."""
    seen: collections.Counter[str] = collections.Counter()
    out = []
    for p in posts:
        seen[p.id] += 1
        out.append(p.id if seen[p.id] == 1 else f"{p.id}#{seen[p.id]}")
    return out


def label_record(key: str, post: Post, label: str, function: str | None, *,
                 suggested: str | None, p_networking: float | None) -> dict[str, Any]:
    """One line of labels.jsonl: what ``train`` and ``evaluate`` read, plus the model's
    suggestion at the time (``suggested``, ``p_networking``), which they ignore."""
    rec: dict[str, Any] = {"id": key, "text": post.text, "label": label}
    if function:
        rec["function"] = function
    for name in ("author", "lang", "platform"):
        if getattr(post, name):
            rec[name] = getattr(post, name)
    if post.created_at is not None:
        rec["created_at"] = post.created_at.isoformat()
    rec["suggested"] = suggested
    rec["p_networking"] = None if p_networking is None else round(float(p_networking), 6)
    return rec


class LabelFile:
    """labels.jsonl, appended one line per label (flushed and fsynced), so that a
    killed terminal loses nothing. A last line cut short by a crash (no newline) is
    dropped when the file is opened again; any other unreadable line is an error."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.records: list[dict[str, Any]] = []
        self.dropped_partial = False
        offsets = [0]
        if self.path.exists():
            data = self.path.read_bytes()
            end = data.rfind(b"\n") + 1
            if end < len(data):
                self.dropped_partial = True
            for n, line in enumerate(data[:end].split(b"\n")[:-1], 1):
                offsets.append(offsets[-1] + len(line) + 1)
                if not line.strip():
                    raise LabelFileError(f"{self.path}:{n}: empty line")
                try:
                    rec = json.loads(line)
                except (ValueError, RecursionError):
                    raise LabelFileError(f"{self.path}:{n}: not a JSON object") from None
                if not isinstance(rec, dict) or "id" not in rec or rec.get("label") not in LABELS:
                    raise LabelFileError(f"{self.path}:{n}: expected an object with an id and a label "
                                         f"({' or '.join(LABELS)})")
                self.records.append(rec)
            if self.dropped_partial:
                with open(self.path, "r+b") as fh:
                    fh.truncate(end)
                    os.fsync(fh.fileno())
        self._offsets = offsets  # byte offset where each record starts, and the end

    @property
    def keys(self) -> set[str]:
        return {str(r["id"]) for r in self.records}

    def append(self, record: Mapping[str, Any]) -> None:
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        with open(self.path, "ab") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        self.records.append(dict(record))
        self._offsets.append(self._offsets[-1] + len(line))

    def remove_last(self) -> dict[str, Any]:
        """Remove the last label from the file (undo) and return it."""
        if not self.records:
            raise IndexError("no label to remove")
        with open(self.path, "r+b") as fh:
            fh.truncate(self._offsets[-2])
            fh.flush()
            os.fsync(fh.fileno())
        self._offsets.pop()
        return self.records.pop()


def record_post(rec: Mapping[str, Any]) -> Post:
    """A labelled Post from a labels.jsonl record (for refitting on it)."""
    function = rec.get("function") or None
    return Post(id=str(rec["id"]), text=str(rec.get("text") or ""), author=rec.get("author"),
                lang=rec.get("lang"), label=Label(rec["label"]), function=function)


# -- the session ----------------------------------------------------------------------

KEYS_LABEL = {"m": Label.MEDIA.value, "n": Label.NETWORKING.value}
KEYS_FUNCTION = {"i": "information", "a": "action", "c": "community"}


@dataclass
class Shown:
    """The post on screen and what the current model says about it."""

    index: int
    key: str
    post: Post
    p_networking: float
    suggested: str


@dataclass
class LabelSession:
    """The labelling loop over ``posts`` (the candidates) with their features ``X``.

    Posts are shown in rounds of ``refit_every + lookahead`` chosen by the current
    scorer; when ``lookahead`` of a round are left, a refit on every label so far
    starts in a background thread, and the next round is chosen by its result. The
    order therefore depends only on the posts, the labels given and ``seed``.
    """

    posts: Sequence[Post]
    X: sp.csr_matrix
    base: BaseData
    labels: LabelFile
    scorer: Scorer
    refit_every: int = 20
    seed: int = 0
    user_weight: float = USER_WEIGHT
    transform: Callable[[Sequence[Post]], sp.spmatrix] | None = None  # features of labelled posts not in posts
    lookahead: int | None = None
    keys: list[str] = field(init=False)
    queue: list[int] = field(init=False, default_factory=list)
    history: list[tuple[str, int]] = field(init=False, default_factory=list)
    refits: int = field(init=False, default=0)
    session_labels: int = field(init=False, default=0)
    skipped: set[int] = field(init=False, default_factory=set)
    _pending: Future | None = field(init=False, default=None)
    _executor: ThreadPoolExecutor | None = field(init=False, default=None)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.refit_every < 1:
            raise ValueError("refit_every must be at least 1")
        if self.lookahead is None:
            self.lookahead = max(1, self.refit_every // 4)
        self.keys = post_keys(self.posts)
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.decision = self.scorer.decision(self.X)
        if self.labels.records:  # resuming: start from a model that knows the labels given
            self.scorer = self._fit(list(self.labels.records))
            self.decision = self.scorer.decision(self.X)
            self.refits += 1

    # what is left to label
    def _done(self) -> set[int]:
        return {self.index[k] for k in self.labels.keys if k in self.index}

    def available(self) -> list[int]:
        done = self._done() | self.skipped | set(self.queue)
        return [i for i in range(len(self.posts)) if i not in done]

    @property
    def remaining(self) -> int:
        return len(self.posts) - len(self._done()) - len(self.skipped)

    def _user_matrix(self, records: Sequence[Mapping[str, Any]]) -> tuple[sp.spmatrix, list[str]]:
        """Features and labels of labelled records: rows of X for the candidates, the
        featurizer for labels of posts not among them (other inputs, edited texts)."""
        rows, outside = [], []
        for r in records:
            i = self.index.get(str(r["id"]))
            if i is not None and self.posts[i].text == r.get("text"):
                rows.append((i, str(r["label"])))
            else:
                outside.append(r)
        parts = [self.X[[i for i, _ in rows]]]
        if outside:
            if self.transform is None:
                raise LabelFileError(f"{self.labels.path}: {len(outside)} label(s) for posts not in the "
                                     "inputs, and no featurizer to read them")
            parts.append(sp.csr_matrix(self.transform([record_post(r) for r in outside])))
        return sp.vstack(parts, format="csr"), [y for _, y in rows] + [str(r["label"]) for r in outside]

    def _fit(self, records: Sequence[Mapping[str, Any]], warm: Scorer | None = None) -> Scorer:
        X_user, y_user = self._user_matrix(records)
        return refit(self.base, X_user, y_user, user_weight=self.user_weight, warm=warm)

    def _start_refit(self) -> None:
        if self._pending is not None:
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="refit")
        snapshot = list(self.labels.records)
        self._pending = self._executor.submit(self._fit, snapshot, self.scorer)

    def _swap(self) -> None:
        """Wait for the running refit (if any) and use its model from now on."""
        if self._pending is None:
            return
        scorer, self._pending = self._pending.result(), None
        self.scorer = scorer
        self.decision = scorer.decision(self.X)
        self.refits += 1

    def _refill(self) -> None:
        self._swap()
        done = [i for i in self._done()]
        k = self.refit_every + int(self.lookahead or 0)
        self.queue.extend(select_batch(self.X, self.decision, self.available(), k, seed=self.seed + self.refits,
                                       seen=done))

    def current(self) -> Shown | None:
        """The post to label now; None when every post is labelled or skipped."""
        if not self.queue:
            self._refill()
        if not self.queue:
            return None
        i = self.queue[0]
        p = float(1.0 / (1.0 + np.exp(-self.decision[i])))
        return Shown(i, self.keys[i], self.posts[i], p, LABELS[int(p > 0.5)])

    def _after(self) -> None:
        if len(self.queue) == self.lookahead and self.session_labels:
            self._start_refit()

    def answer(self, label: str, function: str | None = None) -> dict[str, Any]:
        """Label the current post (``function`` decides the label when given)."""
        shown = self.current()
        if shown is None:
            raise IndexError("nothing left to label")
        if function is not None:
            if function not in FUNCTIONS:
                raise ValueError(f"unknown function {function!r}")
            label = FUNCTION_LABEL[function].value
        if label not in LABELS:
            raise ValueError(f"unknown label {label!r}")
        rec = label_record(shown.key, shown.post, label, function, suggested=shown.suggested,
                           p_networking=shown.p_networking)
        self.labels.append(rec)
        self.queue.pop(0)
        self.history.append(("label", shown.index))
        self.session_labels += 1
        self._after()
        return rec

    def skip(self) -> None:
        shown = self.current()
        if shown is None:
            raise IndexError("nothing left to skip")
        self.queue.pop(0)
        self.skipped.add(shown.index)
        self.history.append(("skip", shown.index))
        self._after()

    def undo(self) -> tuple[str, int] | None:
        """Take back this session's last label (removed from the file) or skip; the post
        is shown again next. None when there is nothing to undo."""
        if not self.history:
            return None
        action, i = self.history.pop()
        if action == "label":
            self.labels.remove_last()
            self.session_labels -= 1
        else:
            self.skipped.discard(i)
        self.queue.insert(0, i)
        return action, i

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
            self._pending = None


# -- the learning curve -------------------------------------------------------------

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
    from sklearn.metrics import f1_score

    from .model import _splitter, prepare_training_posts

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
