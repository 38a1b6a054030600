"""Files that ``score`` wrote, read back as rows the audit can count.

A scored file keeps its own labels, scores and explanations: nothing here runs
the model. Only the per-signal values may be missing (``score`` writes them with
``--features``); see :func:`fill_signal_values` for why they are then recomputed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from .posts import Post
from .filetypes import sniff_file_type
from .readers import detect_format
from .row_values import as_bool, as_float
from .signals import DIMENSIONS, SIGNAL_NAMES

__all__ = ["fill_signal_values", "is_scored", "is_table", "scored_row"]

_SCORED_KEYS = {"label", "p_networking", "status"}
_TABLE_FORMATS = (None, "csv", "tsv", "jsonl", "json", "parquet")


def scored_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """A row read back from a file ``score`` wrote, its cells typed as the scorer gives them."""
    row = dict(record)
    signals = row.get("signals")
    if isinstance(signals, str):
        try:
            row["signals"] = json.loads(signals) if signals else []
        except (json.JSONDecodeError, RecursionError):  # damaged or nested too deep: none
            row["signals"] = []
    row["is_reply"] = as_bool(row.get("is_reply"))
    for key in ("p_networking", "confidence", *DIMENSIONS, "words", *SIGNAL_NAMES):
        if key in row:
            row[key] = as_float(row[key])
    row["label"] = row.get("label") or None
    return row


def is_scored(record: Mapping[str, Any]) -> bool:
    return _SCORED_KEYS <= set(record)


def is_table(source: str) -> bool:
    """A regular file in a table format (not stdin, not a folder or a platform archive):
    only such a file can be one that ``score`` wrote."""
    path = Path(source)
    if source == "-" or not path.is_file():
        return False
    with open(path, "rb") as fh:
        head = fh.read(4)
    if sniff_file_type(head) in ("zip", "gzip") and detect_format(source) is None:
        return False
    return detect_format(source) in _TABLE_FORMATS


def fill_signal_values(rows: list[dict[str, Any]], featurizer: Any) -> None:
    """Add the per-signal values to the rows that lack them but have their text.

    This parses those posts again, because nothing else in such a row holds the
    values: its ``signals`` are only the top few contributions, and prevalence and
    posting behaviour need every signal of every post. Rows that carry the values
    (``score --features``) are left as read. The values come from the featurizer's
    own parse and do not depend on the model's weights, so the labels, scores and
    explanations the file holds stay the ones counted.
    """
    missing = [r for r in rows if not any(k in r for k in SIGNAL_NAMES) and r.get("text")]
    if not missing:
        return
    parsed = featurizer.parse([Post(id=str(r.get("id")), text=str(r["text"]), lang=r.get("lang"))
                               for r in missing])
    values = featurizer.signal_values(parsed)
    for r, v in zip(missing, values):
        r.update(zip(featurizer.signal_names_, map(float, v)))
