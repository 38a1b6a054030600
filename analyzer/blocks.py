"""The feature blocks of the model, as scikit-learn transformers over one parsed batch.

Each block reads the :class:`~analyzer.features.Parsed` batch that the single
tokenisation pass produced and returns raw values (signal values, n-gram
counts); scaling and weighting are left to scikit-learn's own parts
(``MaxAbsScaler``, ``TfidfTransformer``, ``FeatureUnion``'s block weights), so
the arithmetic between a post and the classifier is library code.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from . import signals as sig
from .keyindex import key_index
from .nlp import lookup_string
from .patterns import CHAR_HANDLE, LINK_IN_TEXT

__all__ = ["CharNgramCounts", "ConstantColumn", "SignalValues", "WordNgramCounts", "char_ngram_keys", "word_ngram_keys"]

_MIX = np.uint64(0x9E3779B97F4A7C15)
# What a character n-gram sees of a post: lower case, links as one mark, @handles
# as one mark, digits as 0, whitespace runs as one space. Links and handles are
# counted by signals; their letters are noise for character n-grams.
_CHAR_SPACE = re.compile(r"\s+")
_DIGITS = str.maketrans("123456789", "000000000")


def _norm_char_text(text: str) -> str:
    text = CHAR_HANDLE.sub("@", LINK_IN_TEXT.sub("↗", text.lower())).translate(_DIGITS)
    return " " + _CHAR_SPACE.sub(" ", text).strip() + " "


def name_array(names: Sequence[str]) -> np.ndarray | list[str]:
    """Feature names as a fixed-width unicode array: skops saves it as one .npy block and
    loads it in milliseconds, where a list of 100,000 strings takes seconds (one node each).
    A list is kept in the one case the array would change a name (a trailing NUL)."""
    arr = np.array(list(names), dtype=str) if len(names) else np.zeros(0, dtype="<U1")
    return arr if arr.tolist() == list(names) else list(names)


_EMPTY_BETWEEN = re.compile("\x00 (?=\x00)")


def _joined(texts: Sequence[str]) -> str:
    """Every post as ``_norm_char_text`` makes it, joined by NULs, computed on the whole batch
    at once. A link or @handle never holds whitespace, so links are looked for only in the
    whitespace-separated chunks that could hold one (a "/" or "www."): the link pattern over
    every word of the batch took a third of this."""
    raw = "\n\x00\n".join(texts)
    if not texts or raw.count("\x00") != len(texts) - 1:  # a NUL of a post's own: post by post
        return "\x00".join(_norm_char_text(t) for t in texts)
    chunks = raw.lower().split()  # str.split() and the pattern's \s split at the same characters
    for i in [i for i, c in enumerate(chunks) if "/" in c or "www." in c]:
        chunks[i] = LINK_IN_TEXT.sub("↗", chunks[i])
    # each boundary is now " \x00 ", and the whitespace at the ends of a post has gone into it;
    # a post left empty shares its one space with the next boundary: give it back its two
    text = _EMPTY_BETWEEN.sub("\x00  ", CHAR_HANDLE.sub("@", " ".join(chunks)))
    text = (" " if text.startswith("\x00") else "") + f" {text} " + (" " if text.endswith("\x00") else "")
    # digits 1-9 read as 0 (what _DIGITS does), on the code points: str.translate took 0.18 s
    # on 20k posts of non-ASCII text, this takes milliseconds
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).copy()
    cps[(cps >= 0x31) & (cps <= 0x39)] = 0x30
    return cps.tobytes().decode("utf-32-le")


def char_ngram_keys(texts: Sequence[str], ngram_range: tuple[int, int]
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """(post index, key, start offset, n, joined text) of every character n-gram inside
    word bounds (as scikit-learn's ``char_wb``: a window may begin or end with the space
    around a word but not hold one inside), vectorised over the whole batch."""
    joined = _joined(texts)
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    sep = cps == 0
    doc = np.cumsum(sep) - sep  # post index of each code point
    space = np.concatenate(([0], np.cumsum(cps == 32)))
    seps = np.concatenate(([0], np.cumsum(sep)))
    def valid(n: int, i: np.ndarray) -> np.ndarray:
        ok = seps[i + n] == seps[i]
        if n > 2:
            ok &= space[i + n - 1] == space[i + 1]
        return ok

    return (*_windows(cps, doc, ngram_range, valid), joined)


def _windows(seq: np.ndarray, doc: np.ndarray, ngram_range: tuple[int, int], valid
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(post index, hash, start, n) of every window of ``n`` items of ``seq`` (n in the
    range) that ``valid(n, starts)`` accepts."""
    out_doc, out_key, out_start, out_n = [], [], [], []
    lo, hi = ngram_range
    # a window's key is ((s0 + n) * MIX + s1) * MIX ... + s(n-1), modulo 2**64: the same
    # sum without the size (``base``, grown from the windows one item shorter) plus
    # n * MIX**(n-1), so each size costs one multiply-add over the batch, not n - 1
    base = seq
    for n in range(1, hi + 1):
        m = max(len(seq) - n + 1, 0)
        if n > 1:
            base = base[:m] * _MIX + seq[n - 1:n - 1 + m]
        if n < lo or m == 0:
            continue
        key = base + np.uint64(n * pow(int(_MIX), n - 1, 1 << 64) % (1 << 64))
        idx = np.flatnonzero(valid(n, np.arange(m)))
        out_doc.append(doc[idx])
        out_key.append(key[idx])
        out_start.append(idx)
        out_n.append(np.full(len(idx), n))
    if not out_key:
        z = np.zeros(0, np.int64)
        return z, np.zeros(0, np.uint64), z, z
    return np.concatenate(out_doc), np.concatenate(out_key), np.concatenate(out_start), np.concatenate(out_n)


