"""The content-analyzer command line: thin glue over the library.

Commands parse arguments, open streams, show progress and map typed errors to
exit codes (0 ok, 1 runtime error, 2 usage error). Machine output (JSON,
JSON Lines) and the human output of ``check`` (what was asked for) go to stdout;
progress, summaries and warnings go to stderr.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import shlex
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Iterator, Literal, Optional

import typer
from rich.console import Console

from . import __version__
from .errors import AnalyzerError, ModelError, UsageError
from .files import check_overwrite, check_writable
from .inputs import read_many
from .lexicons import read_user_lexicon
from .posts import Post, normalize_text
from .readers import Columns, ReaderWarning


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


def _stdout_console() -> Console:
    """A console on the current stdout (so ``> out.txt`` and ``| less`` get the output)."""
    out = Console(highlight=False, soft_wrap=True)
    if not out.is_terminal:
        out.width = 120
    return out

# every error raised on purpose (analyzer.errors.AnalyzerError) and OSError (the file system
# said no: read-only folder, disk full, ...) are one line, not a traceback; anything else,
# a plain ValueError included, is a bug and keeps its traceback
_USER_ERRORS = (AnalyzerError, OSError)


def _one_line(message: str) -> str:
    """``message`` on one line, control characters (NUL ...) shown as escapes, not written."""
    text = " ".join(str(message).split())
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a one-line error on stderr and return the Exit to raise."""
    sys.stderr.write("error: " + _one_line(message) + "\n")
    sys.stderr.flush()
    return typer.Exit(code=code)


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
            text = _one_line(message)
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


# -- shared options ---------------------------------------------------------------

ModelOpt = Annotated[Optional[Path], typer.Option(
    "--model", "-m", help="Model directory (default: $CONTENT_ANALYZER_MODEL, else the bundled model).",
    show_default=False)]
def _check_lang(value: str | None) -> str | None:
    """--lang: a supported language (en, es, it; en-US etc. accepted) or und; else exit 2."""
    if value is None:
        return None
    from .posts import normalize_lang
    from .nlp import UNDETERMINED, supported_languages

    code = normalize_lang(value)
    allowed = (*supported_languages(), UNDETERMINED)
    if code not in allowed:
        raise typer.BadParameter(f"{value!r} is not a supported language; use one of "
                                 f"{', '.join(allowed)} ({UNDETERMINED}: any other language)")
    return code


LangOpt = Annotated[Optional[str], typer.Option(
    "--lang", callback=_check_lang, help="Treat every post as this language instead of the lang column "
    "or identification: en, es, it, or und for any other language (cue words of all three).")]
LexiconOpt = Annotated[Optional[Path], typer.Option(
    "--lexicon", help="TOML file of extra cue words merged over the shipped lexicons "
    "(tables [en], [es], [it] of cue lists).", exists=False)]
TopKOpt = Annotated[int, typer.Option("--top-k", "-k", min=0, max=50,
                                      help="How many top contributing signals to show per post.")]
TextCol = Annotated[Optional[str], typer.Option("--text-col", help="Column holding the post text (default: text, full_text, content, message, post, caption, body).")]
IdCol = Annotated[Optional[str], typer.Option("--id-col", help="Column holding the post id (default: id, post_id, tweet_id ...).")]
AuthorCol = Annotated[Optional[str], typer.Option("--author-col", help="Column holding the author/account (default: author, user, username, screen_name ...).")]
DateCol = Annotated[Optional[str], typer.Option("--date-col", help="Column holding the timestamp (default: created_at, date, timestamp ...).")]
LangCol = Annotated[Optional[str], typer.Option("--lang-col", help="Column holding the language code (default: lang, language).")]
LabelCol = Annotated[Optional[str], typer.Option("--label-col", help="Column holding the label (default: label, class, category).")]
InputFormat = Annotated[Optional[str], typer.Option(
    "--input-format", help="Force the input format: csv, tsv, jsonl, json, parquet, txt, or a platform "
    "export: x, mastodon, linkedin, facebook, instagram, threads, bluesky (default: detected from "
    "the name and content).")]
def _check_encoding(value: str | None) -> str | None:
    if value is None:
        return None
    from .readers import check_encoding

    try:
        return check_encoding(value)
    except UsageError as exc:
        raise typer.BadParameter(str(exc)) from None


EncodingOpt = Annotated[Optional[str], typer.Option(
    "--encoding", callback=_check_encoding, help="Text encoding of CSV, TSV, JSON Lines, JSON and text "
    "inputs, e.g. utf-8, utf-16, cp1252, latin-1 (default: UTF-16 if the file starts with its BOM, "
    "else UTF-8, and rows that are not valid UTF-8 are read as cp1252 and flagged decoded_cp1252).")]
RepostsOpt = Annotated[bool, typer.Option(
    "--include-reposts", help="Keep reposts (retweets, boosts, bare reshares) from platform exports; "
    "they are not the account's own words, so they are skipped and counted by default.")]
DirectOpt = Annotated[bool, typer.Option(
    "--include-direct", help="Keep Mastodon direct messages (left out by default, for privacy).")]


