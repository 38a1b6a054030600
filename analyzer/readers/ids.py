"""Row ids: a row's own id, else its number, never equal to an id the file holds; and the
look-ahead over records that settling a layout and finding those ids need."""

from __future__ import annotations

import itertools
from collections import deque
from typing import Any, Iterable, Iterator, Mapping

from .layout import Layout, lookup
from .records import Record
from .rows import as_str

__all__ = ["Pending", "RowIds", "collect_ids", "default_id", "real_id"]

def default_id(prefix: str | None, n: int | str) -> str:
    return f"{prefix}:{n}" if prefix else str(n)


def real_id(record: Any, cols: Mapping[str, str | None]) -> str | None:
    """A row's own id, as the post will carry it (None: blank, NaN or missing)."""
    key = cols.get("id")
    return as_str(lookup(record, key)) if key and isinstance(record, Mapping) else None


class RowIds:
    """Default ids. Without an id column a row's id is its number (``7``). With one, a row
    whose id is blank, NaN or missing gets ``row-7``, or ``row-7-2``, ``row-7-3`` ... when
    the file holds that id already: never equal to an id of the file.

    ``taken`` returns the file's ids that look like generated ones; it is called once,
    at the first blank id, so files without blank ids are read once.
    """

    def __init__(self, prefix: str | None, taken: Any, has_id_column: bool = False):
        self.prefix, self._taken, self.has_id_column = prefix, taken, has_id_column
        self.seen: set[str] = set()  # ids like generated ones met so far

    def __call__(self, n: int, record: Any, cols: Mapping[str, str | None]) -> str:
        if not self.has_id_column:
            return default_id(self.prefix, n)
        real = real_id(record, cols)
        if real is not None:
            if "row-" in real:
                self.seen.add(real)
            return real
        if callable(self._taken):
            self._taken = set(self._taken()) | self.seen
        return _generated_id(self.prefix, n, self._taken)


def _generated_id(prefix: str | None, n: int, taken: set[str] | frozenset[str]) -> str:
    base = f"row-{n}"
    candidate, k = default_id(prefix, base), 1
    while candidate in taken:
        k += 1
        candidate = default_id(prefix, f"{base}-{k}")
    return candidate


class Pending:
    """A record iterator whose remaining records can be read ahead (stdin can be read once)."""

    def __init__(self, records: Iterator[Record]):
        self.records: Iterator[Record] = records
        self.ahead: deque[Record] | None = None

    def __iter__(self) -> "Pending":
        return self

    def __next__(self) -> Record:
        if self.ahead:
            return self.ahead.popleft()
        return next(self.records)

    def peek(self, k: int) -> Iterable[Record]:
        """The next ``k`` records (fewer at the end), still to be yielded."""
        if self.ahead is None:
            self.ahead = deque()
        while len(self.ahead) < k:
            record = next(self.records, None)
            if record is None:
                break
            self.ahead.append(record)
        return itertools.islice(self.ahead, k)

    def rest(self) -> Iterable[Record]:
        """The records not yet yielded (they are still yielded after)."""
        if self.ahead is None:
            self.ahead = deque()
        self.ahead.extend(self.records)
        return self.ahead



def collect_ids(records: Iterable[Record], layout: Layout | None) -> set[str]:
    taken: set[str] = set()
    if layout is None:
        return taken
    for _, record, _, _ in records:
        real = real_id(record, layout.row(record)[0])
        if real is not None and "row-" in real:
            taken.add(real)
    return taken

