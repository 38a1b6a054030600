"""The model card (README.md of a model directory), rendered from meta.json.

Every number in the card comes from meta.json, which the training run wrote,
so the card cannot drift from the model it describes.
"""

from __future__ import annotations

from typing import Any, Mapping

__all__ = ["render_card", "metrics_table"]


def _fmt(x: Any, digits: int = 3) -> str:
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return "" if x is None else str(x)


def metrics_table(report: Mapping[str, Any], title: str = "language") -> str:
    """Markdown table of a report_by() result: one row per group plus overall."""
    rows = [f"| {title} | posts | macro-F1 | F1 media | F1 networking | accuracy | ECE |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    groups = dict(report.get("by_group", {}))
    groups["all"] = report.get("overall", {})
    for name, m in groups.items():
        if not m.get("n"):
            continue
        pc = m.get("per_class", {})
        rows.append(
            f"| {name} | {m['n']} | {_fmt(m.get('macro_f1'))} | "
            f"{_fmt(pc.get('media', {}).get('f1'))} | {_fmt(pc.get('networking', {}).get('f1'))} | "
            f"{_fmt(m.get('accuracy'))} | {_fmt(m.get('ece'))} |")
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
        f"{meta.get('n_ngrams', '?')} word n-grams) -> LogisticRegression",
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
    for name, ev in (meta.get("evaluations") or {}).items():
        lines += ["", f"## Evaluation: {name}", ""]
        if ev.get("description"):
            lines += [ev["description"], ""]
        lines.append(metrics_table(ev["report"], ev.get("group_title", "language")))
        if ev.get("baseline"):
            lines += ["", f"Baseline ({ev.get('baseline_name', 'word TF-IDF + logistic regression')}), same data, same run:", "",
                      metrics_table(ev["baseline"], ev.get("group_title", "language"))]
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
