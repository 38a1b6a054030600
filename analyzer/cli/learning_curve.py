"""``content-analyzer learning-curve``: what more of the user's labels would be worth."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..files import atomic_write, check_overwrite
from ..inputs import read_many
from ._options import AuthorCol, ForceOpt, InputFormat, LabelCol, LangCol, ModelOpt, TextCol, columns
from ._util import app, load, print_curve, progress, say, user_errors


@app.command("learning-curve")
def learning_curve_cli(
    labels: Annotated[list[str], typer.Argument(metavar="LABELS", help="Your labelled posts (labels.jsonl from label, or any file train reads).")],
    output: Annotated[str, typer.Option("--output", "-o", help="curve.png (a plot) or curve.json; - writes the JSON to stdout.")],
    model_dir: ModelOpt = None,
    base: Annotated[Optional[list[str]], typer.Option("--base", metavar="FILE", help="Labelled file(s) the labels are added to (default: the bundled corpus); repeatable.")] = None,
    folds: Annotated[int, typer.Option("--cv-folds", min=2, help="Cross-validation folds (grouped by author when known).")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Random seed for the folds.")] = 0,
    force: ForceOpt = False,
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
    from ..learning_curve import plot_curve
    from ..model import prepare_training_posts
    from ..training import curve_on_base

    suffix = Path(output).suffix.lower() if output != "-" else ".json"
    if suffix not in (".png", ".json"):
        raise typer.BadParameter(f"cannot tell the format from {output!r}: use .png or .json",
                                 param_hint="--output")
    with user_errors():
        if output != "-":
            check_overwrite(output, force)
        model = load(model_dir)
        posts, warnings = prepare_training_posts(read_many(
            labels, fmt=input_format, labels=True,
            columns=columns(text_col, author=author_col, lang=lang_col, label=label_col)))
        for w in warnings:
            say(f"warning: {w}")
        with progress("refitting"):
            curve = curve_on_base(model, posts, base, folds=folds, seed=seed, note=say)
        if suffix == ".json":
            text = json.dumps(curve, ensure_ascii=False)
            if output == "-":
                sys.stdout.write(text + "\n")
            else:
                atomic_write(output, text + "\n")
        else:
            plot_curve(curve, output)
    print_curve(curve, f" -> {output}" if output != "-" else "")