def word_ngram_keys(parsed: Any, ngram_range: tuple[int, int], drop_weak: bool, stop_words_weak: bool | str = False
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(post index, key, start token, n) for every word n-gram in the batch; with
    ``drop_weak``, n-grams made only of punctuation, placeholders and (with
    ``stop_words_weak``: True for every n-gram, "unigrams" for single words) stop
    words are left out: they carry how writers punctuate, not what a post does."""
    doc = parsed.token_doc
    n_weak = np.concatenate(([0], np.cumsum(parsed.token_weak | parsed.token_stop)))
    n_punct = np.concatenate(([0], np.cumsum(parsed.token_weak)))

    def valid(n: int, i: np.ndarray) -> np.ndarray:
        ok = doc[i + n - 1] == doc[i]  # tokens are in post order: first and last suffice
        if drop_weak:
            stop_counts = stop_words_weak is True or (stop_words_weak == "unigrams" and n == 1)
            ok &= ((n_weak if stop_counts else n_punct)[i + n] - (n_weak if stop_counts else n_punct)[i]) < n
        return ok

    return _windows(parsed.tokens, doc, ngram_range, valid)


def _select_vocabulary(doc: np.ndarray, keys: np.ndarray, min_df: int, max_features: int | None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(kept keys sorted, their document frequency, index of each key's first occurrence)."""
    pairs = np.unique(np.stack([keys, doc.astype(np.uint64)], axis=1), axis=0)
    uniq, df = np.unique(pairs[:, 0], return_counts=True)
    keep = df >= min_df
    uniq, df = uniq[keep], df[keep]
    if max_features is not None and len(uniq) > max_features:
        top = np.sort(np.argsort(-df, kind="stable")[:max_features])
        uniq, df = uniq[top], df[top]
    order = np.argsort(keys, kind="stable")
    first = order[np.searchsorted(keys[order], uniq)] if len(uniq) else np.zeros(0, np.int64)
    return uniq, df, first


def _count_matrix(doc: np.ndarray, keys: np.ndarray, vocab: np.ndarray, n_rows: int) -> sp.csr_matrix:
    v = len(vocab)
    if v == 0 or len(keys) == 0:
        return sp.csr_matrix((n_rows, v))
    col = key_index(vocab).find(keys)
    hit = col >= 0
    m = sp.csr_matrix((np.ones(int(hit.sum())), (doc[hit], col[hit])), shape=(n_rows, v))
    m.sum_duplicates()
    return m


class SignalValues(TransformerMixin, BaseEstimator):
    """The named signals of a parsed batch, with count signals on a log scale.

    ``log_counts`` turns counts (words, links, hashtags...) into log(1 + x), so a
    5,000-word text is not 100 times more "long" than a 50-word one.
    """

    def __init__(self, signals=None, log_counts=True):
        self.signals = signals
        self.log_counts = log_counts

    def fit(self, parsed, y=None):
        names = list(sig.SIGNAL_NAMES if self.signals is None else self.signals)
        unknown = [s for s in names if s not in sig.SIGNAL_NAMES]
        if unknown:
            raise ValueError(f"unknown signals: {unknown}")
        self.signal_names_ = names
        self.log_columns_ = np.array([self.log_counts and is_count_signal(n) for n in names], dtype=bool)
        return self

    def raw(self, parsed) -> np.ndarray:
        """Signal values as a person reads them (before the log scale)."""
        check_is_fitted(self, "signal_names_")
        if not self.signal_names_:
            return np.zeros((len(parsed), 0))
        return sig.compute_signals(parsed.base, tuple(self.signal_names_))

    def transform(self, parsed):
        values = self.raw(parsed)
        if self.log_columns_.any():
            values = values.copy()
            values[:, self.log_columns_] = np.log1p(values[:, self.log_columns_])
        return values

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "signal_names_")
        return np.asarray(self.signal_names_, dtype=object)


