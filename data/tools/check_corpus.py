"""Validate the labelled corpus and print its statistics.

Run from the repository root:  python data/tools/check_corpus.py [FILES...]
(default: every data/corpus/*.jsonl).

Checks the schema of every row, counts posts per language / label / platform /
case kind / author, and finds near-duplicate pairs: cosine similarity >= 0.8
between TF-IDF vectors of character 3-5-grams (word-boundary aware), computed
within each language. Exit code 1 when a schema error or near-duplicate exists.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
from pathlib import Path

LABELS = {"media", "networking"}
LANGS = {"en", "es", "it"}
PLATFORMS = {"x", "linkedin", "instagram", "facebook", "mastodon", "forum"}
CASES = {
    "promotional_question",
    "rhetorical_question",
    "conversational_link",
    "reply_that_sells",
    "engagement_bait",
    "sponsored_disclosure",
    "very_short",
    "emoji_heavy",
    "informal_spelling",
    "hashtag_only",
    "code_switching",
    "long_post",
}
FIELDS = ("id", "text", "label", "lang", "author", "platform", "case")
NEAR_DUP = 0.8


def load(paths: list[Path]) -> tuple[list[dict], list[str]]:
    rows, errors = [], []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(f"{where}: invalid JSON ({exc.msg})")
                continue
            missing = [f for f in FIELDS if f not in row]
            extra = [f for f in row if f not in FIELDS]
            if missing or extra:
                errors.append(f"{where}: missing {missing} extra {extra}")
                continue
            if not isinstance(row["text"], str) or not row["text"].strip():
                errors.append(f"{where}: empty text")
            if row["label"] not in LABELS:
                errors.append(f"{where}: label {row['label']!r}")
            if row["lang"] not in LANGS:
                errors.append(f"{where}: lang {row['lang']!r}")
            if row["platform"] not in PLATFORMS:
                errors.append(f"{where}: platform {row['platform']!r}")
            if row["case"] is not None and row["case"] not in CASES:
                errors.append(f"{where}: case {row['case']!r}")
            row["_where"] = where
            rows.append(row)
    ids = collections.Counter(r["id"] for r in rows)
    errors += [f"duplicate id {i!r} ({c} times)" for i, c in ids.items() if c > 1]
    return rows, errors


def near_duplicates(rows: list[dict]) -> list[tuple[float, dict, dict]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    pairs = []
    by_lang = collections.defaultdict(list)
    for r in rows:
        by_lang[r["lang"]].append(r)
    for group in by_lang.values():
        if len(group) < 2:
            continue
        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=True)
        x = vec.fit_transform([r["text"] for r in group])
        sims = (x @ x.T).tocoo()
        for i, j, s in zip(sims.row, sims.col, sims.data):
            if i < j and s >= NEAR_DUP:
                pairs.append((float(s), group[i], group[j]))
    return sorted(pairs, key=lambda p: -p[0])


def report(rows: list[dict], per_author: bool = True) -> None:
    for lang in sorted({r["lang"] for r in rows}):
        sub = [r for r in rows if r["lang"] == lang]
        labels = collections.Counter(r["label"] for r in sub)
        authors = collections.defaultdict(collections.Counter)
        for r in sub:
            authors[r["author"]][r["label"]] += 1
        cases = collections.Counter(r["case"] for r in sub if r["case"])
        hard = sum(cases.values())
        chars = [len(r["text"]) for r in sub]
        print(f"== {lang}: {len(sub)} posts, networking {labels['networking'] / len(sub):.1%}, "
              f"{len(authors)} authors, hard cases {hard / len(sub):.1%}")
        print("   labels:", dict(labels))
        print("   platforms:", dict(collections.Counter(r["platform"] for r in sub).most_common()))
        print("   cases:", dict(sorted(cases.items())))
        print(f"   chars: min {min(chars)} median {statistics.median(chars):.0f} max {max(chars)}")
        mixed = sum(1 for c in authors.values() if len(c) == 2)
        print(f"   authors with both labels: {mixed}/{len(authors)}")
        for a, c in sorted(authors.items()) if per_author else ():
            print(f"     {a}: media {c['media']} networking {c['networking']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--quiet-authors", action="store_true", help="omit per-author lines")
    args = parser.parse_args(argv)
    files = args.files or sorted(Path("data/corpus").glob("*.jsonl"))
    rows, errors = load(files)
    for e in errors:
        print("ERROR", e)
    if rows:
        report(rows, per_author=not args.quiet_authors)
    dups = near_duplicates(rows) if rows else []
    for s, a, b in dups:
        print(f"NEAR-DUPLICATE {s:.2f}: {a['_where']} {a['text'][:60]!r} ~ {b['_where']} {b['text'][:60]!r}")
    print(f"{len(rows)} rows, {len(errors)} schema errors, {len(dups)} near-duplicate pairs (cosine >= {NEAR_DUP})")
    return 1 if errors or dups else 0


if __name__ == "__main__":
    sys.exit(main())
