"""How a number is written in every report, table and card: one place, so the same
figure reads the same in the terminal, the model card and the audit report."""

from __future__ import annotations

from typing import Any

__all__ = ["MISSING", "fixed", "pct", "signed"]

MISSING = "–"  # a value the data does not have, in the audit report's tables


def pct(x: float | None, missing: str = MISSING) -> str:
    """A share as a whole percentage (0.125 -> "12%")."""
    return missing if x is None else f"{x:.0%}"


def signed(x: float | None, digits: int = 2, missing: str = MISSING) -> str:
    """A push toward networking (+) or media (-), sign always shown."""
    return missing if x is None else f"{x:+.{digits}f}"


def fixed(x: Any, digits: int = 3, missing: str = "") -> str:
    """A float with ``digits`` decimals (a metric); anything else as it is, None as ``missing``."""
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return missing if x is None else str(x)
