"""The audit report: assemble it, then render it as JSON, Markdown or one self-contained HTML page.

Rendering only formats numbers already computed by :mod:`analyzer.audit`
(the content mix) and by the model (its card and weights): the JSON output
carries every number the HTML and Markdown show.
"""

from __future__ import annotations

import functools
import html
import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from . import charts
from .advice import habit, no_advice
from .files import atomic_write, check_overwrite, format_from_name
from .numbers import MISSING, fixed, pct, signed
from .report_model import model_insights, model_summary
from .signals import DIMENSIONS

__all__ = [
    "REPORT_FORMATS",
    "assemble_report",
    "model_insights",
    "model_summary",
    "render_html",
    "render_markdown",
    "report_format",
    "write_report",
]

REPORT_FORMATS = ("html", "json", "md")
_BY_SUFFIX = {".html": "html", ".htm": "html", ".json": "json", ".md": "md", ".markdown": "md"}


def report_format(dest: str, fmt: str | None = None) -> str:
    return format_from_name(dest, fmt, REPORT_FORMATS, _BY_SUFFIX, stdout="json", what="report",
                            hint="use .html, .json or .md, or --format")


def _file_name(source: str) -> str:
    """An input as the report names it: the file's name (and archive member), never its folder."""
    if source == "-":
        return "standard input"
    return Path(str(source).split("!", 1)[0]).name + ("!" + str(source).split("!", 1)[1] if "!" in str(source) else "")


def assemble_report(audit: Mapping[str, Any], *, meta: Mapping[str, Any] | None = None,
                    pipeline: Any = None, model_path: str | Path | None = None,
                    inputs: Iterable[str] = (), warnings: Iterable[str] = ()) -> dict[str, Any]:
    """The report; ``warnings`` are about the inputs (an export that gave far fewer posts
    than it states) and are shown under the title."""
    report = {
        "title": "Content-mix audit",
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "inputs": [_file_name(i) for i in inputs],
        "input_warnings": list(warnings),
        **audit,
    }
    if meta is not None:
        report["model"] = model_summary(meta, model_path)
        if pipeline is not None:
            report["model"]["insights"] = model_insights(pipeline)
    return report


# -- writing -------------------------------------------------------------------------

def write_report(report: Mapping[str, Any], dest: str, fmt: str | None = None, *, force: bool = False,
                 stdout=None) -> str:
    """Render and write atomically; ``-`` writes to stdout. Returns the format used."""
    fmt = report_format(dest, fmt)
    text = {"json": render_json, "md": render_markdown, "html": render_html}[fmt](report)
    if dest == "-":
        (stdout or sys.stdout).write(text)
        return fmt
    check_overwrite(dest, force)
    path = Path(dest)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text, replace=force)
    return fmt


