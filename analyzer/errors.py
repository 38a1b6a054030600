"""Typed errors shared by the library and the command line (imported cheaply)."""

from __future__ import annotations

from typing import Sequence

__all__ = ["AnalyzerError", "CSV_FIELD_LIMIT", "ConcurrentRunError", "ModelError", "ReaderError", "TOO_DEEP", "TrainingDataError",
           "UsageError", "WorkerError"]

# the largest CSV field the readers accept (the csv module's own limit is 128 KiB)
CSV_FIELD_LIMIT = 2**31 - 1
TOO_DEEP = "JSON nested too deeply to read (hundreds of arrays or objects inside each other)"


class AnalyzerError(Exception):
    """Base of every error the library raises on purpose: the command line prints any of them
    as one line (exit 1); anything else is a bug and keeps its traceback."""


class ConcurrentRunError(AnalyzerError, RuntimeError):
    """Another run is working on the same job or output right now; the message says what to do."""


class ModelError(AnalyzerError):
    """A model directory that cannot be trusted or used; the message says why."""


class UsageError(AnalyzerError, ValueError):
    """A request that cannot be carried out as asked (an unknown format, a missing input, an
    option that does not fit the input); the command line prints it as one line. Other
    ValueErrors are bugs and keep their traceback."""


class TrainingDataError(AnalyzerError, ValueError):
    """Labelled data that cannot be trained on; ``rows`` names the offending posts."""

    def __init__(self, message: str, rows: Sequence[str] = ()):
        self.rows = list(rows)
        super().__init__(message)


class ReaderError(AnalyzerError):
    """An input that cannot be read; ``str()`` is one line naming file (and line). Defined here,
    not in readers, so that the platform export readers need not import the table readers."""

    def __init__(self, source: str, message: str, line: int | None = None):
        self.source, self.message, self.line = source, message, line
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # picklable, so it can cross process boundaries
        return type(self), (self.source, self.message, self.line)


class WorkerError(AnalyzerError):
    """A worker process of a parallel run died; the run stops instead of waiting for it."""
