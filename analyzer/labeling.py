"""The labelling loop behind ``content-analyzer label``, free of any terminal: show the
post the model learns most from (:mod:`analyzer.selection`), take a label, skip or undo,
append it to labels.jsonl (:mod:`analyzer.labelfile`), and refit the classifier
(:mod:`analyzer.adaptation`) in a background thread every ``refit_every`` labels, so the
next choices use what was just learnt.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from .adaptation import USER_WEIGHT, BaseData, Scorer, refit
from .labelfile import LabelFile, LabelFileError, label_record, post_keys, record_post
from .posts import FUNCTION_LABEL, FUNCTIONS, LABELS, Label, Post
from .selection import representativeness, select_batch

__all__ = ["KEYS_FUNCTION", "KEYS_LABEL", "LabelSession", "Shown"]


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
    scorer (uncertain, typical of the candidates, unlike each other: ``select_batch``); when ``lookahead`` of a round are left, a refit on every label so far
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
    density: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        if self.refit_every < 1:
            raise ValueError("refit_every must be at least 1")
        if self.lookahead is None:
            self.lookahead = max(1, self.refit_every // 4)
        self.keys = post_keys(self.posts)
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.decision = self.scorer.decision(self.X)
        self.density = representativeness(self.X)
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
                                       seen=done, density=self.density))

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
