"""Build corpus v2: apply the label reviews to the first corpus and append the new passes.

    .venv/bin/python data/tools/merge_v2.py            # rewrite data/corpus/{en,es,it}.jsonl
    .venv/bin/python data/tools/merge_v2.py --dry-run  # only print what would change
    .venv/bin/python data/tools/merge_v2.py --drafts en-4 it-4   # only these passes (finished ones)

Inputs (all kept in the repository, so the corpus can be rebuilt and audited):
- ``data/corpus/review/{lang}-v2.tsv``: one line per first-corpus post, in corpus order:
  ``id, label, function, note``; label ``DELETE`` removes the post; the note names the
  rule of the revised guide behind every change;
- ``data/corpus/drafts/{lang}-{pass}.jsonl``: the posts written for corpus v2.
Writes ``data/corpus/review/CHANGES.md``: every label change and deletion with its rule.
Idempotent: posts already carrying ``function`` (a corpus already merged) are left alone,
and CHANGES.md is only written by the run that applied the reviews.
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
KEYS = ("id", "text", "label", "function", "lang", "author", "platform", "case")
FUNCTION_LABEL = {"information": "media", "action": "media", "community": "networking"}


def read_review(path: Path) -> list[tuple[str, str, str, str]]:
    out = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        parts += [""] * (4 - len(parts))
        pid, label, function, note = (p.strip() for p in parts[:4])
        if label != "DELETE" and FUNCTION_LABEL.get(function) != label:
            raise SystemExit(f"{path}:{n}: label {label!r} and function {function!r} disagree")
        out.append((pid, label, function, note))
    return out


def merge(lang: str, dry_run: bool, passes: list[str] | None = None) -> tuple[list[dict], list[str] | None]:
    """Changes are ``None`` when the review was applied by an earlier run (nothing to report)."""
    rows = [json.loads(line) for line in (CORPUS / f"{lang}.jsonl").read_text("utf-8").splitlines() if line.strip()]
    first = [r for r in rows if "function" not in r]
    kept_v2 = [r for r in rows if "function" in r]
    changes: list[str] | None = None
    merged: list[dict] = []
    if first:
        changes = []
        review = read_review(CORPUS / "review" / f"{lang}-v2.tsv")
        if [r[0] for r in review] != [r["id"] for r in first]:
            raise SystemExit(f"review/{lang}-v2.tsv does not list the corpus ids in order")
        for row, (pid, label, function, note) in zip(first, review):
            if label == "DELETE":
                changes.append(f"| {pid} | {row['label']} | deleted | {note} |")
                continue
            if label != row["label"]:
                changes.append(f"| {pid} | {row['label']} | {label} ({function}) | {note} |")
            merged.append({**row, "label": label, "function": function})
    merged += kept_v2
    seen = {r["id"] for r in merged}
    for draft in sorted((CORPUS / "drafts").glob(f"{lang}-*.jsonl")):
        if passes is not None and draft.stem not in passes:
            continue
        for n, line in enumerate(draft.read_text("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row["id"] in seen:
                continue
            if FUNCTION_LABEL.get(row.get("function")) != row.get("label"):
                raise SystemExit(f"{draft}:{n}: label and function disagree")
            merged.append({k: row.get(k) for k in KEYS})
            seen.add(row["id"])
    merged = [{k: r.get(k) for k in KEYS} for r in merged]
    if not dry_run:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in merged)
        (CORPUS / f"{lang}.jsonl").write_text(text, "utf-8")
    return merged, changes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dry-run", action="store_true", help="only print what would change")
    ap.add_argument("--drafts", nargs="+", metavar="PASS",
                    help="merge only these drafts (e.g. en-4 it-5); default: every draft file")
    args = ap.parse_args()
    report = ["# Label changes of the v2 review", "",
              "Every first-corpus post whose label changed, or that was deleted, under the revised "
              "guide (`../shared/LABELING.md`), with the rule the reviewer named.", ""]
    reviewed = False
    for lang in ("en", "es", "it"):
        merged, changes = merge(lang, args.dry_run, args.drafts)
        reviewed = reviewed or changes is not None
        changes = changes or []
        counts = collections.Counter(r["label"] for r in merged)
        functions = collections.Counter(r["function"] for r in merged)
        print(f"{lang}: {len(merged)} posts, {len({r['author'] for r in merged})} authors, "
              f"{dict(counts)}, {dict(functions)}, {len(changes)} label change(s)/deletion(s)")
        report += [f"## {lang} ({len(changes)})", "", "| id | was | now | rule |", "|---|---|---|---|",
                   *changes, ""]
    if not args.dry_run and reviewed:  # a re-run must not overwrite the record with zeros
        (CORPUS / "review" / "CHANGES.md").write_text("\n".join(report), "utf-8")


if __name__ == "__main__":
    main()
