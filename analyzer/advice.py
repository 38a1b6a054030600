"""What an account should change, ranked: the audit's numbers turned into a few actions.

Kept apart from :mod:`analyzer.audit` (which only counts) so that the wording can
change without touching a number. Every action carries the one figure it rests
on and, where there is one, an example post of the account's own; no action
says anything the audit's tables contradict (an account within its target is
never told it publishes one-way, a gap is given in days).
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable, Mapping, Sequence

from .signals import SIGNAL_NAMES, signal_by_name

__all__ = ["MIN_POSTS", "account_actions", "audit_actions", "habit", "no_advice", "platform_name"]

MIN_POSTS = 5  # fewer posts than this, and an account gets no advice
MAX_ACTIONS = 5
_LOW_QUESTIONS = 0.2  # below this share of posts with a question, suggest asking more
_LOW_REPLIES = 0.1
_PLATFORM_MIN_POSTS = 3
_REGULAR_CV = 0.25  # coefficient of variation of the gaps below which posting is clockwork
_PARENS = re.compile(r"\s*\([^()]*\)")
# phrases that name a count: said without it, or not a habit at all (length)
_HABITS = {
    "style__n_leading_mentions": "opens by replying to someone's @handle",
    "content__n_hashtags": "uses hashtags",
    "effort__n_trailing_hashtags": "ends with a block of hashtags",
    "effort__n_mentions": "names other accounts",
    "effort__n_line_breaks": "is laid out over several lines",
    "style__mean_sentence_len": None,
    "content__n_words": None,
    "content__n_sentences": None,
}


def habit(name: str) -> str | None:
    """What a post does, in plain words, to complete "because the post ..." ("links out",
    "asks for opinions"); None for character n-grams and length, which no person would
    recognise as a habit."""
    if name.startswith("ngram__"):
        return f'uses the words "{name[7:]}"'
    if name.startswith("char__") or name not in SIGNAL_NAMES:
        return None
    if name in _HABITS:
        return _HABITS[name]
    text = signal_by_name(name).phrase
    while _PARENS.search(text):
        text = _PARENS.sub("", text)
    return text.strip()


_PLATFORMS = {"x": "X", "linkedin": "LinkedIn", "tiktok": "TikTok", "youtube": "YouTube",
              "whatsapp": "WhatsApp", "sms": "SMS"}


def platform_name(key: str) -> str:
    return _PLATFORMS.get(key.lower(), key[:1].upper() + key[1:])


def no_advice(min_posts: int | None) -> str:
    """What a report says in place of the actions when no account has enough posts."""
    return f"Too few scored posts for advice (an account needs {min_posts} or more)."


def _quote(example: Mapping[str, Any] | None, limit: int = 140) -> dict[str, Any] | None:
    if not example or not (example.get("text") or "").strip():
        return None
    text = " ".join(str(example["text"]).split())
    return {"id": example.get("id"), "text": text if len(text) <= limit else text[:limit - 1].rstrip() + "…",
            "p_networking": example.get("p_networking")}


def _days(hours: float) -> str:
    days = hours / 24
    return f"{days:.0f} days" if days >= 9.5 else f"{days:.1f} days".replace(".0 days", " days")


def _top_habit(drivers: Sequence[tuple[str, int]]) -> tuple[str, int] | None:
    for name, n in drivers:
        text = habit(name)
        if text:
            return text, n
    return None


def account_actions(
    mix: Mapping[str, Any],
    behaviour: Mapping[str, Any],
    overall_behaviour: Mapping[str, Any],
    *,
    target: float,
    rule: str,
    platforms: Mapping[str, Mapping[str, int]],
    drivers: Mapping[str, Sequence[tuple[str, int]]],
    examples: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Three to five actions for one account, most useful first.

    ``mix`` is the account's row of the mix table, ``platforms`` its media and
    networking counts per platform, ``drivers`` the signals most often behind
    each of its labels (name, posts), ``examples`` its most confident media and
    networking posts (``media``, ``networking``) and, per platform, its most
    confident media post (``media_by_platform``).
    """
    n, media = mix["posts"], mix["media"]
    share = mix["media_share"]
    out: list[tuple[float, dict[str, Any]]] = []

    def add(score: float, kind: str, text: str, number: str, example: Mapping[str, Any] | None = None) -> None:
        out.append((score, {"kind": kind, "text": text, "number": number, "example": _quote(example)}))

    over = share - target
    if over > 0:
        fewer = max(1, math.ceil(media - target * n))
        add(10 + over, "mix",
            f"{media} of your {n} posts ({share:.0%}) broadcast or promote; the {rule} target is at most "
            f"{target:.0%}. Turn {'about ' if fewer > 1 else ''}{fewer} of them into posts that talk with "
            "people: ask something, reply, thank or react.",
            f"{share:.0%} promotional", examples.get("media"))
    else:
        add(1, "keep",
            f"Your mix is within the {rule} target: {media} of {n} posts ({share:.0%}) promote or broadcast. "
            "Keep the conversational posts coming.",
            f"{share:.0%} promotional", None)

    # a platform used only to broadcast, when another one shows the account can converse
    shares = {p: (c.get("media", 0) / max(1, c.get("media", 0) + c.get("networking", 0)),
                  c.get("media", 0) + c.get("networking", 0)) for p, c in platforms.items()}
    heavy = [(s, k, p) for p, (s, k) in shares.items() if k >= _PLATFORM_MIN_POSTS and s >= 0.75 and s > target]
    if heavy and len(shares) > 1:
        s, k, p = max(heavy, key=lambda x: (x[0], x[1]))
        best = min(shares.items(), key=lambda x: x[1][0])
        lead = f"All {k}" if s == 1 else f"{round(s * k)} of your {k}"
        name, other = platform_name(p), platform_name(best[0])
        add(8 + s, "platform",
            f"{lead} of your {name} posts promote or broadcast, against {best[1][0]:.0%} on {other}. "
            f"Post something on {name} that invites an answer, as you do on {other}.",
            f"{s:.0%} promotional on {name}", examples.get("media_by_platform", {}).get(p))

    q = behaviour.get("question_share")
    all_q = overall_behaviour.get("question_share")
    if q is not None and q < _LOW_QUESTIONS and over > 0:
        compare = f" (all accounts: {all_q:.0%})" if all_q is not None else ""
        add(7 - q, "questions",
            f"Only {q:.0%} of your posts ask a question{compare}. End some posts with a real question "
            "to your readers, one you want answered.",
            f"{q:.0%} ask a question", None)

    top = _top_habit(drivers.get("media", ()))
    if top and media:
        text, k = top
        if k / media >= 0.4 and over > 0:
            add(6 + k / media, "habit",
                f"In {k} of your {media} promotional posts the main reason for that label is that the "
                f"post {text}. Try some of them without it.",
                f"{k} of {media} promotional posts", examples.get("media"))

    r = behaviour.get("reply_share")
    if r is not None and r < _LOW_REPLIES and over > 0:
        add(5 - r, "replies",
            f"Only {r:.0%} of your posts are replies to other people. Answer comments and mentions: "
            "replies are the most conversational posts there are.",
            f"{r:.0%} replies", None)

    cv, gap = behaviour.get("interval_cv"), behaviour.get("median_interval_hours")
    if cv is not None and gap is not None and cv < _REGULAR_CV and over > 0:
        add(3, "schedule",
            f"You post at very regular intervals (about every {_days(gap)}, variation {cv:.2f}), as a "
            "publishing schedule does. Leave room for posts that answer what people say.",
            f"every {_days(gap)}", None)

    good = _top_habit(drivers.get("networking", ()))
    if good and mix["networking"]:
        text, k = good
        add(2, "strength",
            f"What works: {k} of your {mix['networking']} conversational posts "
            f"{'gets' if k == 1 else 'get'} that label mainly because the post {text}. Do more of that.",
            f"{k} of {mix['networking']} conversational posts", examples.get("networking"))

    out.sort(key=lambda x: -x[0])
    chosen, seen = [], set()
    for i, (_, a) in enumerate(out[:MAX_ACTIONS]):
        if a["example"] and a["example"]["id"] in seen:  # each post quoted once
            a = {**a, "example": None}
        seen.add((a["example"] or {}).get("id"))
        chosen.append({"rank": i + 1, **a})
    return chosen


