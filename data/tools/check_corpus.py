"""Validate the labelled corpus and print its statistics.

Run from the repository root:  python data/tools/check_corpus.py [FILES...]
(default: every data/corpus/*.jsonl).

Checks the schema of every row (the function label must agree with the binary
label: information/action = media, community = networking), counts posts per
language / label / function / platform / case kind / author, finds near-duplicate
pairs (cosine similarity >= 0.8 between TF-IDF vectors of character 3-5-grams,
word-boundary aware, within each language) and the most frequent four-word
openings. Exit code 1 on a schema error, near-duplicates in more than 1 % of a
language's posts (``--strict``: any), or a four-word opening on more than 3 % of
a language's posts.
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
FUNCTIONS = {"information": "media", "action": "media", "community": "networking"}
PLATFORMS = {
    "x", "linkedin", "instagram", "facebook", "mastodon", "forum", "threads", "bluesky",
    "youtube", "tiktok", "reddit", "telegram", "whatsapp", "sms",
}
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
    # added with the revised guide (corpus v2)
    "self_promotion",
    "support_sympathy",
    "praise_reaction",
    "opinion",
    "chat",
    "news_by_individual",
    "headline_alert",
    "repost",
    "fundraising_volunteer",
    "brand_conversation",
    "all_caps",
    "mentions_only",
    "spam",
}
FIELDS = ("id", "text", "label", "function", "lang", "author", "platform", "case")
NEAR_DUP = 0.8
MAX_DUP_SHARE = 0.01
MAX_OPENING_SHARE = 0.03


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
            if FUNCTIONS.get(row["function"]) != row["label"]:
                errors.append(f"{where}: function {row['function']!r} with label {row['label']!r}")
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


def opening(text: str) -> str | None:
    words = text.lower().split()
    return " ".join(words[:4]) if len(words) >= 4 else None


def top_opening(rows: list[dict]) -> tuple[str, int]:
    counts = collections.Counter(o for o in map(opening, (r["text"] for r in rows)) if o)
    return counts.most_common(1)[0] if counts else ("", 0)


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
        print("   functions:", dict(collections.Counter(r["function"] for r in sub).most_common()))
        print("   platforms:", dict(collections.Counter(r["platform"] for r in sub).most_common()))
        print("   cases:", dict(sorted(cases.items())))
        words = [len(r["text"].split()) for r in sub]
        print(f"   chars: min {min(chars)} median {statistics.median(chars):.0f} max {max(chars)}; "
              f"words: median {statistics.median(words):.0f}, <= 8 words {sum(w <= 8 for w in words) / len(sub):.0%}")
        opening, n_open = top_opening(sub)
        print(f"   most frequent four-word opening: {opening!r} on {n_open} posts ({n_open / len(sub):.1%})")
        mixed = sum(1 for c in authors.values() if len(c) == 2)
        print(f"   authors with both labels: {mixed}/{len(authors)}")
        for a, c in sorted(authors.items()) if per_author else ():
            print(f"     {a}: media {c['media']} networking {c['networking']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--quiet-authors", action="store_true", help="omit per-author lines")
    parser.add_argument("--strict", action="store_true", help="fail on any near-duplicate pair")
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
    failed = bool(errors) or (bool(dups) and args.strict)
    for lang in sorted({r["lang"] for r in rows}):
        sub = [r for r in rows if r["lang"] == lang]
        in_dups = {id(x) for _, a, b in dups for x in (a, b) if a["lang"] == lang}
        share = len(in_dups) / 2 / len(sub)
        opening_text, n_open = top_opening(sub)
        if share > MAX_DUP_SHARE:
            print(f"FAIL {lang}: near-duplicates in {share:.1%} of posts (at most {MAX_DUP_SHARE:.0%})")
            failed = True
        if n_open / len(sub) > MAX_OPENING_SHARE:
            print(f"FAIL {lang}: {opening_text!r} opens {n_open / len(sub):.1%} of posts "
                  f"(at most {MAX_OPENING_SHARE:.0%})")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
