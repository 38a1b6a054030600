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
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from .advice import habit
from .explain import global_weights
from .files import atomic_write, check_overwrite, format_from_name
from .numbers import MISSING, fixed, pct, signed
from .signals import DIMENSIONS, signal_by_name

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


# -- model sections --------------------------------------------------------------

def model_summary(meta: Mapping[str, Any], path: str | Path | None = None) -> dict[str, Any]:
    """What the report says about the model: provenance and per-language quality."""
    def per_lang(report: Mapping[str, Any] | None) -> dict[str, Any]:
        if not report:
            return {}
        out = {g: {"posts": m.get("n"), "macro_f1": m.get("macro_f1")}
               for g, m in report.get("by_group", {}).items()}
        if report.get("overall"):
            out["all"] = {"posts": report["overall"].get("n"), "macro_f1": report["overall"].get("macro_f1")}
        return out

    evaluations = {}
    for name, ev in (meta.get("evaluations") or {}).items():
        evaluations[name] = {"model": per_lang(ev.get("report")), "baseline": per_lang(ev.get("baseline"))}
    training = meta.get("training", {})
    return {
        # the folder's name only: a shared report must not reveal where files live
        "name": Path(path).name if path else None,
        "created_at": meta.get("created_at"),
        "versions": meta.get("versions", {}),
        "n_signals": meta.get("n_signals"),
        "n_ngrams": meta.get("n_ngrams"),
        "training_posts": training.get("n_posts"),
        "training_languages": training.get("lang_counts"),
        "cv_scheme": meta.get("cv_scheme"),
        "cv_macro_f1": per_lang(meta.get("cv")),
        "evaluations": evaluations,
    }


def model_insights(pipeline: Any, *, k: int = 5) -> dict[str, Any]:
    """The model's global feature report: strongest weights toward each class.

    Signals per dimension (they apply to every language, with each language's
    own cue words); n-grams per training language they occur in.
    """
    weights = global_weights(pipeline)
    featurizer = pipeline.named_steps["features"]
    names, coef = weights["names"], np.asarray(weights["coef"])
    n_sig = len(featurizer.signal_names_)
    by_dim: dict[str, Any] = {}
    for dim in DIMENSIONS:
        idx = [i for i in range(n_sig) if names[i].startswith(dim + "__")]
        idx.sort(key=lambda i: coef[i])
        entry = lambda i: {"name": names[i], "weight": float(coef[i]),  # noqa: E731
                           "description": signal_by_name(names[i]).description}
        by_dim[dim] = {
            "toward_media": [entry(i) for i in idx[:k] if coef[i] < 0],
            "toward_networking": [entry(i) for i in idx[::-1][:k] if coef[i] > 0],
        }
    ngrams: dict[str, Any] = {}
    mask = np.asarray(getattr(featurizer, "ngram_lang_mask_", np.zeros(0, dtype=np.uint64)))
    gram_coef = coef[n_sig:]
    for bit, lang in enumerate(getattr(featurizer, "languages_", [])):
        if not len(mask):
            break
        idx = np.flatnonzero(mask & np.uint64(1 << bit))
        if not len(idx):
            continue
        order = idx[np.argsort(gram_coef[idx], kind="stable")]
        ngrams[lang] = {
            "toward_media": [{"ngram": featurizer.ngram_names_[i], "weight": float(gram_coef[i])}
                             for i in order[:k] if gram_coef[i] < 0],
            "toward_networking": [{"ngram": featurizer.ngram_names_[i], "weight": float(gram_coef[i])}
                                  for i in order[::-1][:k] if gram_coef[i] > 0],
        }
    return {"signals_by_dimension": by_dim, "ngrams_by_language": ngrams,
            "intercept": float(pipeline.named_steps["clf"].intercept_[0])}


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
        import sys

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


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(map(_md, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(_md, r)) + " |" for r in rows]
    return "\n".join(lines)


