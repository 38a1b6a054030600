"""``content-analyzer info``: a model's card, or the signal catalogue."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Literal, Optional

import typer

from ..errors import ModelError
from ._util import app, err, say, user_errors


@app.command("info")
def info_cli(
    model_dir: Annotated[Optional[Path], typer.Argument(help="Model directory (default: $CONTENT_ANALYZER_MODEL, else the bundled model).", show_default=False)] = None,
    signals: Annotated[bool, typer.Option("--signals", help="List every signal with its dimension and description.")] = False,
    fmt: Annotated[Literal["table", "json"], typer.Option("--format", "-f", help="table (stderr) or json (stdout).")] = "table",
) -> None:
    """Summarise a model (its card) or list the signal catalogue.

    Example: content-analyzer info --signals
    """
    from ..persistence import default_model_dir, load_model, read_meta
    from ..terminal import info_json, render_info, render_signals

    if signals:
        if fmt == "json":
            sys.stdout.write(json.dumps(info_json(None, signals=True), ensure_ascii=False) + "\n")
        else:
            render_signals(err)
        return
    from ..report import model_insights

    path = model_dir or default_model_dir()
    with user_errors():
        meta = read_meta(path)
    insights = None
    try:
        insights = model_insights(load_model(path).pipeline)
    except ModelError as exc:
        say(f"warning: weights not shown: {exc}")
    if fmt == "json":
        sys.stdout.write(json.dumps({**info_json(meta), "insights": insights}, ensure_ascii=False) + "\n")
    else:
        render_info(err, meta, path, insights)
