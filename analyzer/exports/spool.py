"""Handing posts back oldest first without holding them (``PostSpool``), and the filter
that leaves reposts and direct messages out and counts what it read (``Keep``)."""

from __future__ import annotations

import marshal
import os
import tempfile
from array import array
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

import numpy as np

from ..posts import Post

if TYPE_CHECKING:
    from . import ExportStats

__all__ = ["Keep", "PostSpool"]

_BLOCK = 1 << 20  # bytes of records collected before one write


class PostSpool:
    """Posts parked in an anonymous temporary file, handed back oldest first.

    Parts of an X archive are not in date order and may repeat tweets, so nothing
    can be yielded before the last part is read. Memory per post is the index only:
    sort time, tie-break and file offset (and the dedup key when asked), about 32
    bytes; texts and meta stay on disk until their turn.
    """

    def __init__(self, dedup: bool = False):
        self._fh = tempfile.TemporaryFile()
        self._dedup = dedup
        self._time = array("d")
        self._tie = array("q")
        self._key = array("q")
        self._offset = array("q", [0])
        self._end = 0
        self._block: list[bytes] = []  # records not yet written (up to _BLOCK bytes)
        self._pending = 0

    def add(self, post: Post, tie: int = 0, key: int = 0) -> None:
        created, meta = post.created_at, post.meta
        stamp = created.timestamp() if created else float("inf")
        data = marshal.dumps((post.id, post.text, post.author, _when(created, stamp), post.lang,
                              post.platform, post.flags, post.error,
                              meta if type(meta) is dict else dict(meta)))
        self._block.append(data)
        self._pending += len(data)
        if self._pending >= _BLOCK:
            self._flush()
        self._end += len(data)
        self._offset.append(self._end)
        self._time.append(stamp)
        self._tie.append(tie)
        if self._dedup:
            self._key.append(key)

    def _flush(self) -> None:
        self._fh.write(b"".join(self._block))
        self._block, self._pending = [], 0

    def __iter__(self) -> Iterator[Post]:
        n = len(self._time)
        if not n:
            return
        self._flush()
        self._fh.flush()
        times = np.frombuffer(self._time, dtype=np.float64)
        ties = np.frombuffer(self._tie, dtype=np.int64)
        order = np.lexsort((np.arange(n), ties, times))
        if self._dedup:
            keys = np.frombuffer(self._key, dtype=np.int64)
            keep = np.zeros(n, dtype=bool)
            keep[np.unique(keys, return_index=True)[1]] = True
            order = order[keep[order]]
        read, offsets = self._reader(), self._offset
        for block in range(0, len(order), 65536):  # not one Python int per post at once
            for i in order[block:block + 65536].tolist():
                (pid, text, author, when, lang, platform, flags, error, meta) = marshal.loads(
                    read(offsets[i], offsets[i + 1] - offsets[i]))
                yield Post(id=pid, text=text, author=author, created_at=_created(when),
                           lang=lang, platform=platform, flags=flags, error=error, meta=meta)

    def _reader(self) -> Callable[[int, int], bytes]:
        """read(offset, size): one pread where the OS has it (half the cost of seek + read)."""
        if hasattr(os, "pread"):
            fd = self._fh.fileno()
            return lambda offset, size: os.pread(fd, size, offset)
        fh = self._fh

        def seek_read(offset: int, size: int) -> bytes:
            fh.seek(offset)
            return fh.read(size)

        return seek_read

    def close(self) -> None:
        self._fh.close()


def _when(created: datetime | None, stamp: float) -> int | str | None:
    """A post's time as spooled: whole UTC seconds as an int (most posts; no isoformat),
    any other time as its ISO text, which keeps its zone and microseconds."""
    if created is None:
        return None
    if created.tzinfo is timezone.utc and not created.microsecond and 0 <= stamp < 2**34:
        return int(stamp)
    return created.isoformat()


def _created(when: int | str | None) -> datetime | None:
    if type(when) is int:
        return datetime.fromtimestamp(when, timezone.utc)
    return datetime.fromisoformat(when) if when else None


@dataclass
class Keep:
    """Which posts a reader yields: the user's own; reposts and (Mastodon) direct messages
    only when included. What is left out, and what is yielded, is counted in ``stats``."""

    stats: ExportStats
    reposts: bool = False
    direct: bool = False

    def __call__(self, post: Post, direct: bool = False) -> bool:
        """Whether to yield ``post`` (a direct message when ``direct``); counts it if not."""
        self.stats.records += 1
        if post.meta["is_repost"] and not self.reposts:
            self.stats.reposts_skipped += 1
            return False
        if direct and not self.direct:
            self.stats.direct_skipped += 1
            return False
        return True

    def state(self, count: Any, by: str) -> None:
        """Add the size an export states for a posts file (ignored unless a count)."""
        if isinstance(count, str) and count.isdigit():
            count = int(count)
        if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
            self.stats.stated = (self.stats.stated or 0) + count
            self.stats.stated_by = by

    def emit(self, posts: Iterable[Post]) -> Iterator[Post]:
        """Yield posts already filtered and in order, counting them."""
        for post in posts:
            self.stats.posts += 1
            if post.by_rule or post.status == "empty":
                self.stats.without_words += 1
            yield post

    def emit_sorted(self, posts: Iterable[Post]) -> Iterator[Post]:
        """The kept posts oldest first, undated last in reading order (small exports only)."""
        inf = float("inf")
        kept = sorted(filter(self, posts),
                      key=lambda p: p.created_at.timestamp() if p.created_at else inf)
        yield from self.emit(kept)
