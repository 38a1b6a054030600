"""``content-analyzer label``: posts one at a time, the most informative first, into a labels file."""

from __future__ import annotations

import collections
import sys
from contextlib import closing
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..inputs import read_many
from ._options import AuthorCol, DateCol, DirectOpt, IdCol, InputFormat, LangCol, ModelOpt, RepostsOpt, TextCol, columns
from ._util import app, err, export_summary, fail, load, say, user_errors

_LABEL_KEYS = "[m] media  [n] networking  [s] skip  [u] undo  [q] quit"
_FUNCTION_KEYS = "[i] information  [a] action  [c] community  [m]/[n] label only  [s] [u] [q]"
_FUNCTIONS = {"i": "information", "a": "action", "c": "community"}


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
    from ..adaptation import Scorer
    from ..labelfile import LabelFile
    from ..labeling import LabelSession
    from ..model import posts_array
    from ..training import base_data

    if str(output) == "-":
        raise typer.BadParameter("labels are appended to a file, not stdout", param_hint="--output")
    with user_errors():
        if output.is_dir():
            raise IsADirectoryError(f"{output}: is a directory")
        labels = LabelFile(output)
        if labels.dropped_partial:
            say(f"warning: {output}: dropped a last line cut short")
        model = load(model_dir)
        featurizer = model.pipeline.named_steps["features"]
        export_stats: list = []
        read = list(read_many(inputs, fmt=input_format, columns=columns(text_col, id_col, author_col, date_col, lang_col),
                              include_reposts=include_reposts, include_direct=include_direct, export_stats=export_stats))
        export_summary(export_stats)
        posts = [p for p in read if p.status == "ok" and not p.by_rule]
        left = collections.Counter(p.status if p.status != "ok" else "media only (labelled by rule)"
                                   for p in read if p.status != "ok" or p.by_rule)
        if left:
            say("left out " + ", ".join(f"{n} {k}" for k, n in sorted(left.items())))
        if not posts:
            raise fail("no post to label in the inputs")
        data = base_data(model, base, note=say)
        X = featurizer.transform(posts_array(posts))
        if labels.records:
            say(f"resuming: {len(labels.records)} labels in {output}; refitting on them")
        session = LabelSession(posts, X, data, labels, Scorer.from_pipeline(model.pipeline),
                               refit_every=refit_every, seed=seed,
                               transform=lambda ps: featurizer.transform(posts_array(ps)))
    try:
        with user_errors(), closing(session):
            _ask(session, model, labels, function=function, top_k=top_k)
    except KeyboardInterrupt:
        raise fail(f"interrupted; {len(labels.records)} labels saved in {output}", 130) from None
    say(f"{session.session_labels} labelled in this session, {len(labels.records)} in {output}; "
        f"{session.remaining} left. Next: content-analyzer train {output} --add-default -o models/mine")


def _ask(session, model, labels, *, function: bool, top_k: int) -> None:
    """Show the next post and apply the key pressed, until the last post or q."""
    from ..explain import predict_posts
    from ..terminal import render_label_screen

    tty = sys.stdin.isatty()
    featurizer = model.pipeline.named_steps["features"]
    valid = {"m", "n", "s", "u", "q", *(_FUNCTIONS if function else ())}
    keys = _FUNCTION_KEYS if function else _LABEL_KEYS
    message = ""
    pipelines: dict[int, Any] = {}
    while (shown := session.current()) is not None:
        scorer = session.scorer
        if id(scorer) not in pipelines:
            pipelines = {id(scorer): scorer.pipeline(featurizer)}
        [pred] = predict_posts(pipelines[id(scorer)], [shown.post], top_k=top_k, function_head=model.function_head)
        status = (f"{len(labels.records)} labelled ({session.session_labels} now) · "
                  f"{session.remaining} left · refits {session.refits}")
        if tty and err.is_terminal:
            err.clear()
        render_label_screen(err, pred, key=shown.key, status=status, keys=keys, message=message)
        message = ""
        key = _read_key(tty)
        if key is None or key == "q":
            return
        if key not in valid:
            message = f"unknown key {key!r}: " + " ".join(sorted(valid))
        elif key == "s":
            session.skip()
        elif key == "u":
            undone = session.undo()
            message = ("nothing to undo in this session" if undone is None
                       else f"undone: {undone[0]} of {session.keys[undone[1]]}")
        elif key in _FUNCTIONS:
            session.answer("", function=_FUNCTIONS[key])
        else:
            session.answer({"m": "media", "n": "networking"}[key])
    say("every post is labelled or skipped")


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
