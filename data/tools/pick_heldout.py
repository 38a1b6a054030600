"""Choose the held-out authors blind: per language, the 20 % of authors with the smallest
``sha256("heldout-v1:<author>")``. Nothing about their posts is looked at.

    .venv/bin/python data/tools/pick_heldout.py   # rewrites data/heldout_authors.txt
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARE = 0.2


def main() -> None:
    lines = ["# Held-out authors: every post by these authors is kept out of training when the default",
             "# model's held-out metrics are computed (content-analyzer train ... --heldout-authors).",
             f"# Chosen blind by data/tools/pick_heldout.py: per language, the {SHARE:.0%} of authors with",
             '# the smallest sha256("heldout-v1:<author>"); nothing about their posts was looked at.']
    for lang in ("en", "es", "it"):
        rows = [json.loads(x) for x in (ROOT / "corpus" / f"{lang}.jsonl").read_text("utf-8").splitlines() if x.strip()]
        authors = sorted({r["author"] for r in rows})
        k = round(SHARE * len(authors))
        chosen = sorted(authors, key=lambda a: hashlib.sha256(f"heldout-v1:{a}".encode()).hexdigest())[:k]
        n_posts = sum(1 for r in rows if r["author"] in set(chosen))
        lines += ["", f"# {lang}: {k} of {len(authors)} authors, {n_posts} of {len(rows)} posts", *chosen]
    (ROOT / "heldout_authors.txt").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(x for x in lines if x.startswith("# ") and ":" in x[:6]))


if __name__ == "__main__":
    main()
