"""Cue-word lexicons, one TOML file per language.

Signals are defined once in code and read their words from here, so adding a
language is adding ``<code>.toml`` (plus tests), and users extend the cue
lists with ``--lexicon my.toml`` without touching code.
"""

from __future__ import annotations

import functools
import importlib
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Mapping, Sequence

from ..errors import AnalyzerError

__all__ = [
    "CUE_KEYS",
    "Lexicon",
    "LexiconError",
    "available_languages",
    "load_lexicon",
    "merge_cues",
    "other_languages",
    "read_user_lexicon",
]

# Every lexicon file defines exactly these lists (a test checks it).
CUE_KEYS: tuple[str, ...] = (
    "cta_verbs",
    "question_openers",
    "announce",
    "first_plural",
    "second_person",
    "first_singular",
    "thanks",
    "greetings",
    "agreement",
    "rhetorical",
    "offer",
    "discount",
    "contest",
    "launch",
    "event_ask",
    "donation_ask",
    "sponsor",
    "urgency",
    "sales_contact",
    "advice_ask",
    "opinion_ask",
    "help_offer",
    "congrats",
    "media_words",
    "read_more",
    "poll",
    "personal_ref",
    "informal",
    "engagement_bait",
    "click_ask",
    "reply_ask",
)


class LexiconError(AnalyzerError, ValueError):
    """A lexicon file that cannot be used (syntax, unknown language or cue list)."""


@dataclass(frozen=True)
class Lexicon:
    lang: str
    name: str
    identify: tuple[str, ...]
    chars: str
    cues: Mapping[str, tuple[str, ...]]


@functools.cache
def available_languages() -> tuple[str, ...]:
    """Language codes that ship a lexicon file, in a stable order."""
    files = resources.files(__name__).iterdir()
    return tuple(sorted(f.name[:-5] for f in files if f.name.endswith(".toml")))


@functools.cache
def _load_default(lang: str) -> Lexicon:
    if lang not in available_languages():
        raise LexiconError(
            f"no lexicon for language {lang!r} (available: {', '.join(available_languages())})"
        )
    raw = tomllib.loads(resources.files(__name__).joinpath(f"{lang}.toml").read_text("utf-8"))
    info = raw.get("language", {})
    cues = raw.get("cues", {})
    missing = [k for k in CUE_KEYS if k not in cues]
    unknown = [k for k in cues if k not in CUE_KEYS]
    if missing or unknown:
        raise LexiconError(f"{lang}.toml: missing cue lists {missing}, unknown {unknown}")
    return Lexicon(
        lang=lang,
        name=info.get("name", lang),
        identify=tuple(w.lower() for w in info.get("identify", ())),
        chars=info.get("chars", ""),
        cues={k: tuple(_clean(cues[k])) for k in CUE_KEYS},
    )


@functools.cache
def other_languages() -> tuple[Lexicon, ...]:
    """Languages without a lexicon, known only to language identification (other/identify.toml).

    A post identified as one of them is ``und``: they only keep French, German, Portuguese
    or Dutch posts from being taken for the nearest supported language. Identification
    words that are spaCy stop words of a supported language but not among that language's
    own identification words are dropped, so that they never outvote it.
    """
    common: set[str] = set()
    for code in available_languages():
        stop = importlib.import_module(f"spacy.lang.{code}.stop_words").STOP_WORDS
        common |= {w.lower() for w in stop} - set(_load_default(code).identify)
    raw = tomllib.loads(resources.files(__name__).joinpath("other", "identify.toml").read_text("utf-8"))
    return tuple(
        Lexicon(lang=code, name=table.get("name", code),
                identify=tuple(w for w in _clean(table.get("identify", ())) if w not in common),
                chars=table.get("chars", ""), cues={})
        for code, table in raw.items() if code not in available_languages())


def _clean(words: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for w in words:
        w = " ".join(str(w).lower().split())
        if w:
            seen.setdefault(w, None)
    return list(seen)


def merge_cues(*tables: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Cue tables (cue list -> words) joined in order: the one place cue words are merged,
    for a lexicon file over the shipped words, a user lexicon over a model's, or the tables
    of every language for a post of none."""
    out: dict[str, list[str]] = {}
    for table in tables:
        for key, words in table.items():
            out.setdefault(key, []).extend(words)
    return out


def load_lexicon(
    lang: str, extra: Mapping[str, Sequence[str]] | None = None
) -> Lexicon:
    """The shipped lexicon for ``lang`` with ``extra`` cue words merged in."""
    base = _load_default(lang)
    if not extra:
        return base
    unknown = [key for key in extra if key not in CUE_KEYS]
    if unknown:
        raise LexiconError(f"unknown cue list {unknown[0]!r} (known: {', '.join(CUE_KEYS)})")
    cues = {key: tuple(_clean(words)) for key, words in merge_cues(base.cues, extra).items()}
    return Lexicon(base.lang, base.name, base.identify, base.chars, cues)


def read_user_lexicon(path: str | Path) -> dict[str, dict[str, list[str]]]:
    """Read a user lexicon: one table per language code, one list per cue.

    Example::

        [en]
        cta_verbs = ["preorder", "reserve yours"]
        [es]
        sponsor = ["#colabo"]
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise LexiconError(f"{path}: cannot read ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LexiconError(f"{path}: not valid TOML ({exc})") from None
    out: dict[str, dict[str, list[str]]] = {}
    for lang, table in raw.items():
        if lang not in available_languages():
            raise LexiconError(
                f"{path}: [{lang}] is not a supported language "
                f"(supported: {', '.join(available_languages())})"
            )
        if not isinstance(table, dict):
            raise LexiconError(f"{path}: [{lang}] must be a table of cue lists")
        for key, words in table.items():
            if key not in CUE_KEYS:
                raise LexiconError(
                    f"{path}: [{lang}] unknown cue list {key!r} (known: {', '.join(CUE_KEYS)})"
                )
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise LexiconError(f"{path}: [{lang}] {key} must be a list of strings")
        out[lang] = {k: list(v) for k, v in table.items()}
    return out
