"""Training-time augmentation with the texture of real feeds.

Our corpus is written by us and cleaner than what people post. Each augmented
copy keeps the label and author of its post and changes only the surface the
way real posts differ from ours: case, missing accents, typos and letter
repeats, a dropped final stop, a repost prefix cut short with an ellipsis,
a link shortened, an emoji run. Copies share their author, so grouped
cross-validation never sees a copy of a test post in training.
"""

from __future__ import annotations

import dataclasses
import random
import re
import unicodedata
from typing import Callable, Sequence

from .patterns import LINK_IN_TEXT
from .posts import Post

__all__ = ["AUGMENTATIONS", "augment_posts"]

_WORD = re.compile(r"[^\W\d_]{4,}")
_EMOJI_RUNS = ("😂😂", "🔥🔥", "🙏", "😍", "👏👏", "💯", "😭😭", "🙌", "❤️", "👀")
_HANDLES = ("@mari_88", "@the_real_jo", "@luca.b", "@pepa_rr", "@anon4821", "@giuli.b", "@tomk", "@sofi_v")
_SHORT = ("https://bit.ly/3xK9qLm", "https://t.co/Zq81LmXa", "https://buff.ly/4aTr2", "https://youtu.be/d9Xk2LwQ")


def _strip_accents(text: str, rng: random.Random) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _lower(text: str, rng: random.Random) -> str:
    return text.lower()


def _shout(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    i = rng.randrange(len(words))
    words[i] = words[i].upper()
    return " ".join(words)


def _typo(text: str, rng: random.Random) -> str:
    words = list(_WORD.finditer(text))
    if not words:
        return text
    m = rng.choice(words)
    w = m.group(0)
    i = rng.randrange(1, len(w) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        new = w[:i] + w[i + 1:]  # a letter dropped
    elif kind == 1:
        new = w[:i] + w[i + 1] + w[i] + w[i + 2:]  # two letters swapped
    else:
        new = w[:i] + w[i] * rng.randint(2, 4) + w[i + 1:]  # a letter repeated
    return text[:m.start()] + new + text[m.end():]


def _drop_final_stop(text: str, rng: random.Random) -> str:
    return text.rstrip(" .")


def _repost(text: str, rng: random.Random) -> str:
    cut = text if len(text) < 90 else text[: rng.randint(60, 90)].rsplit(" ", 1)[0] + "…"
    return f"RT {rng.choice(_HANDLES)}: {cut}"


def _shorten_links(text: str, rng: random.Random) -> str:
    return LINK_IN_TEXT.sub(lambda m: rng.choice(_SHORT), text)


def _emoji(text: str, rng: random.Random) -> str:
    return f"{text} {rng.choice(_EMOJI_RUNS)}"


AUGMENTATIONS: dict[str, Callable[[str, random.Random], str]] = {
    "strip_accents": _strip_accents, "lower": _lower, "shout": _shout, "typo": _typo,
    "drop_final_stop": _drop_final_stop, "repost": _repost, "shorten_links": _shorten_links,
    "emoji": _emoji,
}


def augment_posts(posts: Sequence[Post], fraction: float, *, seed: int = 0) -> list[Post]:
    """``posts`` plus ``round(fraction * len(posts))`` textured copies (two changes each),
    chosen and changed reproducibly from ``seed``."""
    rng = random.Random(seed)
    n = round(fraction * len(posts))
    if n <= 0 or not posts:
        return list(posts)
    names = sorted(AUGMENTATIONS)
    out = list(posts)
    for k in range(n):
        post = posts[rng.randrange(len(posts))]
        text = post.text
        for name in rng.sample(names, 2):
            text = AUGMENTATIONS[name](text, rng)
        if text.strip() and text != post.text:
            out.append(dataclasses.replace(post, id=f"{post.id}~aug{k}", text=text))
    return out
