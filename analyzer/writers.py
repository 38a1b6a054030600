"""Write scored rows as CSV, JSON Lines or Parquet, atomically.

Rows go to a temporary file beside the destination, renamed into place only
when the whole job succeeded: an interrupted or failed run never leaves a
partial file where the user expects a result.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Any, Iterable, Mapping, Sequence

from .errors import UsageError
from .files import OutputExistsError, check_overwrite, check_writable, format_from_name, publish, share_mode

__all__ = ["OUTPUT_FORMATS", "OutputExistsError", "RowWriter", "json_text", "neutralise_formula", "output_format", "open_writer"]

OUTPUT_FORMATS = ("csv", "jsonl", "parquet")
_BY_SUFFIX = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
              ".parquet": "parquet", ".pq": "parquet"}


_FLOAT_COLUMNS = frozenset(["p_networking", "confidence", "style", "goals", "content", "effort", "roi", "words",
                            "intercept"])


def output_format(dest: str, fmt: str | None = None) -> str:
    return format_from_name(dest, fmt, OUTPUT_FORMATS, _BY_SUFFIX, stdout="jsonl", what="output",
                            hint="use a .csv, .jsonl or .parquet name")


# cells a spreadsheet would read as a formula (OWASP "CSV injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: str) -> str:
    """``value`` with a single quote in front if it starts like a formula (OWASP)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


# json.dumps(..., ensure_ascii=False) builds a new encoder per call; one is enough
_JSON = json.JSONEncoder(ensure_ascii=False)
_JSON_LINE = json.JSONEncoder(ensure_ascii=False, default=str)


def json_text(value: Any) -> str:
    """A list, dict or string as the JSON text of a CSV cell (``signals``, ``p_function``)."""
    return _JSON.encode(value)


def _cell(value: Any, escape_formulas: bool = True) -> Any:
    if isinstance(value, (list, dict, tuple)):  # signals, p_function: JSON text
        return _JSON.encode(value)
    if escape_formulas and isinstance(value, str):
        return neutralise_formula(value)
    return value


def _csv_flags(value: Any) -> str:
    """The ``flags`` list in a CSV cell: its names joined by commas ("" for none)."""
    if isinstance(value, (list, tuple)):
        return ",".join(value)
    return value or ""


def _csv_column(values: list[Any], escape_formulas: bool) -> list[Any]:
    """One column's cells; numbers and None (most cells) pass through untouched."""
    return [v if v is None or type(v) is float or type(v) is int else _cell(v, escape_formulas) for v in values]


def arrow_schema(columns: Sequence[str]):
    """Arrow schema: fixed types for known columns, so every batch (even one with
    no scored post) and every partition agree."""
    import pyarrow as pa

    contribution = pa.struct([("name", pa.string()), ("dimension", pa.string()),
                              ("value", pa.float64()), ("contribution", pa.float64()),
                              ("text", pa.string())])
    out = []
    for c in columns:
        if c == "signals":
            out.append((c, pa.list_(contribution)))
        elif c == "p_function":
            out.append((c, pa.struct([(f, pa.float64()) for f in ("information", "action", "community")])))
        elif c == "flags":
            out.append((c, pa.list_(pa.string())))
        elif c == "is_reply":
            out.append((c, pa.bool_()))
        elif c in _FLOAT_COLUMNS or "__" in c:
            out.append((c, pa.float64()))
        else:
            out.append((c, pa.string()))
    return pa.schema(out)


def encode_rows(fmt: str, columns: Sequence[str], rows: list[Mapping[str, Any]], *,
                escape_formulas: bool = True) -> Any:
    """Rows (dicts) in their on-disk form; see ``encode_columns``."""
    return encode_columns(fmt, columns, {c: [r.get(c) for r in rows] for c in columns}, len(rows),
                          escape_formulas=escape_formulas)


