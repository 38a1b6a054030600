"""Opening one input: a file or stdin, gunzipped when it is gzip, its format from the name or
the content, its text encoding settled, and its record iterator; low-level failures become
one ReaderError naming the input."""

from __future__ import annotations

import gzip
import io
import sys
import zlib
from pathlib import Path
from typing import IO, Iterator

from ..errors import ReaderError
from ..filetypes import sniff_file_type
from ..formats import PLATFORMS
from .decoding import HEAD, first_line, text_encoding
from .layout import ALIASES
from .records import RECORD_READERS, Record

__all__ = ["FORMATS", "close", "detect_format", "guard", "open_input", "open_records", "read_failure"]

FORMATS = ("csv", "tsv", "jsonl", "json", "parquet", "txt")
_SUFFIXES = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".json": "json", ".parquet": "parquet", ".pq": "parquet", ".txt": "txt", ".text": "txt",
}


def detect_format(name: str) -> str | None:
    """Format from a file name (``posts.csv.gz`` -> csv); None when the name says nothing."""
    suffixes = [s.lower() for s in Path(name).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return _SUFFIXES.get(suffixes[-1]) if suffixes else None


# -- opening -----------------------------------------------------------------

def open_input(source: str | Path, stdin: IO[bytes] | None) -> tuple[str, IO[bytes]]:
    if str(source) == "-":
        raw = stdin if stdin is not None else sys.stdin.buffer
        return "<stdin>", raw
    path = Path(source)
    name = str(path)
    if path.is_dir():
        raise ReaderError(name, "is a directory, expected a file")
    try:
        return name, open(path, "rb")
    except FileNotFoundError:
        raise ReaderError(name, "file not found") from None
    except PermissionError:
        raise ReaderError(name, "permission denied") from None
    except OSError as exc:
        raise ReaderError(name, f"cannot open ({exc.strerror})") from None


def _buffered(stream: IO[bytes]) -> IO[bytes]:
    if hasattr(stream, "peek"):
        return stream
    return io.BufferedReader(stream)  # type: ignore[arg-type]


def _maybe_gunzip(name: str, stream: IO[bytes]) -> IO[bytes]:
    if sniff_file_type(stream.peek(2)[:2]) == "gzip":  # type: ignore[attr-defined]
        return _buffered(gzip.GzipFile(fileobj=stream, mode="rb"))  # type: ignore[arg-type]
    return stream


def _sniff(head: bytes) -> str:
    if sniff_file_type(head) == "parquet":
        return "parquet"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return "jsonl"
    if text.startswith(b"["):
        return "json"
    first = first_line(text).decode("utf-8", "replace").strip().lower()
    for fmt, sep in (("tsv", "\t"), ("csv", ","), ("csv", ";")):
        cells = [c.strip().strip('"').strip() for c in first.split(sep)]
        if len(cells) > 1 and set(cells) & set(ALIASES["text"]):
            return fmt
    return "txt"


def open_records(source: str | Path, fmt: str | None, stdin: IO[bytes] | None, encoding: str | None = None):
    """(name, format, record iterator, raw stream) for one input; ``encoding`` as in read_posts."""
    if fmt is not None and fmt not in FORMATS:
        raise ReaderError(str(source), f"unknown format {fmt!r} (known: {', '.join((*FORMATS, *PLATFORMS))})")
    name, raw = open_input(source, stdin)
    try:
        stream = _maybe_gunzip(name, _buffered(raw))
        fmt = fmt or (detect_format(name) if name != "<stdin>" else None)
        try:
            head = stream.peek(HEAD)[:HEAD]  # type: ignore[attr-defined]
        except (EOFError, zlib.error, OSError) as exc:
            raise read_failure(name, exc) from None
        if fmt != "parquet" and not (fmt is None and sniff_file_type(head) == "parquet"):
            encoding = text_encoding(name, head, encoding)  # every text format, here only
        if fmt is None:
            head = stream.peek(65536)[:65536]  # type: ignore[attr-defined]
            if encoding is not None and encoding.startswith("utf-16"):
                head = head.decode(encoding, "replace").encode("utf-8")
            fmt = _sniff(head)
    except BaseException:
        close(raw, stdin)
        raise
    records = RECORD_READERS.get(fmt, RECORD_READERS["txt"])(name, stream, encoding)
    return name, fmt, guard(name, records), raw


def close(raw: IO[bytes], stdin: IO[bytes] | None) -> None:
    if raw is not stdin and raw is not getattr(sys.stdin, "buffer", None):
        raw.close()


def guard(name: str, records: Iterator[Record]) -> Iterator[Record]:
    """Turn low-level failures mid-stream (truncated gzip, I/O) into ReaderError."""
    try:
        yield from records
    except ReaderError:
        raise
    except (EOFError, zlib.error, OSError) as exc:
        raise read_failure(name, exc) from None
    except UnicodeError as exc:
        raise ReaderError(name, f"cannot decode text ({exc})") from None


def read_failure(name: str, exc: BaseException) -> ReaderError:
    """A truncated gzip stream or an I/O error as one line naming the input."""
    if isinstance(exc, (EOFError, zlib.error, gzip.BadGzipFile)):
        return ReaderError(name, f"truncated or corrupt compressed data ({exc})")
    return ReaderError(name, f"read error ({getattr(exc, 'strerror', None) or exc})")

