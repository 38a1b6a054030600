"""Export containers and the machinery every platform reader shares.

A platform download arrives as a .zip, a .tar.gz (Mastodon before 2023), the folder
the user unpacked it into, or just its posts file. ``open_source`` hides the
difference behind member names (POSIX paths relative to the container), so each
platform module is written once. Errors name the container and the member the way
users can find them: ``twitter.zip!data/tweets.js:12: invalid JSON (...)``.

Also here, because several platforms need them: platform detection by member names
and content (``detect``), a disk-backed spool that hands posts back oldest first
(``PostSpool``), the filter that leaves reposts out and counts (``Keep``), and the
small helpers that build ``Post.meta``.
"""

from __future__ import annotations

import io
import marshal
import mmap
import os
import re
import struct
import tarfile
import tempfile
import zipfile
import zlib
from abc import ABC, abstractmethod
from array import array
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Iterator

from ..features import normalize_lang
from ..posts import Post, parse_date
from ..readers import ReaderError
from .jsonfile import first_item

if TYPE_CHECKING:
    from . import ExportStats

__all__ = [
    "SUPPORTED",
    "Keep",
    "PostSpool",
    "Source",
    "clean_lang",
    "dated",
    "detect",
    "entity_meta",
    "epoch_utc",
    "error_post",
    "member_base",
    "open_source",
    "platform_members",
    "posts_files",
    "scan_zip",
    "side_files",
    "snowflake_time",
    "text_hashtags",
    "text_mentions",
    "text_reader",
    "text_urls",
    "utc_datetime",
]

SUPPORTED = ("X/Twitter archive (data/tweets.js), Mastodon archive (outbox.json), LinkedIn export "
             "(Shares.csv, Comments.csv), Facebook (your_posts*.json), Instagram "
             "(content/posts_N.json), Threads (threads_and_replies.json), Bluesky (repo.car)")

# Detection order when one container holds several platforms' files.
_ORDER = ("x", "mastodon", "bluesky", "linkedin", "facebook", "instagram", "threads")

# Posts files per platform, matched on the lower-cased base name: the folders around
# them changed between export eras (data/ or not, your_facebook_activity/ or posts/ ...).
_NAMES = {
    "x": re.compile(r"(tweets?|community-tweet)(-part\d+)?\.js"),
    "mastodon": re.compile(r"outbox\.json"),
    "bluesky": re.compile(r".+\.car|com\.atproto\.sync\.getrepo"),
    "linkedin": re.compile(r"(shares|comments)(_[^/]*)?\.csv"),
    "facebook": re.compile(r"your_posts[^/]*\.(json|html)"),
    "instagram": re.compile(r"posts_\d+\.(json|html)"),
    "threads": re.compile(r"threads_and_replies\.(json|html)"),
}
_GRAILBIRD = re.compile(r"(^|/)data/js/tweets/\d{4}_\d{2}\.js$")


# -- containers ------------------------------------------------------------------

class Source(ABC):
    """One export container; members are POSIX paths relative to its root."""

    def __init__(self, label: str):
        self.label = label

    @cached_property
    def members(self) -> list[str]:
        """Every file in the container, as POSIX paths relative to its root (listed once)."""
        return self._list()

    @abstractmethod
    def _list(self) -> list[str]:
        """The listing ``members`` keeps."""

    def where(self, member: str) -> str:
        return f"{self.label}!{member}"

    @abstractmethod
    def _open(self, member: str) -> IO[bytes]:
        """A binary stream of one member."""

    @contextmanager
    def open(self, member: str) -> Iterator[IO[bytes]]:
        """The member as a binary stream; low-level failures become ReaderError naming it."""
        where = self.where(member)
        try:
            with self._open(member) as fh:
                yield fh
        except ReaderError:
            raise
        except UnicodeDecodeError as exc:
            raise ReaderError(where, f"not valid UTF-8 text ({exc.reason})") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, tarfile.TarError) as exc:
            raise ReaderError(where, f"corrupt or truncated archive member ({exc})") from None
        except OSError as exc:
            raise ReaderError(where, f"read error ({exc.strerror or exc})") from None

    def read_bytes(self, member: str) -> bytes:
        with self.open(member) as fh:
            return fh.read()

    def close(self) -> None:
        pass


class _ZipSource(Source):
    def __init__(self, path: Path):
        super().__init__(str(path))
        self._zip = zipfile.ZipFile(path)
        self._names = [i.filename for i in self._zip.infolist() if not i.is_dir()]

    def _list(self) -> list[str]:
        return [n for n in self._names if not _junk(n)]

    def _open(self, member: str) -> IO[bytes]:
        return self._zip.open(member)

    def close(self) -> None:
        self._zip.close()