def audit_actions(
    audit: Mapping[str, Any],
    *,
    target: float,
    rule: str,
    platforms: Callable[[str], Mapping[str, Mapping[str, int]]],
    drivers: Callable[[str], Mapping[str, Sequence[tuple[str, int]]]],
    examples: Callable[[str], Mapping[str, Any]],
) -> dict[str, Any]:
    """Ranked actions per account with enough posts (and for all posts together).

    ``audit`` holds the finished mix and behaviour tables; ``platforms``,
    ``drivers`` and ``examples`` give, for an account (``"__all__"`` for all
    posts), what :func:`account_actions` takes under those names.
    """
    behaviour = audit["behaviour"]

    def actions(who: str, mix: Mapping[str, Any], b: Mapping[str, Any]) -> list[dict[str, Any]]:
        return account_actions(mix, b, behaviour["overall"], target=target, rule=rule,
                               platforms=platforms(who), drivers=drivers(who), examples=examples(who))

    out: dict[str, Any] = {"overall": [], "by_account": {}, "min_posts": MIN_POSTS}
    if audit["overall"]["posts"] >= MIN_POSTS:
        out["overall"] = actions("__all__", audit["overall"], behaviour["overall"])
    for row in audit["mix"].get("account", {}).get("rows", []):
        if row["posts"] >= MIN_POSTS:
            out["by_account"][row["key"]] = actions(row["key"], row, behaviour["by_account"].get(row["key"], {}))
    return out
