"""Read users' own platform data downloads (X, Mastodon, LinkedIn, Facebook, Instagram,
Threads, Bluesky) into Post records.

Each platform has its own module because each export has its own container, wrapper
and quirks (FORMATS.md); this module only detects which one an input is and hands
it to the right reader. Inputs may be the downloaded archive (.zip / .tar.gz), the
folder it was unpacked into, or the single posts file.

Shared by the platform modules, one job each: ``containers`` (zip / tar / folder /
single file, damaged zips), ``detection`` (which platform, from member names and
content), ``jsonfile`` (streaming JSON members with ijson), ``spool`` (posts handed
back oldest first, the repost / direct-message filter that counts) and ``fields``
(``Post.meta``, links, hashtags, mentions, timestamps).
"""

from __future__ import annotations

import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..posts import Post
from ..errors import ReaderError
from ..formats import PLATFORMS
from . import bluesky, linkedin, mastodon, meta, x
from .containers import open_source
from .detection import SUPPORTED, detect, posts_files
from .spool import Keep

__all__ = ["PLATFORMS", "SHORTFALL", "ExportStats", "detect_export", "read_export"]

_META = ("facebook", "instagram", "threads")
SHORTFALL = 0.9  # ExportStats.shortfall warns below this share of the stated size
_READERS = {"x": x.read, "mastodon": mastodon.read, "linkedin": linkedin.read,
            "facebook": meta.read, "instagram": meta.read, "threads": meta.read,
            "bluesky": bluesky.read}


@dataclass
class ExportStats:
    """Filled while reading, for the CLI summary and the audit report."""

    platform: str | None = None
    posts: int = 0  # posts yielded
    reposts_skipped: int = 0  # retweets / boosts / bare reshares not yielded
    direct_skipped: int = 0  # Mastodon direct messages not yielded
    files: list[str] = field(default_factory=list)  # members read, e.g. "data/tweets-part1.js"
    records: int = 0  # entries found in the posts files, before reposts / DMs are left out
    stated: int | None = None  # the size the export states for them (summed over files)
    stated_by: str | None = None  # where it says so: "totalItems", "manifest.js"
    duplicates_skipped: int = 0  # entries the export wrote twice, identical (Meta), read once
    without_words: int = 0  # posts yielded with no words of their own (check-ins, photos ...)

    def summary(self) -> str:
        """The line the CLI prints for this export: what was read, and what was left out."""
        skipped = []
        if self.reposts_skipped:
            skipped.append(f"{self.reposts_skipped} reposts (--include-reposts keeps them)")
        if self.direct_skipped:
            skipped.append(f"{self.direct_skipped} direct messages (--include-direct keeps them)")
        if self.duplicates_skipped:
            skipped.append(f"{self.duplicates_skipped} entries written twice")
        line = f"{self.platform} export: {self.posts} posts read from {self._where()}"
        if self.without_words:
            line += (f" ({self.without_words} with no words of their own: photos, videos, "
                     "check-ins or link shares)")
        return line + (f"; skipped {', '.join(skipped)}" if skipped else "")

    def _where(self) -> str:
        return ", ".join(self.files) or "the export"

    def shortfall(self) -> str | None:
        """A warning when far fewer entries were found than the export states (None if not).

        "Far" is below ``SHORTFALL`` of the stated size: a server's count may be off by
        a few deleted posts, but not by a tenth of the account.
        """
        if self.stated is None or self.records >= self.stated * SHORTFALL:
            return None
        return (f"{self.platform} export: {self.records} of the {self.stated} entries stated by "
                f"{self.stated_by} were found in {self._where()}; the export may be incomplete "
                "or written in a layout this version does not read")

    def nothing_read(self) -> str | None:
        """What was found when the export yielded no posts at all (None when it did)."""
        if self.posts:
            return None
        found = [f"{self.records} entries in {self._where()}"]
        if self.stated is not None:
            found.append(f"{self.stated} stated by {self.stated_by}")
        if self.reposts_skipped:
            found.append(f"{self.reposts_skipped} reposts left out (--include-reposts keeps them)")
        if self.direct_skipped:
            found.append(f"{self.direct_skipped} direct messages left out (--include-direct keeps "
                         "them)")
        return f"{self.platform} export yielded no posts: found {', '.join(found)}"


def detect_export(path: str | Path) -> str | None:
    """Platform of an archive/folder/file, or None when it is not a platform export
    (then the caller reads it as a plain table). Never raises for ordinary files."""
    try:
        found = detect(path)
    except (OSError, ValueError, zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error):
        return None
    return next(iter(found), None)


def read_export(path: str | Path, *, platform: str | None = None, include_reposts: bool = False,
                include_direct: bool = False, stats: ExportStats | None = None) -> Iterator[Post]:
    """Posts in chronological order (oldest first) where the format allows.

    ``platform`` forces a reader (one of PLATFORMS); by default it is detected. A Meta
    download holding several platforms (Instagram with Threads, or Facebook too) yields
    the posts of all of them unless one is asked for. Reposts (retweets, boosts, bare
    reshares) and Mastodon direct messages are left out and counted in ``stats``
    unless included. Raises ReaderError for inputs that are not a readable export.
    """
    if platform is not None and platform not in PLATFORMS:
        raise ReaderError(str(path),
                          f"unknown platform {platform!r} (known: {', '.join(PLATFORMS)})")
    stats = stats if stats is not None else ExportStats()
    source = open_source(path)
    try:
        names = source.members
        found = posts_files(source, platform)
        if platform is None:
            if not found:
                raise ReaderError(source.label, f"not a platform export: found {_listing(names)}; "
                                                f"supported: {SUPPORTED}")
            platform = next(iter(found))
            family = _META if platform in _META else (platform,)
            chosen = {p: found[p] for p in family if p in found}
        else:
            if platform not in found:
                raise ReaderError(source.label, f"no {platform} posts file in this export: found "
                                                f"{_listing(names)}; supported: {SUPPORTED}")
            chosen = {platform: found[platform]}
        stats.platform = platform
        yield from _READERS[platform](source, chosen, Keep(stats, include_reposts, include_direct))
    finally:
        source.close()


def _listing(names: list[str], limit: int = 8) -> str:
    if not names:
        return "no files"
    shown = ", ".join(names[:limit])
    return shown + (f" ... ({len(names)} files)" if len(names) > limit else "")
