"""Bytes to text lines: UTF-8 with a cp1252 fallback per line, UTF-16 by BOM or by its NULs,
line ends of every era, and the refusal of binary files fed in as text."""

from __future__ import annotations

import codecs
import io
import re
from typing import IO, Iterator

from ..errors import ReaderError, UsageError
from ..filetypes import sniff_file_type
from .warning import warn

__all__ = ["DECODED_CP1252", "HEAD", "Lines", "check_encoding", "check_not_binary", "first_line",
           "sniff_utf16", "text_encoding"]

_LONE_CR = re.compile(rb"(?<=\r)(?!\n)")  # after a CR that is not part of CRLF
_LINE_END = re.compile(rb"\r\n|\r|\n")


def first_line(data: bytes) -> bytes:
    """The first line of ``data``, ending at LF, CRLF or a lone CR (old Mac files)."""
    return _LINE_END.split(data, 1)[0]


def split_cr(raw: bytes) -> list[bytes]:
    """One LF-terminated chunk as lines, a lone CR ending a line as LF and CRLF do
    (terminators kept, so the CSV parser still sees CRs inside quoted fields)."""
    if b"\r" not in raw or (raw.endswith(b"\r\n") and raw.count(b"\r") == 1):
        return [raw]
    return [piece for piece in _LONE_CR.split(raw) if piece]


# the flag of a row that was not valid UTF-8 and was read as Windows-1252 (Latin-1) instead
DECODED_CP1252 = "decoded_cp1252"


def check_encoding(encoding: str | None) -> str | None:
    """The codec's canonical name (``latin1`` -> ``iso8859-1``); ValueError for unknown names."""
    if encoding is None:
        return None
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise UsageError(f"unknown encoding {encoding!r} (e.g. utf-8, utf-16, cp1252, latin-1)") from None


class Lines:
    """Decoded lines of a byte stream; remembers which lines needed a fallback.

    With no ``encoding``: UTF-16 when the stream starts with its byte-order mark, else
    UTF-8 (BOM skipped), line by line; a line that is not valid UTF-8 is read as
    Windows-1252 (the usual legacy encoding of Spanish and Italian spreadsheets, a superset
    of Latin-1's printable characters) and remembered in ``fallback``, never turned into
    replacement characters. With an ``encoding``, lines are decoded with it; bytes it cannot
    decode become U+FFFD and the line is remembered in ``bad``.
    """

    def __init__(self, stream: IO[bytes], encoding: str | None = None):
        self.stream = stream
        self.encoding = check_encoding(encoding)
        self.bad: set[int] = set()
        self.fallback: set[int] = set()
        self.count = 0

    def flags(self, line: int) -> tuple[str, ...]:
        """The decoding flags of one line."""
        if line in self.fallback:
            return (DECODED_CP1252,)
        return ("invalid_utf8" if self.encoding in (None, "utf-8") else "invalid_encoding",) \
            if line in self.bad else ()

    def __iter__(self) -> Iterator[str]:
        head = self.stream.peek(4)[:4]  # type: ignore[attr-defined]
        wide = self.encoding is not None and self.encoding.startswith(("utf-16", "utf-32"))
        if wide or (self.encoding is None and head[:2] in (b"\xff\xfe", b"\xfe\xff")):
            # UTF-16 with BOM, as spreadsheet "Unicode text" exports are
            text = io.TextIOWrapper(self.stream, encoding=self.encoding or "utf-16", errors="replace",
                                    newline="")
            for line in text:
                self.count += 1
                yield line
            return
        codec = self.encoding or "utf-8"
        for chunk in self.stream:
            for raw in split_cr(chunk):
                self.count += 1
                if self.count == 1 and codec == "utf-8" and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                try:
                    yield raw.decode(codec)
                except UnicodeDecodeError:
                    if self.encoding is None:
                        self.fallback.add(self.count)
                        # the five bytes cp1252 leaves undefined are C1 controls in Latin-1
                        yield raw.decode("cp1252", "strict") if _cp1252_ok(raw) else raw.decode("latin-1")
                    else:
                        self.bad.add(self.count)
                        yield raw.decode(codec, "replace")


def _cp1252_ok(raw: bytes) -> bool:
    return not any(b in raw for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"))


HEAD = 8192  # bytes of a text input looked at before any row is read


def sniff_utf16(head: bytes) -> str | None:
    """``utf-16-le`` / ``utf-16-be`` for text written as UTF-16 without a byte-order mark
    (NUL bytes at every other position of the first KB, and it decodes as readable text);
    None otherwise."""
    head = head[:1024]
    head = head[:len(head) - len(head) % 2]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    half = len(head) // 2
    for codec, high, low in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if high.count(0) >= 0.7 * half and low.count(0) <= 0.1 * half:
            try:
                text = head.decode(codec)
            except UnicodeDecodeError:  # a lone surrogate: cut at the end of the head, or not text
                text = head[:-2].decode(codec, "replace")
            controls = sum(1 for c in text if c < " " and c not in "\t\r\n") + text.count("\ufffd")
            if controls <= 0.05 * len(text):
                return codec
    return None


def text_encoding(name: str, head: bytes, encoding: str | None) -> str | None:
    """The encoding to read a text input with: the one given, or UTF-16 detected without
    its BOM (a warning says so); refuses binary input (``check_not_binary``)."""
    encoding = check_encoding(encoding)  # canonical: utf_16LE -> utf-16-le
    utf16 = sniff_utf16(head) if head[:2] not in (b"\xff\xfe", b"\xfe\xff") else None
    if utf16 is not None and encoding in (None, "utf-16"):  # utf-16 alone needs a BOM for its order
        if encoding is None:
            warn(name, f"no byte-order mark, but NUL bytes at every other position: read as "
                        f"{utf16.upper()} (give --encoding to read it otherwise)")
        return utf16
    if utf16 is not None and not encoding.startswith("utf-16"):
        raise ReaderError(name, f"looks like {utf16.upper()} text without a byte-order mark, not "
                                f"{encoding}; use --encoding {utf16}")
    check_not_binary(name, head, encoding)
    return encoding


def check_not_binary(name: str, head: bytes, encoding: str | None = None) -> None:
    """Refuse images, archives, zero-filled and other binary files fed in as text, from
    their first bytes (``head``), before they become rows or are read whole."""
    head = head[:HEAD]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or (encoding or "").lower().replace("_", "-").startswith(
            ("utf-16", "utf16", "utf-32", "utf32")):
        return
    kind = sniff_file_type(head)
    if kind == "zip":
        raise ReaderError(name, "is a zip archive with no platform export in it (or a damaged one); "
                                "unzip it and give the posts file")
    if kind in ("parquet", "binary"):
        raise ReaderError(name, "looks binary, not text (an image, archive or database)")
    nul = head.count(0)
    # short files with odd bytes are text in a legacy encoding, flagged per row; NULs are not
    if nul * 10 > len(head) and (len(head) >= 512 or nul * 2 > len(head)):
        raise ReaderError(name, "looks binary, not text (NUL bytes in its first few KB); "
                                "if it is text, give its --encoding")
    if len(head) >= 512:
        decoded = head.decode("utf-8", "replace")
        if decoded.count("\ufffd") > 0.3 * len(decoded):
            raise ReaderError(name, "looks binary, not text (mostly bytes that are not UTF-8)")

