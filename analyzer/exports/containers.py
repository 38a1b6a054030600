"""Export containers: a .zip, a .tar(.gz), an unpacked folder or a single posts file.

``open_source`` hides the difference behind member names (POSIX paths relative to the
container), so each platform module is written once. Errors name the container and the
member the way users can find them: ``twitter.zip!data/tweets.js:12: invalid JSON (...)``.
Damaged zips (cut downloads) are scanned member by member so what is whole still reads.
"""

from __future__ import annotations

import io
import mmap
import os
import struct
import tarfile
import zipfile
import zlib
from abc import ABC, abstractmethod
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import IO, Iterable, Iterator

from ..errors import ReaderError
from ..filetypes import sniff_file_type

__all__ = [
    "DamagedArchive",
    "FileSource",
    "Source",
    "member_base",
    "open_source",
    "scan_zip",
    "side_files",
    "text_reader",
]


# Limits on what one member may unpack to. Real exports compress about 5-10:1 (JSON text);
# a member that inflates more than MAX_RATIO times, once past RATIO_FLOOR, is a zip bomb,
# as is any member past MAX_MEMBER_BYTES (the largest real tweets.js files are ~1 GB).
MAX_MEMBER_BYTES = 4 * 2**30
MAX_RATIO = 100
RATIO_FLOOR = 64 * 2**20


def check_member_size(where: str, size: int, packed: int | None) -> None:
    """Refuse a member that would unpack to more than the limits allow (before reading it)."""
    if size > MAX_MEMBER_BYTES:
        raise ReaderError(where, f"unpacks to {size:,} bytes, more than the {MAX_MEMBER_BYTES:,} a "
                          "posts file may have; refusing to read it")
    if packed is not None and size > RATIO_FLOOR and size > MAX_RATIO * max(packed, 1):
        raise ReaderError(where, f"compressed {size // max(packed, 1):,}:1 ({packed:,} bytes "
                          f"unpack to {size:,}), far beyond any real export (a zip bomb?); "
                          "refusing to read it")


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
        info = self._zip.getinfo(member)
        check_member_size(self.where(member), info.file_size, info.compress_size)
        return self._zip.open(info)  # reads stop at the stated size (and check its CRC)

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
            raise DamagedArchive(where, f"archive is truncated or corrupt ({exc})",
                           members=read) from None
        self._infos = {_clean_tar_name(i.name): i for i in infos if i.isfile()}

    def _list(self) -> list[str]:
        return [n for n in self._infos if not _junk(n)]

    def _open(self, member: str) -> IO[bytes]:
        check_member_size(self.where(member), self._infos[member].size, None)
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


class FileSource(Source):
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
        kind = sniff_file_type(head)
        if kind == "zip":
            return "zip"
        if kind == "gzip":
            fh.seek(0)
            try:
                block = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(fh.read(4096), 512)
            except zlib.error:
                return "file"
        else:
            block = head
    return "tar" if sniff_file_type(block) == "tar" else "file"


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
    return FileSource(path)


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


class DamagedArchive(ReaderError):
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
        return DamagedArchive(f"{path}!{cut}", "archive is truncated: the file ends inside this "
                                         "member (incomplete download?)", members=names)
    if names:
        return DamagedArchive(f"{path}!{names[-1]}", "archive is truncated or corrupt after this "
                                               f"member: its directory is missing ({exc})",
                        members=names)
    return ReaderError(str(path), f"not a readable zip archive ({exc})")


# -- text members --------------------------------------------------------------

def text_reader(fh: IO[bytes]) -> IO[str]:
    """UTF-8 text of a binary member (a BOM is dropped); invalid bytes raise."""
    return io.TextIOWrapper(fh, encoding="utf-8-sig", errors="strict", newline="")


def member_base(member: str) -> str:
    return PurePosixPath(member).name.lower()


def side_files(source: Source, base: str) -> list[str]:
    """Members named ``base`` (lower case) in any folder, in listing order."""
    return [m for m in source.members if member_base(m) == base]
