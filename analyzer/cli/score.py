"""``content-analyzer score``: every post of one or more files into one output, in order."""

from __future__ import annotations

from typing import Annotated, Literal, Optional

import typer

from ._options import (AuthorCol, DateCol, DirectOpt, EncodingOpt, ForceOpt, IdCol, InputFormat, LangCol,
                       LangOpt, LexiconOpt, ModelOpt, RepostsOpt, TextCol, TopKOpt, columns)
from ._util import app, err, export_summary, fail, load, progress, say, user_errors


@app.command("score")
def score_cli(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT", help="Input files (CSV, TSV, JSONL, JSON, Parquet, TXT, optionally .gz) or - for stdin.")],
    output: Annotated[str, typer.Option("--output", "-o", help="Output file: .csv, .jsonl or .parquet; - writes JSON Lines to stdout.")],
    model_dir: ModelOpt = None,
    force: ForceOpt = False,
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
    from ..score_files import ScoreInterrupted, score_files

    if engine == "dask":
        if out_format not in (None, "parquet"):
            raise typer.BadParameter("--engine dask writes Parquet parts", param_hint="--format")
        if encoding is not None:
            raise typer.BadParameter("--engine dask reads UTF-8 / UTF-16 (with BOM) / cp1252 as detected; "
                                     "convert the file or use the local engine", param_hint="--encoding")
        if output == "-":
            raise typer.BadParameter("--engine dask writes a directory of Parquet parts, not stdout",
                                     param_hint="--output")
    try:
        with user_errors():
            model = load(model_dir, lang, lexicon)  # with the overrides (--lang, --lexicon) workers apply
            if resume and output == "-":
                raise typer.BadParameter("--resume needs an output file, not stdout", param_hint="--resume")
            with progress("scoring on dask" if engine == "dask" else "scoring") as advance:
                summary = score_files(
                    inputs, output, model, out_format=out_format, force=force, input_format=input_format,
                    encoding=encoding, columns=columns(text_col, id_col, author_col, date_col, lang_col),
                    include_reposts=include_reposts, include_direct=include_direct, features=features,
                    text=not no_text, top_k=top_k, chunk_size=chunk_size, workers=workers, engine=engine,
                    scheduler=scheduler, partition_rows=partition_rows, resume=resume,
                    escape_formulas=escape_formulas, on_chunk=advance, note=say)
    except ScoreInterrupted as exc:
        if exc.rows_done is not None:
            raise fail(f"interrupted after {exc.rows_done} rows; {output} not written yet: run the same "
                       "command (with --resume) to continue", 130) from None
        raise fail("interrupted; no output written", 130) from None
    c = summary.counts
    if summary.partitions is not None:
        err.print(f"scored {summary.rows} posts ({c['ok']} ok, {c['empty']} empty, "
                  f"{c['error']} error) in {summary.partitions} partitions -> {summary.output}")
        return
    export_summary(summary.export_stats)
    err.print(f"scored {summary.rows} posts ({c['ok']} ok, {c['empty']} empty, "
              f"{c['error']} error) -> {summary.output}")
