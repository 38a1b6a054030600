"""The content-analyzer command line: one module per command, each a little glue over one
library function (spaCy's ``cli/`` layout). Importing this registers every command on ``app``."""

from __future__ import annotations

import atexit
import os
import signal
import sys
import warnings
from contextlib import contextmanager
from typing import Annotated, Any, Iterator, NoReturn

import typer

from .. import __version__
from ..readers import ReaderWarning
from ._util import app, err, one_line

__all__ = ["app", "main"]


def _version(value: bool) -> None:
    if value:
        err.print(f"content-type-analyzer {__version__}")
        raise typer.Exit()


@contextmanager
def _reader_warnings() -> Iterator[None]:
    """Print what the readers warn about (repeated column names ...) on stderr, each once."""
    shown: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("always", ReaderWarning)
        previous = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            if not issubclass(category, ReaderWarning):
                return previous(message, category, filename, lineno, file, line)
            text = one_line(message)
            if text not in shown:
                shown.add(text)
                err.print(f"warning: {text}", markup=False)

        warnings.showwarning = show
        yield


@app.callback()
def main_callback(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Label social posts media or networking, explain why, audit a content mix.

    Exit codes: 0 success, 1 runtime error (bad input, untrusted model), 2 usage error.
    """
    ctx.with_resource(_reader_warnings())  # for as long as the command runs


# the commands, in the order --help lists them
from . import check, score, train, evaluate, label, learning_curve, report, info  # noqa: E402,F401

_MAIN_PID: int | None = None


def _stop_on_signal(signum: int, frame: Any) -> None:
    """SIGTERM / SIGHUP in the main process end the run as Ctrl-C does: temporary files
    removed, one line, exit 130. Forked workers die as they would without the handler."""
    if os.getpid() != _MAIN_PID:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise KeyboardInterrupt


def main() -> None:
    global _MAIN_PID
    _MAIN_PID = os.getpid()
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _stop_on_signal)
    try:
        app()
    except SystemExit as stop:
        _leave(stop.code)
    _leave(0)


def _leave(code: Any) -> NoReturn:
    """End the process once the command has returned, without tearing the interpreter down:
    freeing the spaCy vocabulary, the model and every module one object at a time took
    0.3-0.4 s of each run (measured 2026-12-07: a process that scored 4,000 posts spent
    0.32-0.43 s after its last line, 0.04-0.05 s this way). Every output file is closed by
    then; the exit handlers (multiprocessing, concurrent.futures) still run, and stdout
    and stderr are flushed (a reader that closed the pipe gives 120, as Python does)."""
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # a closed pipe, or a stream closed already
            code = code or 120
    os._exit(code)
