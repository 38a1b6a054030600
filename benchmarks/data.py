"""Benchmark data: realistic synthetic posts generated from the labelled corpus.

Repeating the 4,495 corpus posts verbatim would flatter every tokenizer (its
cache would hold every chunk after the first pass), so each synthetic post is a
corpus post with a few words swapped for words of another post of the same
language, and with fresh numbers, @handles, URL paths and authors, as a real
feed has. Fixed seed: the same call always gives the same posts.
"""

from __future__ import annotations

import csv
import json
import random
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
CORPUS = sorted((ROOT / "data" / "corpus").glob("*.jsonl"))
_NUMBER = re.compile(r"\d+")
_HANDLE = re.compile(r"@\w+")
_URL = re.compile(r"(https?://\S+?/)(\S+)")


def corpus() -> list[dict]:
    return [json.loads(line) for path in CORPUS for line in path.open(encoding="utf-8")]


def synthetic_posts(n: int, seed: int = 0) -> Iterator[dict]:
    """``n`` posts with id, text, author, created_at, platform, label (of the source post)."""
    rng = random.Random(seed)
    rows = corpus()
    words_by_lang: dict[str, list[str]] = {}
    for r in rows:
        words_by_lang.setdefault(r["lang"], []).extend(w for w in r["text"].split() if w.isalpha())
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for i in range(n):
        r = rng.choice(rows)
        words = r["text"].split(" ")
        pool = words_by_lang[r["lang"]]
        for _ in range(max(1, len(words) // 8)):
            j = rng.randrange(len(words))
            if words[j].isalpha():
                words[j] = rng.choice(pool)
        text = " ".join(words)
        text = _NUMBER.sub(lambda m: str(rng.randrange(1, 10 ** len(m.group(0)) + 1)), text)
        text = _HANDLE.sub(lambda m: f"@{m.group(0)[1:6]}{rng.randrange(10000)}", text)
        text = _URL.sub(lambda m: f"{m.group(1)}{rng.getrandbits(40):x}", text)
        yield {
            "id": f"p{i}",
            "text": text,
            "author": f"{r['author']}_{rng.randrange(20)}",
            "created_at": (start + timedelta(minutes=rng.randrange(600_000))).isoformat(),
            "platform": r["platform"],
            "label": r["label"],
            "lang": r["lang"],
        }


def write_csv(path: Path, n: int, seed: int = 0, labels: bool = False) -> Path:
    cols = ["id", "text", "author", "created_at", "platform"] + (["label", "lang"] if labels else [])
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for p in synthetic_posts(n, seed):
            w.writerow([p[c] for c in cols])
    return path
