"""Terminal renderings (rich) and the JSON shapes of check and info.

Formatting only: every number comes from a Prediction, a metrics dict or a
model's meta.json; nothing here computes a score.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, Mapping, Sequence

from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .card import metrics_rows
from .explain import Prediction
from .numbers import signed
from .posts import media_rule
from .signals import DIMENSIONS, SIGNALS

__all__ = [
    "check_json",
    "info_json",
    "render_check",
    "render_errors",
    "render_info",
    "render_label_screen",
    "render_metrics",
    "render_signals",
    "signed_bar",
]

_BAR = 12


def check_json(pred: Prediction) -> dict[str, Any]:
    post = pred.post
    return {
        "id": post.id,
        "text": post.text,
        "lang": pred.lang,
        "label": pred.label,
        "p_networking": None if pred.p_networking is None else round(pred.p_networking, 6),
        "confidence": None if pred.confidence is None else round(pred.confidence, 6),
        "function": pred.function,
        "p_function": None if pred.p_function is None else {k: round(v, 6) for k, v in pred.p_function.items()},
        "dimensions": {k: round(v, 6) for k, v in pred.dimensions.items()},
        "words": None if pred.words is None else round(pred.words, 6),
        "intercept": None if pred.intercept is None else round(pred.intercept, 6),
        "decision": None if pred.decision is None else round(pred.decision, 6),
        "signals": [c.as_dict() for c in pred.top],
        "status": post.status,
        "error": post.reason,
        "flags": [*post.flags, *(["no_text"] if pred.label and pred.p_networking is None else [])],
    }


def signed_bar(value: float, scale: float, width: int = _BAR) -> Text:
    """A bar growing left (media, red) or right (networking, green) from a centre axis."""
    n = min(width, int(round(abs(value) / scale * width))) if scale > 0 else 0
    left = " " * (width - n) + ("█" * n if value < 0 else "")
    right = ("█" * n if value > 0 else "") + " " * (width - (n if value > 0 else 0))
    bar = Text()
    bar.append(left if value < 0 else " " * width, style="red")
    bar.append("│")
    bar.append(right if value > 0 else " " * width, style="green")
    return bar


def render_check(console: Console, pred: Prediction) -> None:
    post = pred.post
    if pred.label is None:
        reason = post.reason
        console.print(f"[bold]{post.id}[/]: no label ({post.status}: {reason})")
        return
    if pred.p_networking is None:  # no words, only media: labelled by rule (posts.media_rule)
        rule = media_rule(post)
        console.print(Text(f"{pred.label.upper()} ({pred.function})  {rule[2] if rule else 'labelled by rule'}"))
        return
    colour = "green" if pred.label == "networking" else "red"
    head = Text()
    head.append(pred.label.upper(), style=f"bold {colour}")
    head.append(f"  P(networking) = {pred.p_networking:.3f}  confidence {pred.confidence:.0%}"
                f"  lang {pred.lang}")
    if post.flags:
        head.append(f"  flags: {', '.join(post.flags)}", style="yellow")
    console.print(head)
    if pred.function and pred.p_function:
        shares = "  ".join(f"{k} {v:.0%}" for k, v in pred.p_function.items())
        console.print(Text(f"function: {pred.function}  ({shares})"))
    preview = post.text if len(post.text) <= 120 else post.text[:117] + "..."
    console.print(Text(preview, style="dim"))

    values = [*pred.dimensions.values(), pred.words or 0.0, pred.intercept or 0.0, pred.decision or 0.0]
    scale = max(1.0, *(abs(v) for v in values))
    table = Table(title="dimensions (← media | networking →)", title_justify="left",
                  show_header=False, box=None, pad_edge=False)
    table.add_column("dimension")
    table.add_column("score", justify="right")
    table.add_column("bar")
    for name in DIMENSIONS:
        v = pred.dimensions[name]
        table.add_row(name, signed(v), signed_bar(v, scale))
    table.add_row("words", signed(pred.words), signed_bar(pred.words or 0.0, scale))
    table.add_row("starting point", signed(pred.intercept or 0.0), signed_bar(pred.intercept or 0.0, scale))
    table.add_row("= decision", signed(pred.decision or 0.0), signed_bar(pred.decision or 0.0, scale))
    console.print(table)

    if pred.top:
        sig = Table(title="top signals", title_justify="left", show_header=True, box=None,
                    pad_edge=False)
        sig.add_column("push", justify="right")
        sig.add_column("signal")
        sig.add_column("why")
        for c in pred.top:
            style = "green" if c.contribution > 0 else "red"
            sig.add_row(Text(signed(c.contribution), style=style), c.name, c.text)
        console.print(sig)
    console.print()


def render_metrics(console: Console, report: Mapping[str, Any], *, title: str,
                   group_title: str = "language") -> None:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    for col in (group_title, "posts", "macro-F1", "media P/R/F1", "netw. P/R/F1", "acc.", "ECE"):
        table.add_column(col, justify="left" if col == group_title else "right")
    for cells in metrics_rows(report, detail=True):
        table.add_row(*cells)
    console.print(table)
    overall = report.get("overall", {})
    if overall.get("confusion"):
        cm = overall["confusion"]["rows_true_cols_pred"]
        conf = Table(title="confusion (rows: true, columns: predicted)", title_justify="left",
                     box=box.SIMPLE_HEAD)
        conf.add_column("")
        conf.add_column("media", justify="right")
        conf.add_column("networking", justify="right")
        for label, row in zip(("media", "networking"), cm):
            conf.add_row(label, *map(str, row))
        console.print(conf)


def render_errors(console: Console, errors: Sequence[Mapping[str, Any]]) -> None:
    table = Table(title="most confident errors", title_justify="left", show_lines=True)
    for col in ("id", "true", "P(netw.)", "text", "top signals"):
        table.add_column(col)
    for e in errors:
        text = e["text"] if len(e["text"]) <= 160 else e["text"][:157] + "..."
        signals = "\n".join(f"{s['contribution']:+.2f} {s['text']}" for s in e["signals"][:3])
        table.add_row(e["id"], e["label"], f"{e['p_networking']:.2f}", text, signals)
    console.print(table)


def render_signals(console: Console) -> None:
    table = Table(title=f"{len(SIGNALS)} signals (positive weight = toward networking)",
                  title_justify="left")
    table.add_column("signal")
    table.add_column("dimension")
    table.add_column("description")
    for s in SIGNALS:
        table.add_row(s.name, s.dimension, s.description)
    console.print(table)


def info_json(meta: Mapping[str, Any] | None, *, signals: bool = False) -> dict[str, Any]:
    if signals:
        return {"signals": [{"name": s.name, "dimension": s.dimension,
                             "description": s.description} for s in SIGNALS]}
    return dict(meta or {})


def render_info(console: Console, meta: Mapping[str, Any], path: Path | str,
                insights: Mapping[str, Any] | None = None) -> None:
    training = meta.get("training", {})
    console.print(f"[bold]model[/] {path}")
    console.print(f"created {meta.get('created_at')}  versions "
                  + ", ".join(f"{k} {v}" for k, v in (meta.get("versions") or {}).items()),
                  markup=False)
    console.print(f"{meta.get('n_signals')} signals + {meta.get('n_ngrams')} word n-grams + "
                  f"{meta.get('n_char_ngrams', 0)} character n-grams -> logistic regression"
                  + (" (Platt-calibrated)" if meta.get("calibration") else "")
                  + (" + function head" if meta.get("function_head") else "")
                  + f"; params {meta.get('params')}", markup=False)
    console.print(f"trained on {training.get('n_posts')} posts, labels "
                  f"{training.get('label_counts')}, languages {training.get('lang_counts')}",
                  markup=False)
    if meta.get("cv"):
        scheme = meta.get("cv_scheme") or {}
        render_metrics(console, meta["cv"], title=f"cross-validated ({scheme.get('kind')}, "
                       f"{scheme.get('n_splits')} folds, grouped by {scheme.get('grouped_by')})")
    for name, ev in (meta.get("evaluations") or {}).items():
        render_metrics(console, ev["report"], title=f"evaluation: {name}",
                       group_title=ev.get("group_title", "language"))
        for bname, report in (ev.get("baselines") or {ev.get("baseline_name"): ev.get("baseline")}).items():
            if report:
                render_metrics(console, report, title=f"  same posts, baseline ({bname})",
                               group_title=ev.get("group_title", "language"))
        masked = ev.get("links_masked")
        if masked:
            render_metrics(console, masked["report"], title="  the same posts with links removed: model",
                           group_title=ev.get("group_title", "language"))
            for bname, report in (masked.get("baselines") or {}).items():
                render_metrics(console, report, title=f"  links removed, baseline ({bname})",
                               group_title=ev.get("group_title", "language"))
    if insights:
        render_insights(console, insights)


def render_insights(console: Console, insights: Mapping[str, Any]) -> None:
    """The model's strongest weights: signals per dimension, n-grams per language."""
    table = Table(title="strongest signals per dimension (weight; + = toward networking)",
                  title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("dimension")
    table.add_column("toward media")
    table.add_column("toward networking")
    for dim, v in insights["signals_by_dimension"].items():
        fmt = lambda xs: "\n".join(f"{x['weight']:+.2f} {x['name'].split('__', 1)[1]}" for x in xs)  # noqa: E731
        table.add_row(dim, fmt(v["toward_media"]), fmt(v["toward_networking"]))
    console.print(table)
    words = Table(title="strongest n-grams per training language", title_justify="left", box=box.SIMPLE_HEAD)
    words.add_column("language")
    words.add_column("toward media")
    words.add_column("toward networking")
    for lang, v in insights["ngrams_by_language"].items():
        words.add_row(lang, ", ".join(x["ngram"] for x in v["toward_media"]),
                      ", ".join(x["ngram"] for x in v["toward_networking"]))
    console.print(words)


def render_label_issues(console: Console, issues: Sequence[tuple[Any, float]], limit: int = 100) -> None:
    """Posts whose label the cross-validated model doubts most."""
    console.print(f"{len(issues)} post(s) whose label the cross-validated model strongly disagrees with"
                  + (f" (showing {limit})" if len(issues) > limit else ""), markup=False)
    if not issues:
        return
    table = Table(box=box.SIMPLE_HEAD)
    for col in ("id", "author", "label", "P(label)", "text"):
        table.add_column(col, justify="right" if col == "P(label)" else "left")
    for post, p in issues[:limit]:
        text = post.text if len(post.text) <= 120 else post.text[:117] + "..."
        table.add_row(post.id, post.author or "", post.label.value, f"{p:.2f}", text)
    console.print(table)


# -- the label screen -----------------------------------------------------------------

SCREEN_WIDTH = 80
TEXT_LINES = 8  # at most this many lines of the post (the screen must fit 80 x 24)


def _clip_lines(text: str, width: int, lines: int) -> str:
    out: list[str] = []
    for para in text.split("\n"):
        out.extend(textwrap.wrap(para, width, replace_whitespace=False, drop_whitespace=True) or [""])
    if len(out) > lines:
        out = out[:lines]
        out[-1] = (out[-1][: max(0, width - 1)]).rstrip() + "…"
    return "\n".join(out)


def render_label_screen(console: Console, pred: Prediction, *, key: str, status: str, keys: str,
                        message: str = "") -> None:
    """One post to label: the post, the model's label, probability and top signals, the
    keys; at most 80 columns and 20 lines, so it fits an 80 x 24 terminal."""
    width = min(console.width, SCREEN_WIDTH)
    post = pred.post
    console.print(Text(status, style="bold", no_wrap=True, overflow="ellipsis"), width=width)
    title = " · ".join(x for x in (key, post.author and f"@{post.author}", pred.lang, post.platform) if x)
    console.print(Panel(Text(_clip_lines(post.text, width - 4, TEXT_LINES)), title=title, title_align="left",
                        width=width))
    line = Text()
    if pred.p_networking is not None:
        colour = "green" if pred.label == "networking" else "red"
        line.append("model: ")
        line.append((pred.label or "").upper(), style=f"bold {colour}")
        line.append(f"  P(networking) {pred.p_networking:.3f}")
        if pred.function:
            line.append(f"  function {pred.function}")
    console.print(line, width=width, no_wrap=True, overflow="ellipsis")
    for c in pred.top:
        row = Text()
        row.append(f"{c.contribution:+6.2f} ", style="green" if c.contribution > 0 else "red")
        row.append(c.text)
        console.print(row, width=width, no_wrap=True, overflow="ellipsis")
    console.print(Text(keys, style="bold"), width=width, no_wrap=True, overflow="ellipsis")
    if message:
        console.print(Text(message, style="yellow"), width=width, no_wrap=True, overflow="ellipsis")
