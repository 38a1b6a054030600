"""LinkedIn "Download your data": ``Shares*.csv`` and ``Comments*.csv`` (FORMATS.md §3).

The two files are written with different CSV dialects: Shares doubles embedded
quotes (RFC 4180), Comments escapes them with a backslash. Reading Comments with
the default dialect splits messages into fragments, and reading Shares with a
backslash escape eats literal backslashes, so each file gets its own reader.
Complete exports suffix the names with the member id (``Shares_155814142.csv``).
"""

from __future__ import annotations

import csv
import hashlib
import re
from datetime import datetime
from typing import IO, Iterator
from urllib.parse import unquote

from ..posts import Post, normalize_text
from ..errors import CSV_FIELD_LIMIT, ReaderError
from .containers import member_base, side_files, text_reader, Source
from .fields import dated, entity_meta, snowflake_time, text_hashtags, text_urls
from .spool import Keep

__all__ = ["read"]

_URN = re.compile(r"urn:li:(?:share|ugcPost|activity):\d+")


def read(source: Source, found: dict[str, list[str]], keep: Keep) -> Iterator[Post]:
    """Shares and comments of a LinkedIn export, oldest first (undated comments last)."""
    author = _profile_name(source)

    def candidates() -> Iterator[Post]:
        seen: set[str] = set()
        for member in found["linkedin"]:
            keep.stats.files.append(member)
            comments = member_base(member).startswith("comments")
            need = "Message" if comments else "ShareCommentary"
            with source.open(member) as fh:
                for n, row in _rows(source.where(member), text_reader(fh), need, comments):
                    if comments:
                        yield _comment(row, member, author)
                        continue
                    post = _share(row, member, n, author)
                    if post.id not in seen:  # the same share in Shares.csv and Shares_<id>.csv
                        seen.add(post.id)
                        yield post

    yield from keep.emit_sorted(candidates())


def _rows(where: str, text: IO[str], need: str | None = None,
          comments: bool = False) -> Iterator[tuple[int, dict[str, str]]]:
    """Numbered non-blank rows keyed by lower-cased column name; ``need`` is a column that
    must be there. Comments files escape quotes with a backslash."""
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(text, escapechar="\\") if comments else csv.reader(text)
    try:
        header = next(reader, None)
        if header is None:
            return
        header = [h.strip() for h in header]
        if need and need.lower() not in (h.lower() for h in header):
            raise ReaderError(where, f"no {need} column (columns: {', '.join(header)}); "
                              "is this a LinkedIn export file?", 1)
        lowered = [h.lower() for h in header]
        n = 0
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            n += 1
            yield n, {name: (row[i] if i < len(row) else "") for i, name in enumerate(lowered)}
    except csv.Error as exc:
        raise ReaderError(where, f"invalid CSV ({exc})", reader.line_num) from None


def _date(value: str) -> tuple[datetime | None, tuple[str, ...]]:
    """``2024-03-01 10:00:00``, no zone: UTC, as every reader of these files assumes."""
    return dated(value.strip())


def _urn_time(urn: str) -> datetime | None:
    """Share URN ids are snowflakes: id >> 22 is Unix ms (undocumented, FORMATS.md §3.2)."""
    number = int(urn.rsplit(":", 1)[1])
    if not 1_000_000_000_000 <= number >> 22 <= 4_000_000_000_000:
        return None
    return snowflake_time(number, 0)


def _share(row: dict[str, str], member: str, n: int, author: str | None) -> Post:
    link = row.get("sharelink", "").strip()
    urn = _URN.search(unquote(link))
    post_id = urn.group(0) if urn else (link or f"linkedin:share:{n}")
    created, flags = _date(row.get("date", ""))
    if created is None and urn and not flags:
        created = _urn_time(urn.group(0))
    raw = row.get("sharecommentary", "")
    text, text_flags = normalize_text(raw)
    shared = row.get("sharedurl", "").strip()
    media = row.get("mediaurl", "").split()
    meta = entity_meta(member, is_repost=not text,
                       urls=([shared] if shared else []) + text_urls(text),
                       hashtags=text_hashtags(text), media_count=len(media))
    return Post(id=post_id, text=text, author=author, created_at=created, platform="linkedin",
                flags=flags + text_flags, meta=meta)


def _comment(row: dict[str, str], member: str, author: str | None) -> Post:
    """A comment has no id of its own: it is keyed on the post it answers, date and text."""
    link, date, message = row.get("link", ""), row.get("date", ""), row.get("message", "")
    digest = hashlib.sha1(f"{link}\n{date}\n{message}".encode("utf-8")).hexdigest()[:16]
    created, flags = _date(date)
    text, text_flags = normalize_text(message)
    meta = entity_meta(member, is_reply=True, urls=text_urls(text), hashtags=text_hashtags(text))
    return Post(id=f"linkedin:comment:{digest}", text=text, author=author, created_at=created,
                platform="linkedin", flags=flags + text_flags, meta=meta)


def _profile_name(source: Source) -> str | None:
    """The owner's name from Profile.csv: the rows themselves never name their author."""
    member = next(iter(side_files(source, "profile.csv")), None)
    if member is None:
        return None
    with source.open(member) as fh:
        for _, row in _rows(source.where(member), text_reader(fh)):
            name = f"{row.get('first name', '').strip()} {row.get('last name', '').strip()}".strip()
            return name or None
    return None
