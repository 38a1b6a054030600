"""``content-analyzer check``: one post (or one per line of stdin), its label and why."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Iterator, Literal

import typer

from ..posts import Post, normalize_text
from ._options import LangOpt, LexiconOpt, ModelOpt, TopKOpt
from ._util import app, load, stdout_console, user_errors


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
    from ..terminal import check_json, render_check

    with user_errors():
        model = load(model_dir, lang, lexicon)
        preds = model.predict(_stdin_posts() if text == "-" else [text], top_k=top_k)
    if fmt == "json":
        for pred in preds:
            sys.stdout.write(json.dumps(check_json(pred), ensure_ascii=False) + "\n")
        sys.stdout.flush()
    else:
        out = stdout_console()
        for pred in preds:
            render_check(out, pred)
