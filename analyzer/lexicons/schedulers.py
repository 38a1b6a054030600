"""The scheduler vocabulary (other/schedulers.toml) and the patterns built from it.

Signals search the text with ``text_pattern``, export metadata with
``client_pattern``; the tokenizer marks the tokens (``gate_words``,
``gate_substrings``) that make a text hit possible, so the pattern only runs on
posts that have one.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources

__all__ = ["SchedulerWords", "client_pattern", "scheduler_words", "text_pattern"]


@dataclass(frozen=True)
class SchedulerWords:
    in_text: tuple[str, ...]
    after_via: tuple[str, ...]
    via: tuple[str, ...]
    clients: tuple[str, ...]

    @functools.cached_property
    def gate_words(self) -> frozenset[str]:
        """Whole lowercase tokens that can start a text hit (first word of each name)."""
        names = [w.split()[0] for w in self.in_text if "." not in w]
        return frozenset([*names, *self.after_via])

    @functools.cached_property
    def gate_substrings(self) -> tuple[str, ...]:
        """Link domains: a token containing one can hold a text hit."""
        return tuple(w for w in self.in_text if "." in w)


@functools.cache
def scheduler_words() -> SchedulerWords:
    raw = tomllib.loads(resources.files(__package__).joinpath("other", "schedulers.toml").read_text("utf-8"))
    return SchedulerWords(*(tuple(raw[k]) for k in ("in_text", "after_via", "via", "clients")))


def _alternation(words, space: str) -> str:
    return "|".join(space.join(re.escape(part) for part in w.split()) for w in words)


@functools.cache
def text_pattern() -> re.Pattern[str]:
    """A scheduler named in a post's text (hootsuite, buff.ly/..., "via @buffer")."""
    w = scheduler_words()
    names, via, after = _alternation(w.in_text, r"\s?"), _alternation(w.via, " "), _alternation(w.after_via, " ")
    return re.compile(rf"\b(?:{names})\b|\b(?:{via})\s+@?(?:{after})\b", re.IGNORECASE)


@functools.cache
def client_pattern() -> re.Pattern[str]:
    """A scheduler named by an export's client field."""
    return re.compile(_alternation(scheduler_words().clients, " "), re.IGNORECASE)
