"""The Post record, the two labels and text normalisation.

Everything downstream (features, model, reports) sees posts only through these
types, so readers for any format or platform stay interchangeable.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Mapping

from .errors import UsageError

__all__ = [
    "Label",
    "LabelError",
    "MAX_CHARS",
    "NO_TEXT",
    "normalize_lang",
    "Post",
    "media_rule",
    "normalize_text",
    "parse_date",
    "parse_label",
]

# Feature extraction reads at most this many characters of a post; longer posts
# are cut and flagged "truncated" (a 1 MB paste must not stall a batch).
MAX_CHARS = 20_000


class Label(str, Enum):
    MEDIA = "media"
    NETWORKING = "networking"

    def __str__(self) -> str:
        return self.value


LABELS: tuple[str, ...] = (Label.MEDIA.value, Label.NETWORKING.value)

LABEL_SYNONYMS: dict[str, Label] = {
    "media": Label.MEDIA,
    "promotional": Label.MEDIA,
    "promotion": Label.MEDIA,
    "promo": Label.MEDIA,
    "broadcast": Label.MEDIA,
    "networking": Label.NETWORKING,
    "network": Label.NETWORKING,
    "conversational": Label.NETWORKING,
    "conversation": Label.NETWORKING,
}


# Lovejoy & Saxton's functions; information and action are media, community is networking.
FUNCTIONS: tuple[str, ...] = ("information", "action", "community")
FUNCTION_LABEL: dict[str, Label] = {
    "information": Label.MEDIA, "action": Label.MEDIA, "community": Label.NETWORKING,
}
FUNCTION_SYNONYMS: dict[str, str] = {
    **{f: f for f in FUNCTIONS}, "info": "information", "informational": "information",
    "información": "information", "informazione": "information", "act": "action",
    "acción": "action", "azione": "action", "mobilization": "action", "mobilisation": "action",
    "comunidad": "community", "comunità": "community", "dialogue": "community",
}


class LabelError(UsageError):
    """A label value that is neither a label nor one of its synonyms."""


def parse_label(value: Any) -> Label:
    """Map a label written by a person (any case, synonyms) to a Label."""
    if isinstance(value, Label):
        return value
    key = str(value).strip().lower() if value is not None else ""
    try:
        return LABEL_SYNONYMS[key]
    except KeyError:
        accepted = ", ".join(sorted(LABEL_SYNONYMS))
        raise LabelError(f"unknown label {value!r} (accepted: {accepted})") from None


def parse_function(value: Any) -> str | None:
    """Map a function label (any case, a few synonyms) to information/action/community;
    None for an empty value."""
    key = str(value).strip().lower() if value is not None else ""
    if not key or key in ("nan", "none", "null"):
        return None
    try:
        return FUNCTION_SYNONYMS[key]
    except KeyError:
        raise LabelError(f"unknown function {value!r} (accepted: {', '.join(FUNCTIONS)})") from None


@dataclass(frozen=True, slots=True)
class Post:
    """One social post as read from any source.

    ``flags`` records what normalisation changed (``truncated``,
    ``invalid_utf8``, ...); ``error`` is set when the row could not be read,
    and such a post is still passed on so that the output keeps one row per
    input row. ``meta`` holds export metadata (is_reply, urls, client, ...).
    """

    id: str
    text: str
    author: str | None = None
    created_at: datetime | None = None
    lang: str | None = None
    platform: str | None = None
    label: Label | None = None
    flags: tuple[str, ...] = ()
    function: str | None = None
    error: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """``error`` (unreadable), ``empty`` (no words and no media), else ``ok``."""
        if self.error:
            return "error"
        if not self.text.strip():
            return "ok" if self.media_count else "empty"
        return "ok"

    @property
    def reason(self) -> str | None:
        """Why the post has no score: the read error, ``no text`` for an empty post, else None."""
        if self.error:
            return self.error
        return EMPTY_REASON if self.status == "empty" else None

    @property
    def media_count(self) -> int:
        """Photos, videos and GIFs attached, as the export states it (0 when unknown)."""
        n = self.meta.get("media_count") if self.meta else None
        return n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else 0

    @property
    def by_rule(self) -> bool:
        """True for a readable post with media and no words of its own (only, at most, the
        @-names at the start of a reply): the model has nothing to read, so it is
        labelled by ``media_rule`` from its metadata instead."""
        if self.error or not self.media_count:
            return False
        return not (own_words(self.text) if self.meta.get("is_reply") is True else self.text.strip())


# The handles X and Mastodon put before a reply's text ("@ana @bob@example.social ...").
_LEADING_MENTIONS = re.compile(r"^(?:[@\uff20][\w.\-]+(?:@[\w.\-]+)?[\s,:]*)+")


def own_words(text: str) -> str:
    """The post's text without the leading @-names of a reply (what its author wrote)."""
    return _LEADING_MENTIONS.sub("", text.strip(), count=1).strip()


