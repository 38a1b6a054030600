"""Benchmark data generated from the labelled corpus, reproducibly (fixed seeds).

Two sets:

- ``corpus`` (:func:`synthetic_posts`): corpus posts with a few words swapped for words of
  another post of the same language, and with fresh numbers, @handles, URL paths and
  authors. Long and clean, like the corpus (median 19 words).
- ``real`` (:func:`real_posts`): posts with the texture of real exports: short (median
  about 16 words), cut from a corpus post at its start or at a sentence, then made noisy
  the way people write: typos, stretched words, lowercase or shouted, slang, reply
  @handles, shortened links, emoji and hashtags, most of them unique (fresh handles,
  link codes, numbers, typo forms), so that, as in a real feed, new tokens keep arriving
  and no cache sees only repeats. English, Spanish and Italian in the corpus' proportions.

Repeating the corpus posts verbatim would flatter every tokenizer (its cache would hold
every chunk after the first pass). The same call always gives the same posts.
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


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_EMOJI = ("😂", "🤣", "😍", "🔥", "👍", "🙏", "❤️", "😭", "🥲", "👀", "✨", "💯", "🙌", "😅", "🤔",
          "👉", "🎉", "😎", "💪🏽", "👏🏻", "🤷‍♀️", "🇪🇸", "🇮🇹", "🇬🇧", "☕", "📸", "🚀", "😤", "🥳", "💀")
_SLANG = {
    "en": ("lol", "lmao", "tbh", "imo", "idk", "omg", "pls", "thx", "u", "ngl", "fr", "smh", "btw", "rn"),
    "es": ("jaja", "jajaja", "xq", "q", "tb", "bss", "porfa", "xd", "k", "tqm", "wtf", "pq", "nse", "ntp"),
    "it": ("ahah", "ahahah", "cmq", "nn", "xké", "tvb", "boh", "raga", "mah", "sisi", "dai", "vabbè", "cvd", "xò"),
}
_SHORTENERS = ("https://t.co/", "https://bit.ly/", "https://buff.ly/", "https://ow.ly/", "https://lnkd.in/")
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_VOWELS = "aeiouAEIOU"


def _typo(word: str, rng: random.Random) -> str:
    """One keyboard slip: two letters swapped, one dropped or one doubled."""
    if len(word) < 4:
        return word
    j = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:j] + word[j + 1] + word[j] + word[j + 2:]
    if kind == 1:
        return word[:j] + word[j + 1:]
    return word[:j] + word[j] + word[j:]


def _stretch(word: str, rng: random.Random) -> str:
    """"sooo", "graziee": the last vowel (or letter) repeated."""
    k = max((word.rfind(v) for v in _VOWELS), default=-1)
    k = k if k >= 0 else len(word) - 1
    return word[:k + 1] + word[k] * rng.randrange(2, 6) + word[k + 1:]


def _handle(rng: random.Random, pool: list[str]) -> str:
    base = rng.choice(pool).lower()[:9]
    return "@" + base + rng.choice(("", "_", "")) + str(rng.randrange(100000))


def _hashtag(rng: random.Random, pool: list[str]) -> str:
    words = [rng.choice(pool) for _ in range(rng.choice((1, 1, 2, 3)))]
    tag = "".join(w.capitalize() for w in words) if len(words) > 1 else words[0].lower()
    return "#" + tag + (str(rng.randrange(2015, 2030)) if rng.random() < 0.2 else "")


def _link(rng: random.Random, pool: list[str]) -> str:
    if rng.random() < 0.7:
        return rng.choice(_SHORTENERS) + "".join(rng.choice(_ALNUM) for _ in range(10))
    return (f"https://www.{rng.choice(pool).lower()}.com/{rng.choice(pool).lower()}-"
            f"{rng.randrange(10 ** 6)}?utm_source=social")


def real_posts(n: int, seed: int = 0) -> Iterator[dict]:
    """``n`` short, noisy posts with the same fields as :func:`synthetic_posts`.

    ``label`` is that of the corpus post the words were cut from (a cut or noise may
    change the truth of it: these posts are for timing, not for scoring quality).
    """
    rng = random.Random(seed)
    rows = corpus()
    words_by_lang: dict[str, list[str]] = {}
    long_by_lang: dict[str, list[str]] = {}  # words for hashtags, handles and link names
    for r in rows:
        words = [w for w in r["text"].split() if w.isalpha()]
        words_by_lang.setdefault(r["lang"], []).extend(words)
        long_by_lang.setdefault(r["lang"], []).extend(w for w in words if len(w) >= 4)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for i in range(n):
        r = rng.choice(rows)
        lang, pool, names = r["lang"], words_by_lang[r["lang"]], long_by_lang[r["lang"]]
        sentences = _SENTENCE_END.split(" ".join(r["text"].split()))
        first = 0 if rng.random() < 0.6 else rng.randrange(len(sentences))
        words = " ".join(sentences[first:]).split()
        # words kept: lognormal around 21, capped by the post itself: with the noise added
        # below, a median of 15 words (10th percentile 6, 90th 28)
        keep = max(2, min(len(words), round(rng.lognormvariate(3.05, 0.55))))
        words = words[:keep]
        out = []
        for w in words:
            u = rng.random()
            if u < 0.07:
                w = _typo(w, rng)
            elif u < 0.10 and w.isalpha():
                w = _stretch(w, rng)
            elif u < 0.12:
                w = w.upper()
            elif u < 0.15 and w.isalpha():
                w = rng.choice(pool)  # a word of another post
            out.append(w)
            v = rng.random()
            if v < 0.04:
                out.append(rng.choice(_SLANG[lang]))
            elif v < 0.07:
                out.append(rng.choice(_EMOJI) * rng.choice((1, 1, 2, 3)))
        text = " ".join(out)
        if rng.random() < 0.35:
            text = text.lower()
        text = _NUMBER.sub(lambda m: str(rng.randrange(1, 10 ** len(m.group(0)) + 1)), text)
        text = _HANDLE.sub(lambda m: _handle(rng, names), text)
        text = _URL.sub(lambda m: _link(rng, names), text)
        if rng.random() < 0.3:  # a reply: the @-names the platform puts first
            text = " ".join(_handle(rng, names) for _ in range(rng.choice((1, 1, 1, 2)))) + " " + text
        if rng.random() < 0.25:
            text += " " + _link(rng, names)
        if rng.random() < 0.3:
            text += " " + " ".join(_hashtag(rng, names) for _ in range(rng.choice((1, 1, 2, 3))))
        if rng.random() < 0.25:
            text += rng.choice(("", " ")) + rng.choice(_EMOJI) * rng.choice((1, 2, 3))
        yield {
            "id": f"r{i}",
            "text": text,
            "author": f"{r['author']}_{rng.randrange(50)}",
            "created_at": (start + timedelta(minutes=rng.randrange(600_000))).isoformat(),
            "platform": r["platform"],
            "label": r["label"],
            "lang": lang,
        }


KINDS = {"corpus": synthetic_posts, "real": real_posts}


def posts(kind: str, n: int, seed: int = 0) -> Iterator[dict]:
    """``n`` posts of the set ``kind`` (``corpus`` or ``real``)."""
    return KINDS[kind](n, seed)


def write_csv(path: Path, n: int, seed: int = 0, labels: bool = False, kind: str = "corpus") -> Path:
    cols = ["id", "text", "author", "created_at", "platform"] + (["label", "lang"] if labels else [])
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for p in posts(kind, n, seed):
            w.writerow([p[c] for c in cols])
    return path