class _TarSource(Source):
    def __init__(self, path: Path):
        super().__init__(str(path))
        self._tar = tarfile.open(path, "r:*")
        try:
            infos = self._tar.getmembers()
        except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
            read = [_clean_tar_name(i.name) for i in self._tar.members]
            last = self._tar.members[-1].name if self._tar.members else None
            self._tar.close()
            where = self.where(_clean_tar_name(last)) if last else self.label
            raise _Damaged(where, f"archive is truncated or corrupt ({exc})",
                           members=read) from None
        self._infos = {_clean_tar_name(i.name): i for i in infos if i.isfile()}

    def _list(self) -> list[str]:
        return [n for n in self._infos if not _junk(n)]

    def _open(self, member: str) -> IO[bytes]:
        fh = self._tar.extractfile(self._infos[member])
        assert fh is not None  # members lists regular files only
        return fh

    def close(self) -> None:
        self._tar.close()


class _DirSource(Source):
    def __init__(self, path: Path):
        super().__init__(str(path))
        self._root = path

    def _list(self) -> list[str]:
        names = []
        for folder, dirs, files in os.walk(self._root):
            dirs[:] = sorted(d for d in dirs if d != "__MACOSX")
            rel = Path(folder).relative_to(self._root)
            names.extend((rel / f).as_posix() for f in sorted(files))
        return [n for n in names if not _junk(n)]

    def where(self, member: str) -> str:
        return str(self._root / member)

    def _open(self, member: str) -> IO[bytes]:
        return open(self._root / member, "rb")


class _FileSource(Source):
    def __init__(self, path: Path):
        super().__init__(str(path))
        self.path = path

    def _list(self) -> list[str]:
        return [self.path.name]

    def where(self, member: str) -> str:
        return self.label

    def _open(self, member: str) -> IO[bytes]:
        return open(self.path, "rb")