def render_markdown(report: Mapping[str, Any]) -> str:
    """The report as Markdown; every piece of text from the data or the model
    directory goes through ``_md`` (HTML and Markdown escaped)."""
    o = report["overall"]
    st = report["status"]
    out = [f"# {_md(report['title'])}", "",
           f"Generated {_md(report['generated_at'])} from {report['rows']} rows "
           f"({st['ok']} scored, {st['empty']} empty, {st['error']} unreadable).", ""]
    note = rule_note(report)
    out += [note, ""] if note else []
    out += [f"> **Warning:** {w}" for w in report.get("input_warnings") or ()]
    out += [""] if report.get("input_warnings") else []
    out += ["## What to change", ""]
    groups = _action_groups(report)
    for g in groups:
        out += [f"### {_md(g['who'])} ({g['posts']} posts, {g['share']} promotional)", ""]
        for a in g["items"]:
            out.append(f"{a['rank']}. **{_md(a['number'])}**: {_md(a['text'])}")
            if a.get("example"):
                out.append(f"   > {_md(a['example']['text'])} ({_md(a['example']['id'])})")
        out.append("")
    if not groups:
        out += [f"Too few scored posts for advice (an account needs "
                f"{(report.get('actions') or {}).get('min_posts')} or more).", ""]
    out += ["## Overall mix", "",
            f"- media (broadcast/promotional): **{o['media']}** ({pct(o['media_share'])})",
            f"- networking (conversational): **{o['networking']}** ({pct(o['networking_share'])})",
            f"- uncertain (P(networking) {report['uncertain_range'][0]}–{report['uncertain_range'][1]}): {o['uncertain']}"]
    for name, rule in o["rules"].items():
        out.append(f"- {_md(name)} rule ({_md(rule['description'])}): {'met' if rule['met'] else 'not met'}")
    out.append("")
    functions = _function_rows(report)
    if functions:
        out += ["## Functions (Lovejoy & Saxton)", "",
                "Information and action are media, community is networking.", "",
                _md_table(["", *_FUNCTION_HEADER], functions), ""]
    for title, section in report["mix"].items():
        out += [f"## Mix per {_md(title)}", "", _md_table(_mix_header(title), _mix_rows(section)), ""]
    for key, reason in report["omitted"].items():
        out += [f"> {_md(key.replace('_', ' '))}: left out because {_md(reason)}.", ""]
    out += ["## Dimension profile", "", "Average contribution per dimension (positive = toward networking).", "",
            _md_table(_DIMENSION_HEADER, _dimension_rows(report)), ""]
    if report.get("signals"):
        out += ["## What tells the two kinds of post apart", "",
                _md_table(["habit", "in media posts", "in networking posts"],
                          [[_signal_label(r["name"]), pct(r["media_share"]), pct(r["networking_share"])]
                           for r in report["signals"][:25]]), ""]
    out += ["## Posting behaviour", "", _md_table(_BEHAVIOUR_HEADER, _behaviour_rows(report)), ""]
    out += ["## Examples", ""]
    for key, title in _EXAMPLE_SECTIONS:
        out += [f"### {title}", ""]
        for e in report["examples"][key]:
            out.append(f"- **{_md(e['id'])}** ({_md(e.get('author') or '?')}, "
                       f"P(networking) {fixed(float(e['p_networking']), 2)}): " + _md((e.get("text") or "")[:280]))
            out += [f"  - {_md(push)} {_md(why)}" for push, why in explanation_lines(e)]
        if not report["examples"][key]:
            out.append(_md(_EXAMPLE_EMPTY[key]))
        out.append("")
    if report.get("model"):
        m = report["model"]
        out += ["## Model", "", f"{_md(m.get('name') or 'model')}, created {_md(m.get('created_at'))}, "
                f"{_md(m.get('n_signals'))} signals + {_md(m.get('n_ngrams'))} n-grams, "
                f"trained on {_md(m.get('training_posts'))} posts.", "",
                _md_table(_model_header(m), _model_rows(m)), ""]
    if report.get("signals"):
        out += ["## Appendix: signals", "", _md_table(_SIGNAL_HEADER, _signal_rows(report)), ""]
    return "\n".join(out) + "\n"


# -- HTML ------------------------------------------------------------------------------