def is_count_signal(name: str) -> bool:
    """Counts and lengths (``__n_`` or ``mean_``), the signals a log scale applies to."""
    unit = name.split("__", 1)[1]
    return unit.startswith("n_") or unit.startswith("mean_")


class _NgramCounts(TransformerMixin, BaseEstimator):
    """Counts of the n-grams kept at fit time; subclasses say how a batch's n-grams are
    found (``_keys``: post index, key, start, size) and named (``_name``)."""

    def _keys(self, parsed) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _names(self, parsed, starts: list[int], sizes: list[int]) -> list[str]:
        raise NotImplementedError

    def fit(self, parsed, y=None):
        lo, hi = self.ngram_range
        if not 1 <= lo <= hi:
            raise ValueError(f"invalid ngram_range {self.ngram_range!r}")
        doc, keys, starts, sizes = self._keys(parsed)
        uniq, _, first = _select_vocabulary(doc, keys, self.min_df, self.max_features)
        self.vocabulary_keys_ = uniq
        self.ngram_names_ = name_array(self._names(parsed, starts[first].tolist(), sizes[first].tolist()))
        self._fit_more(parsed, doc, keys)
        return self

    def _fit_more(self, parsed, doc: np.ndarray, keys: np.ndarray) -> None:
        pass

    def transform(self, parsed):
        check_is_fitted(self, "vocabulary_keys_")
        doc, keys, _, _ = self._keys(parsed)
        return _count_matrix(doc, keys, self.vocabulary_keys_, len(parsed))

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "vocabulary_keys_")
        return np.asarray(self.ngram_names_, dtype=object)


class WordNgramCounts(_NgramCounts):
    """Counts of the word n-grams kept at fit time (``link in bio``, ``see <url>``...)."""

    def __init__(self, ngram_range=(1, 2), min_df=2, max_features=50_000, drop_weak=True, stop_words_weak=False):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.drop_weak = drop_weak
        self.stop_words_weak = stop_words_weak

    def _keys(self, parsed):
        return word_ngram_keys(parsed, tuple(self.ngram_range), self.drop_weak, self.stop_words_weak)

    def _names(self, parsed, starts, sizes):
        toks = parsed.tokens
        return [" ".join(lookup_string(int(t)) for t in toks[s:s + z]) for s, z in zip(starts, sizes)]

    def _fit_more(self, parsed, doc, keys):
        # which training languages each kept n-gram occurs in (bit i = languages_[i])
        uniq = self.vocabulary_keys_
        self.languages_ = sorted(set(parsed.langs))
        lang_bits = np.array([1 << self.languages_.index(g) for g in parsed.langs], dtype=np.uint64)
        mask = np.zeros(len(uniq), dtype=np.uint64)
        if len(uniq) and len(keys):
            col = np.minimum(np.searchsorted(uniq, keys), len(uniq) - 1)
            hit = uniq[col] == keys
            np.bitwise_or.at(mask, col[hit], lang_bits[doc[hit]])
        self.ngram_lang_mask_ = mask


class CharNgramCounts(_NgramCounts):
    """Counts of character n-grams inside word bounds: robust to typos, slang and
    missing accents, where whole words fail (``graaazie``, ``xke``, ``porfaaa``)."""

    def __init__(self, ngram_range=(2, 5), min_df=3, max_features=100_000):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features

    def _keys(self, parsed):
        return char_ngram_keys(parsed.texts, tuple(self.ngram_range))[:4]

    def _names(self, parsed, starts, sizes):
        joined = _joined(parsed.texts)
        return [joined[s:s + z] for s, z in zip(starts, sizes)]


class ConstantColumn(TransformerMixin, BaseEstimator):
    """One column of ones: the classifier's starting point as a feature, so that the
    evidence scale of a post applies to it too (a post with no evidence starts, and
    stays, at the calibrated prior)."""

    def fit(self, parsed, y=None):
        self.n_features_out_ = 1
        return self

    def transform(self, parsed):
        check_is_fitted(self, "n_features_out_")
        return sp.csr_matrix(np.ones((len(parsed), 1)))

    def get_feature_names_out(self, input_features=None):
        return np.asarray(["starting_point"], dtype=object)
