"""What a file is from its first bytes, for the table readers, the export readers and the audit.

Below both readers, so they share it without knowing each other: names lie (a ``.json.gz``
is not a tar, a renamed zip is not a CSV), magic bytes do not.
"""

from __future__ import annotations

__all__ = ["sniff_file_type"]

# first bytes of files that are never text: images, PDF, ELF, bzip2, xz, SQLite
_BINARY = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"\x7fELF", b"BZh", b"\xfd7zXZ",
           b"SQLite format")


def sniff_file_type(head: bytes) -> str | None:
    """``zip``, ``gzip``, ``parquet``, ``tar``, ``binary`` (another non-text format), or None
    (maybe text) from a file's first bytes (512 are enough to see a tar)."""
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):  # a zip, or an empty one
        return "zip"
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[257:263] in (b"ustar\x00", b"ustar "):  # POSIX and GNU tar headers
        return "tar"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(_BINARY):
        return "binary"
    return None
