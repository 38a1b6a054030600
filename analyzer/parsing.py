"""One tokenisation pass over a batch of posts: every measurement signals and n-grams need.

Posts are tokenised together by spaCy (many per Doc), their token attributes
read into numpy with ``Doc.to_array`` and their cue-list hits found with one
PhraseMatcher call; token properties come from the lexeme table
(:mod:`analyzer.lexemes`). What the blocks read is a :class:`Parsed` batch of
arrays, so no Python loop walks the tokens.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
from spacy.attrs import IDX, ORTH
from spacy.strings import hash_string

from . import lexemes as L
from . import nlp as N
from . import signals as sig
from .languages import language_scores, pick_languages, supported_languages
from .lexicons import CUE_KEYS
from .posts import Post, normalize_lang

__all__ = ["Parsed", "inputs", "parse_posts", "resolve_langs"]

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


def inputs(X: Any) -> tuple[list[str], list[str | None], list[Mapping[str, Any]]]:
    """(texts, given languages, export metadata) of strings or Posts."""
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
    lower, tok_len, bits = L.lex_table().lookup(orth, strings)

    given = [normalize_lang(g) for g in (langs if langs is not None else [None] * n)]
    detected = pick_languages(language_scores(lower, bits, doc, n)) if not all(given) else given
    resolved = [g or d for g, d in zip(given, detected)]
    supported = supported_languages()
    post_lang = np.array([supported.index(x) if x in supported else -1 for x in resolved], dtype=np.int64)

    col = {name: _bit(bits, b) for name, b in (
        ("alpha", L.ALPHA), ("upper", L.UPPER), ("num", L.NUM), ("punct", L.PUNCT),
        ("space", L.SPACE), ("emoji", L.EMOJI), ("tag", L.HASHTAG), ("mention", L.MENTION),
        ("url", L.LINK), ("final", L.FINAL))}
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
        "price": has_token(L.CURRENCY),
        "percent": np.fromiter(("%" in t for t in texts), bool, n),
        "short_url": base["n_urls"] > 0,
        "utm": base["n_urls"] > 0,
        "scheduler": has_token(L.SCHEDULER),
        "placeholder": has_token(L.BRACKET),
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
    words: set[str] = set()
    for lang in [lang] if lang else supported_languages():
        words |= {w.lower() for w in importlib.import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS}
    return np.array(sorted(hash_string(w) for w in words), dtype=np.uint64)
