"""``content-analyzer train``: a model directory from labelled files, with its metrics."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..inputs import read_many
from ..lexicons import read_user_lexicon
from ._options import AuthorCol, EncodingOpt, InputFormat, LabelCol, LangCol, LexiconOpt, TextCol, columns
from ..errors import AnalyzerError
from ._util import app, err, fail, load, print_curve, progress, say, user_errors


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
    from ..evaluation import read_author_list
    from ..model import label_issues
    from ..terminal import render_label_issues, render_metrics
    from ..training import train_files

    cols = columns(text_col, author=author_col, lang=lang_col, label=label_col)
    with user_errors():
        result = train_files(
            data, output, add_default=add_default, force=force, n_splits=folds, random_state=seed,
            C=c if c is not None else c_alias, extra_cues=read_user_lexicon(lexicon) if lexicon else None,
            fmt=input_format, columns=cols,
            command=" ".join(["content-analyzer", "train", *map(shlex.quote, sys.argv[2:])]), progress=say,
            heldout_authors=read_author_list(heldout) if heldout else None, eval_files=eval_files or (),
            encoding=encoding)
    for w in result.warnings:
        say(f"warning: {w}")
    if report_label_issues:
        if result.cv_proba is None:
            raise fail("--report-label-issues needs cross-validation (--cv-folds 2 or more)")
        render_label_issues(err, label_issues(result.posts, result.cv_proba))
    if result.cv:
        render_metrics(err, result.cv, title="cross-validated (grouped by author)"
                       if (result.cv_scheme or {}).get("grouped_by") else "cross-validated")
    if result.cv_own_rows:
        render_metrics(err, result.cv_own_rows, title="cross-validated, your own rows only (grouped by author)")
    for name, ev in result.evaluations.items():
        render_metrics(err, ev["report"], title=f"{name}: model")
        for bname, report in (ev.get("baselines") or {ev["baseline_name"]: ev["baseline"]}).items():
            render_metrics(err, report, title=f"{name}: baseline ({bname})")
    if add_default and folds >= 2:
        _train_curve(data, input_format, encoding, cols, folds, seed)
    err.print(f"model written to {output}")


CURVE_MIN_ROWS = 50  # fewer of the user's rows, and train --add-default shows no learning curve


def _train_curve(data, input_format, encoding, cols, folds: int, seed: int) -> None:
    """After train --add-default: how the bundled model does on the user's rows as more of
    them are added (the learning-curve command's numbers), when there are enough rows."""
    from ..model import prepare_training_posts
    from ..training import curve_on_base

    rows = list(read_many(data, fmt=input_format, labels=True, columns=cols, encoding=encoding))
    usable = [p for p in rows if p.label is not None and p.text.strip()]
    if len(usable) < CURVE_MIN_ROWS:
        say(f"learning curve: skipped ({len(usable)} of your rows; it needs {CURVE_MIN_ROWS})")
        return
    try:
        posts, _ = prepare_training_posts(usable)
        say("learning curve on your rows (bundled model, then the bundled corpus plus your labels):")
        with progress("refitting"):
            curve = curve_on_base(load(None), posts, None, folds=folds, seed=seed, note=say)
        print_curve(curve)
    except (AnalyzerError, OSError) as exc:
        say(f"learning curve: skipped ({exc})")