def column_rows(table: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    """Columns (one list per column) as one dict per row."""
    names = list(table)
    return [dict(zip(names, values)) for values in zip(*table.values())]


def encode_columns(fmt: str, columns: Sequence[str], table: Mapping[str, list[Any]], n_rows: int | None = None, *,
                   escape_formulas: bool = True) -> Any:
    """Rows given as columns (``table``: one list per column; a column it lacks is empty)
    in their on-disk form: CSV or JSON Lines text, or an Arrow table.

    A pure function, so scoring workers can encode their own chunks and the
    writing process only appends. In CSV, text cells starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a CR get a leading single quote unless
    ``escape_formulas`` is false, so a spreadsheet shows them instead of running
    them; numbers (``-0.5``) are left as they are. ``flags`` is a list in JSON Lines and
    Parquet and its names joined by commas in CSV (``truncated,invalid_utf8``, empty for none).
    """
    if n_rows is None:
        n_rows = len(next(iter(table.values()))) if table else 0
    none = [None] * n_rows
    cols = [table.get(c, none) for c in columns]
    if fmt == "jsonl":
        encode = _JSON_LINE.encode
        return "".join([encode(row) + "\n" for row in column_rows(dict(zip(columns, cols)))])
    if fmt == "csv":
        buf = io.StringIO()
        cells = [[_csv_flags(v) for v in values] if c == "flags" else _csv_column(values, escape_formulas)
                 for c, values in zip(columns, cols)]
        csv.writer(buf).writerows(zip(*cells))
        return buf.getvalue()
    import pyarrow as pa

    return pa.Table.from_pydict(dict(zip(columns, cols)), schema=arrow_schema(columns))


class RowWriter:
    """Accepts batches of dict rows with a fixed column order; commit() publishes the file."""

    def __init__(self, dest: str, fmt: str, columns: Sequence[str], *, force: bool = False,
                 stdout: IO[str] | None = None):
        self.dest, self.fmt, self.columns = dest, fmt, list(columns)
        self.rows = 0
        self._force = force
        self._made: list[Path] = []
        self._tmp: Path | None = None
        self._parquet = None
        if dest == "-":
            if fmt != "jsonl":
                raise UsageError("only JSON Lines can be written to stdout")
            self._fh: IO[str] = stdout or sys.stdout
            return
        path = Path(dest)
        check_overwrite(path, force)
        check_writable(path)
        self._made = _missing_dirs(path.parent)  # removed again if the run fails
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        self._tmp = Path(tmp)
        if fmt == "parquet":
            os.close(fd)
            self._fh = None  # type: ignore[assignment]
        else:
            self._fh = io.open(fd, "w", encoding="utf-8", newline="")
            if fmt == "csv":
                csv.writer(self._fh).writerow(self.columns)

    def write(self, rows: Iterable[Mapping[str, Any]]) -> None:
        rows = list(rows)
        if rows:
            self.write_encoded(encode_rows(self.fmt, self.columns, rows), len(rows))

    def write_encoded(self, payload: Any, n_rows: int) -> None:
        """Write rows already encoded by ``encode_rows`` (possibly in another process)."""
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            if self._parquet is None:
                self._parquet = pq.ParquetWriter(str(self._tmp), payload.schema)
            self._parquet.write_table(payload)
        else:
            self._fh.write(payload)
            if self.dest == "-":
                self._fh.flush()
        self.rows += n_rows

    def commit(self) -> None:
        if self.dest == "-":
            self._fh.flush()
            return
        if self.fmt == "parquet":
            if self._parquet is None:
                import pyarrow as pa
                import pyarrow.parquet as pq

                pq.write_table(pa.Table.from_pylist([], schema=arrow_schema(self.columns)), str(self._tmp))
            else:
                self._parquet.close()
        else:
            self._fh.close()
        share_mode(self._tmp)  # type: ignore[arg-type]
        tmp, self._tmp = self._tmp, None
        publish(tmp, self.dest, replace=self._force)  # type: ignore[arg-type]

    def abort(self) -> None:
        if self._tmp is None:
            return
        try:
            if self._parquet is not None:
                self._parquet.close()
            elif self._fh is not None:
                self._fh.close()
        finally:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None
            for folder in self._made:  # deepest first; a folder something else wrote to stays
                try:
                    folder.rmdir()
                except OSError:
                    break

    def __enter__(self) -> "RowWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def _missing_dirs(folder: Path) -> list[Path]:
    """The folders a ``mkdir(parents=True)`` of ``folder`` would create, deepest first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def open_writer(dest: str, columns: Sequence[str], *, fmt: str | None = None,
                force: bool = False, stdout: IO[str] | None = None) -> RowWriter:
    return RowWriter(dest, output_format(dest, fmt), columns, force=force, stdout=stdout)