_CSS = """
:root{--media:#c8553d;--net:#2f8f6f;--ink:#222;--muted:#666;--line:#e3e3e3}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);
 margin:0 auto;max-width:980px;padding:1rem;line-height:1.45}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid var(--line);padding-bottom:.2rem}
h3{font-size:1.05rem}
.muted{color:var(--muted)}
.kpis{display:flex;flex-wrap:wrap;gap:.6rem;margin:1rem 0}
.kpi{border:1px solid var(--line);border-radius:8px;padding:.6rem .8rem;min-width:9rem;flex:1}
.kpi b{display:block;font-size:1.4rem}
.media{color:var(--media)}.net{color:var(--net)}
.ok{color:var(--net)}.bad{color:var(--media)}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.5rem 0}
th,td{border-bottom:1px solid var(--line);padding:.3rem .45rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
svg.chart{width:100%;height:auto;max-width:100%;display:block;margin:.6rem 0}
.example{border-left:4px solid var(--line);padding:.3rem .7rem;margin:.6rem 0}
.example.media{border-color:var(--media)}.example.networking{border-color:var(--net)}
.example p{margin:.2rem 0;color:var(--ink);white-space:pre-wrap}
.example ul{margin:.2rem 0 .2rem 1rem;padding:0;color:var(--muted);font-size:.88rem}
.omitted{background:#f7f7f7;border-radius:6px;padding:.5rem .8rem;color:var(--muted)}
.account{border:1px solid var(--line);border-radius:8px;padding:.2rem .9rem .5rem;margin:.7rem 0}
.account h3{margin:.6rem 0 .3rem}
ol.actions{margin:.2rem 0;padding-left:1.3rem}ol.actions li{margin:.45rem 0}
.figure{display:inline-block;font-weight:600;background:#f1f1f1;border-radius:4px;padding:0 .35rem}
blockquote{margin:.25rem 0 .1rem;padding:.1rem .6rem;border-left:3px solid var(--line);color:var(--muted);
 overflow-wrap:anywhere}
.push{font-variant-numeric:tabular-nums;display:inline-block;min-width:3.2rem}
td{overflow-wrap:anywhere}
.chart-narrow{display:none}
@media (max-width:600px){
 body{padding:.6rem;font-size:16px}.kpi{min-width:45%}
 .chart-wide{display:none}.chart-narrow{display:block}
 table,thead,tbody,tr,th,td{display:block;width:100%}
 thead{position:absolute;left:-9999px;top:auto;width:1px;height:1px;overflow:hidden}
 tr{border:1px solid var(--line);border-radius:6px;margin:.4rem 0;padding:.2rem .4rem}
 td{border:0;padding:.15rem 0;text-align:right;font-size:.9rem}
 td::before{content:attr(data-label);float:left;color:var(--muted);padding-right:.6rem;text-align:left}
 td:first-child{text-align:left;font-weight:600}td:first-child::before{content:none}
}
@media print{body{max-width:none}h2{break-after:avoid}section,svg.chart,.example{break-inside:avoid}}
"""


def _table(header: list[str], rows: list[list[str]], numeric: Iterable[int] | None = None) -> dict[str, Any]:
    """A table for the template; columns in ``numeric`` (default: all but the first) are right-aligned."""
    return {"header": header, "rows": rows,
            "numeric": set(range(1, len(header)) if numeric is None else numeric)}


def _charts(draw: Any, *args: Any, **kwargs: Any) -> dict[str, str]:
    return {"wide": draw(*args, **kwargs), "narrow": draw(*args, narrow=True, **kwargs)}


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
    from .signals import DIMENSIONS as _DIMS

    shown = list(example.get("signals") or [])[:k]
    lines = [(signed(s["contribution"]), str(s.get("text") or s["name"])) for s in shown]
    dims = [example.get(d) for d in _DIMS]
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


