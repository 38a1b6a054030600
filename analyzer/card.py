"""The model card (README.md of a model directory), rendered from meta.json.

Every number in the card comes from meta.json, which the training run wrote,
so the card cannot drift from the model it describes.
"""

from __future__ import annotations

from typing import Any, Mapping

from .numbers import fixed

__all__ = ["metrics_rows", "metrics_table", "render_card", "summary_table"]


def metrics_rows(report: Mapping[str, Any], *, detail: bool = False) -> list[list[str]]:
    """The cells of a metrics table (card and terminal alike): one row per group with posts,
    then "all": group, posts, macro-F1, media and networking F1 (with ``detail``
    precision/recall/F1), accuracy, ECE."""
    keys, digits = (("precision", "recall", "f1"), 2) if detail else (("f1",), 3)
    rows = []
    for name, m in {**report.get("by_group", {}), "all": report.get("overall", {})}.items():
        if not m.get("n"):
            continue
        pc = m.get("per_class", {})
        rows.append([str(name), str(m["n"]), fixed(m.get("macro_f1")),
                     *("/".join(fixed(pc.get(c, {}).get(k), digits) for k in keys) for c in ("media", "networking")),
                     fixed(m.get("accuracy")), fixed(m.get("ece"))])
    return rows


def metrics_table(report: Mapping[str, Any], title: str = "language") -> str:
    """Markdown table of a report_by() result: one row per group plus overall."""
    rows = [f"| {title} | posts | macro-F1 | F1 media | F1 networking | accuracy | ECE |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    rows += ["| " + " | ".join(cells) + " |" for cells in metrics_rows(report)]
    return "\n".join(rows)


def _f(m: Mapping[str, Any] | None, *keys: str) -> str:
    for k in keys:
        m = (m or {}).get(k)
    return fixed(m) if isinstance(m, float) else ""


def _best_in_bold(reports: list[Mapping[str, Any] | None]) -> list[str]:
    """Macro-F1 cells with the best of the row in bold, so a baseline that wins shows it."""
    cells = [_f(r, "macro_f1") for r in reports]
    best = max((c for c in cells if c), default="")
    return [f"**{c}**" if c and c == best else c for c in cells]


def summary_table(meta: Mapping[str, Any]) -> str:
    """One row per evaluation: the model next to both baselines, then the same with links
    removed from the texts (external files only)."""
    rows = ["| evaluation | posts | macro-F1 | F1 media | F1 networking | ECE | word TF-IDF | char TF-IDF "
            "| links removed: model | word | char |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, ev in (meta.get("evaluations") or {}).items():
        groups = [("all", ev)] if name.startswith("external") else [
            *((g, ev) for g in sorted(ev["report"].get("by_group", {}))), ("all", ev)]
        for group, e in groups:
            pick = (lambda r: r.get("overall")) if group == "all" else (lambda r: r.get("by_group", {}).get(group))  # noqa: E731
            model = pick(e["report"]) or {}
            base = [pick(b) for b in (e.get("baselines") or {"": e.get("baseline", {})}).values()]
            masked = e.get("links_masked") or {}
            mb = [pick(b) for b in (masked.get("baselines") or {}).values()]
            label = name if group == "all" else f"{name}, {group}"
            scores = _best_in_bold([model, *(base + [None, None])[:2]])
            masked_scores = _best_in_bold([pick(masked["report"]) if masked else None, *(mb + [None, None])[:2]])
            rows.append(
                f"| {label} | {model.get('n', '')} | {scores[0]} | "
                f"{_f(model, 'per_class', 'media', 'f1')} | {_f(model, 'per_class', 'networking', 'f1')} | "
                f"{_f(model, 'ece')} | {' | '.join(scores[1:])} | {' | '.join(masked_scores)} |")
    external = [ev for name, ev in (meta.get("evaluations") or {}).items() if name.startswith("external")]
    if len(external) > 1:
        means = []
        for which in range(3):
            vals = []
            for ev in external:
                reports = [ev["report"], *(ev.get("baselines") or {}).values()]
                if which < len(reports) and (reports[which].get("overall") or {}).get("macro_f1") is not None:
                    vals.append(reports[which]["overall"]["macro_f1"])
            means.append({"macro_f1": sum(vals) / len(vals)} if len(vals) == len(external) else None)
        cells = _best_in_bold(means)
        rows.append(f"| external, mean of {len(external)} files | | {cells[0]} | | | | {' | '.join(cells[1:])} | | | |")
    return "\n".join(rows)


def render_card(meta: Mapping[str, Any]) -> str:
    training = meta.get("training", {})
    lines = [
        "# content-type-analyzer model",
        "",
        "Labels a social post **media** (broadcast / promotional) or **networking** "
        "(conversational), with P(networking) and an exact per-signal explanation.",
        "",
        "## Intended use",
        "",
        "Auditing the content mix of social accounts, coding posts for research, and "
        "checking single posts. English, Spanish and Italian have lexicons; other "
        "languages get language-independent signals and n-grams only. It is not a "
        "spam filter, a sentiment model or a judge of quality.",
        "",
        "## Model",
        "",
        f"- Pipeline: PostFeaturizer ({meta.get('n_signals', '?')} named signals + "
        f"{meta.get('n_ngrams', '?')} word n-grams + {meta.get('n_char_ngrams', 0)} character n-grams, "
        "a FeatureUnion of MaxAbsScaler and TfidfTransformer blocks) -> LogisticRegression"
        + (", Platt-calibrated on grouped out-of-fold decisions" if meta.get("calibration") else "")
        + ("; a function head (information / action / community) on the same features"
           if meta.get("function_head") else ""),
        f"- Parameters: `{meta.get('params', {})}`",
        f"- Created: {meta.get('created_at', '?')} with "
        + ", ".join(f"{k} {v}" for k, v in (meta.get("versions") or {}).items()),
        "",
        "## Training data",
        "",
        f"- {training.get('n_posts', '?')} posts; labels {training.get('label_counts', {})}; "
        f"languages {training.get('lang_counts', {})}",
    ]
    for f in training.get("files", []):
        lines.append(f"- `{f.get('path')}` ({f.get('rows')} rows, sha256 `{f.get('sha256', '')[:16]}…`)")
    if meta.get("cv"):
        scheme = meta.get("cv_scheme") or {}
        lines += [
            "",
            "## Cross-validated metrics",
            "",
            f"{scheme.get('kind', '')}, {scheme.get('n_splits', '?')} folds"
            + (f", grouped by {scheme['grouped_by']} ({scheme.get('n_groups')} groups)"
               if scheme.get("grouped_by") else "")
            + ": every post is scored by a model that never saw its author.",
            "",
            metrics_table(meta["cv"]),
        ]
    if meta.get("evaluations"):
        lines += ["", "## Summary", "",
                  "Macro-F1 of this model and of two baselines trained on the same posts in the same run "
                  "(word and character TF-IDF + logistic regression); ECE of this model.", "",
                  summary_table(meta)]
    for name, ev in (meta.get("evaluations") or {}).items():
        lines += ["", f"## Evaluation: {name}", ""]
        if ev.get("description"):
            lines += [ev["description"], ""]
        lines.append(metrics_table(ev["report"], ev.get("group_title", "language")))
        for bname, report in (ev.get("baselines") or {ev.get("baseline_name", "baseline"): ev.get("baseline")}).items():
            if report:
                lines += ["", f"Baseline ({bname}), same data, same run:", "",
                          metrics_table(report, ev.get("group_title", "language"))]
        if ev.get("function_report"):
            fr = ev["function_report"]
            lines += ["", f"Function (information / action / community): macro-F1 {fixed(fr['macro_f1'])}, "
                      "F1 " + ", ".join(f"{k} {fixed(v['f1'])}" for k, v in fr["per_function"].items())
                      + f" over {fr['n']} posts."]
    lines += [
        "",
        "## Limitations",
        "",
        "- Trained on a hand-written corpus (see data/README.md): real feeds differ in topic, "
        "slang and platform habits; check the external evaluations before trusting "
        "absolute numbers.",
        "- The label is about the function of a post (broadcast vs conversation), not its "
        "topic or quality; rhetorical and promotional questions remain the hardest cases.",
        "- Language identification is cue-based and can miss very short posts (they are "
        "marked `und` and scored with every lexicon).",
        "",
        "## Reproduce",
        "",
        "```",
        meta.get("command", "content-analyzer train data/corpus/*.jsonl -o MODEL_DIR"),
        "```",
        "",
    ]
    return "\n".join(lines)
