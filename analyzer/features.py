"""Turn posts into the model's feature matrix: named signals, word and character n-grams.

One transformer holds every block, because all need the same tokens: each post is
tokenised once by spaCy, its token attributes are read into numpy with
``Doc.to_array`` and its cue-list hits with one PhraseMatcher call. Signal
formulas and n-gram hashing (:mod:`analyzer.blocks`) then run vectorised over
the whole batch, so no Python loop walks the tokens.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import MaxAbsScaler
from sklearn.utils.validation import check_is_fitted
from spacy.attrs import IDX, ORTH
from spacy.strings import hash_string

from . import nlp as N
from . import signals as sig
from .blocks import CharNgramCounts, ConstantColumn, SignalValues, WordNgramCounts, name_array
from .lexicons import CUE_KEYS
from .posts import Post, normalize_lang

__all__ = ["Parsed", "PostFeaturizer", "normalize_lang", "parse_posts", "resolve_langs"]

# Cue lists that count only at the start of a sentence (imperatives, question words).
_START_CUES = ("cta_verbs", "question_openers")
# Placeholders that stand in n-grams for tokens whose exact form carries no meaning.
_PH_KEYS = N.PLACEHOLDER_KEYS
# Question and exclamation marks are counted as tokens, so a "?" inside a URL
# (?utm_source=...) is not a question.
_QUESTION_KEYS = np.array([hash_string(c) for c in ("?", "？")], dtype=np.uint64)
_EXCLAIM_KEYS = np.array([hash_string(c) for c in ("!", "！")], dtype=np.uint64)
_CUE_INDEX = {k: i for i, k in enumerate((*CUE_KEYS, *(f"start:{c}" for c in _START_CUES)))}
# where each evidence key is found: a column of the cue counts (>= 0) or elsewhere (-2)
_EVIDENCE_COL = {k: (_CUE_INDEX[f"start:{k}"] if k in _START_CUES else _CUE_INDEX[k]) for k in CUE_KEYS}
_EVIDENCE_COL.update({k: -2 for k in (*sig.REGEXES, "leading_mention")})


def resolve_langs(texts: Sequence[str], given: Sequence[str | None]) -> list[str]:
    """The language of each post: the given code when there is one, else identified."""
    given = [normalize_lang(g) for g in given]
    todo = [i for i, g in enumerate(given) if not g]
    found = N.identify_languages([texts[i] for i in todo]) if todo else []
    out = list(given)
    for i, lang in zip(todo, found):
        out[i] = lang
    return out  # type: ignore[return-value]


@dataclass
class Parsed:
    """What one tokenisation pass learned about a batch of posts."""

    texts: list[str]
    langs: list[str]
    base: dict[str, np.ndarray]
    tokens: np.ndarray  # uint64 lowercase hashes (placeholders for URLs, handles, numbers)
    token_doc: np.ndarray  # int64 post index of each token
    token_weak: np.ndarray  # bool: punctuation or placeholder (no n-gram of only these)
    token_stop: np.ndarray  # bool: a stop word of the post's language
    regex_evidence: list[dict[str, str]] = field(default_factory=list)
    cue_pairs: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cue_spans: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))
    mention_spans: dict[int, tuple[int, int]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.langs)

    def evidence_for(self, rows: np.ndarray, keys: Sequence[str | None]) -> list[str]:
        """Evidence texts for many (row, key) pairs at once (explanations of a batch)."""
        rows = np.asarray(rows, dtype=np.int64)
        out = [""] * len(keys)
        cols = np.fromiter((_EVIDENCE_COL.get(k, -1) for k in keys), dtype=np.int64, count=len(keys))
        for j in np.flatnonzero(cols == -2).tolist():  # regexes and leading @handles
            row, key = int(rows[j]), keys[j]
            if key == "leading_mention":
                span = self.mention_spans.get(row)
                out[j] = self.texts[row][span[0]:span[1]] if span else ""
            else:
                out[j] = self.regex_evidence[row].get(key, "")
        cue = np.flatnonzero(cols >= 0)
        if len(cue) and len(self.cue_pairs):
            pairs = rows[cue] * len(_CUE_INDEX) + cols[cue]
            pos = np.minimum(np.searchsorted(self.cue_pairs, pairs), len(self.cue_pairs) - 1)
            hit = self.cue_pairs[pos] == pairs
            for j, row, ok, (a, b) in zip(cue.tolist(), rows[cue].tolist(), hit.tolist(),
                                          self.cue_spans[pos].tolist()):
                if ok:
                    out[j] = self.texts[row][a:b]
        return out


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


def _bit(bits: np.ndarray, which: int) -> np.ndarray:
    return ((bits >> which) & 1).astype(bool)


# Posts are tokenised together, many per spaCy Doc, joined by a blank line: a Doc
# costs about as much to create as tokenising a short post, so batching them
# halves the tokenizer's cost. Tokens are given back to their posts by offset.
# a private-use character: no rule matches it, it is no special case, and its
# tokens fall between posts, so they are dropped whatever a post contains
_SEPARATOR = " \ue000 "
_GROUP_CHARS = 40_000
_GROUP_POSTS = 128


def _groups(texts: Sequence[str]) -> Iterator[tuple[int, int]]:
    """(first, end) post ranges, each tokenised as one Doc."""
    first, size = 0, 0
    for i, t in enumerate(texts):
        if i > first and (size + len(t) > _GROUP_CHARS or i - first >= _GROUP_POSTS):
            yield first, i
            first, size = i, 0
        size += len(t) + len(_SEPARATOR)
    if first < len(texts):
        yield first, len(texts)


def parse_posts(
    texts: Sequence[str],
    langs: Sequence[str | None] | None = None,
    metas: Sequence[Mapping[str, Any]] | None = None,
    *,
    extra_cues: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    transient: bool = True,
) -> Parsed:
    """Tokenise each post once and collect every measurement signals and n-grams need.

    ``langs`` gives known languages (None entries are identified from the
    tokens). With ``transient``, the shared pipeline is rebuilt once its
    vocabulary grows past a bound, so memory stays flat over millions of posts;
    fitting turns it off so that it can name the n-grams it keeps.
    """
    if transient:
        N.maybe_reset()
    texts = list(texts)
    n = len(texts)
    nlp = N.get_nlp()
    strings = nlp.vocab.strings
    matcher, label_keys, label_lang, label_key = N.all_cue_matcher(N.frozen_extra(extra_cues))
    orth_parts, char_parts, doc_parts = [], [], []
    m_parts = []  # (post, label hash, start token, end token) with group-global token indices
    token_base = 0
    for first, end in _groups(texts):
        lengths = np.array([len(t) for t in texts[first:end]], dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(lengths + len(_SEPARATOR))[:-1]))
        big = nlp.make_doc(_SEPARATOR.join(texts[first:end]))
        arr = big.to_array([ORTH, IDX])
        idx = arr[:, 1].astype(np.int64)
        local = np.searchsorted(starts, idx, side="right") - 1
        inside = idx < starts[local] + lengths[local]
        keep_pos = np.flatnonzero(inside)
        # token index in the group -> index among kept tokens (for match positions)
        new_index = np.full(len(arr), -1, np.int64)
        new_index[keep_pos] = np.arange(len(keep_pos)) + token_base
        orth_parts.append(arr[keep_pos, 0])
        char_parts.append(idx[keep_pos] - starts[local[keep_pos]])
        doc_parts.append(local[keep_pos] + first)
        found = matcher(big)
        if found:
            m = np.array(found, dtype=np.uint64).reshape(-1, 3)
            s_new = new_index[m[:, 1].astype(np.int64)]
            e_new = new_index[m[:, 2].astype(np.int64) - 1]
            ok = (s_new >= 0) & (e_new >= 0)
            m_parts.append((s_new[ok], e_new[ok], m[ok, 0]))
        token_base += len(keep_pos)
    orth = np.concatenate(orth_parts).astype(np.uint64) if orth_parts else np.zeros(0, np.uint64)
    char = np.concatenate(char_parts) if char_parts else np.zeros(0, np.int64)
    doc = np.concatenate(doc_parts) if doc_parts else np.zeros(0, np.int64)
    total = len(orth)
    lengths = np.bincount(doc, minlength=n)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) if n else np.zeros(0, np.int64)
    pos = np.arange(total) - starts[doc] if total else np.zeros(0, np.int64)
    lower, tok_len, bits = N.lex_table().lookup(orth, strings)

    given = [normalize_lang(g) for g in (langs if langs is not None else [None] * n)]
    detected = N.pick_languages(N.language_scores(lower, bits, doc, n)) if not all(given) else given
    resolved = [g or d for g, d in zip(given, detected)]
    supported = N.supported_languages()
    post_lang = np.array([supported.index(x) if x in supported else -1 for x in resolved], dtype=np.int64)

    col = {name: _bit(bits, b) for name, b in (
        ("alpha", N.ALPHA), ("upper", N.UPPER), ("num", N.NUM), ("punct", N.PUNCT),
        ("space", N.SPACE), ("emoji", N.EMOJI), ("tag", N.HASHTAG), ("mention", N.MENTION),
        ("url", N.LINK), ("final", N.FINAL))}
    # sentence starts, as spaCy's sentencizer sets them: the first token, and the
    # first word after a run of punctuation that contains a sentence-final mark
    content = ~col["punct"] & ~col["space"]
    gi = np.arange(total)
    prev_content = np.maximum.accumulate(np.where(content, gi, -1)) if total else gi
    prev_content = np.concatenate(([-1], prev_content[:-1])) if total else gi
    prev_content = np.maximum(prev_content, starts[doc] - 1) if total else gi
    finals = np.concatenate(([0], np.cumsum(col["final"]))) if total else np.zeros(1, np.int64)
    finals_between = finals[gi] - finals[prev_content + 1] if total else gi
    sent_start = (pos == 0) | (content & (finals_between > 0))
    boundary = col["punct"] | col["space"] | col["emoji"] | col["mention"]
    prev_boundary = np.concatenate(([True], boundary[:-1])) if total else boundary
    start_ok = sent_start | (pos == 0) | prev_boundary

    # cue-list hits, kept for posts of the label's language (any language for others)
    k_total = len(_CUE_INDEX)
    cues = np.zeros((n, k_total))
    cue_pairs = np.zeros(0, np.int64)
    cue_spans = np.zeros((0, 2), np.int64)
    if m_parts:
        g_start = np.concatenate([p[0] for p in m_parts])
        g_end = np.concatenate([p[1] for p in m_parts])
        labels_found = np.concatenate([p[2] for p in m_parts])
        where = np.searchsorted(label_keys, labels_found)
        where[where == len(label_keys)] = 0
        md = doc[g_start]
        key = label_key[where]
        lang_ok = (post_lang[md] == label_lang[where]) | (post_lang[md] < 0)
        md, key, g_start, g_end = md[lang_ok], key[lang_ok], g_start[lang_ok], g_end[lang_ok]
        # the same words in several lexicons count once for posts of no supported language
        uniq = np.unique(np.stack([md, key, g_start, g_end], axis=1), axis=0)
        md, key, g_start, g_end = uniq[:, 0], uniq[:, 1], uniq[:, 2], uniq[:, 3]
        np.add.at(cues, (md, key), 1)
        start_cols = np.array([_CUE_INDEX.get(f"start:{CUE_KEYS[k]}", -1) for k in range(len(CUE_KEYS))])
        ok = (start_cols[key] >= 0) & start_ok[g_start]
        np.add.at(cues, (md[ok], start_cols[key][ok]), 1)
        # evidence: the first match of each (post, list); for start cues, the first valid one
        pair = np.concatenate([md * k_total + key, md[ok] * k_total + start_cols[key][ok]])
        span = np.stack([np.concatenate([char[g_start], char[g_start[ok]]]),
                         np.concatenate([char[g_end] + tok_len[g_end], char[g_end[ok]] + tok_len[g_end[ok]]])], axis=1)
        order = np.lexsort((span[:, 0], pair))
        pair, span = pair[order], span[order]
        first = np.ones(len(pair), bool)
        first[1:] = pair[1:] != pair[:-1]
        cue_pairs, cue_spans = pair[first], span[first]

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(doc, weights=mask, minlength=n)

    base: dict[str, np.ndarray] = {
        "n_tokens": count(~col["space"]),
        "n_words": count(col["alpha"] | (col["num"] & ~col["url"])),
        "caps": count(col["alpha"] & col["upper"] & (tok_len >= 3)),
        "n_urls": count(col["url"]),
        "n_emoji": count(col["emoji"]),
        "n_hashtags": count(col["tag"]),
        "n_mentions": count(col["mention"]),
        "n_numbers": count(col["num"] & ~col["url"]),
        "q_marks": count(np.isin(orth, _QUESTION_KEYS)),
        "excl": count(np.isin(orth, _EXCLAIM_KEYS)),
        "n_sents": count(sent_start & ~col["space"]),
    }
    # distinct words per post: repeating the same words adds no evidence
    wmask = col["alpha"] | (col["num"] & ~col["url"])
    w_doc, w_low = doc[wmask], lower[wmask]
    order = np.lexsort((w_low, w_doc))
    w_doc, w_low = w_doc[order], w_low[order]
    new = np.ones(len(w_doc), bool)
    new[1:] = (w_doc[1:] != w_doc[:-1]) | (w_low[1:] != w_low[:-1])
    base["n_distinct_words"] = np.bincount(w_doc[new], minlength=n).astype(np.float64)
    # Leading @handles: mentions before the first token that is not a mention,
    # punctuation, space or emoji. Trailing hashtags: after the last such token.
    lead_stop = ~(col["mention"] | col["punct"] | col["space"] | col["emoji"])
    first_stop = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_stop, doc[lead_stop], pos[lead_stop])
    leading = col["mention"] & (pos < first_stop[doc])
    base["leading_mentions"] = count(leading)
    mention_spans = {int(d): (int(char[g]), int(char[g] + tok_len[g]))
                     for d, g in zip(doc[leading & (pos == 0)], np.flatnonzero(leading & (pos == 0)))}
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
    # the language-independent regexes only run on posts whose tokens make a hit possible
    has_token = lambda b: count(_bit(bits, b)) > 0  # noqa: E731
    gates = {
        "price": has_token(N.CURRENCY),
        "percent": np.fromiter(("%" in t for t in texts), bool, n),
        "short_url": base["n_urls"] > 0,
        "utm": base["n_urls"] > 0,
        "scheduler": has_token(N.SCHEDULER),
        "placeholder": has_token(N.BRACKET),
    }
    regex_evidence: list[dict[str, str]] = [{} for _ in range(n)]
    for key, regex in sig.REGEXES.items():
        hits = np.zeros(n)
        for i in np.flatnonzero(gates[key]):
            match = regex.search(texts[i])
            if match:
                hits[i] = 1
                regex_evidence[i][key] = match.group(0)
        base[key] = hits
    for j, key in enumerate(CUE_KEYS):
        base[f"cue:{key}"] = cues[:, j]
    for j, key in enumerate(_START_CUES):
        base[f"start:{key}"] = cues[:, _CUE_INDEX[f"start:{key}"]]
    base["n_sents"] = np.where(base["n_tokens"] > 0, np.maximum(base["n_sents"], 1), 0.0)

    tokens = lower.copy()
    tokens[col["url"]] = _PH_KEYS["url"]
    tokens[col["mention"]] = _PH_KEYS["user"]
    tokens[col["num"] & ~col["alpha"] & ~col["url"]] = _PH_KEYS["num"]
    if not transient:  # name every lowercase form (n-gram names at fit time)
        _, first_seen = np.unique(lower, return_index=True)
        for t in first_seen.tolist():
            a = int(char[t])
            strings.add(texts[int(doc[t])][a:a + int(tok_len[t])].lower())
    weak = col["punct"] | col["url"] | col["mention"] | (col["num"] & ~col["alpha"])
    stop = np.zeros(total, bool)
    token_lang = post_lang[doc] if total else np.zeros(0, np.int64)
    for k, lang in enumerate((*supported, None)):  # each post's own stop words (all for others)
        on = token_lang == k if lang else token_lang < 0
        if on.any():
            stop[on] = np.isin(lower[on], _stop_keys(lang))
    keep = ~col["space"]
    return Parsed(texts, resolved, base, tokens[keep], doc[keep], weak[keep], stop[keep], regex_evidence,
                  cue_pairs, cue_spans, mention_spans)


@functools.lru_cache(maxsize=None)
def _stop_keys(lang: str | None) -> np.ndarray:
    """Hashes of spaCy's stop words of a language (None: of every supported language)."""
    import importlib

    words: set[str] = set()
    for lang in [lang] if lang else N.supported_languages():
        words |= {w.lower() for w in importlib.import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS}
    return np.array(sorted(hash_string(w) for w in words), dtype=np.uint64)