def _columns(text: str | None, id_: str | None, author: str | None, date: str | None,
             lang: str | None, label: str | None = None) -> Columns:
    return Columns(text=text, id=id_, author=author, created_at=date, lang=lang, label=label)


def _load(model_dir: Path | None, lang: str | None = None, lexicon: Path | None = None):
    from .persistence import load_model

    model = load_model(model_dir)
    model.overrides = _overrides(model, lang, lexicon)
    if model.overrides:
        model.pipeline.named_steps["features"].set_params(**model.overrides)
    return model


def _overrides(model, lang: str | None, lexicon: Path | None) -> dict[str, Any]:
    """Featurizer parameters the user changed from the command line."""
    out: dict[str, Any] = {}
    if lang:
        out["lang"] = lang
    if lexicon:
        base = model.pipeline.named_steps["features"].extra_cues
        out["extra_cues"] = _merge_cues(base, read_user_lexicon(lexicon))
    return out


def _usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform tells it)."""
    import os

    if hasattr(os, "sched_getaffinity"):
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except OSError:
            pass
    return os.cpu_count() or 1


def _worker_count(requested: int | None, inputs: list[str]) -> int:
    """--workers as asked, but never more processes than cores (a note on stderr says so)."""
    if requested is None:
        return _default_workers(inputs)
    cores = _usable_cores()
    if requested > cores:
        err.print(f"note: --workers {requested} capped at {cores} core{'s' if cores != 1 else ''}",
                  markup=False)
        return cores
    return requested


def _default_workers(inputs: list[str]) -> int:
    """All cores for large inputs; one for small ones, where starting workers costs more."""
    cores = _usable_cores()
    try:
        size = sum(Path(i).stat().st_size for i in inputs if i != "-" and Path(i).is_file())
    except OSError:
        size = 0
    return cores if size >= 5_000_000 else 1


def _merge_cues(base: dict | None, extra: dict) -> dict:
    out = {lang: {k: list(v) for k, v in table.items()} for lang, table in (base or {}).items()}
    for lang, table in extra.items():
        for key, words in table.items():
            out.setdefault(lang, {}).setdefault(key, []).extend(words)
    return out


# -- check ------------------------------------------------------------------------

def _stdin_posts() -> Iterator[Post]:
    for n, line in enumerate(sys.stdin, 1):
        text, flags = normalize_text(line.rstrip("\r\n"))
        yield Post(id=str(n), text=text, flags=flags)


@app.command("check")
def check_cli(
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The post to check, or - to read posts from stdin (one per line).")],
    model_dir: ModelOpt = None,
    fmt: Annotated[Literal["table", "json"], typer.Option("--format", "-f", help="table (for people) or json (one object per post); both on stdout.")] = "table",
    top_k: TopKOpt = 5,
    lang: LangOpt = None,
    lexicon: LexiconOpt = None,
) -> None:
    """Label one post and show the signals behind the label.

    Prints the label, P(networking), the five dimension scores (positive =
    toward networking) and the top contributing signals.

    Example: content-analyzer check "Anyone tried the new trail shoes?" --format json
    """
    from .terminal import check_json, render_check

    try:
        model = _load(model_dir, lang, lexicon)
        if text == "-":
            posts = list(_stdin_posts())
        else:
            clean, flags = normalize_text(text)
            posts = [Post(id="1", text=clean, flags=flags)]
        preds = model.predict(posts, top_k=top_k)
    except _USER_ERRORS as exc:
        raise fail(str(exc)) from None
    if fmt == "json":
        for pred in preds:
            sys.stdout.write(json.dumps(check_json(pred), ensure_ascii=False) + "\n")
        sys.stdout.flush()
    else:
        out = _stdout_console()
        for pred in preds:
            render_check(out, pred)


# -- score ------------------------------------------------------------------------

@app.command("score")
def score_cli(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT", help="Input files (CSV, TSV, JSONL, JSON, Parquet, TXT, optionally .gz) or - for stdin.")],
    output: Annotated[str, typer.Option("--output", "-o", help="Output file: .csv, .jsonl or .parquet; - writes JSON Lines to stdout.")],
    model_dir: ModelOpt = None,
    force: Annotated[bool, typer.Option("--force", "-F", help="Overwrite the output file if it exists.")] = False,
    out_format: Annotated[Optional[Literal["csv", "jsonl", "parquet"]], typer.Option(
        "--format", "-f", "--output-format", help="Output format: csv, jsonl or parquet (default: from the "
        "output name; JSON Lines on stdout).")] = None,
    input_format: InputFormat = None,
    encoding: EncodingOpt = None,
    include_reposts: RepostsOpt = False,
    include_direct: DirectOpt = False,
    features: Annotated[bool, typer.Option("--features", help="Add one column per signal with its raw value.")] = False,
    no_text: Annotated[bool, typer.Option("--no-text", help="Leave the post text out of the output.")] = False,
    top_k: TopKOpt = 5,
    chunk_size: Annotated[int, typer.Option("--chunk-size", "-b", min=1, help="Posts scored per chunk (memory use grows with it).")] = 2000,
    workers: Annotated[Optional[int], typer.Option("--workers", "-n", min=1, help="Worker processes (default: all cores for inputs over 5 MB, else 1); output order is kept.")] = None,
    engine: Annotated[Literal["local", "dask"], typer.Option("--engine", help="local (this machine, streaming) or dask (a Dask cluster; OUTPUT is then a directory of Parquet parts).")] = "local",
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="With --engine dask: address of an existing scheduler (tcp://host:8786); default: start a local cluster.")] = None,
    partition_rows: Annotated[int, typer.Option("--partition-rows", min=1, help="With --engine dask: posts per partition.")] = 50_000,
    resume: Annotated[bool, typer.Option("--resume", help="Make the job resumable: finished chunks are kept beside the output, so after an interruption the same command (with --resume) continues from the last finished chunk.")] = False,
    escape_formulas: Annotated[bool, typer.Option("--escape-formulas/--no-escape-formulas", help="In CSV output, put a single quote before text cells starting with =, +, -, @, a tab or a CR, so spreadsheets show them instead of running them as formulas (OWASP); --no-escape-formulas writes them as they are.")] = True,
    lang: LangOpt = None,
    lexicon: LexiconOpt = None,
    text_col: TextCol = None,
    id_col: IdCol = None,
    author_col: AuthorCol = None,
    date_col: DateCol = None,
    lang_col: LangCol = None,
) -> None:
    """Score every post of one or more files: one output row per input row, in order.

    Columns: id, text, author, platform, created_at, is_reply, lang, label,
    p_networking, confidence, style, goals, content, effort, roi, words,
    signals, status (ok / empty / error), error, flags. Posts with no words but
    photos/videos are labelled by rule (flag no_text, no probability).

    Example: content-analyzer score data/sample/posts.csv -o scored.csv
    """
    from .scoring import ScoreJob, output_columns, score_encoded
    from .writers import open_writer, output_format

    columns = _columns(text_col, id_col, author_col, date_col, lang_col)
    if engine == "dask":
        if out_format not in (None, "parquet"):
            raise typer.BadParameter("--engine dask writes Parquet parts", param_hint="--format")
        if encoding is not None:
            raise typer.BadParameter("--engine dask reads UTF-8 / UTF-16 (with BOM) / cp1252 as detected; "
                                     "convert the file or use the local engine", param_hint="--encoding")
        return _score_dask(inputs, output, model_dir=model_dir, scheduler=scheduler, workers=workers,
                           partition_rows=partition_rows, columns=columns, fmt=input_format, top_k=top_k,
                           features=features, text=not no_text, force=force, lang=lang, lexicon=lexicon)
    try:
        model = _load(model_dir, lang, lexicon)
        featurizer = model.pipeline.named_steps["features"]
        names = output_columns(features, featurizer.signal_names_, text=not no_text)
        fmt = output_format(output, out_format)
        if resume and output == "-":
            raise typer.BadParameter("--resume needs an output file, not stdout", param_hint="--resume")
        writer = (_resumable(inputs, output, fmt, names, model, force, input_format=input_format,
                             columns=columns, reposts=include_reposts, direct=include_direct, top_k=top_k,
                             encoding=encoding,
                             features=features, text=not no_text, chunk_size=chunk_size,
                             escape_formulas=escape_formulas)
                  if resume else open_writer(output, names, fmt=fmt, force=force))
    except _USER_ERRORS as exc:
        raise fail(str(exc)) from None
    job = ScoreJob.for_model(model, top_k=top_k, features=features, text=not no_text, fmt=fmt, columns=names,
                             escape_formulas=escape_formulas)
    export_stats: list = []
    n_workers = _worker_count(workers, inputs)
    posts = read_many(inputs, fmt=input_format, columns=columns, include_reposts=include_reposts,
                      include_direct=include_direct, export_stats=export_stats, raw=n_workers > 1,
                      encoding=encoding)
    counts = {"ok": 0, "empty": 0, "error": 0}
    try:
        if resume:
            _score_resumable(writer, model, job, posts, n_workers, chunk_size)
            counts = writer.state["counts"]
        else:
            with writer, _progress("scoring") as advance:
                for n, payload, chunk_counts in score_encoded((model.pipeline, model.function_head), job, posts, workers=n_workers,
                                                              chunk_size=chunk_size):
                    writer.write_encoded(payload, n)
                    for k, v in chunk_counts.items():
                        counts[k] += v
                    advance(n)
    except _USER_ERRORS as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        if resume:
            raise fail(f"interrupted after {writer.rows_done} rows; {output} not written yet: run the same "
                       "command (with --resume) to continue", 130) from None
        raise fail("interrupted; no output written", 130) from None
    finally:
        if resume:
            writer.close()  # another run may take the job over now
    total = sum(counts.values())
    where = "stdout" if output == "-" else output
    _export_summary(export_stats)
    err.print(f"scored {total} posts ({counts['ok']} ok, {counts['empty']} empty, "
              f"{counts['error']} error) -> {where}")


def _resumable(inputs, output, fmt, names, model, force, **options):
    from .checkpoint import ResumableOutput, fingerprint

    options["columns"] = dataclasses.asdict(options["columns"])
    digest = fingerprint(inputs, {**options, "fmt": fmt, "names": names,
                                  "model": model.meta.get("model_sha256"), "overrides": model.overrides})
    return ResumableOutput(output, fmt, names, digest, force=force)


def _score_resumable(out, model, job, posts, workers: int, chunk_size: int) -> None:
    import itertools

    from .scoring import score_encoded

    if out.resumed:
        err.print(f"resuming after {out.rows_done} rows already scored", markup=False)
    posts = itertools.islice(posts, out.rows_done, None)
    with _progress("scoring") as advance:
        for n, payload, chunk_counts in score_encoded((model.pipeline, model.function_head), job, posts, workers=workers,
                                                      chunk_size=chunk_size):
            out.write_chunk(payload, n, chunk_counts)
            advance(n)
    out.commit()


def _score_dask(inputs, output, *, model_dir, scheduler, workers, lang, lexicon, **kwargs) -> None:
    from .dask_engine import DaskEngineError, score_dask

    if output == "-":
        raise typer.BadParameter("--engine dask writes a directory of Parquet parts, not stdout",
                                 param_hint="--output")
    try:
        model = _load(model_dir, lang, lexicon)  # the overrides (--lang, --lexicon) workers apply
        # a local cluster forks its workers here: no more of them than cores
        n_workers = _worker_count(workers, []) if workers and scheduler is None else workers or 2
        with _progress("scoring on dask"):
            result = score_dask(list(inputs), output, model_dir=model.path, scheduler=scheduler,
                                n_workers=n_workers, overrides=model.overrides, **kwargs)
    except (*_USER_ERRORS, DaskEngineError) as exc:
        raise fail(str(exc)) from None
    c = result.counts
    err.print(f"scored {result.rows} posts ({c.get('ok', 0)} ok, {c.get('empty', 0)} empty, "
              f"{c.get('error', 0)} error) in {result.partitions} partitions -> {result.output_dir}")


def _export_summary(stats: list) -> None:
    """One line per export read; warnings when far less was found than the export states;
    exit 1 (after the lines) when an export yielded no posts at all."""
    for st in stats:
        err.print(st.summary(), markup=False)
        if st.shortfall():
            err.print("warning: " + st.shortfall(), markup=False)
    empty = [st.nothing_read() for st in stats if st.nothing_read()]
    if empty:
        raise fail("; ".join(empty))


class _progress:
    """A rich progress line on stderr, only when stderr is a terminal."""

    def __init__(self, what: str):
        self.what = what
        self.progress = None

    def __enter__(self):
        if not err.is_terminal:
            return lambda n: None
        from rich.progress import (
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(SpinnerColumn(), TextColumn(self.what), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=err, transient=True)
        self.progress.__enter__()
        task = self.progress.add_task(self.what, total=None)
        return lambda n: self.progress.advance(task, n)

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.__exit__(*exc)
        return False


# -- train ------------------------------------------------------------------------

@app.command("train")
def train_cli(
    data: Annotated[list[str], typer.Argument(metavar="FILE", help="Labelled files (text + label; optional author, lang) or - for stdin.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model directory to write (model.skops, meta.json, README.md).")],
    add_default: Annotated[bool, typer.Option("--add-default", help="Train on the bundled corpus plus DATA.")] = False,
    force: Annotated[bool, typer.Option("--force", "-F", help="Overwrite an existing model directory.")] = False,
    folds: Annotated[int, typer.Option("--cv-folds", min=0, help="Cross-validation folds (grouped by author when known); 0 skips cross-validation.")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Random seed for the folds and the classifier.")] = 0,
    c: Annotated[Optional[float], typer.Option("--regularization", "-C", metavar="C", min=0.0, help="Inverse regularisation strength C of the logistic regression (default: the bundled model's).")] = None,
    c_alias: Annotated[Optional[float], typer.Option("--C", hidden=True, help="Old spelling of --regularization.")] = None,
    lexicon: LexiconOpt = None,
    heldout: Annotated[Optional[Path], typer.Option("--heldout-authors", help="File of authors (one per line) to hold out: metrics of a model trained without them, next to a baseline; the saved model still trains on everything.")] = None,
    eval_files: Annotated[Optional[list[str]], typer.Option("--eval", metavar="FILE", help="Labelled file never trained on (e.g. external data), scored by the saved model and by a baseline; repeatable.")] = None,
    report_label_issues: Annotated[bool, typer.Option("--report-label-issues", help="List the posts whose given label the cross-validated model strongly disagrees with (P(label) <= 0.1), to check by hand.")] = False,
    input_format: InputFormat = None,
    encoding: EncodingOpt = None,
    text_col: TextCol = None,
    label_col: LabelCol = None,
    author_col: AuthorCol = None,
    lang_col: LangCol = None,
) -> None:
    """Train a model on labelled posts and write a model directory.

    Labels are read case-insensitively; promotional/broadcast mean media,
    conversational means networking. Metrics come from cross-validation
    grouped by author when an author column exists.

    Example: content-analyzer train my_labels.csv --add-default -o models/mine
    """
    from .evaluation import read_author_list
    from .training import train_files

    try:
        extra = read_user_lexicon(lexicon) if lexicon else None
        held = read_author_list(heldout) if heldout else None
        result = train_files(
            data, output, add_default=add_default, force=force, n_splits=folds, random_state=seed,
            C=c if c is not None else c_alias, extra_cues=extra, fmt=input_format,
            columns=Columns(text=text_col, label=label_col, author=author_col, lang=lang_col),
            command=" ".join(["content-analyzer", "train", *map(shlex.quote, sys.argv[2:])]),
            progress=lambda msg: err.print(msg, markup=False),
            heldout_authors=held, eval_files=eval_files or (), encoding=encoding,
        )
    except _USER_ERRORS as exc:
        raise fail(str(exc)) from None
    for w in result.warnings:
        err.print(f"warning: {w}", markup=False)
    if report_label_issues:
        from .terminal import render_label_issues

        if result.cv_proba is None:
            raise fail("--report-label-issues needs cross-validation (--cv-folds 2 or more)")
        from .model import label_issues

        render_label_issues(err, label_issues(result.posts, result.cv_proba))
    from .terminal import render_metrics

    if result.cv:
        render_metrics(err, result.cv, title="cross-validated (grouped by author)"
                       if (result.cv_scheme or {}).get("grouped_by") else "cross-validated")
    from .persistence import read_meta

    meta = read_meta(output)
    if meta.get("cv_own_rows"):
        render_metrics(err, meta["cv_own_rows"], title="cross-validated, your own rows only (grouped by author)")
    for name, ev in (meta.get("evaluations") or {}).items():
        render_metrics(err, ev["report"], title=f"{name}: model")
        for bname, report in (ev.get("baselines") or {ev["baseline_name"]: ev["baseline"]}).items():
            render_metrics(err, report, title=f"{name}: baseline ({bname})")
    if add_default and folds >= 2:
        _train_curve(data, input_format, encoding, Columns(text=text_col, label=label_col, author=author_col,
                                                           lang=lang_col), folds, seed)
    err.print(f"model written to {output}")


CURVE_MIN_ROWS = 50  # fewer of the user's rows, and train --add-default shows no learning curve


def _train_curve(data, input_format, encoding, columns, folds: int, seed: int) -> None:
    """After train --add-default: how the bundled model does on the user's rows as more of
    them are added (the learning-curve command's numbers), when there are enough rows."""
    from .model import prepare_training_posts

    rows = list(read_many(data, fmt=input_format, labels=True, columns=columns, encoding=encoding))
    usable = [p for p in rows if p.label is not None and p.text.strip()]
    if len(usable) < CURVE_MIN_ROWS:
        err.print(f"learning curve: skipped ({len(usable)} of your rows; it needs {CURVE_MIN_ROWS})", markup=False)
        return
    try:
        posts, _ = prepare_training_posts(usable)
    except _USER_ERRORS as exc:
        err.print(f"learning curve: skipped ({exc})", markup=False)
        return
    err.print("learning curve on your rows (bundled model, then the bundled corpus plus your labels):",
              markup=False)
    try:
        _print_curve(_curve(_load(None), posts, None, folds, seed))
    except _USER_ERRORS as exc:
        err.print(f"learning curve: skipped ({exc})", markup=False)


# -- evaluate ---------------------------------------------------------------------

@app.command("evaluate")
def evaluate_cli(
    data: Annotated[list[str], typer.Argument(metavar="FILE", help="Labelled files (text + label) or - for stdin.")],
    model_dir: ModelOpt = None,
    fmt: Annotated[Literal["table", "json"], typer.Option("--format", "-f", help="table (stderr) or json (stdout).")] = "table",
    errors: Annotated[int, typer.Option("--errors", min=0, help="Show the N most confidently misclassified posts.")] = 0,
    by: Annotated[Literal["lang", "platform", "author"], typer.Option("--by", help="Group metrics by this field.")] = "lang",
    input_format: InputFormat = None,
    encoding: EncodingOpt = None,
    text_col: TextCol = None,
    label_col: LabelCol = None,
    lang_col: LangCol = None,
) -> None:
    """Measure a model on labelled posts: macro-F1, per-class precision/recall/F1, confusion matrix, per language.

    Example: content-analyzer evaluate ../shared/eval/dev/tweet_acts_en.jsonl --errors 10
    """
    from .model import evaluate

    try:
        model = _load(model_dir)
        posts = list(read_many(data, fmt=input_format, labels=True, encoding=encoding,
                               columns=Columns(text=text_col, label=label_col, lang=lang_col)))
        result = evaluate(model.pipeline, posts, errors=errors, group_by=by)
    except _USER_ERRORS as exc:
        raise fail(str(exc)) from None
    if fmt == "json":
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        return
    from .terminal import render_errors, render_metrics

    for w in result.get("warnings", []):
        err.print(f"warning: {w}", markup=False)
    render_metrics(err, result, title=f"evaluation on {', '.join(data)}", group_title=by)
    if errors:
        render_errors(err, result.get("errors", []))


# -- label ------------------------------------------------------------------------

_LABEL_KEYS = "[m] media  [n] networking  [s] skip  [u] undo  [q] quit"
_FUNCTION_KEYS = "[i] information  [a] action  [c] community  [m]/[n] label only  [s] [u] [q]"


def _read_key(tty: bool) -> str | None:
    """One key: a keypress on a terminal, else one line of stdin; None at the end of input."""
    if tty:
        import click

        try:
            return click.getchar().lower()
        except EOFError:
            return None
    line = sys.stdin.readline()
    return None if line == "" else line.strip().lower()


def _base_posts(base: list[str] | None) -> list[Post]:
    from .model import prepare_training_posts
    from .training import bundled_corpus_files

    sources = list(base) if base else [str(f) for f in bundled_corpus_files()]
    if not sources:
        raise UsageError("the bundled corpus is not available in this installation; give --base FILE")
    return prepare_training_posts(read_many(sources, labels=True))[0]


def _base_data(model, base: list[str] | None):
    from .adaptation import BaseData

    featurizer = model.pipeline.named_steps["features"]
    C = (model.meta.get("params") or {}).get("C") or model.pipeline.named_steps["clf"].C
    posts = _base_posts(base)
    err.print(f"base corpus: {len(posts)} labelled posts", markup=False)
    return BaseData.build(featurizer, posts, C=C, calibration=model.meta.get("calibration"))


@app.command("label")
def label_cli(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT", help="Posts to label: tables (CSV, TSV, JSONL, JSON, Parquet, TXT) or platform exports, like score reads.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Labels file (JSON Lines), appended one line per label; run the same command again to continue.")],
    model_dir: ModelOpt = None,
    function: Annotated[bool, typer.Option("--function", help="Also ask the function: keys i (information), a (action), c (community).")] = False,
    refit_every: Annotated[int, typer.Option("--refit-every", min=1, help="Refit the model in the background every N labels, so the next posts are chosen with what was just learnt.")] = 20,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed, inputs and answers give the same order.")] = 0,
    base: Annotated[Optional[list[str]], typer.Option("--base", metavar="FILE", help="Labelled file(s) to refit on with your labels (default: the bundled corpus); repeatable.")] = None,
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=0, max=5, help="How many top signals to show per post.")] = 3,
    input_format: InputFormat = None,
    include_reposts: RepostsOpt = False,
    include_direct: DirectOpt = False,
    text_col: TextCol = None,
    id_col: IdCol = None,
    author_col: AuthorCol = None,
    date_col: DateCol = None,
    lang_col: LangCol = None,
) -> None:
    """Label posts one at a time, the most informative first, with the model's suggestion.

    Keys: m media, n networking, s skip, u undo, q quit (with --function also
    i information, a action, c community). When stdin is not a terminal, keys
    are read one per line from it. Labels feed train --add-default and evaluate.

    Example: content-analyzer label posts.csv -o labels.jsonl
    """
    from .explain import predict_posts
    from .adaptation import Scorer
    from .labelfile import LabelFile
    from .labeling import LabelSession
    from .model import _as_array
    from .terminal import render_label_screen

    if str(output) == "-":
        raise typer.BadParameter("labels are appended to a file, not stdout", param_hint="--output")
    tty = sys.stdin.isatty()
    try:
        if output.is_dir():
            raise IsADirectoryError(f"{output}: is a directory")
        labels = LabelFile(output)
        if labels.dropped_partial:
            err.print(f"warning: {output}: dropped a last line cut short", markup=False)
        model = _load(model_dir)
        featurizer = model.pipeline.named_steps["features"]
        columns = _columns(text_col, id_col, author_col, date_col, lang_col)
        export_stats: list = []
        read = list(read_many(inputs, fmt=input_format, columns=columns, include_reposts=include_reposts,
                              include_direct=include_direct, export_stats=export_stats))
        _export_summary(export_stats)
        posts = [p for p in read if p.status == "ok" and not p.by_rule]
        left = collections.Counter(p.status if p.status != "ok" else "media only (labelled by rule)"
                                   for p in read if p.status != "ok" or p.by_rule)
        if left:
            err.print("left out " + ", ".join(f"{n} {k}" for k, n in sorted(left.items())), markup=False)
        if not posts:
            raise fail("no post to label in the inputs")
        data = _base_data(model, base)
        X = featurizer.transform(_as_array(posts))
        if labels.records:
            err.print(f"resuming: {len(labels.records)} labels in {output}; refitting on them", markup=False)
        session = LabelSession(posts, X, data, labels, Scorer.from_pipeline(model.pipeline),
                               refit_every=refit_every, seed=seed,
                               transform=lambda ps: featurizer.transform(_as_array(ps)))
    except _USER_ERRORS as exc:
        raise fail(str(exc)) from None
    valid = {"m", "n", "s", "u", "q", *(("i", "a", "c") if function else ())}
    keys = _FUNCTION_KEYS if function else _LABEL_KEYS
    message = ""
    pipelines: dict[int, Any] = {}
    try:
        while (shown := session.current()) is not None:
            scorer = session.scorer
            if id(scorer) not in pipelines:
                pipelines = {id(scorer): scorer.pipeline(featurizer)}
            [pred] = predict_posts(pipelines[id(scorer)], [shown.post], top_k=top_k,
                                   function_head=model.function_head)
            status = (f"{len(labels.records)} labelled ({session.session_labels} now) · "
                      f"{session.remaining} left · refits {session.refits}")
            if tty and err.is_terminal:
                err.clear()
            render_label_screen(err, pred, key=shown.key, status=status, keys=keys, message=message)
            message = ""
            key = _read_key(tty)
            if key is None or key == "q":
                break
            if key not in valid:
                message = f"unknown key {key!r}: " + " ".join(sorted(valid))
            elif key == "s":
                session.skip()
            elif key == "u":
                undone = session.undo()
                message = ("nothing to undo in this session" if undone is None
                           else f"undone: {undone[0]} of {session.keys[undone[1]]}")
            elif key in ("i", "a", "c"):
                session.answer("", function={"i": "information", "a": "action", "c": "community"}[key])
            else:
                session.answer({"m": "media", "n": "networking"}[key])
        else:
            err.print("every post is labelled or skipped", markup=False)
    except KeyboardInterrupt:
        session.close()
        raise fail(f"interrupted; {len(labels.records)} labels saved in {output}", 130) from None
    except _USER_ERRORS as exc:
        session.close()
        raise fail(str(exc)) from None
    session.close()
    err.print(f"{session.session_labels} labelled in this session, {len(labels.records)} in {output}; "
              f"{session.remaining} left. Next: content-analyzer train {output} --add-default -o models/mine",
              markup=False)


