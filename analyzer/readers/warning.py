"""The warning the readers give about inputs they read one way of several."""

from __future__ import annotations

import warnings

__all__ = ["ReaderWarning", "warn"]


class ReaderWarning(UserWarning):
    """Something in an input the reader resolved one way that the user should know about
    (repeated column names); ``str()`` is one line naming the file."""


def warn(name: str, message: str) -> None:
    warnings.warn(ReaderWarning(f"{name}: {message}"), stacklevel=3)