class PostFeaturizer(TransformerMixin, BaseEstimator):
    """Signals, word n-grams and character n-grams for a batch of posts, as one matrix.

    The posts are tokenised once (:func:`parse_posts`); a scikit-learn
    ``FeatureUnion`` of named blocks then reads that one parse:

    - ``signals``: the named signals (``style__n_questions`` ...), counts on a log
      scale, through ``MaxAbsScaler``;
    - ``words``: word 1-2-gram counts (no n-gram of only punctuation and placeholders)
      through ``TfidfTransformer``;
    - ``chars``: character 2-5-grams inside word bounds through ``TfidfTransformer``;
    - ``start``: a column of ones, the starting point (the classifier fits no
      intercept of its own; calibration adds one).

    ``signal_weight`` and ``char_weight`` are the union's block weights. Each row is
    then scaled by its evidence, ``n / (n + evidence_prior)`` where ``n`` counts the
    words, numbers, links, @handles and hashtags of the post: a post with nothing to
    go on ("👍", "😍🔥🔥") scores at the classifier's starting point, a one-word post
    at a quarter of its weights, a 30-word post at 91 %. Contributions stay exact,
    because the scale is part of the features. Input: an iterable of strings or
    :class:`~analyzer.posts.Post` (whose ``lang`` and export ``meta`` are used).
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
        log_counts=True,
        drop_weak_ngrams=True,
        stop_words_weak=False,
        use_chars=True,
        char_ngram_range=(2, 5),
        char_min_df=3,
        char_max_features=100_000,
        char_weight=1.0,
        evidence_prior=3.0,
        evidence_words="all",
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
        self.log_counts = log_counts
        self.drop_weak_ngrams = drop_weak_ngrams
        self.stop_words_weak = stop_words_weak
        self.use_chars = use_chars
        self.char_ngram_range = char_ngram_range
        self.char_min_df = char_min_df
        self.char_max_features = char_max_features
        self.char_weight = char_weight
        self.evidence_prior = evidence_prior
        self.evidence_words = evidence_words

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    def parse(self, X: Iterable[Any], *, transient: bool = True) -> Parsed:
        """Tokenise and measure posts (the one pass over tokens)."""
        texts, given, metas = _inputs(X)
        if self.lang:
            given = [self.lang] * len(texts)
        return parse_posts(texts, given, metas, extra_cues=self.extra_cues, transient=transient)

    def _union(self) -> FeatureUnion:
        if not (self.use_signals or self.use_ngrams or self.use_chars):
            raise ValueError("at least one of use_signals, use_ngrams and use_chars must be True")
        blocks = [
            ("signals", Pipeline([("values", SignalValues(self.signals, self.log_counts)),
                                  ("scale", MaxAbsScaler())]) if self.use_signals else "drop"),
            ("words", Pipeline([("counts", WordNgramCounts(tuple(self.ngram_range), self.min_df,
                                                           self.max_features, self.drop_weak_ngrams,
                                                           self.stop_words_weak)),
                                ("tfidf", TfidfTransformer(sublinear_tf=self.sublinear_tf))])
             if self.use_ngrams else "drop"),
            ("chars", Pipeline([("counts", CharNgramCounts(tuple(self.char_ngram_range), self.char_min_df,
                                                           self.char_max_features)),
                                ("tfidf", TfidfTransformer(sublinear_tf=True))])
             if self.use_chars else "drop"),
            ("start", ConstantColumn()),
        ]
        return FeatureUnion(blocks, transformer_weights={"signals": float(self.signal_weight),
                                                         "words": 1.0, "chars": float(self.char_weight),
                                                         "start": 1.0})

    def fit(self, X, y=None):
        self._fit(self.parse(X, transient=False))
        return self

    def fit_transform(self, X, y=None, **fit_params):
        parsed = self.parse(X, transient=False)
        self._fit(parsed)
        return self.transform_parsed(parsed)

    def _fit(self, parsed: Parsed) -> None:
        union = self._union()
        # a block whose vocabulary comes out empty (tiny or one-word training sets) is
        # dropped: scikit-learn's TF-IDF refuses zero columns
        for i, (name, block) in enumerate(union.transformer_list):
            if name in ("words", "chars") and block != "drop" and not len(clone(block[0]).fit(parsed).vocabulary_keys_):
                union.transformer_list[i] = (name, "drop")
        union.fit(parsed)
        self.union_ = union
        self.signal_names_ = list(self._block("signals", "values").signal_names_) if self.use_signals else []
        words = self._block("words", "counts")
        self.ngram_names_ = words.ngram_names_ if words is not None else name_array([])
        self.ngram_lang_mask_ = words.ngram_lang_mask_ if words is not None else np.zeros(0, np.uint64)
        self.languages_ = list(words.languages_) if words is not None else sorted(set(parsed.langs))
        chars = self._block("chars", "counts")
        self.char_names_ = chars.ngram_names_ if chars is not None else name_array([])
        self.n_features_out_ = len(self.signal_names_) + len(self.ngram_names_) + len(self.char_names_) + 1

    def _block(self, name: str, step: str) -> Any:
        block = dict(self.union_.transformer_list)[name]
        return None if block == "drop" else block.named_steps[step]

    def signal_values(self, parsed: Parsed) -> np.ndarray:
        """Signal values as a person reads them (capped, before the log scale)."""
        check_is_fitted(self, "union_")
        if not self.signal_names_:
            return np.zeros((len(parsed), 0))
        return self._block("signals", "values").raw(parsed)

    def transform(self, X):
        check_is_fitted(self, "union_")
        return self.transform_parsed(self.parse(X))

    def transform_parsed(self, parsed: Parsed, signal_values: np.ndarray | None = None) -> sp.csr_matrix:
        check_is_fitted(self, "union_")
        if len(parsed) == 0:  # scikit-learn's scalers refuse empty input
            return sp.csr_matrix((0, self.n_features_out_))
        out = sp.csr_matrix(self.union_.transform(parsed))
        if self.evidence_prior:
            out = sp.csr_matrix(sp.diags(self.evidence_scale(parsed)) @ out)
        out.sort_indices()
        return out

    def evidence_scale(self, parsed: Parsed) -> np.ndarray:
        """Per post, n / (n + evidence_prior): how much the post gives the model to go on."""
        b = parsed.base
        # models saved before the option existed counted every word
        distinct = getattr(self, "evidence_words", "all") == "distinct"
        words = b["n_distinct_words"] if distinct else b["n_words"]
        n = words + b["n_urls"] + b["n_mentions"] + b["n_hashtags"]
        if not self.evidence_prior:
            return np.ones(len(parsed))
        return n / (n + float(self.evidence_prior))

    def column_kinds(self) -> np.ndarray:
        """0 for signal columns, 1 for word n-grams, 2 for character n-grams, 3 for the
        starting point (the last column)."""
        return np.repeat([0, 1, 2, 3], [len(self.signal_names_), len(self.ngram_names_), len(self.char_names_), 1])

    def feature_name(self, col: int) -> str:
        """The name of one output column (what ``get_feature_names_out()[col]`` is, without
        building all 100,000 names)."""
        n_sig, n_word = len(self.signal_names_), len(self.ngram_names_)
        if col < n_sig:
            return self.signal_names_[col]
        if col < n_sig + n_word:
            return f"ngram__{self.ngram_names_[col - n_sig]}"
        if col < n_sig + n_word + len(self.char_names_):
            return f"char__{self.char_names_[col - n_sig - n_word]}"
        return "starting_point"

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "union_")
        return np.asarray([*self.signal_names_, *(f"ngram__{g}" for g in self.ngram_names_),
                           *(f"char__{g}" for g in self.char_names_), "starting_point"], dtype=object)
