"""Small helpers every platform reader uses to build a ``Post``: ``Post.meta``, error rows,
links / hashtags / mentions in text, languages and timestamps."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Callable, Iterable

from ..patterns import HASHTAG_IN_TEXT as _HASHTAG, MENTION_IN_TEXT as _MENTION, URL_IN_TEXT as _URL, URL_TAIL as _URL_TAIL
from ..posts import Post, normalize_lang, parse_date

__all__ = [
    "clean_lang",
    "dated",
    "entity_meta",
    "epoch_utc",
    "error_post",
    "snowflake_time",
    "text_hashtags",
    "text_mentions",
    "text_urls",
    "utc_datetime",
]


def entity_meta(member: str, *, is_reply: bool = False, is_repost: bool = False,
                urls: Iterable[str] = (), mentions: Iterable[str] = (),
                hashtags: Iterable[str] = (), media_count: int = 0,
                client: str | None = None) -> dict[str, Any]:
    """The ``Post.meta`` every export reader fills, with the same keys for every platform."""
    return {"is_reply": bool(is_reply), "is_repost": bool(is_repost), "urls": _unique(urls),
            "mentions": _unique(mentions), "hashtags": _unique(hashtags),
            "media_count": int(media_count), "client": client or None, "export_file": member}


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(filter(None, values))) if values else []


def error_post(post_id: str, platform: str, member: str, message: str,
               author: str | None = None, created_at: datetime | None = None) -> Post:
    """The row kept for a record that cannot be used, so the output still counts it."""
    return Post(id=post_id, text="", author=author, created_at=created_at, platform=platform,
                error=message, meta=entity_meta(member))


def text_urls(text: str) -> list[str]:
    """Links written in plain text (formats with no entity lists)."""
    return [m.group(0).rstrip(_URL_TAIL) for m in _URL.finditer(text)]


def text_hashtags(text: str) -> list[str]:
    return _HASHTAG.findall(_URL.sub(" ", text))


def text_mentions(text: str) -> list[str]:
    return _MENTION.findall(_URL.sub(" ", text))


def clean_lang(code: Any) -> str | None:
    """A language code, or None for X's pseudo-codes (und, zxx, qme, qht ...)."""
    return _clean_lang(code) if isinstance(code, str) else None


@lru_cache(maxsize=1024)
def _clean_lang(code: str) -> str | None:
    """clean_lang of a string: an export repeats a handful of codes in every record."""
    lang = normalize_lang(code)
    if lang is None or lang in ("und", "zxx") or (len(lang) == 3 and lang.startswith("q")):
        return None
    return lang


def epoch_utc(value: Any) -> datetime | None:
    """Unix seconds (Meta's timestamps) as an aware UTC datetime."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        seconds = float(value)
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None


def utc_datetime(value: Any) -> datetime | None:
    """A time string (ISO-8601 / RFC-3339 and what ``parse_date`` reads), UTC when it
    carries no zone; None for anything else."""
    if not isinstance(value, str) or not value:
        return None
    dt = parse_date(value)
    return dt if dt is None or dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def dated(value: Any, parse: Callable[[Any], datetime | None] = utc_datetime
          ) -> tuple[datetime | None, tuple[str, ...]]:
    """A record's time and its flags: ``bad_date`` when a value is there but unreadable."""
    created = parse(value)
    return created, ("bad_date",) if created is None and value else ()


def snowflake_time(number: int, epoch_ms: int) -> datetime:
    """The time in a snowflake id: its bits above the 22nd are ms since ``epoch_ms``."""
    ms = (number >> 22) + epoch_ms
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=ms)
