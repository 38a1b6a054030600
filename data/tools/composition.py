"""Print the datasheet's composition tables (data/README.md, "Composition") from the corpus.

    .venv/bin/python data/tools/composition.py
"""

from __future__ import annotations

import collections
import json
import re
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("en", "es", "it")
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
LINK = re.compile(r"https?://\S|www\.\S|\b(?:[a-z0-9-]+\.)+[a-z]{2,}/\S", re.I)


def fmt(n: float) -> str:
    return f"{n:,}"


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f} %" if b else "–"


def main() -> None:
    rows = {l: [json.loads(x) for x in (ROOT / "corpus" / f"{l}.jsonl").read_text("utf-8").splitlines() if x.strip()]
            for l in LANGS}
    allrows = [r for l in LANGS for r in rows[l]]

    def line(name, f, total=True):
        vals = [f(rows[l]) for l in LANGS]
        print(f"| {name} | " + " | ".join(vals) + (f" | {f(allrows)} |" if total else " |  |"))

    words = lambda rs: [len(WORD.findall(r["text"])) for r in rs]  # noqa: E731
    print("| | en | es | it | total |\n|---|---:|---:|---:|---:|")
    line("posts", lambda rs: fmt(len(rs)))
    line("media", lambda rs: fmt(sum(r["label"] == "media" for r in rs)))
    line("networking", lambda rs: f"{fmt(sum(r['label'] == 'networking' for r in rs))} "
         f"({pct(sum(r['label'] == 'networking' for r in rs), len(rs))})")
    for f in ("information", "action", "community"):
        line(f"function: {f}", lambda rs, f=f: f"{fmt(sum(r['function'] == f for r in rs))} "
             f"({pct(sum(r['function'] == f for r in rs), len(rs))})")
    line("authors", lambda rs: fmt(len({r["author"] for r in rs})))
    line("authors with both labels", lambda rs: fmt(sum(
        len(v) == 2 for v in _labels_by_author(rs).values())))
    line("posts with a hard-case kind", lambda rs: pct(sum(r.get("case") is not None for r in rs), len(rs)))
    line("words: min / median / max", lambda rs: "{} / {:g} / {}".format(
        min(words(rs)), statistics.median(words(rs)), max(words(rs))), total=False)
    line("posts of 1-8 words", lambda rs: pct(sum(1 <= w <= 8 for w in words(rs)), len(rs)))
    line("posts with a link", lambda rs: pct(sum(bool(LINK.search(r["text"])) for r in rs), len(rs)))
    line("median words, media / networking", lambda rs: "{:g} / {:g}".format(
        statistics.median(words([r for r in rs if r["label"] == "media"])),
        statistics.median(words([r for r in rs if r["label"] == "networking"]))), total=False)
    for key, title in (("platform", "platform"), ("case", "case")):
        counts = {l: collections.Counter(r.get(key) for r in rows[l]) for l in LANGS}
        keys = sorted({k for c in counts.values() for k in c if k is not None})
        print(f"\n| {title} | en | es | it | total |\n|---|---:|---:|---:|---:|")
        for k in keys + ([None] if key == "case" else []):
            vals = [counts[l].get(k, 0) for l in LANGS]
            print(f"| {k if k is not None else '(none)'} | " + " | ".join(map(str, vals)) + f" | {fmt(sum(vals))} |")


def _labels_by_author(rs):
    out = collections.defaultdict(set)
    for r in rs:
        out[r["author"]].add(r["label"])
    return out


if __name__ == "__main__":
    main()
