"""Typed errors shared by the library and the command line (imported cheaply)."""

from __future__ import annotations

from typing import Sequence

__all__ = ["ConcurrentRunError", "ModelError", "TrainingDataError", "UsageError"]


class ConcurrentRunError(RuntimeError):
    """Another run is working on the same job or output right now; the message says what to do."""


class ModelError(Exception):
    """A model directory that cannot be trusted or used; the message says why."""


class UsageError(ValueError):
    """A request that cannot be carried out as asked (an unknown format, a missing input, an
    option that does not fit the input); the command line prints it as one line. Other
    ValueErrors are bugs and keep their traceback."""


class TrainingDataError(ValueError):
    """Labelled data that cannot be trained on; ``rows`` names the offending posts."""

    def __init__(self, message: str, rows: Sequence[str] = ()):
        self.rows = list(rows)
        super().__init__(message)
