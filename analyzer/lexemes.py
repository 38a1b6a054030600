"""The lexeme table: string properties of every token form, looked up for whole batches.

Each distinct form is examined once (in one Python pass over the new forms of a
batch); every later occurrence of it costs a vectorised ``searchsorted`` over
token hashes. The properties are bits (``ALPHA`` ... ``SCHEDULER``, plus one bit
per language for its letters and its identification words).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Sequence

import numpy as np
from spacy.strings import hash_string

from .languages import LANG_CHAR_BIT, LANG_WORD_BIT, identification_lexicons
from .lexicons.schedulers import scheduler_words
from .patterns import EMOJI_TOKEN, HASHTAG_TOKEN, LINK_TOKEN, MENTION_TOKEN, NUMBER_TOKEN

__all__ = ["LexTable", "form_bits", "lex_table"]

# bit positions of LexTable.bits
(ALPHA, UPPER, NUM, PUNCT, SPACE, EMOJI, HASHTAG, MENTION, LINK, FINAL, NEWLINE, CURRENCY,
 BRACKET, SCHEDULER) = range(14)
_CURRENCY_WORDS = frozenset("$ € £ ¥ eur euro euros usd dollar dollars peso pesos mxn ars clp cop gbp".split())
# Sentence-final punctuation, as spaCy's sentencizer understands it (short list).
_FINAL = frozenset([".", "!", "?", "…", "。", "！", "？", "..."])


def _shape_bits(text: str, low: str) -> int:
    """Every bit but the language ones, for any form (``low`` is ``text.lower()``)."""
    b = 0
    if text.isalpha():
        b |= 1 << ALPHA
        if text.isupper():
            b |= 1 << UPPER
    if NUMBER_TOKEN.fullmatch(text):
        b |= 1 << NUM
    if text and unicodedata.category(text[0])[0] == "P" and all(unicodedata.category(c)[0] == "P" for c in text):
        b |= 1 << PUNCT
    if text.isspace():
        b |= 1 << SPACE
        if "\n" in text:
            b |= 1 << NEWLINE
    if EMOJI_TOKEN.fullmatch(text):
        b |= 1 << EMOJI
    elif HASHTAG_TOKEN.fullmatch(text):
        b |= 1 << HASHTAG
    elif MENTION_TOKEN.fullmatch(text):
        b |= 1 << MENTION
    elif "." in text and LINK_TOKEN.fullmatch(text):
        b |= 1 << LINK
    if text in _FINAL:
        b |= 1 << FINAL
    if low in _CURRENCY_WORDS or (b >> NUM & 1 and any(c in text for c in "$€£¥")):
        b |= 1 << CURRENCY
    if text in ("[", "{", "<") or "[" in text or "{" in text:
        b |= 1 << BRACKET
    if low in scheduler_words().gate_words or _scheduler_domains().search(low):
        b |= 1 << SCHEDULER
    return b


@functools.cache
def _scheduler_domains() -> re.Pattern[str]:
    """Any scheduler link domain inside a form (one search instead of one test per domain)."""
    return re.compile("|".join(map(re.escape, scheduler_words().gate_substrings)))


def form_bits(text: str, lang_chars: Sequence[str], lang_words: Sequence[Sequence[str]]) -> int:
    """The property bits of one form, spelled out (``LexTable`` computes the same faster)."""
    low = text.lower()
    b = _shape_bits(text, low)
    for i, chars in enumerate(lang_chars):
        if not set(chars).isdisjoint(low):
            b |= 1 << (LANG_CHAR_BIT + i)
    for i, words in enumerate(lang_words):
        if low in {w.lower() for w in words}:
            b |= 1 << (LANG_WORD_BIT + i)
    return b


class LexTable:
    """String properties of every token form seen, looked up for whole batches at once.

    Reading eleven attributes per token through ``Doc.to_array`` costs more than
    tokenizing; here each distinct form is examined once and every later
    occurrence is a vectorised ``searchsorted`` over token hashes. New forms go
    to a small sorted side table that is merged into the main one only when it
    grows past an eighth of it, so adding words stays cheap.
    """

    def __init__(self, lang_chars: Sequence[str], lang_words: Sequence[Sequence[str]] = ()):
        self.lang_chars = tuple(lang_chars)
        self.lang_words = tuple(frozenset(w.lower() for w in words) for words in lang_words)
        # one dict lookup and one regex search per form instead of a loop over languages
        char_bits: dict[str, int] = {}
        for i, chars in enumerate(self.lang_chars):
            for c in chars:
                char_bits[c] = char_bits.get(c, 0) | 1 << (LANG_CHAR_BIT + i)
        self._char_bits = char_bits
        self._lang_chars = re.compile(f"[{''.join(map(re.escape, sorted(char_bits)))}]") if char_bits else None
        word_bits: dict[str, int] = {}
        for i, words in enumerate(self.lang_words):
            for w in words:
                word_bits[w] = word_bits.get(w, 0) | 1 << (LANG_WORD_BIT + i)
        self._word_bits = word_bits
        # an alphabetic form's currency and scheduler bits are whole-word lookups too
        alpha_bits = dict(word_bits)
        for words, bit in ((_CURRENCY_WORDS, CURRENCY), (scheduler_words().gate_words, SCHEDULER)):
            for w in words:
                alpha_bits[w] = alpha_bits.get(w, 0) | 1 << bit
        self._alpha_bits = alpha_bits
        empty = (np.zeros(0, np.uint64), np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0, np.int64))
        self.main = empty
        self.side = empty

    def __len__(self) -> int:
        return len(self.main[0]) + len(self.side[0])

    def properties(self, texts: Sequence[str]) -> tuple[list[int], list[int], list[int]]:
        """(lowercase hash, length, bits) of each form: the one Python pass over new forms."""
        lowers, lengths, bits = [], [], []
        alpha_bits, word_bits, char_bits, lang_chars = self._alpha_bits, self._word_bits, self._char_bits, self._lang_chars
        alpha = 1 << ALPHA
        upper = alpha | 1 << UPPER
        for t in texts:
            low = t.lower()
            if t.isalpha():  # most new forms: no number, punctuation, emoji, link... is alphabetic
                b = (upper if t.isupper() else alpha) | alpha_bits.get(low, 0)
            else:
                b = _shape_bits(t, low) | word_bits.get(low, 0)
            if lang_chars is not None and (found := lang_chars.findall(low)):
                for c in found:
                    b |= char_bits[c]
            lowers.append(hash_string(low))
            lengths.append(len(t))
            bits.append(b)
        return lowers, lengths, bits

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
        lowers, lengths, bits = self.properties([strings[int(h)] for h in new])
        rows = (new, np.array(lowers, dtype=np.uint64).reshape(-1), np.array(lengths, dtype=np.int64).reshape(-1),
                np.array(bits, dtype=np.int64).reshape(-1))
        self.side = self._merge(self.side, rows)
        if len(self.side[0]) * 8 > len(self.main[0]):
            self.main = self._merge(self.main, self.side)
            self.side = tuple(a[:0] for a in self.side)

    @staticmethod
    def _merge(a, b):
        keys = np.concatenate([a[0], b[0]])
        order = np.argsort(keys, kind="stable")
        return tuple(np.concatenate([x, y])[order] for x, y in zip(a, b))


@functools.cache
def lex_table() -> LexTable:
    lexicons = identification_lexicons()
    return LexTable([x.chars for x in lexicons], [x.identify for x in lexicons])
