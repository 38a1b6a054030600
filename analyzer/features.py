"""Turn posts into the model's feature matrix: named signals plus word n-grams.

One transformer does both, because both need the same tokens: each post is
tokenised once by spaCy, its token attributes are read into numpy with
``Doc.to_array`` and its cue-list hits with one PhraseMatcher call. Signal
formulas and n-gram hashing then run vectorised over the whole batch, so no
Python loop walks the tokens.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted
from spacy import attrs as A
from spacy.strings import hash_string

from . import signals as sig
from .lexicons import CUE_KEYS
from .nlp import (
    IS_EMOJI,
    IS_HASHTAG,
    IS_LINK,
    IS_MENTION,
    UNDETERMINED,
    cue_matcher,
    freeze_cues,
    get_nlp,
    identify_language,
    supported_languages,
)
from .posts import Post

__all__ = ["Parsed", "PostFeaturizer", "normalize_lang", "parse_posts", "resolve_langs"]

_ATTRS = [A.LOWER, A.IS_ALPHA, A.IS_UPPER, IS_LINK, A.LIKE_NUM, A.IS_PUNCT, A.IS_SPACE,
          A.SENT_START, A.LENGTH, IS_EMOJI, IS_HASHTAG, IS_MENTION]
(_LOWER, _ALPHA, _UPPER, _URL, _NUM, _PUNCT, _SPACE, _SENT, _LEN, _EMOJI, _TAG,
 _MENTION) = range(len(_ATTRS))
# Cue lists that count only at the start of a sentence (imperatives, question words).
_START_CUES = ("cta_verbs", "question_openers")
# Placeholders that stand in n-grams for tokens whose exact form carries no meaning.
_PLACEHOLDERS = {"url": "<url>", "user": "<user>", "num": "<num>"}
_PH_KEYS = {k: np.uint64(hash_string(v)) for k, v in _PLACEHOLDERS.items()}
_MIX = np.uint64(0x9E3779B97F4A7C15)
# Question and exclamation marks are counted as tokens, so a "?" inside a URL
# (?utm_source=...) is not a question.
_QUESTION_KEYS = np.array([hash_string(c) for c in ("?", "？")], dtype=np.uint64)
_EXCLAIM_KEYS = np.array([hash_string(c) for c in ("!", "！")], dtype=np.uint64)

BASE_KEYS = (
    "n_tokens", "n_words", "caps", "n_urls", "n_emoji", "n_hashtags", "n_mentions", "n_numbers",
    "n_sents", "leading_mentions", "trailing_hashtags", "q_marks", "excl", "newlines",
    "meta_reply", "meta_scheduler", *sig.REGEXES,
    *(f"cue:{k}" for k in CUE_KEYS), *(f"start:{k}" for k in _START_CUES),
)


def normalize_lang(code: Any) -> str | None:
    """``en-US``, ``EN``, ``es_MX`` -> ``en``, ``es``; empty -> None."""
    if code is None or not isinstance(code, str):
        return None
    code = code.strip().lower().replace("_", "-").split("-", 1)[0]
    return code or None


def resolve_langs(texts: Sequence[str], given: Sequence[str | None]) -> list[str]:
    """The language of each post: the given code when there is one, else identified."""
    return [normalize_lang(g) or identify_language(t) for t, g in zip(texts, given)]


@dataclass
class Parsed:
    """What one tokenisation pass learned about a batch of posts."""

    langs: list[str]
    base: dict[str, np.ndarray]
    evidence: list[dict[str, str]]
    tokens: np.ndarray  # uint64 lowercase hashes (placeholders for URLs, handles, numbers)
    token_doc: np.ndarray  # int64 post index of each token
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.langs)


def _inputs(X: Any) -> tuple[list[str], list[str | None], list[Mapping[str, Any]]]:
    texts, langs, metas = [], [], []
    for item in X:
        if isinstance(item, Post):
            texts.append(item.text)
            langs.append(item.lang)
            metas.append(item.meta)
        else:
            texts.append("" if item is None else str(item))
            langs.append(None)
            metas.append({})
    return texts, langs, metas


def parse_posts(
    texts: Sequence[str],
    langs: Sequence[str],
    metas: Sequence[Mapping[str, Any]] | None = None,
    *,
    extra_cues: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    batch_size: int = 256,
    transient: bool = True,
) -> Parsed:
    """Tokenise each post once and collect every measurement signals and n-grams need.

    ``transient`` frees spaCy's per-batch strings afterwards (memory stays flat
    over millions of posts); fitting turns it off to name the n-grams it keeps.
    """
    n = len(texts)
    arrays: list[np.ndarray | None] = [None] * n
    cues = np.zeros((n, len(CUE_KEYS) + len(_START_CUES)), dtype=np.float64)
    cue_col = {k: i for i, k in enumerate(CUE_KEYS)}
    start_col = {k: len(CUE_KEYS) + i for i, k in enumerate(_START_CUES)}
    evidence: list[dict[str, str]] = [{} for _ in range(n)]

    groups: dict[str, list[int]] = {}
    for i, lang in enumerate(langs):
        groups.setdefault(lang if lang in supported_languages() else UNDETERMINED, []).append(i)
    for lang, idx in groups.items():
        nlp = get_nlp(lang)
        matcher = cue_matcher(lang, freeze_cues(extra_cues, lang))
        strings = nlp.vocab.strings
        labels = {strings.add(k): k for k in CUE_KEYS}
        zone = nlp.memory_zone() if transient else contextlib.nullcontext()
        with zone:
            for i, doc in zip(idx, nlp.pipe((texts[i] for i in idx), batch_size=batch_size)):
                arr = doc.to_array(_ATTRS)
                arrays[i] = arr
                ev = evidence[i]
                row = cues[i]
                for match_id, start, end in matcher(doc):
                    key = labels[match_id]
                    row[cue_col[key]] += 1
                    if key in start_col:
                        prev = arr[start - 1] if start else None
                        if (
                            prev is None
                            or arr[start, _SENT] == 1
                            or prev[_PUNCT] or prev[_SPACE] or prev[_EMOJI] or prev[_MENTION]
                        ):
                            row[start_col[key]] += 1
                            ev.setdefault(key, doc[start:end].text)
                    else:
                        ev.setdefault(key, doc[start:end].text)
                if arr.shape[0] and arr[0, _MENTION]:
                    ev["leading_mention"] = doc[0].text
    return _assemble(texts, langs, metas, arrays, cues, evidence)


def _assemble(texts, langs, metas, arrays, cues, evidence) -> Parsed:
    n = len(texts)
    lengths = np.fromiter((a.shape[0] for a in arrays), dtype=np.int64, count=n)
    total = int(lengths.sum())
    big = np.concatenate(arrays) if total else np.zeros((0, len(_ATTRS)), dtype=np.uint64)
    doc = np.repeat(np.arange(n), lengths)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) if n else np.zeros(0, np.int64)
    pos = np.arange(total) - starts[doc] if total else np.zeros(0, np.int64)

    col = {name: big[:, j] == 1 for name, j in (
        ("alpha", _ALPHA), ("upper", _UPPER), ("url", _URL), ("num", _NUM), ("punct", _PUNCT),
        ("space", _SPACE), ("sent", _SENT), ("emoji", _EMOJI), ("tag", _TAG),
        ("mention", _MENTION))}

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(doc, weights=mask, minlength=n)

    base: dict[str, np.ndarray] = {
        "n_tokens": count(~col["space"]),
        "n_words": count(col["alpha"] | (col["num"] & ~col["url"])),
        "caps": count(col["alpha"] & col["upper"] & (big[:, _LEN] >= 3)),
        "n_urls": count(col["url"]),
        "n_emoji": count(col["emoji"]),
        "n_hashtags": count(col["tag"]),
        "n_mentions": count(col["mention"]),
        "n_numbers": count(col["num"] & ~col["url"]),
        "q_marks": count(np.isin(big[:, _LOWER], _QUESTION_KEYS)),
        "excl": count(np.isin(big[:, _LOWER], _EXCLAIM_KEYS)),
    }
    base["n_sents"] = np.where(base["n_tokens"] > 0, count(col["sent"]), 0.0)
    # Leading @handles: mentions before the first token that is not a mention,
    # punctuation, space or emoji. Trailing hashtags: after the last such token.
    lead_stop = ~(col["mention"] | col["punct"] | col["space"] | col["emoji"])
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, doc[lead_stop], pos[lead_stop])
    base["leading_mentions"] = count(col["mention"] & (pos < first[doc]))
    tail_stop = ~(col["tag"] | col["punct"] | col["space"] | col["emoji"])
    last = np.full(n, -1)
    np.maximum.at(last, doc[tail_stop], pos[tail_stop])
    base["trailing_hashtags"] = count(col["tag"] & (pos > last[doc]))

    base["newlines"] = np.fromiter((t.count("\n") for t in texts), np.float64, n)
    metas = metas or [{}] * n
    base["meta_reply"] = np.fromiter((bool(m.get("is_reply")) for m in metas), np.float64, n)
    base["meta_scheduler"] = np.fromiter(
        (bool(m.get("client") and sig.SCHEDULER_CLIENTS.search(str(m["client"])))
         for m in metas), np.float64, n)
    for key, regex in sig.REGEXES.items():
        hits = np.zeros(n)
        for i, text in enumerate(texts):
            match = regex.search(text)
            if match:
                hits[i] = 1
                evidence[i][key] = match.group(0)
        base[key] = hits
    for j, key in enumerate(CUE_KEYS):
        base[f"cue:{key}"] = cues[:, j]
    for j, key in enumerate(_START_CUES):
        base[f"start:{key}"] = cues[:, len(CUE_KEYS) + j]

    tokens = big[:, _LOWER].copy()
    tokens[col["url"]] = _PH_KEYS["url"]
    tokens[col["mention"]] = _PH_KEYS["user"]
    tokens[col["num"] & ~col["alpha"] & ~col["url"]] = _PH_KEYS["num"]
    keep = ~col["space"]
    return Parsed(list(langs), base, evidence, tokens[keep], doc[keep])


def _ngram_keys(parsed: Parsed, ngram_range: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(post index, n-gram key, start position, n) for every n-gram in the batch."""
    toks, doc = parsed.tokens, parsed.token_doc
    docs, keys, starts, sizes = [], [], [], []
    lo, hi = ngram_range
    for size in range(lo, hi + 1):
        m = len(toks) - size + 1
        if m <= 0:
            continue
        key = toks[:m].copy()
        same = np.ones(m, dtype=bool)
        for k in range(1, size):
            key = key * _MIX + toks[k:k + m]
            same &= doc[k:k + m] == doc[:m]
        idx = np.flatnonzero(same)
        docs.append(doc[idx])
        keys.append(key[idx])
        starts.append(idx)
        sizes.append(np.full(len(idx), size))
    if not keys:
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(0, dtype=np.uint64), empty, empty
    return (np.concatenate(docs), np.concatenate(keys), np.concatenate(starts),
            np.concatenate(sizes))


