"""Read posts from tables and text: CSV, TSV, JSON Lines, JSON arrays, Parquet, plain text, stdin.

Data flows opening (``opening``: file, gzip, format) -> lines (``decoding``) -> records
(``records``: one iterator per format) -> fields (``layout``: which column is which) ->
raw rows (``rows``: ``RawRow``, ids from ``ids``) -> Posts; ``reading`` runs that over an
input, whole or (``partitions``) one byte range of it. The names below are the API.
"""

from __future__ import annotations

from ..errors import TOO_DEEP, ReaderError
from ..filetypes import sniff_file_type
from .decoding import DECODED_CP1252, check_encoding, sniff_utf16
from .layout import ALIASES, Columns
from .opening import FORMATS, detect_format
from .partitions import FileIndex, Partition, index_file, plan_partitions
from .reading import iter_records, read_posts, read_records
from .records import RECORD_READERS
from .rows import RawRow, materialize, post_from_fields
from .warning import ReaderWarning

__all__ = [
    "ALIASES",
    "Columns",
    "DECODED_CP1252",
    "FORMATS",
    "FileIndex",
    "Partition",
    "RECORD_READERS",
    "RawRow",
    "ReaderError",
    "ReaderWarning",
    "TOO_DEEP",
    "check_encoding",
    "detect_format",
    "index_file",
    "iter_records",
    "materialize",
    "plan_partitions",
    "post_from_fields",
    "read_posts",
    "read_records",
    "sniff_file_type",
    "sniff_utf16",
]