# -- learning-curve ---------------------------------------------------------------

@app.command("learning-curve")
def learning_curve_cli(
    labels: Annotated[list[str], typer.Argument(metavar="LABELS", help="Your labelled posts (labels.jsonl from label, or any file train reads).")],
    output: Annotated[str, typer.Option("--output", "-o", help="curve.png (a plot) or curve.json; - writes the JSON to stdout.")],
    model_dir: ModelOpt = None,
    base: Annotated[Optional[list[str]], typer.Option("--base", metavar="FILE", help="Labelled file(s) the labels are added to (default: the bundled corpus); repeatable.")] = None,
    folds: Annotated[int, typer.Option("--cv-folds", min=2, help="Cross-validation folds (grouped by author when known).")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Random seed for the folds.")] = 0,
    force: Annotated[bool, typer.Option("--force", "-F", help="Overwrite the output file if it exists.")] = False,
    input_format: InputFormat = None,
    text_col: TextCol = None,
    label_col: LabelCol = None,
    author_col: AuthorCol = None,
    lang_col: LangCol = None,
) -> None:
    """Macro-F1 on your labels after 0, 25, 50, 100, 200 ... of them join the bundled corpus.

    Each of your posts is predicted by a model that did not see it (folds
    grouped by author when known); 0 is the model alone.

    Example: content-analyzer learning-curve labels.jsonl -o curve.png
    """
    from .learning_curve import plot_curve
    from .model import prepare_training_posts

    suffix = Path(output).suffix.lower() if output != "-" else ".json"
    if suffix not in (".png", ".json"):
        raise typer.BadParameter(f"cannot tell the format from {output!r}: use .png or .json",
                                 param_hint="--output")
    try:
        if output != "-":
            check_overwrite(output, force)
        model = _load(model_dir)
        posts, warnings = prepare_training_posts(read_many(
            labels, fmt=input_format, labels=True,
            columns=Columns(text=text_col, label=label_col, author=author_col, lang=lang_col)))
        for w in warnings:
            err.print(f"warning: {w}", markup=False)
        curve = _curve(model, posts, base, folds, seed)
        if suffix == ".json":
            text = json.dumps(curve, ensure_ascii=False)
            if output == "-":
                sys.stdout.write(text + "\n")
            else:
                from .files import atomic_write

                atomic_write(output, text + "\n")
        else:
            plot_curve(curve, output)
    except _USER_ERRORS as exc:
        raise fail(str(exc)) from None
    _print_curve(curve, f" -> {output}" if output != "-" else "")


def _curve(model, posts, base, folds: int, seed: int) -> dict:
    """The learning curve of ``posts`` added to the base corpus, against ``model`` alone."""
    from .adaptation import Scorer
    from .learning_curve import learning_curve
    from .model import _as_array

    featurizer = model.pipeline.named_steps["features"]
    data = _base_data(model, base)
    with _progress("refitting"):
        return learning_curve(posts, featurizer.transform(_as_array(posts)), data,
                              Scorer.from_pipeline(model.pipeline), n_splits=folds, seed=seed)


def _print_curve(curve: dict, tail: str = "") -> None:
    for n, f1 in zip(curve["n_labels"], curve["macro_f1"]):
        err.print(f"{n:>6} labels  macro-F1 {f1:.3f}" + ("  (the model alone)" if n == 0 else ""), markup=False)
    scheme = curve["cv"]
    err.print(f"{curve['n_posts']} labels, {scheme['n_splits']} folds"
              + (f" grouped by {scheme['grouped_by']}" if scheme.get("grouped_by") else "") + tail, markup=False)


# -- report -----------------------------------------------------------------------

@app.command("report")
def report_cli(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT", help="Raw posts (any input score reads) or files written by score; - for stdin.")],
    output: Annotated[str, typer.Option("--output", "-o", help="Report file: .html (one self-contained page), .json or .md; - writes JSON to stdout.")],
    model_dir: ModelOpt = None,
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="html, json or md (default: from the output name).")] = None,
    rule: Annotated[Literal["80/20", "4-1-1"], typer.Option("--rule", help="Content-mix target to rank accounts against.")] = "80/20",
    examples: Annotated[int, typer.Option("--examples", min=0, max=50, help="Example posts per group (most confident media, networking, borderline).")] = 5,
    force: Annotated[bool, typer.Option("--force", "-F", help="Overwrite the report file if it exists.")] = False,
    input_format: InputFormat = None,
    encoding: EncodingOpt = None,
    include_reposts: RepostsOpt = False,
    include_direct: DirectOpt = False,
    lang: LangOpt = None,
    lexicon: LexiconOpt = None,
    text_col: TextCol = None,
    id_col: IdCol = None,
    author_col: AuthorCol = None,
    date_col: DateCol = None,
    lang_col: LangCol = None,
) -> None:
    """Audit a content mix: share of media vs networking overall and per account, month, platform, language.

    Also: dimension profile, signal prevalence, posting behaviour, example
    posts, suggestions and the model card. Sections that need a column the
    input lacks (author, date, platform) are left out with the reason.

    Example: content-analyzer report data/sample/posts.csv -o report.html
    """
    from .audit_files import audit_sources
    from .report import assemble_report, report_format, write_report

    columns = _columns(text_col, id_col, author_col, date_col, lang_col)
    tmp = None
    try:
        report_format(output, fmt)
        if output != "-":
            check_overwrite(output, force)  # before the audit, which may take a while
            check_writable(output)
        model = _load(model_dir, lang, lexicon)
        sources = list(inputs)
        if "-" in sources:
            tmp = _spool_stdin()
            sources = [tmp if s == "-" else s for s in sources]
        with _progress("auditing") as advance:
            export_stats: list = []
            audit = audit_sources(sources, model, read_posts_kwargs={
                "fmt": input_format, "encoding": encoding, "columns": columns, "include_reposts": include_reposts,
                "include_direct": include_direct, "export_stats": export_stats},
                target_rule=rule, examples=examples, on_chunk=advance)
        _export_summary(export_stats)
        report = assemble_report(audit, meta=model.meta, pipeline=model.pipeline, model_path=model.path,
                                 inputs=list(inputs),
                                 warnings=[st.shortfall() for st in export_stats if st.shortfall()])
        used = write_report(report, output, fmt, force=force)
    except _USER_ERRORS as exc:
        raise fail(str(exc)) from None
    finally:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
    o, st = report["overall"], report["status"]
    if output != "-":
        err.print(f"audited {report['rows']} rows: {o['media']} media ({o['media_share']:.0%}), "
                  f"{o['networking']} networking, {st['empty']} empty, {st['error']} error "
                  f"({o['uncertain']} uncertain) -> {output} ({used})", markup=False)


