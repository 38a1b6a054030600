"""Column numbers of 64-bit n-gram keys, found through an open-addressing hash table.

A batch of posts holds millions of n-gram occurrences; ``searchsorted`` into a
sorted vocabulary of 100,000 keys costs some 17 dependent probes each, this
table about 1.3, and all of it runs in numpy: each probe round is one gather
over the keys still unresolved.
"""

from __future__ import annotations

import numpy as np

__all__ = ["KeyIndex", "key_index"]

_SPREAD = np.uint64(0xD6E8FEB86659FD93)  # odd: multiplying permutes the keys, the top bits mix all bits
_CACHE: dict[int, tuple[np.ndarray, "KeyIndex"]] = {}


class KeyIndex:
    """Linear probing over a table at least four times the size of ``keys`` (distinct)."""

    def __init__(self, keys: np.ndarray):
        keys = np.asarray(keys, dtype=np.uint64)
        bits = max(int(len(keys) * 4).bit_length(), 4)
        self._shift = np.uint64(64 - bits)
        self._mask = np.int64((1 << bits) - 1)
        self._keys = np.zeros(1 << bits, np.uint64)
        self._cols = np.full(1 << bits, -1, np.int64)
        home = self._home(keys)
        pending = np.arange(len(keys))
        step = 0
        while len(pending):  # round `step`: every key still pending tries home + step
            slot = (home[pending] + step) & self._mask
            free = self._cols[slot] < 0
            slot, cand = slot[free], pending[free]
            slot, first = np.unique(slot, return_index=True)  # one key per free slot
            self._keys[slot], self._cols[slot] = keys[cand[first]], cand[first]
            placed = np.zeros(len(keys), bool)
            placed[cand[first]] = True
            pending = pending[~placed[pending]]
            step += 1
        self._rounds = step  # no key sits further than this from its home slot

    def _home(self, keys: np.ndarray) -> np.ndarray:
        return ((keys * _SPREAD) >> self._shift).astype(np.int64)

    def find(self, keys: np.ndarray) -> np.ndarray:
        """The index of each key in the table's keys, -1 for a key it does not hold."""
        keys = np.asarray(keys, dtype=np.uint64)
        out = np.full(len(keys), -1, np.int64)
        home = self._home(keys)
        todo = None  # all keys in the first round
        for step in range(self._rounds):
            k = keys if todo is None else keys[todo]
            slot = (home if todo is None else home[todo]) + step & self._mask
            cols = self._cols[slot]
            hit = (self._keys[slot] == k) & (cols >= 0)
            where = np.flatnonzero(hit) if todo is None else todo[hit]
            out[where] = cols[hit]
            more = ~hit & (cols >= 0)  # an empty slot ends a key's search
            todo = np.flatnonzero(more) if todo is None else todo[more]
            if not len(todo):
                break
        return out


def key_index(keys: np.ndarray) -> KeyIndex:
    """The index of a fitted vocabulary array, built once per array (kept off the estimator,
    so a saved model does not change)."""
    hit = _CACHE.get(id(keys))
    if hit is None or hit[0] is not keys:
        if len(_CACHE) >= 8:
            _CACHE.clear()
        hit = _CACHE[id(keys)] = (keys, KeyIndex(keys))
    return hit[1]