def _lookup_string(key: int) -> str:
    for lang in (*supported_languages(), UNDETERMINED):
        strings = get_nlp(lang).vocab.strings
        if key in strings:
            return strings[key]
    for name, value in _PLACEHOLDERS.items():
        if _PH_KEYS[name] == key:
            return value
    return f"<{key}>"


class PostFeaturizer(TransformerMixin, BaseEstimator):
    """Signals and word n-grams for a batch of posts, as one sparse matrix.

    Columns are the named signals (``style__n_questions`` ...) divided by their
    largest training value, then TF-IDF weights of the word n-grams kept at
    fit time (``ngram__link in bio`` ...). Input: an iterable of strings or
    :class:`~analyzer.posts.Post` (whose ``lang`` and export ``meta`` are used).

    Parameters
    ----------
    ngram_range : tuple (min_n, max_n), default=(1, 2)
    min_df : int, default=2
        Keep n-grams seen in at least this many training posts.
    max_features : int, default=50000
        Keep at most this many n-grams (highest document frequency).
    sublinear_tf : bool, default=True
    use_signals, use_ngrams : bool, default=True
        Switch either block off (ablations, baselines).
    signal_weight : float, default=1.0
        Multiplier of the scaled signal block relative to the n-gram block.
    extra_cues : dict or None
        ``{lang: {cue_list: [words]}}`` merged over the shipped lexicons.
    lang : str or None
        Force one language for every post instead of the post's or the identified one.
    signals : sequence of str or None
        The signals to use (default: the whole catalogue); for ablations.
    batch_size : int, default=256
        spaCy ``nlp.pipe`` batch size.
    """

    def __init__(
        self,
        *,
        ngram_range=(1, 2),
        min_df=2,
        max_features=50_000,
        sublinear_tf=True,
        use_signals=True,
        use_ngrams=True,
        signal_weight=1.0,
        extra_cues=None,
        lang=None,
        signals=None,
        batch_size=256,
    ):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.use_signals = use_signals
        self.use_ngrams = use_ngrams
        self.signal_weight = signal_weight
        self.extra_cues = extra_cues
        self.lang = lang
        self.signals = signals
        self.batch_size = batch_size

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    # -- parsing ---------------------------------------------------------
    def parse(self, X: Iterable[Any], *, transient: bool = True) -> Parsed:
        """Tokenise and measure posts (the one pass over tokens)."""
        texts, given, metas = _inputs(X)
        if self.lang:
            given = [self.lang] * len(texts)
        langs = resolve_langs(texts, given)
        return parse_posts(texts, langs, metas, extra_cues=self.extra_cues,
                           batch_size=self.batch_size, transient=transient)

    # -- fitting ---------------------------------------------------------
    def fit(self, X, y=None):
        self._fit(self.parse(X, transient=False))
        return self

    def fit_transform(self, X, y=None, **fit_params):
        parsed = self.parse(X, transient=False)
        self._fit(parsed)
        return self.transform_parsed(parsed)

    def _fit(self, parsed: Parsed) -> None:
        if not (self.use_signals or self.use_ngrams):
            raise ValueError("at least one of use_signals and use_ngrams must be True")
        lo, hi = self.ngram_range
        if not 1 <= lo <= hi:
            raise ValueError(f"invalid ngram_range {self.ngram_range!r}")
        n = len(parsed)
        names = list(sig.SIGNAL_NAMES if self.signals is None else self.signals)
        unknown = [s for s in names if s not in sig.SIGNAL_NAMES]
        if unknown:
            raise ValueError(f"unknown signals: {unknown}")
        self.signal_names_ = names if self.use_signals else []
        if self.signal_names_:
            values = sig.compute_signals(parsed.base, tuple(self.signal_names_))
            scale = np.abs(values).max(axis=0) if n else np.ones(len(self.signal_names_))
            self.signal_scale_ = np.where(scale > 0, scale, 1.0)
        else:
            self.signal_scale_ = np.ones(0)
        vocab_keys = np.zeros(0, dtype=np.uint64)
        names: list[str] = []
        idf = np.zeros(0)
        languages = sorted(set(parsed.langs))
        lang_mask = np.zeros(0, dtype=np.uint64)
        if self.use_ngrams and n:
            doc, keys, starts, sizes = _ngram_keys(parsed, self.ngram_range)
            pairs = np.unique(np.stack([keys, doc.astype(np.uint64)], axis=1), axis=0)
            uniq, df = np.unique(pairs[:, 0], return_counts=True)
            keep = df >= self.min_df
            uniq, df = uniq[keep], df[keep]
            if self.max_features is not None and len(uniq) > self.max_features:
                top = np.sort(np.argsort(-df, kind="stable")[: self.max_features])
                uniq, df = uniq[top], df[top]
            # name every kept n-gram from its first occurrence
            order = np.argsort(keys, kind="stable")
            where = order[np.searchsorted(keys[order], uniq)]
            toks = parsed.tokens
            names = [
                " ".join(_lookup_string(int(t)) for t in toks[s:s + z])
                for s, z in zip(starts[where], sizes[where])
            ]
            vocab_keys = uniq
            idf = np.log((1 + n) / (1 + df)) + 1.0
            # which training languages each kept n-gram occurs in (bit i = languages_[i])
            lang_bits = np.array([1 << languages.index(lang) for lang in parsed.langs], dtype=np.uint64)
            where_pair = np.searchsorted(uniq, pairs[:, 0])
            where_pair[where_pair == len(uniq)] = 0
            found = uniq[where_pair] == pairs[:, 0] if len(uniq) else np.zeros(len(pairs), bool)
            lang_mask = np.zeros(len(uniq), dtype=np.uint64)
            np.bitwise_or.at(lang_mask, where_pair[found], lang_bits[pairs[found, 1].astype(np.int64)])
        self.vocabulary_keys_ = vocab_keys
        self.ngram_names_ = names
        self.idf_ = idf
        self.ngram_lang_mask_ = lang_mask
        self.languages_ = languages
        self.n_features_out_ = len(self.signal_names_) + len(names)

    # -- transforming ----------------------------------------------------
    def transform(self, X):
        check_is_fitted(self, "vocabulary_keys_")
        return self.transform_parsed(self.parse(X))

    def signal_values(self, parsed: Parsed) -> np.ndarray:
        """Raw (unscaled) signal values: what reports and explanations show."""
        if not self.signal_names_:
            return np.zeros((len(parsed), 0))
        return sig.compute_signals(parsed.base, tuple(self.signal_names_))

    def transform_parsed(self, parsed: Parsed, signal_values: np.ndarray | None = None) -> sp.csr_matrix:
        check_is_fitted(self, "vocabulary_keys_")
        n = len(parsed)
        blocks = []
        if self.signal_names_:
            values = self.signal_values(parsed) if signal_values is None else signal_values
            blocks.append(sp.csr_matrix(values / self.signal_scale_ * self.signal_weight))
        if self.use_ngrams:
            blocks.append(self._ngram_matrix(parsed))
        out = sp.hstack(blocks, format="csr") if len(blocks) > 1 else blocks[0].tocsr()
        out.sort_indices()
        return out

    def _ngram_matrix(self, parsed: Parsed) -> sp.csr_matrix:
        n, v = len(parsed), len(self.vocabulary_keys_)
        doc, keys, _, _ = _ngram_keys(parsed, self.ngram_range)
        if v == 0 or len(keys) == 0:
            return sp.csr_matrix((n, v))
        col = np.searchsorted(self.vocabulary_keys_, keys)
        col[col == v] = 0
        hit = self.vocabulary_keys_[col] == keys
        m = sp.csr_matrix((np.ones(hit.sum()), (doc[hit], col[hit])), shape=(n, v))
        m.sum_duplicates()
        if self.sublinear_tf:
            m.data = 1.0 + np.log(m.data)
        m = m @ sp.diags(self.idf_)
        m = sp.csr_matrix(m)
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norms) @ m)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "vocabulary_keys_")
        return np.asarray(
            [*self.signal_names_, *(f"ngram__{g}" for g in self.ngram_names_)], dtype=object
        )
