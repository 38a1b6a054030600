"""The spaCy tokenizer for social text, per-language cue matchers, and a lexeme table.

One blank pipeline tokenizes posts of every language. Its affix rules are
written for social text (hashtags, @handles, URLs and emoji stay whole; ¿ ¡
split off; English contractions split) and are far leaner than spaCy's
defaults, so tokenizing costs about 60 % of a stock blank tokenizer. Because
every language shares the tokenizer and the vocabulary, language
identification reads the tokens that are produced anyway, and each language
only adds its own cue matcher (lexicons/<lang>.toml).

The spaCy objects live in module-level caches and never on an estimator, so a
fitted model stays a plain scikit-learn object that skops can save without
trusting spaCy types.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Mapping, Sequence

import numpy as np
import spacy
from spacy.attrs import LOWER, NORM
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.strings import hash_string
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

from .lexicons import available_languages, load_lexicon, other_languages

__all__ = [
    "EMOJI_PATTERN",
    "LexTable",
    "PLACEHOLDERS",
    "PLACEHOLDER_KEYS",
    "UNDETERMINED",
    "freeze_cues",
    "get_nlp",
    "identify_language",
    "lookup_string",
    "identify_languages",
    "language_scores",
    "lex_table",
    "reset_nlp",
    "supported_languages",
]

UNDETERMINED = "und"
# Once the shared vocabulary holds this many lexemes, the pipeline is rebuilt so
# that memory stays flat over millions of posts (new words keep arriving).
MAX_LEXEMES = 60_000
TOKENIZER_CACHE = 50_000

# One emoji as people see it: a flag pair, or a pictograph with its variation
# selector, skin tone and zero-width-joiner continuations (👨‍👩‍👧, 👍🏽, ❤️).
_PICTO = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21aa\u231a-\u23ff\u24c2\u25aa-\u27bf"
    "\u2934\u2935\u2b05-\u2b55\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
_MODS = "(?:\ufe0f|[\U0001f3fb-\U0001f3ff])*"
EMOJI_PATTERN = (
    f"(?:[\U0001f1e6-\U0001f1ff]{{2}}|[{_PICTO}]{_MODS}"
    f"(?:\u200d[\u2640-\u27bf\U0001f000-\U0001faff]{_MODS})*)"
)

_OPEN = "\\(\\[\\{¿¡\"'«“‘„‹*_~|<"
_CLOSE = "\\)\\]\\}\"'»”’›*_~|>,;:!?…"
_PREFIXES = [EMOJI_PATTERN, f"[{_OPEN}]", r"\.\.+", r"[-–—•·]", r"[$€£¥]"]
_SUFFIXES = [
    EMOJI_PATTERN, f"[{_CLOSE}]", r"\.\.+", r"(?<=[^\d\s.])\.", r"(?<=\d)\.", r"(?<=\d)%",
    r"(?<=\d)[$€£¥]", r"(?<=[^\W\d_])(?:n't|N'T)", r"(?<=[^\W\d_])['’](?:s|S|re|RE|ve|VE|ll|LL|d|D|m|M)",
]
_INFIXES = [
    EMOJI_PATTERN, r"\.\.+",
    r"(?<=[^\W\d_])[,!?;:](?=[^\W\d_])",
    r"(?<=[^\W\d_])[—–](?=[^\W\d_])",
    r"(?<=[^\W\d_])\.(?=[^\W\d_]{2,})",
]

_EMOJI_TOKEN = re.compile(f"(?:{EMOJI_PATTERN})+")
_HASHTAG_TOKEN = re.compile(r"#[^\W_]\w*")
_MENTION_TOKEN = re.compile(r"@\w+(?:[.:@]\w+)*")
_NUMBER_TOKEN = re.compile(r"[+-]?(?:\d+(?:[.,:/]\d+)*|\d*[.,]\d+)(?:st|nd|rd|th|º|ª|°)?", re.IGNORECASE)
# spaCy's like_url also accepts "care.umma" or "number.pls" (words joined by a dot,
# common in informal writing); a link here needs a scheme, "www.", or a known
# top-level domain, and a path when the domain ending is also a common word.
_TLDS = ("com|org|net|io|ly|edu|gov|info|app|dev|ai|tv|fm|gl|gd|uk|mx|ar|cl|pe|ve|uy|br|pt|fr|"
         "eu|ch|nl|ie|au|nz|ca|cat|gal|eus|shop|store|blog|news|online|site|link|page|xyz|"
         "example|social|club|biz|media|studio|tech|cloud|art|design|digital")
_CC_TLDS = "it|es|de|co|be|at|us|in|me|to"
_WORD_TLDS = "is|am|as|my|no|so|do|go|la|el|tu|al|si|se|ma|mi|ti|ci|vi|un|on|an"
_LINK_TOKEN = re.compile(
    rf"(?:https?://|ftp://|www\.)\S+|"
    rf"[\w-]+(?:\.[\w-]+)*\.(?:{_TLDS})(?::\d+)?(?:/\S*)?|"
    rf"(?:[\w-]+\.)*[\w-]{{3,}}\.(?:{_CC_TLDS})(?::\d+)?(?:/\S*)?|"
    rf"[\w-]+(?:\.[\w-]+)*\.(?:{_WORD_TLDS})(?::\d+)?/\S*",
    re.IGNORECASE,
)
# A link anywhere in a text (not a whole token): scheme or www, or a domain with a path.
LINK_IN_TEXT = re.compile(r"(?:https?://|ftp://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/\S*", re.IGNORECASE)
# Sentence-final punctuation, as spaCy's sentencizer understands it (short list).
_FINAL = frozenset([".", "!", "?", "…", "。", "！", "？", "...", "¡", "¿"]) - {"¡", "¿"}


@functools.cache
def supported_languages() -> tuple[str, ...]:
    return available_languages()


def _lower(text: str) -> str:
    return text.lower()


def get_nlp() -> Language:
    """The shared tokenizer pipeline: one for every language (the tokenizer rules are
    language-independent; each language's cue words and stop words are looked up later)."""
    return _shared_nlp()


@functools.cache
def _shared_nlp() -> Language:
    """Build the pipeline once per process (and again after ``reset_nlp``).

    Lexeme attributes spaCy would compute for every new word (shape, prefix,
    stop words...) are not used by any signal, so only LOWER and NORM are kept:
    that makes each new word cheaper to add to the vocabulary.
    """
    nlp = spacy.blank("xx")
    nlp.vocab.lex_attr_getters = {LOWER: _lower, NORM: _lower}
    nlp.tokenizer.prefix_search = compile_prefix_regex(_PREFIXES).search
    nlp.tokenizer.suffix_search = compile_suffix_regex(_SUFFIXES).search
    nlp.tokenizer.infix_finditer = compile_infix_regex(_INFIXES).finditer
    # spaCy caches the split of each space-separated chunk, but only 10,000 of them
    # by default: a social-media vocabulary is far larger than that
    nlp.tokenizer.max_cache_size = TOKENIZER_CACHE
    # after a special case (":)", "\n", "a.") spaCy stops caching for the rest of a Doc;
    # whitespace is tokenised the same without its special cases, so drop those
    nlp.tokenizer.rules = {k: v for k, v in nlp.tokenizer.rules.items() if not k.isspace() and k != "<space>"}
    return nlp


def reset_nlp() -> None:
    """Forget the pipeline, its matchers and lexeme table (a fresh, small vocabulary)."""
    _shared_nlp.cache_clear()
    all_cue_matcher.cache_clear()
    lex_table.cache_clear()


def maybe_reset() -> None:
    """Rebuild the pipeline when its vocabulary has grown past MAX_LEXEMES."""
    if _shared_nlp.cache_info().currsize and len(get_nlp().vocab) > MAX_LEXEMES:
        reset_nlp()


def freeze_cues(
    extra: Mapping[str, Mapping[str, Sequence[str]]] | None, lang: str
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A hashable form of one language's extra cue words (for the matcher cache)."""
    extra = extra or {}
    tables = [extra.get(lang) or {}] if lang in supported_languages() else list(extra.values())
    merged: dict[str, list[str]] = {}
    for table in tables:
        for key, words in table.items():
            merged.setdefault(key, []).extend(words)
    return tuple(sorted((k, tuple(v)) for k, v in merged.items()))


def frozen_extra(extra: Mapping[str, Mapping[str, Sequence[str]]] | None) -> tuple:
    """A hashable form of every language's extra cue words."""
    return tuple(sorted((lang, freeze_cues(extra, lang)) for lang in (extra or {})))


@functools.cache
def all_cue_matcher(extra: tuple = ()) -> tuple[PhraseMatcher, np.ndarray, np.ndarray, np.ndarray]:
    """One PhraseMatcher for every language at once, labels ``<lang>:<cue list>``.

    Returns the matcher and, sorted by label hash, the hashes with the language
    index and cue-list index of each label, so matches decode without Python
    loops. Posts are matched once and each match is kept only for posts of its
    language (posts of no supported language keep every language's matches).
    """
    from .lexicons import CUE_KEYS

    nlp = get_nlp()
    extra_map = dict(extra)
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    hashes, lang_idx, key_idx = [], [], []
    for li, code in enumerate(supported_languages()):
        table = dict(extra_map.get(code, ()))
        for key, words in load_lexicon(code, table or None).cues.items():
            if not words:
                continue
            label = f"{code}:{key}"
            matcher.add(label, list(nlp.tokenizer.pipe(words)))
            hashes.append(nlp.vocab.strings[label])
            lang_idx.append(li)
            key_idx.append(CUE_KEYS.index(key))
    order = np.argsort(np.array(hashes, dtype=np.uint64))
    return (matcher, np.array(hashes, dtype=np.uint64)[order], np.array(lang_idx)[order],
            np.array(key_idx)[order])


# -- the lexeme table ---------------------------------------------------------------

# bit positions of LexTable.bits
(ALPHA, UPPER, NUM, PUNCT, SPACE, EMOJI, HASHTAG, MENTION, LINK, FINAL, NEWLINE, CURRENCY,
 BRACKET, SCHEDULER) = range(14)
_LANG_CHAR_BIT = 16  # + index in _identification_lexicons() (supported first): language-specific letters
_LANG_WORD_BIT = 32  # + index: one of the language's identification words
_CURRENCY_WORDS = frozenset("$ € £ ¥ eur euro euros usd dollar dollars peso pesos mxn ars clp cop gbp".split())
_SCHEDULER_WORDS = frozenset(
    "hootsuite sprout sproutsocial metricool socialbee loomly sendible agorapulse later buffer hubspot "
    "tweetdeck zapier ifttt".split())


def _bits(text: str, lang_chars: Sequence[frozenset[str]], lang_words: Sequence[frozenset[str]]) -> int:
    """The property bits of one token form (``_bits_any`` gives the same for every form; this
    takes the short way for purely alphabetic ones, most of the new forms of real posts)."""
    if not text.isalpha():
        return _bits_any(text, lang_chars, lang_words)
    # no number, punctuation, space, emoji, hashtag, mention, link or bracket is alphabetic
    b = 1 << ALPHA
    if text.isupper():
        b |= 1 << UPPER
    low = text.lower()
    if low in _CURRENCY_WORDS:
        b |= 1 << CURRENCY
    if low in _SCHEDULER_WORDS:
        b |= 1 << SCHEDULER
    return b | _lang_bits(low, lang_chars, lang_words)


def _bits_any(text: str, lang_chars: Sequence[frozenset[str]], lang_words: Sequence[frozenset[str]]) -> int:
    b = 0
    if text.isalpha():
        b |= 1 << ALPHA
        if text.isupper():
            b |= 1 << UPPER
    if _NUMBER_TOKEN.fullmatch(text):
        b |= 1 << NUM
    if text and all(unicodedata.category(c).startswith("P") for c in text):
        b |= 1 << PUNCT
    if text.isspace():
        b |= 1 << SPACE
        if "\n" in text:
            b |= 1 << NEWLINE
    if _EMOJI_TOKEN.fullmatch(text):
        b |= 1 << EMOJI
    elif _HASHTAG_TOKEN.fullmatch(text):
        b |= 1 << HASHTAG
    elif _MENTION_TOKEN.fullmatch(text):
        b |= 1 << MENTION
    elif "." in text and _LINK_TOKEN.fullmatch(text):
        b |= 1 << LINK
    if text in _FINAL:
        b |= 1 << FINAL
    low = text.lower()
    if low in _CURRENCY_WORDS or (b >> NUM & 1 and any(c in text for c in "$€£¥")):
        b |= 1 << CURRENCY
    if text in ("[", "{", "<") or "[" in text or "{" in text:
        b |= 1 << BRACKET
    if low in _SCHEDULER_WORDS or any(w in low for w in ("buff.ly", "ow.ly", "dlvr.it", "ift.tt", "later.com")):
        b |= 1 << SCHEDULER
    return b | _lang_bits(low, lang_chars, lang_words)


def _lang_bits(low: str, lang_chars: Sequence[frozenset[str]], lang_words: Sequence[frozenset[str]]) -> int:
    b = 0
    for i, chars in enumerate(lang_chars):
        if not chars.isdisjoint(low):
            b |= 1 << (_LANG_CHAR_BIT + i)
    for i, words in enumerate(lang_words):
        if low in words:
            b |= 1 << (_LANG_WORD_BIT + i)
    return b


class LexTable:
    """String properties of every token form seen, looked up for whole batches at once.

    Reading eleven attributes per token through ``Doc.to_array`` costs more than
    tokenizing; here each distinct form is examined once in Python and every
    later occurrence is a vectorised ``searchsorted`` over token hashes. New
    forms go to a small sorted side table that is merged into the main one only
    when it grows past an eighth of it, so adding words stays cheap.
    """

    def __init__(self, lang_chars: Sequence[str], lang_words: Sequence[Sequence[str]] = ()):
        self.lang_chars = tuple(lang_chars)
        self._char_sets = tuple(frozenset(c) for c in self.lang_chars)  # isdisjoint, not a loop per letter
        self.lang_words = tuple(frozenset(w.lower() for w in words) for words in lang_words)
        empty = (np.zeros(0, np.uint64), np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0, np.int64))
        self.main = empty
        self.side = empty

    def __len__(self) -> int:
        return len(self.main[0]) + len(self.side[0])

    def lookup(self, orth: np.ndarray, strings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(lower hash, length, bits) of each token hash in ``orth``."""
        keys, t_lower, t_length, t_bits = self.main
        if len(keys):
            pos = np.searchsorted(keys, orth)
            pos[pos == len(keys)] = 0
            hit = keys[pos] == orth
            lower, length, bits = t_lower[pos], t_length[pos], t_bits[pos]
            todo = ~hit
        else:
            lower = np.zeros(len(orth), np.uint64)
            length = np.zeros(len(orth), np.int64)
            bits = np.zeros(len(orth), np.int64)
            todo = np.ones(len(orth), bool)
        if todo.any():  # the few forms not in the main table yet
            self._fill(self.side, orth, todo, lower, length, bits)
            if todo.any():
                self._add(np.unique(orth[todo]), strings)
                for table in (self.main, self.side):
                    self._fill(table, orth, todo, lower, length, bits)
        return lower, length, bits

    @staticmethod
    def _fill(table, orth, todo, lower, length, bits) -> None:
        keys = table[0]
        if not len(keys):
            return
        idx = np.flatnonzero(todo)
        pos = np.searchsorted(keys, orth[idx])
        pos[pos == len(keys)] = 0
        hit = keys[pos] == orth[idx]
        where, pos = idx[hit], pos[hit]
        lower[where], length[where], bits[where] = table[1][pos], table[2][pos], table[3][pos]
        todo[where] = False

    def _add(self, new: np.ndarray, strings) -> None:
        texts = [strings[int(h)] for h in new]
        rows = (
            new,
            np.fromiter((hash_string(t.lower()) for t in texts), dtype=np.uint64, count=len(texts)),
            np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts)),
            np.fromiter((_bits(t, self._char_sets, self.lang_words) for t in texts), dtype=np.int64,
                        count=len(texts)),
        )
        self.side = self._merge(self.side, rows)
        if len(self.side[0]) * 8 > len(self.main[0]):
            self.main = self._merge(self.main, self.side)
            self.side = tuple(a[:0] for a in self.side)

    @staticmethod
    def _merge(a, b):
        keys = np.concatenate([a[0], b[0]])
        order = np.argsort(keys, kind="stable")
        return tuple(np.concatenate([x, y])[order] for x, y in zip(a, b))


def _identification_lexicons() -> list:
    """Supported languages first (bit index = index in supported_languages()), then the
    languages known only to identification (lexicons/other), which identify as ``und``."""
    return [*(load_lexicon(c) for c in supported_languages()), *other_languages()]


@functools.cache
def lex_table() -> LexTable:
    lexicons = _identification_lexicons()
    return LexTable([x.chars for x in lexicons], [x.identify for x in lexicons])


# -- language identification -------------------------------------------------------

def language_scores(lower: np.ndarray, bits: np.ndarray, token_doc: np.ndarray, n_docs: int) -> np.ndarray:
    """(n_docs, n_languages) evidence: identification words + 2 x language-specific letters.

    Columns: the supported languages, then the languages known only to identification."""
    n_langs = len(_identification_lexicons())
    scores = np.zeros((n_docs, n_langs))
    for j in range(n_langs):
        hit = ((bits >> (_LANG_WORD_BIT + j)) & 1) + 2 * ((bits >> (_LANG_CHAR_BIT + j)) & 1)
        scores[:, j] = np.bincount(token_doc, weights=hit, minlength=n_docs)
    return scores


def pick_languages(scores: np.ndarray) -> list[str]:
    """The best-scoring language per row (first in order on ties, so a supported language
    wins a tie), ``und`` without evidence or when a language we have no lexicon for scores
    highest (French, German, ... are not guessed as the nearest supported language)."""
    langs = supported_languages()
    best = scores.argmax(axis=1)
    return [langs[b] if b < len(langs) and scores[i, b] > 0 else UNDETERMINED for i, b in enumerate(best)]


def identify_languages(texts: Sequence[str]) -> list[str]:
    """The most likely supported language of each text, ``und`` when there is no evidence.

    Counts frequent function words and language-specific letters among all the
    tokens, as parse_posts does, so that both always name the same language.
    """
    nlp = get_nlp()
    docs = list(nlp.tokenizer.pipe(texts))
    orth = np.concatenate([d.to_array("ORTH") for d in docs]) if docs else np.zeros(0, np.uint64)
    token_doc = np.repeat(np.arange(len(docs)), [len(d) for d in docs])
    lower, _, bits = lex_table().lookup(orth.astype(np.uint64), nlp.vocab.strings)
    return pick_languages(language_scores(lower, bits, token_doc, len(docs)))


def identify_language(text: str) -> str:
    return identify_languages([text])[0]


# the tokens n-grams see in place of links, @handles and numbers
PLACEHOLDERS = {"url": "<url>", "user": "<user>", "num": "<num>"}
PLACEHOLDER_KEYS = {k: np.uint64(hash_string(v)) for k, v in PLACEHOLDERS.items()}


def lookup_string(key: int) -> str:
    """The text of a token hash (placeholders included), for naming n-grams."""
    strings = get_nlp().vocab.strings
    if key in strings:
        return strings[key]
    for name, value in PLACEHOLDERS.items():
        if PLACEHOLDER_KEYS[name] == key:
            return value
    return f"<{key}>"
