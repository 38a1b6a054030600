"""The spaCy tokenizer for social text, per-language cue matchers, and token names.

One blank pipeline tokenizes posts of every language. Its affix rules are
written for social text (hashtags, @handles, URLs and emoji stay whole; ¿ ¡
split off; English contractions split) and are far leaner than spaCy's
defaults, so tokenizing costs about 60 % of a stock blank tokenizer. Because
every language shares the tokenizer and the vocabulary, language
identification reads the tokens that are produced anyway (token properties:
:mod:`analyzer.lexemes`; the choice: :mod:`analyzer.languages`), and each
language only adds its own cue matcher (lexicons/<lang>.toml).

The spaCy objects live in module-level caches and never on an estimator, so a
fitted model stays a plain scikit-learn object that skops can save without
trusting spaCy types.
"""

from __future__ import annotations

import functools
from typing import Mapping, Sequence

import numpy as np
from spacy.attrs import LOWER, NORM
from spacy.lang.xx import MultiLanguage
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.strings import hash_string

from .languages import UNDETERMINED, language_scores, pick_languages, supported_languages
from .lexemes import lex_table
from .lexicons import CUE_KEYS, load_lexicon, merge_cues
from .patterns import EMOJI_PATTERN

__all__ = [
    "PLACEHOLDERS",
    "PLACEHOLDER_KEYS",
    "UNDETERMINED",
    "all_cue_matcher",
    "freeze_cues",
    "frozen_extra",
    "get_nlp",
    "identify_language",
    "identify_languages",
    "lookup_string",
    "maybe_reset",
    "reset_nlp",
    "supported_languages",
]

# Once the shared vocabulary holds this many lexemes, the pipeline is rebuilt so
# that memory stays flat over millions of posts (new words keep arriving). Each
# rebuild starts cold (the tokenizer's cache, the lexeme table): at 60,000, 40k
# real-looking posts (120k distinct forms) rebuilt twice and parsing took 3.57-3.62 s;
# at 150,000, not at all, 3.18-3.30 s, for 30 MB more peak memory (measured 2026-12-08).
MAX_LEXEMES = 150_000
TOKENIZER_CACHE = 50_000

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


def _lower(text: str) -> str:
    return text.lower()


def get_nlp() -> Language:
    """The shared tokenizer pipeline: one for every language (the tokenizer rules are
    language-independent; each language's cue words and stop words are looked up later)."""
    return _shared_nlp()


class _TokenizerDefaults(MultiLanguage.Defaults):
    """Our affix rules in place of spaCy's: set on the class, so that building the pipeline
    compiles only ours (compiling spaCy's, then replacing them, took 60 ms of every start)."""

    prefixes = _PREFIXES
    suffixes = _SUFFIXES
    infixes = _INFIXES
    # after a special case (":)", "\n", "a.") spaCy stops caching for the rest of a Doc;
    # whitespace is tokenised the same without its special cases, so drop those
    tokenizer_exceptions = {k: v for k, v in MultiLanguage.Defaults.tokenizer_exceptions.items()
                            if not k.isspace() and k != "<space>"}


class _Tokenizing(MultiLanguage):
    Defaults = _TokenizerDefaults


@functools.cache
def _shared_nlp() -> Language:
    """Build the pipeline once per process (and again after ``reset_nlp``).

    Lexeme attributes spaCy would compute for every new word (shape, prefix,
    stop words...) are not used by any signal, so only LOWER and NORM are kept:
    that makes each new word cheaper to add to the vocabulary.
    """
    nlp = _Tokenizing()
    nlp.vocab.lex_attr_getters = {LOWER: _lower, NORM: _lower}
    # spaCy caches the split of each space-separated chunk, but only 10,000 of them
    # by default: a social-media vocabulary is far larger than that
    nlp.tokenizer.max_cache_size = TOKENIZER_CACHE
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
    return tuple(sorted((k, tuple(v)) for k, v in merge_cues(*tables).items()))


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


# -- language identification -------------------------------------------------------

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
