"""``content-analyzer evaluate``: a model's metrics on labelled posts."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Literal

import typer

from ..inputs import read_many
from ._options import EncodingOpt, InputFormat, LabelCol, LangCol, ModelOpt, TextCol, columns
from ._util import app, err, load, say, user_errors


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
    from ..model import evaluate
    from ..terminal import render_errors, render_metrics

    with user_errors():
        model = load(model_dir)
        posts = list(read_many(data, fmt=input_format, labels=True, encoding=encoding,
                               columns=columns(text_col, lang=lang_col, label=label_col)))
        result = evaluate(model.pipeline, posts, errors=errors, group_by=by)
    if fmt == "json":
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        return
    for w in result.get("warnings", []):
        say(f"warning: {w}")
    render_metrics(err, result, title=f"evaluation on {', '.join(data)}", group_title=by)
    if errors:
        render_errors(err, result.get("errors", []))
