"""What every command shares: the app, the consoles, one-line errors, progress (the option
aliases are in ``_options``).

Machine output (JSON, JSON Lines) and the human output of ``check`` go to stdout;
progress, summaries and warnings go to stderr. Exit codes: 0 ok, 1 runtime
error, 2 usage error.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import typer
from rich.console import Console

from ..errors import AnalyzerError


def _plain_argument_help() -> None:
    """Typer 0.29 writes a required argument as ``{TEXT}`` in the usage line and its Python type
    (``<list[str]>``) beside it in the help; show arguments the way click and most tools do
    (``TEXT``, ``[MODEL]``, ``FILE...``), the help text saying what they hold."""
    argument = getattr(typer.core, "TyperArgument", None)
    if argument is None or not hasattr(argument, "_usage_display_name"):
        return

    def usage_name(self) -> str:
        name = self.display_name_raw.upper()
        name = name if self.required else f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")

    argument._usage_display_name = usage_name
    argument._rich_display_name = lambda self: self.display_name_raw.upper() + ("..." if self.nargs != 1 else "")
    argument.display_type_rich = lambda self, ctx: None


_plain_argument_help()

app = typer.Typer(
    name="content-analyzer",
    help="Tell broadcast (media) social posts from conversational (networking) ones, "
    "and explain why, signal by signal.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
if not err.is_terminal:
    err.width = 120


def stdout_console() -> Console:
    """A console on the current stdout (so ``> out.txt`` and ``| less`` get the output)."""
    out = Console(highlight=False, soft_wrap=True)
    if not out.is_terminal:
        out.width = 120
    return out


def say(message: str) -> None:
    err.print(message, markup=False)


def one_line(message: str) -> str:
    """``message`` on one line, control characters (NUL ...) shown as escapes, not written."""
    text = " ".join(str(message).split())
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a one-line error on stderr and return the Exit to raise."""
    sys.stderr.write("error: " + one_line(message) + "\n")
    sys.stderr.flush()
    return typer.Exit(code=code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Every error raised on purpose (AnalyzerError) and OSError (the file system said no:
    read-only folder, disk full ...) as one line and exit 1; anything else, a plain
    ValueError included, is a bug and keeps its traceback."""
    try:
        yield
    except (AnalyzerError, OSError) as exc:
        raise fail(str(exc)) from None


def load(model_dir: Path | None, lang: str | None = None, lexicon: Path | None = None):
    from ..persistence import load_model  # scikit-learn: not for --help

    return load_model(model_dir).with_overrides(lang=lang, lexicon=lexicon)


def export_summary(stats: list) -> None:
    """One line per export read; warnings when far less was found than the export states;
    exit 1 (after the lines) when an export yielded no posts at all."""
    for st in stats:
        say(st.summary())
        if st.shortfall():
            say("warning: " + st.shortfall())
    empty = [st.nothing_read() for st in stats if st.nothing_read()]
    if empty:
        raise fail("; ".join(empty))


def print_curve(curve: dict, tail: str = "") -> None:
    for n, f1 in zip(curve["n_labels"], curve["macro_f1"]):
        say(f"{n:>6} labels  macro-F1 {f1:.3f}" + ("  (the model alone)" if n == 0 else ""))
    scheme = curve["cv"]
    say(f"{curve['n_posts']} labels, {scheme['n_splits']} folds"
        + (f" grouped by {scheme['grouped_by']}" if scheme.get("grouped_by") else "") + tail)


class progress:
    """A rich progress line on stderr, only when stderr is a terminal."""

    def __init__(self, what: str):
        self.what = what
        self.progress = None

    def __enter__(self):
        if not err.is_terminal:
            return lambda n: None
        from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(SpinnerColumn(), TextColumn(self.what), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=err, transient=True)
        self.progress.__enter__()
        task = self.progress.add_task(self.what, total=None)
        return lambda n: self.progress.advance(task, n)

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.__exit__(*exc)
        return False