def render_html(report: Mapping[str, Any]) -> str:
    """The report as one self-contained page (Jinja2 template, autoescaped)."""
    from . import charts

    o = report["overall"]
    target = report["target_media_share"]
    ctx: dict[str, Any] = {
        "title": report["title"], "generated_at": report["generated_at"], "rows": report["rows"],
        "status": report["status"], "inputs": report.get("inputs") or [], "rule_note": rule_note(report),
        "warnings": report.get("input_warnings") or [], "css": _CSS,
        "kpi": {"media_share": pct(o["media_share"]), "media": o["media"], "networking": o["networking"],
                "networking_share": pct(o["networking_share"]), "uncertain": o["uncertain"],
                "band": f"{report['uncertain_range'][0]}–{report['uncertain_range'][1]}",
                "target": pct(target), "rule": report["target_rule"]},
        "actions": _action_groups(report), "model": None,
        "min_posts": (report.get("actions") or {}).get("min_posts"),
        "rules": [{"name": n, **r} for n, r in o["rules"].items()],
        "overall_chart": (_charts(charts.mix_bars, [{"key": "all posts", **o}], target, "Overall mix")
                          if o["posts"] else None),
    }
    functions = _function_rows(report)
    ctx["functions"] = _table(["", *_FUNCTION_HEADER], functions, numeric=[1, 2, 3, 4]) if functions else None
    mixes = []
    for title, section in report["mix"].items():
        chart = None
        if title == "month":
            chart = _charts(charts.month_chart, section["rows"], target, "Mix per month")
        elif section["rows"]:
            chart = _charts(charts.mix_bars, section["rows"], target, f"Mix per {title}"
                            + (" (furthest from the target first)" if title == "account" else ""))
        note = (f"{section['posts_without_value']} scored posts have no {title}."
                if section["posts_without_value"] else None)
        mixes.append({"title": title, "chart": chart, "table": _table(_mix_header(title), _mix_rows(section)),
                      "note": note})
    ctx["mixes"] = mixes
    ctx["omitted"] = [(k, f"{k.replace('_', ' ').capitalize()}: left out because {reason}.")
                      for k, reason in report["omitted"].items()]
    ctx["dimension_chart"] = (_charts(charts.dimension_chart, report["dimensions"]["overall"],
                                      "Dimension profile (all posts)") if o["posts"] else None)
    ctx["dimensions"] = _table(_DIMENSION_HEADER, _dimension_rows(report))
    signals = report.get("signals") or []
    ctx["signals"] = (_table(["habit", "in media posts", "in networking posts"],
                             [[_signal_label(r["name"]), pct(r["media_share"]), pct(r["networking_share"])]
                              for r in signals[:25]]) if signals else None)
    ctx["signal_chart"] = (_charts(charts.prevalence_chart, [{**r, "label": _signal_label(r["name"])} for r in signals],
                                   "Habits that tell the two kinds apart") if signals else None)
    ctx["appendix"] = _table(_SIGNAL_HEADER, _signal_rows(report), numeric=(1, 2, 3)) if signals else None
    ctx["behaviour"] = _table(_BEHAVIOUR_HEADER, _behaviour_rows(report))
    ctx["examples"] = [
        {"title": title, "empty": _EXAMPLE_EMPTY[key],
         "items": [{"id": e["id"], "author": e.get("author") or "", "platform": e.get("platform") or "",
                    "label": e.get("label"), "p": fixed(float(e["p_networking"]), 2),
                    "text": (e.get("text") or "")[:600], "lines": explanation_lines(e)}
                   for e in report["examples"][key]]}
        for key, title in _EXAMPLE_SECTIONS]
    if report.get("model"):
        m = report["model"]
        ins = m.get("insights", {})
        sig_rows = [[dim, ", ".join(_signal_label(x["name"]) for x in v["toward_media"][:3]) or MISSING,
                     ", ".join(_signal_label(x["name"]) for x in v["toward_networking"][:3]) or MISSING]
                    for dim, v in ins.get("signals_by_dimension", {}).items()]
        gram_rows = [[lang, ", ".join(x["ngram"] for x in v["toward_media"]) or MISSING,
                      ", ".join(x["ngram"] for x in v["toward_networking"]) or MISSING]
                     for lang, v in ins.get("ngrams_by_language", {}).items()]
        head = ["", "toward media", "toward networking"]
        ctx["model"] = {**{k: m.get(k) for k in ("created_at", "n_signals", "n_ngrams", "training_posts")},
                        "name": m.get("name") or "model",
                        "quality": _table(_model_header(m), _model_rows(m)),
                        "signals": _table(["dimension", *head[1:]], sig_rows, numeric=()) if sig_rows else None,
                        "words": _table(["language", *head[1:]], gram_rows, numeric=()) if gram_rows else None}
    return _template().render(**ctx)


@functools.lru_cache(maxsize=1)
def _template() -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("analyzer", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    return env.get_template("report.html.j2")