def _spool_stdin() -> str:
    import shutil
    import tempfile

    fd, name = tempfile.mkstemp(prefix="content-analyzer-stdin-")
    with open(fd, "wb") as fh:
        shutil.copyfileobj(sys.stdin.buffer, fh)
    return name


# -- info -------------------------------------------------------------------------

@app.command("info")
def info_cli(
    model_dir: Annotated[Optional[Path], typer.Argument(help="Model directory (default: $CONTENT_ANALYZER_MODEL, else the bundled model).", show_default=False)] = None,
    signals: Annotated[bool, typer.Option("--signals", help="List every signal with its dimension and description.")] = False,
    fmt: Annotated[Literal["table", "json"], typer.Option("--format", "-f", help="table (stderr) or json (stdout).")] = "table",
) -> None:
    """Summarise a model (its card) or list the signal catalogue.

    Example: content-analyzer info --signals
    """
    from .persistence import default_model_dir, read_meta
    from .terminal import info_json, render_info, render_signals

    if signals:
        if fmt == "json":
            sys.stdout.write(json.dumps(info_json(None, signals=True), ensure_ascii=False) + "\n")
        else:
            render_signals(err)
        return
    path = model_dir or default_model_dir()
    try:
        meta = read_meta(path)
    except _USER_ERRORS as exc:
        raise fail(str(exc)) from None
    insights = None
    try:
        from .persistence import load_model
        from .report import model_insights

        insights = model_insights(load_model(path).pipeline)
    except ModelError as exc:
        err.print(f"warning: weights not shown: {exc}", markup=False)
    if fmt == "json":
        sys.stdout.write(json.dumps({**info_json(meta), "insights": insights}, ensure_ascii=False) + "\n")
    else:
        render_info(err, meta, path, insights)


def _stop_on_signal(signum: int, frame: Any) -> None:
    """SIGTERM / SIGHUP in the main process end the run as Ctrl-C does: temporary files
    removed, one line, exit 130. Forked workers die as they would without the handler."""
    import os
    import signal

    if os.getpid() != _MAIN_PID:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise KeyboardInterrupt


_MAIN_PID: int | None = None


def main() -> None:
    import os
    import signal

    global _MAIN_PID
    _MAIN_PID = os.getpid()
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _stop_on_signal)
    app()
