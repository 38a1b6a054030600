"""Blank spaCy pipelines tuned for social text, cue matchers, language identification.

The spaCy objects live in module-level caches and never on an estimator, so a
fitted model stays a plain scikit-learn object that skops can save without
trusting spaCy types.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable, Mapping, Sequence

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

from .lexicons import available_languages, load_lexicon

__all__ = [
    "EMOJI_PATTERN",
    "IS_EMOJI",
    "IS_HASHTAG",
    "IS_LINK",
    "IS_MENTION",
    "UNDETERMINED",
    "cue_matcher",
    "freeze_cues",
    "get_nlp",
    "identify_language",
    "supported_languages",
]

UNDETERMINED = "und"

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
_EMOJI_TOKEN = re.compile(f"(?:{EMOJI_PATTERN})+")
_HASHTAG_TOKEN = re.compile(r"#[^\W_]\w*")
_MENTION_TOKEN = re.compile(r"@\w+(?:[.:]\w+)*")

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

# Lexical flags (bits of a lexeme's flag field), readable with Doc.to_array.
IS_EMOJI = 40
IS_HASHTAG = 41
IS_MENTION = 42
IS_LINK = 43


def _is_emoji(text: str) -> bool:
    return _EMOJI_TOKEN.fullmatch(text) is not None


def _is_hashtag(text: str) -> bool:
    return _HASHTAG_TOKEN.fullmatch(text) is not None


def _is_mention(text: str) -> bool:
    return _MENTION_TOKEN.fullmatch(text) is not None


def _is_link(text: str) -> bool:
    return _LINK_TOKEN.fullmatch(text) is not None


@functools.cache
def supported_languages() -> tuple[str, ...]:
    return available_languages()


@functools.cache
def get_nlp(lang: str) -> Language:
    """A blank pipeline whose tokenizer keeps #hashtags, @handles, URLs and emoji whole.

    Unsupported codes get spaCy's multi-language tokenizer (``xx``).
    """
    nlp = spacy.blank(lang if lang in supported_languages() else "xx")
    defaults = nlp.Defaults
    prefixes = [EMOJI_PATTERN] + [p for p in defaults.prefixes if p != "#"]
    suffixes = [EMOJI_PATTERN] + list(defaults.suffixes)
    infixes = [EMOJI_PATTERN] + list(defaults.infixes)
    nlp.tokenizer.prefix_search = compile_prefix_regex(prefixes).search
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    nlp.vocab.add_flag(_is_emoji, flag_id=IS_EMOJI)
    nlp.vocab.add_flag(_is_hashtag, flag_id=IS_HASHTAG)
    nlp.vocab.add_flag(_is_mention, flag_id=IS_MENTION)
    nlp.vocab.add_flag(_is_link, flag_id=IS_LINK)
    nlp.add_pipe("sentencizer")
    return nlp


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


@functools.cache
def cue_matcher(lang: str, extra: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> PhraseMatcher:
    """One PhraseMatcher per language, one label per cue list, matched on lowercase.

    Posts in no supported language get the union of every lexicon: a weak
    fallback, better than no cue at all for very short or mixed posts.
    """
    nlp = get_nlp(lang)
    extra_map = dict(extra) if extra else None
    langs = [lang] if lang in supported_languages() else list(supported_languages())
    phrases: dict[str, dict[str, None]] = {}
    for code in langs:
        for key, words in load_lexicon(code, extra_map).cues.items():
            phrases.setdefault(key, {}).update(dict.fromkeys(words))
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    for key, words in phrases.items():
        if words:
            matcher.add(key, list(nlp.tokenizer.pipe(words)))
    return matcher


@functools.cache
def _identifiers() -> tuple[tuple[str, re.Pattern[str], re.Pattern[str] | None], ...]:
    out = []
    for lang in supported_languages():
        lex = load_lexicon(lang)
        words = sorted(set(lex.identify), key=len, reverse=True)
        word_re = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)")
        char_re = re.compile("[" + re.escape(lex.chars) + "]") if lex.chars else None
        out.append((lang, word_re, char_re))
    return tuple(out)


def identify_language(text: str) -> str:
    """The most likely supported language, or ``und`` when no evidence is found.

    Counts frequent function words and language-specific characters in the
    first 1,000 characters: a few regex scans in C, cheap next to tokenising.
    """
    sample = text[:1000].lower()
    best, best_score = UNDETERMINED, 0
    for lang, word_re, char_re in _identifiers():
        score = len(word_re.findall(sample))
        if char_re is not None:
            score += 2 * len(char_re.findall(sample))
        if score > best_score:
            best, best_score = lang, score
    return best


def identify_languages(texts: Iterable[str]) -> list[str]:
    return [identify_language(t) for t in texts]