def render_json(report: Mapping[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n"


# -- shared formatting ---------------------------------------------------------------

def rule_note(report: Mapping[str, Any]) -> str | None:
    """The sentence saying how many posts were labelled by rule (no words, only media)."""
    r = report.get("by_rule") or {}
    if not r.get("posts"):
        return None
    return (f"{r['posts']} of the scored posts have no words, only photos/videos/GIFs: labelled by rule "
            f"from their metadata, without a probability ({r['media']} media: posted on their own; "
            f"{r['networking']} networking: sent as replies).")


def _mix_rows(section: Mapping[str, Any]) -> list[list[str]]:
    return [[str(r["key"]), str(r["posts"]), pct(r["media_share"]), pct(r["networking_share"]),
             str(r["uncertain"]), f"{r['over_target']:+.0%}"] for r in section["rows"]]


def _mix_header(title: str) -> list[str]:
    return [title, "posts", "media", "networking", "uncertain", "vs target"]


_FUNCTION_HEADER = ["posts", "information", "action", "community"]


def _function_rows(report: Mapping[str, Any]) -> list[list[str]]:
    """The information / action / community mix overall, per account and, for comparison,
    the published base rates; empty when the model has no function head."""
    o = report["overall"]
    if not o.get("function_shares"):
        return []

    def row(name: str, shares: Mapping[str, float], n: Any) -> list[str]:
        return [name, str(n), *(pct(shares[f]) for f in ("information", "action", "community"))]

    rows = [row("all posts", o["function_shares"], o["posts"])]
    for r in report["mix"].get("account", {}).get("rows", []):
        if r.get("function_shares"):
            rows.append(row(str(r["key"]), r["function_shares"], r["posts"]))
    rows += [row(name, rates, "published") for name, rates in report.get("function_base_rates", {}).items()]
    return rows


def _dimension_rows(report: Mapping[str, Any]) -> list[list[str]]:
    dims = report["dimensions"]
    return [["all posts", *(signed(dims["overall"][d]) for d in DIMENSIONS)]] + [
        [a, *(signed(v[d]) for d in DIMENSIONS)] for a, v in dims["by_account"].items()]


_DIMENSION_HEADER = ["", *DIMENSIONS]
_EXAMPLE_SECTIONS = (("media", "Most confidently media"), ("networking", "Most confidently networking"),
                     ("borderline", "Borderline (in the uncertain band)"))
_EXAMPLE_EMPTY = {"media": "none", "networking": "none",
                  "borderline": "No post is in the uncertain band."}


def _behaviour_rows(report: Mapping[str, Any]) -> list[list[str]]:
    rows = []
    b = report["behaviour"]
    for name, v in [("all accounts", b["overall"]), *b["by_account"].items()]:
        rows.append([name, str(v.get("posts", 0)), pct(v.get("reply_share")), pct(v.get("link_share")),
                     pct(v.get("question_share")), pct(v.get("scheduler_share")),
                     MISSING if v.get("median_interval_hours") is None else f"{v['median_interval_hours'] / 24:.1f} days",
                     fixed(v.get("interval_cv"), 2, MISSING)])
    return rows


_BEHAVIOUR_HEADER = ["account", "posts", "replies", "with links", "questions", "scheduler",
                     "median gap", "gap variation"]


def _signal_rows(report: Mapping[str, Any], limit: int = 25) -> list[list[str]]:
    return [[r["name"], pct(r["media_share"]), pct(r["networking_share"]),
             signed(r["weight"]), r["description"]]
            for r in (report.get("signals") or [])[:limit]]


_SIGNAL_HEADER = ["signal", "in media posts", "in networking posts", "weight", "what it is"]


def _model_rows(model: Mapping[str, Any]) -> list[list[str]]:
    langs = sorted(set(model.get("cv_macro_f1", {})) | {
        g for ev in model.get("evaluations", {}).values() for g in ev["model"]})
    rows = []
    for lang in langs:
        row = [lang, _f1(model.get("cv_macro_f1", {}).get(lang))]
        for ev in model.get("evaluations", {}).values():
            row += [_f1(ev["model"].get(lang)), _f1(ev["baseline"].get(lang))]
        rows.append(row)
    return rows


def _f1(m: Mapping[str, Any] | None) -> str:
    return fixed((m or {}).get("macro_f1"), 3, MISSING)


def _model_header(model: Mapping[str, Any]) -> list[str]:
    head = ["language", "cross-validated macro-F1"]
    for name in model.get("evaluations", {}):
        head += [f"{name}: model", "baseline"]
    return head


# -- Markdown ----------------------------------------------------------------------------

# Markdown punctuation that could open a link or image, a code span or a table cell
# (tags and autolinks are stopped by escaping "<"); CommonMark reads a backslash before it
# as the character itself
_MD_PUNCTUATION = re.compile(r"([\\`\[\]|])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")


def _md(x: Any) -> str:
    """Text from the data, safe in a Markdown line or table cell: HTML escaped (so no
    tag, attribute or ``javascript:`` link is rendered), Markdown punctuation
    backslash-escaped, line breaks made spaces."""
    text = _LINE_BREAKS.sub(" ", "" if x is None else str(x))
    return html.escape(_MD_PUNCTUATION.sub(r"\\\1", text), quote=False)


def _table(header: list[str], rows: list[list[str]], numeric: Iterable[int] | None = None) -> dict[str, Any]:
    """A table for the templates; columns in ``numeric`` (default: all but the first) are right-aligned."""
    return {"header": header, "rows": rows,
            "numeric": set(range(1, len(header)) if numeric is None else numeric)}


def _action_groups(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    actions = report.get("actions") or {}
    mix = {r["key"]: r for r in report["mix"].get("account", {}).get("rows", [])}
    groups = [{"who": who, "posts": mix[who]["posts"], "share": pct(mix[who]["media_share"]), "items": items}
              for who, items in (actions.get("by_account") or {}).items() if items]
    if not groups and actions.get("overall"):
        o = report["overall"]
        groups = [{"who": "all posts", "posts": o["posts"], "share": pct(o["media_share"]),
                   "items": actions["overall"]}]
    return groups


def explanation_lines(example: Mapping[str, Any], k: int = 3) -> list[tuple[str, str]]:
    """An example's explanation as (push, reason) lines that add up: its strongest signals,
    the rest of the signals together, the starting point and the decision."""
    shown = list(example.get("signals") or [])[:k]
    lines = [(signed(s["contribution"]), str(s.get("text") or s["name"])) for s in shown]
    dims = [example.get(d) for d in DIMENSIONS]
    intercept, words = example.get("intercept"), example.get("words")
    if intercept is None or words is None or any(d is None for d in dims):
        return lines
    decision = float(intercept) + float(words) + sum(float(d) for d in dims)
    rest = decision - float(intercept) - sum(float(s["contribution"]) for s in shown)
    return lines + [(signed(rest), "all other signals and words"),
                    (signed(float(intercept)), "starting point"),
                    (signed(decision), "= decision")]


def _signal_label(name: str) -> str:
    return habit(name) or name


def _model_section(m: Mapping[str, Any]) -> dict[str, Any]:
    ins = m.get("insights", {})
    sig_rows = [[dim, ", ".join(_signal_label(x["name"]) for x in v["toward_media"][:3]) or MISSING,
                 ", ".join(_signal_label(x["name"]) for x in v["toward_networking"][:3]) or MISSING]
                for dim, v in ins.get("signals_by_dimension", {}).items()]
    gram_rows = [[lang, ", ".join(x["ngram"] for x in v["toward_media"]) or MISSING,
                  ", ".join(x["ngram"] for x in v["toward_networking"]) or MISSING]
                 for lang, v in ins.get("ngrams_by_language", {}).items()]
    head = ["toward media", "toward networking"]
    return {**{k: m.get(k) for k in ("created_at", "n_signals", "n_ngrams", "training_posts")},
            "name": m.get("name") or "model",
            "quality": _table(_model_header(m), _model_rows(m)),
            "signals": _table(["dimension", *head], sig_rows, numeric=()) if sig_rows else None,
            "words": _table(["language", *head], gram_rows, numeric=()) if gram_rows else None}


def _sections(report: Mapping[str, Any]) -> dict[str, Any]:
    """What the HTML page and the Markdown file show, every number written out: the
    templates only lay it out (and the page adds the charts)."""
    o = report["overall"]
    functions = _function_rows(report)
    signals = report.get("signals") or []
    return {
        "title": report["title"], "generated_at": report["generated_at"], "rows": report["rows"],
        "status": report["status"], "inputs": report.get("inputs") or [], "rule_note": rule_note(report),
        "warnings": report.get("input_warnings") or [], "uncertain_range": report["uncertain_range"],
        "kpi": {"media_share": pct(o["media_share"]), "media": o["media"], "networking": o["networking"],
                "networking_share": pct(o["networking_share"]), "uncertain": o["uncertain"],
                "target": pct(report["target_media_share"]), "rule": report["target_rule"]},
        "actions": _action_groups(report),
        "no_advice": no_advice((report.get("actions") or {}).get("min_posts")),
        "rules": [{"name": n, **r} for n, r in o["rules"].items()],
        "functions": _table(["", *_FUNCTION_HEADER], functions, numeric=[1, 2, 3, 4]) if functions else None,
        "mixes": [{"title": title, "table": _table(_mix_header(title), _mix_rows(section)),
                   "posts_without_value": section["posts_without_value"], "chart": None}
                  for title, section in report["mix"].items()],
        "omitted": list(report["omitted"].items()),
        "dimensions": _table(_DIMENSION_HEADER, _dimension_rows(report)),
        "signals": (_table(["habit", "in media posts", "in networking posts"],
                           [[_signal_label(r["name"]), pct(r["media_share"]), pct(r["networking_share"])]
                            for r in signals[:25]]) if signals else None),
        "appendix": _table(_SIGNAL_HEADER, _signal_rows(report), numeric=(1, 2, 3)) if signals else None,
        "behaviour": _table(_BEHAVIOUR_HEADER, _behaviour_rows(report)),
        "examples": [
            {"title": title, "empty": _EXAMPLE_EMPTY[key],
             "items": [{"id": e["id"], "author": e.get("author") or "", "platform": e.get("platform") or "",
                        "label": e.get("label"), "p": fixed(float(e["p_networking"]), 2),
                        "text": e.get("text") or "", "lines": explanation_lines(e)}
                       for e in report["examples"][key]]}
            for key, title in _EXAMPLE_SECTIONS],
        "model": _model_section(report["model"]) if report.get("model") else None,
    }


def render_markdown(report: Mapping[str, Any]) -> str:
    """The report as Markdown (template report.md.j2); every piece of text from the data or
    the model directory goes through the ``md`` filter (HTML and Markdown escaped)."""
    return _template("report.md.j2").render(**_sections(report))


def _charts(draw: Any, *args: Any, **kwargs: Any) -> dict[str, str]:
    return {"wide": draw(*args, **kwargs), "narrow": draw(*args, narrow=True, **kwargs)}


def render_html(report: Mapping[str, Any]) -> str:
    """The report as one self-contained page (template report.html.j2, autoescaped)."""
    o = report["overall"]
    target = report["target_media_share"]
    ctx = _sections(report)
    ctx["overall_chart"] = (_charts(charts.mix_bars, [{"key": "all posts", **o}], target, "Overall mix")
                            if o["posts"] else None)
    for mix in ctx["mixes"]:
        title, rows = mix["title"], report["mix"][mix["title"]]["rows"]
        if title == "month":
            mix["chart"] = _charts(charts.month_chart, rows, target, "Mix per month")
        elif rows:
            mix["chart"] = _charts(charts.mix_bars, rows, target, f"Mix per {title}"
                                   + (" (furthest from the target first)" if title == "account" else ""))
    ctx["dimension_chart"] = (_charts(charts.dimension_chart, report["dimensions"]["overall"],
                                      "Dimension profile (all posts)") if o["posts"] else None)
    signals = report.get("signals") or []
    ctx["signal_chart"] = (_charts(charts.prevalence_chart, [{**r, "label": _signal_label(r["name"])} for r in signals],
                                   "Habits that tell the two kinds apart") if signals else None)
    return _template("report.html.j2").render(**ctx)


@functools.lru_cache(maxsize=2)
def _template(name: str) -> Any:
    """The HTML template autoescaped; the Markdown one escapes through its ``md`` filter."""
    import jinja2  # 90 ms of imports (measured) that `info`, which imports this module, never needs

    env = jinja2.Environment(loader=jinja2.PackageLoader("analyzer", "templates"),
                             autoescape=name.endswith(".html.j2"), trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["md"] = _md
    return env.get_template(name)
