"""Cell values of scored rows as the formats give them back (CSV strings, JSON or Parquet values).

The audit counts rows straight from the scorer and rows read back from a file
alike, so both read their cells through these three functions.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["as_bool", "as_float", "as_flags"]


def as_float(value: Any) -> float | None:
    """A number, or None for an empty, unreadable or NaN cell (which counts as no value)."""
    if value is None or value == "":
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def as_bool(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes")


def as_flags(value: Any) -> list[str]:
    """The flags of a row: a comma-separated string (CSV, JSON Lines, Parquet) or a list."""
    if isinstance(value, str):
        return [f.strip() for f in value.split(",")]
    if isinstance(value, (list, tuple)):
        return [str(f) for f in value]
    return []