# The ``error`` of an empty post (no words and no media): why it has no score.
EMPTY_REASON = "no text"

# Flag of a post labelled by rule because it has no words, only media.
NO_TEXT = "no_text"


def media_rule(post: Post) -> tuple[Label, str, str] | None:
    """(label, function, explanation) of a post with no words but media; None for others.

    The rule, after the coding guide: a photo, video or GIF posted on its own (not a
    reply) is broadcast content: ``media``, function ``information``. A photo, video or
    GIF sent as a reply is part of a conversation: ``networking``, function
    ``community``. No probability is given: nothing was estimated.
    """
    if not post.by_rule:
        return None
    n = post.media_count
    what = "1 photo/video/GIF" if n == 1 else f"{n} photos/videos/GIFs"
    if post.meta.get("is_reply") is True:
        return (Label.NETWORKING, "community",
                f"has no words, only {what}, sent as a reply; labelled by rule from its "
                "metadata: conversational (networking, community)")
    return (Label.MEDIA, "information",
            f"has no words, only {what}, posted on its own (not a reply); labelled by rule "
            "from its metadata: broadcast (media, information)")


_SURROGATES = re.compile(r"[\ud800-\udfff]")
# C0/C1 control characters except tab and newline; they carry no meaning in a
# post and break CSV writers and terminals.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029]")


def normalize_text(raw: Any) -> tuple[str, tuple[str, ...]]:
    """Return the text to analyse and the flags describing what was changed."""
    flags: list[str] = []
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return "", ()
    if not isinstance(raw, str):
        raw = str(raw)
        flags.append("non_string_text")
    text = raw
    if _SURROGATES.search(text):
        text = _SURROGATES.sub("\ufffd", text)
        flags.append("invalid_unicode")
    text = unicodedata.normalize("NFC", text)
    text = _NEWLINES.sub("\n", text)
    if _CONTROLS.search(text):
        text = _CONTROLS.sub(" ", text)
        flags.append("control_characters")
    text = text.strip()
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
        flags.append("truncated")
    return text, tuple(flags)


_TWITTER_DATE = "%a %b %d %H:%M:%S %z %Y"


def parse_date(value: Any) -> datetime | None:
    """Parse the timestamps exports and tables carry; None when unparseable.

    Accepts ISO 8601 (with ``Z``), Twitter's ``Wed Oct 10 20:19:24 +0000 2018``,
    Unix seconds or milliseconds, and datetime objects. Naive values stay
    naive: the input did not say which zone they are in.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return None
        seconds = value / 1000 if abs(value) > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.strptime(text, _TWITTER_DATE)
    except ValueError:
        pass
    if re.fullmatch(r"\d{9,13}", text):
        return parse_date(int(text))
    return None


def normalize_lang(code: Any) -> str | None:
    """``en-US``, ``EN``, ``es_MX`` -> ``en``, ``es``; empty -> None."""
    if code is None or not isinstance(code, str):
        return None
    code = code.strip().lower().replace("_", "-").split("-", 1)[0]
    return code or None
