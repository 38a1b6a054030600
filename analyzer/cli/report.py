"""``content-analyzer report``: the audit of a content mix as one page, JSON or Markdown."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Literal, Optional

import typer

from ..files import check_overwrite, check_writable
from ._options import (AuthorCol, DateCol, DirectOpt, EncodingOpt, IdCol, InputFormat, LangCol, LangOpt,
                       LexiconOpt, ModelOpt, RepostsOpt, TextCol, columns)
from ._util import app, err, export_summary, load, progress, user_errors


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
    from ..audit_files import audit_sources
    from ..report import assemble_report, report_format, write_report

    read_options = {"fmt": input_format, "encoding": encoding, "include_reposts": include_reposts,
                    "columns": columns(text_col, id_col, author_col, date_col, lang_col),
                    "include_direct": include_direct, "export_stats": []}
    tmp = None
    try:
        with user_errors():
            report_format(output, fmt)
            if output != "-":
                check_overwrite(output, force)  # before the audit, which may take a while
                check_writable(output)
            model = load(model_dir, lang, lexicon)
            sources = list(inputs)
            if "-" in sources:
                tmp = _spool_stdin()
                sources = [tmp if s == "-" else s for s in sources]
            with progress("auditing") as advance:
                audit = audit_sources(sources, model, read_posts_kwargs=read_options, target_rule=rule,
                                      examples=examples, on_chunk=advance)
            stats = read_options["export_stats"]
            export_summary(stats)
            report = assemble_report(audit, meta=model.meta, pipeline=model.pipeline, model_path=model.path,
                                     inputs=list(inputs), warnings=[st.shortfall() for st in stats if st.shortfall()])
            used = write_report(report, output, fmt, force=force)
    finally:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
    o, st = report["overall"], report["status"]
    if output != "-":
        err.print(f"audited {report['rows']} rows: {o['media']} media ({o['media_share']:.0%}), "
                  f"{o['networking']} networking, {st['empty']} empty, {st['error']} error "
                  f"({o['uncertain']} uncertain) -> {output} ({used})", markup=False)


def _spool_stdin() -> str:
    """Standard input in a temporary file: the audit opens each input twice (scored file or posts?)."""
    fd, name = tempfile.mkstemp(prefix="content-analyzer-stdin-")
    with open(fd, "wb") as fh:
        shutil.copyfileobj(sys.stdin.buffer, fh)
    return name
