"""Which languages the analyzer knows, and how a post's language is picked from its tokens.

Evidence per post is counted over tokens the tokenizer produces anyway
(identification words and language-specific letters, see :mod:`analyzer.lexemes`),
so identifying a language adds no pass over the text.
"""

from __future__ import annotations

import functools

import numpy as np

from .lexicons import Lexicon, available_languages, load_lexicon, other_languages

__all__ = ["LANG_CHAR_BIT", "LANG_WORD_BIT", "UNDETERMINED", "identification_lexicons", "language_scores",
           "pick_languages", "supported_languages"]

UNDETERMINED = "und"
LANG_CHAR_BIT = 16  # + index in identification_lexicons() (supported first): language-specific letters
LANG_WORD_BIT = 32  # + index: one of the language's identification words


@functools.cache
def supported_languages() -> tuple[str, ...]:
    return available_languages()


def identification_lexicons() -> list[Lexicon]:
    """Supported languages first (bit index = index in supported_languages()), then the
    languages known only to identification (lexicons/other), which identify as ``und``."""
    return [*(load_lexicon(c) for c in supported_languages()), *other_languages()]


def language_scores(lower: np.ndarray, bits: np.ndarray, token_doc: np.ndarray, n_docs: int) -> np.ndarray:
    """(n_docs, n_languages) evidence: identification words + 2 x language-specific letters.

    Columns: the supported languages, then the languages known only to identification."""
    n_langs = len(identification_lexicons())
    scores = np.zeros((n_docs, n_langs))
    for j in range(n_langs):
        hit = ((bits >> (LANG_WORD_BIT + j)) & 1) + 2 * ((bits >> (LANG_CHAR_BIT + j)) & 1)
        scores[:, j] = np.bincount(token_doc, weights=hit, minlength=n_docs)
    return scores


def pick_languages(scores: np.ndarray) -> list[str]:
    """The best-scoring language per row (first in order on ties, so a supported language
    wins a tie), ``und`` without evidence or when a language we have no lexicon for scores
    highest (French, German, ... are not guessed as the nearest supported language)."""
    langs = supported_languages()
    best = scores.argmax(axis=1)
    return [langs[b] if b < len(langs) and scores[i, b] > 0 else UNDETERMINED for i, b in enumerate(best)]