def _junk(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base == ".DS_Store" or base.startswith("._")


def _clean_tar_name(name: str) -> str:
    return name[2:] if name.startswith("./") else name


def _kind(path: Path) -> str:
    """zip, tar, or file, from the first bytes (names lie: .json.gz is not a tar)."""
    with open(path, "rb") as fh:
        head = fh.read(512)
        if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
            return "zip"
        if head[:2] == b"\x1f\x8b":
            fh.seek(0)
            try:
                block = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(fh.read(4096), 512)
            except zlib.error:
                return "file"
        else:
            block = head
    return "tar" if block[257:262] == b"ustar" else "file"


def open_source(path: str | Path) -> Source:
    """Open an export as a Source; a broken container raises ReaderError naming the member."""
    path = Path(path)
    if path.is_dir():
        return _DirSource(path)
    try:
        kind = _kind(path)
    except FileNotFoundError:
        raise ReaderError(str(path), "file not found") from None
    except OSError as exc:
        raise ReaderError(str(path), f"cannot open ({exc.strerror or exc})") from None
    if kind == "zip":
        try:
            return _ZipSource(path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise _zip_damage(path, exc) from None
    if kind == "tar":
        try:
            return _TarSource(path)
        except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
            raise ReaderError(str(path), f"archive is truncated or corrupt ({exc})") from None
    return _FileSource(path)


# -- damaged zips ------------------------------------------------------------------

_LOCAL = struct.Struct("<4sHHHHHIIIHH")


def scan_zip(path: Path) -> tuple[list[str], str | None]:
    """Member names from the local headers of a zip whose directory is unreadable.

    A truncated download loses the central directory at the end, but every member
    before the cut still starts with a local header. Returns the names found and the
    name of the member the file ends inside (None when the cut fell between members).
    """
    names: list[str] = []
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            return names, None
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            pos = 0
            while pos + _LOCAL.size <= size and data[pos:pos + 4] == b"PK\x03\x04":
                (_, _, flags, _, _, _, _, csize, _, nlen, xlen) = _LOCAL.unpack_from(data, pos)
                name = bytes(data[pos + 30:pos + 30 + nlen]).decode("utf-8", "replace")
                start = pos + 30 + nlen + xlen
                if start > size:
                    return names + [name], name
                names.append(name)
                if flags & 0x08 and csize == 0:  # size only in a trailing data descriptor
                    nxt = min((i for i in (data.find(b"PK\x03\x04", start),
                                           data.find(b"PK\x01\x02", start)) if i >= 0),
                              default=-1)
                    if nxt < 0:
                        return names, name
                    pos = nxt
                    continue
                end = start + csize
                if end > size:
                    return names, name
                pos = end + (16 if flags & 0x08 else 0)
    return names, None


class _Damaged(ReaderError):
    """A broken container; ``members`` are the names read before the damage, by which
    ``detect`` still recognises it (and read_export then reports the damage)."""

    def __init__(self, source: str, message: str, line: int | None = None, *,
                 members: Iterable[str] = ()):
        super().__init__(source, message, line)
        self.members = list(members)


def _zip_damage(path: Path, exc: Exception) -> ReaderError:
    try:
        names, cut = scan_zip(path)
    except (OSError, ValueError):
        names, cut = [], None
    if cut:
        return _Damaged(f"{path}!{cut}", "archive is truncated: the file ends inside this "
                                         "member (incomplete download?)", members=names)
    if names:
        return _Damaged(f"{path}!{names[-1]}", "archive is truncated or corrupt after this "
                                               f"member: its directory is missing ({exc})",
                        members=names)
    return ReaderError(str(path), f"not a readable zip archive ({exc})")


# -- detection -----------------------------------------------------------------------

def platform_members(names: Iterable[str]) -> dict[str, list[str]]:
    """Posts files per platform, in detection order (Meta HTML files too: refused later)."""
    found: dict[str, list[str]] = {}
    for name in names:
        lower = name.lower()
        base = lower.rsplit("/", 1)[-1]
        for platform, pattern in _NAMES.items():
            if not pattern.fullmatch(base):
                continue
            if platform == "instagram" and "/" in lower and lower.split("/")[-2] != "content":
                continue
            found.setdefault(platform, []).append(name)
        if _GRAILBIRD.search(lower):
            found.setdefault("x", []).append(name)
    return {p: sorted(found[p]) for p in _ORDER if p in found}


def posts_files(source: Source, platform: str | None = None) -> dict[str, list[str]]:
    """Posts files per platform in an opened source.

    A single file whose name says nothing is recognised by its content, or taken as
    the posts file of ``platform`` when the caller names one.
    """
    names = source.members
    found = platform_members(names)
    if not found and isinstance(source, _FileSource):
        sniffed = platform or _sniff_file(source.path)
        if sniffed:
            found = {sniffed: list(names)}
    return found


def detect(path: str | Path) -> dict[str, list[str]]:
    """Posts files per platform in an export; empty when it is not a platform export.

    Broken archives are listed from their local headers, so that a truncated zip is
    still recognised (and read_export reports which member is cut).
    """
    path = Path(path)
    if not (path.is_dir() or path.is_file()):
        return {}
    try:
        source = open_source(path)
    except _Damaged as exc:
        return platform_members(exc.members)
    except ReaderError:
        return {}
    try:
        return posts_files(source)
    finally:
        source.close()


_YTD_TWEETS = re.compile(r"window\.YTD\.(tweets?|community_tweet)\.part\d+\s*=")


def _sniff_file(path: Path) -> str | None:
    """Platform of a renamed posts file, from its first bytes."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if _is_car(head):
        return "bluesky"
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if _YTD_TWEETS.match(text) or text.startswith("Grailbird.data.tweets_"):
        return "x"
    if text.startswith("{"):
        if '"text_post_app_text_posts"' in text:
            return "threads"
        if '"orderedItems"' in text and '"OrderedCollection"' in text:
            return "mastodon"
        return None
    if text.startswith("["):
        item = _first_item(text)
        if isinstance(item, dict):
            if "timestamp" in item and isinstance(item.get("data", item.get("attachments")), list):
                return "facebook"
            media = item.get("media")
            if isinstance(media, list) and media and isinstance(media[0], dict) \
                    and "creation_timestamp" in media[0]:
                return "instagram"
        return None
    first = text.split("\n", 1)[0]
    if "ShareCommentary" in first and "ShareLink" in first:
        return "linkedin"
    return None


def _first_item(text: str) -> Any:
    return first_item(text.encode("utf-8"))


def _is_car(head: bytes) -> bool:
    """A CAR v1 starts with a varint length and a DAG-CBOR header {roots, version}."""
    length, shift, pos = 0, 0, 0
    while pos < len(head) and pos < 5:
        byte = head[pos]
        length |= (byte & 0x7F) << shift
        pos += 1
        shift += 7
        if not byte & 0x80:
            break
    else:
        return False
    if not 0 < length <= 4096 or pos + length > len(head):
        return False
    header = head[pos:pos + length]
    if b"roots" not in header:
        return False
    try:
        import libipld
    except ImportError:
        return True  # looks like a CAR; reading it will say that libipld is needed
    try:
        decoded = libipld.decode_dag_cbor(header)
    except (ValueError, RecursionError):
        return False
    return isinstance(decoded, dict) and "roots" in decoded and decoded.get("version") == 1


# -- text members --------------------------------------------------------------

def text_reader(fh: IO[bytes]) -> IO[str]:
    """UTF-8 text of a binary member (a BOM is dropped); invalid bytes raise."""
    return io.TextIOWrapper(fh, encoding="utf-8-sig", errors="strict", newline="")


# -- sorting without holding the posts ---------------------------------------------

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
        self.duplicates = 0

    def add(self, post: Post, tie: int = 0, key: int = 0) -> None:
        created = post.created_at
        record = (post.id, post.text, post.author, created.isoformat() if created else None,
                  post.lang, post.platform, post.flags, post.error, dict(post.meta))
        data = marshal.dumps(record)
        self._fh.write(data)
        self._offset.append(self._offset[-1] + len(data))
        self._time.append(created.timestamp() if created else float("inf"))
        self._tie.append(tie)
        if self._dedup:
            self._key.append(key)

    def __iter__(self) -> Iterator[Post]:
        import numpy as np

        n = len(self._time)
        if not n:
            return
        self._fh.flush()
        times = np.frombuffer(self._time, dtype=np.float64)
        ties = np.frombuffer(self._tie, dtype=np.int64)
        order = np.lexsort((np.arange(n), ties, times))
        if self._dedup:
            keys = np.frombuffer(self._key, dtype=np.int64)
            keep = np.zeros(n, dtype=bool)
            keep[np.unique(keys, return_index=True)[1]] = True
            order = order[keep[order]]
            self.duplicates = n - len(order)
        read, offsets = self._reader(), self._offset
        for block in range(0, len(order), 65536):  # not one Python int per post at once
            for i in order[block:block + 65536].tolist():
                (pid, text, author, created, lang, platform, flags, error, meta) = marshal.loads(
                    read(offsets[i], offsets[i + 1] - offsets[i]))
                yield Post(id=pid, text=text, author=author,
                           created_at=datetime.fromisoformat(created) if created else None,
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


# -- post helpers ---------------------------------------------------------------------

def entity_meta(member: str, *, is_reply: bool = False, is_repost: bool = False,
                urls: Iterable[str] = (), mentions: Iterable[str] = (),
                hashtags: Iterable[str] = (), media_count: int = 0,
                client: str | None = None) -> dict[str, Any]:
    """The ``Post.meta`` every export reader fills, with the same keys for every platform."""
    return {"is_reply": bool(is_reply), "is_repost": bool(is_repost), "urls": _unique(urls),
            "mentions": _unique(mentions), "hashtags": _unique(hashtags),
            "media_count": int(media_count), "client": client or None, "export_file": member}


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def error_post(post_id: str, platform: str, member: str, message: str,
               author: str | None = None, created_at: datetime | None = None) -> Post:
    """The row kept for a record that cannot be used, so the output still counts it."""
    return Post(id=post_id, text="", author=author, created_at=created_at, platform=platform,
                error=message, meta=entity_meta(member))


_URL = re.compile(r"https?://[^\s<>\"'`]+")
_URL_TAIL = ".,;:!?)]}'\"…"
_HASHTAG = re.compile(r"(?<![\w&/#])#(\w+)")
_MENTION = re.compile(r"(?<![\w@./])@([A-Za-z0-9_](?:[\w.]*\w)?)")


def text_urls(text: str) -> list[str]:
    """Links written in plain text (formats with no entity lists)."""
    return [m.group(0).rstrip(_URL_TAIL) for m in _URL.finditer(text)]


def text_hashtags(text: str) -> list[str]:
    return _HASHTAG.findall(_URL.sub(" ", text))


def text_mentions(text: str) -> list[str]:
    return _MENTION.findall(_URL.sub(" ", text))


def clean_lang(code: Any) -> str | None:
    """A language code, or None for X's pseudo-codes (und, zxx, qme, qht ...)."""
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


def member_base(member: str) -> str:
    return PurePosixPath(member).name.lower()


def side_files(source: Source, base: str) -> list[str]:
    """Members named ``base`` (lower case) in any folder, in listing order."""
    return [m for m in source.members if member_base(m) == base]
