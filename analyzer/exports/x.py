"""X / Twitter account archives (FORMATS.md §1).

Posts come from ``tweets.js`` / ``tweet.js`` / ``tweets-partN.js`` (and
``community-tweet.js``, the user's posts in Communities), each one JS assignment of
a huge JSON array. Long posts are cut in those files; their full text is in
``note-tweet.js`` with no link to the tweet, so notes are matched by time and text.
The author comes from ``account.js`` (or ``manifest.js``), which is the only place it
is written.

Memory: tweets are decoded one at a time (ijson, ``jsonfile``) and parked on disk in a
PostSpool, because parts are not in date order and may repeat a tweet; retweets
left out never reach it. Held in memory are the spool index (date, id, offset: about
32 bytes a tweet), the ids of the retweets left out, and the notes of note-tweet.js
(long posts only, a small fraction of an archive).
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterator

from ..posts import Post, normalize_text
from ..errors import ReaderError
from .containers import member_base, side_files, Source
from .detection import POSTS_FILES
from .fields import clean_lang, dated, entity_meta, error_post, snowflake_time, text_urls, utc_datetime
from .spool import Keep, PostSpool
from .jsonfile import JsonFile, open_json

if TYPE_CHECKING:
    from . import ExportStats

__all__ = ["read"]

_WRAPPER = re.compile(r"window\.YTD\.([A-Za-z_]+)\.part(\d+)")
_PART = POSTS_FILES["x"]  # tweets.js, tweet.js, tweets-partN.js, community-tweet.js
_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_MONTH_DIGITS = {name: f"{number:02d}" for name, number in _MONTHS.items()}
_TAGS = re.compile(r"<[^>]*>")
_LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")
_SNOWFLAKE_EPOCH_MS = 1288834974657
_FIRST_SNOWFLAKE = 29_700_859_247  # ids below this are pre-snowflake sequence numbers


def read(source: Source, found: dict[str, list[str]], keep: Keep) -> Iterator[Post]:
    """Posts of an X archive, oldest first, de-duplicated by id."""
    stats = keep.stats
    parts = sorted((m for m in found["x"] if _PART.fullmatch(member_base(m))), key=_part_order)
    if not parts:  # then every file found is a Grailbird data/js/tweets/YYYY_MM.js
        raise ReaderError(source.where(found["x"][0]), "this is the pre-2019 'Grailbird' "
                          "archive layout (tweets.csv, data/js/tweets/YYYY_MM.js), which is not "
                          "supported; request a new archive from X (Settings > Your account > "
                          "Download an archive of your data)")
    manifest = _load_manifest(source)
    _check_manifest(source, manifest)
    author = _load_author(source, manifest)
    notes = _load_notes(source, stats) or None  # None without notes: no call per tweet
    counts = _manifest_counts(manifest)
    spool = PostSpool(dedup=True)
    skipped: set[int] = set()  # dedup keys of the retweets left out: parts repeat tweets
    try:
        for member in parts:
            stats.files.append(member)
            if member_base(member) in counts:
                keep.state(counts[member_base(member)], "manifest.js")
            community = "community" in member_base(member)
            kinds = ("community_tweet",) if community else ("tweet", "tweets")
            with open_json(source, member, assignment=True) as doc:
                _check_wrapper(doc, kinds)
                for n, item in enumerate(doc.items("item"), 1):
                    post = _to_post(item, member, n, author, notes)
                    tie, key = _id_keys(post.id)
                    if key in skipped:
                        continue  # a copy of a retweet already left out and counted
                    if not keep(post):
                        skipped.add(key)
                        continue
                    spool.add(post, tie=tie, key=key)
        yield from keep.emit(spool)
    finally:
        spool.close()


def _part_order(member: str) -> tuple[bool, int, str]:
    """tweets.js (part 0), tweets-part1.js, ... tweets-part10.js; community tweets after."""
    match = _PART.fullmatch(member_base(member))
    number = int(match.group(2)[5:]) if match and match.group(2) else 0
    return "community" in member_base(member), number, member


# -- side files ------------------------------------------------------------------

def _side_file(source: Source, base: str) -> str | None:
    """The shallowest member named ``base``."""
    return min(side_files(source, base), key=lambda m: (m.count("/"), m), default=None)


def _load_manifest(source: Source) -> dict[str, Any] | None:
    member = _side_file(source, "manifest.js")
    if member is None:
        return None
    with open_json(source, member, assignment=True) as doc:
        value = doc.value()
    return value if isinstance(value, dict) else None


def _check_manifest(source: Source, manifest: dict[str, Any] | None) -> None:
    """A part listed in the manifest but absent would silently lose posts: refuse instead."""
    if not manifest or not isinstance(manifest.get("dataTypes"), dict):
        return
    present = {member_base(n) for n in source.members}  # by name: the input may be the data/ folder
    for kind in ("tweets", "tweet", "noteTweet", "communityTweet"):
        entry = manifest["dataTypes"].get(kind)
        for f in (entry.get("files") or []) if isinstance(entry, dict) else []:
            wanted = f.get("fileName") if isinstance(f, dict) else None
            if isinstance(wanted, str) and member_base(wanted) not in present:
                raise ReaderError(source.where(wanted), "listed in manifest.js but missing from "
                                  "the archive (was it extracted or downloaded completely?)")


def _manifest_counts(manifest: dict[str, Any] | None) -> dict[str, Any]:
    """Tweets per posts file as manifest.js states them, by lower-case base name."""
    types = (manifest or {}).get("dataTypes")
    counts: dict[str, Any] = {}
    for kind in ("tweets", "tweet", "communityTweet"):
        entry = types.get(kind) if isinstance(types, dict) else None
        for f in (entry.get("files") or []) if isinstance(entry, dict) else []:
            if isinstance(f, dict) and isinstance(f.get("fileName"), str):
                counts[member_base(f["fileName"])] = f.get("count")
    return counts


def _load_author(source: Source, manifest: dict[str, Any] | None) -> str | None:
    member = _side_file(source, "account.js")
    if member is not None:
        with open_json(source, member, assignment=True) as doc:
            for item in doc.items("item"):
                account = item.get("account", item) if isinstance(item, dict) else None
                if isinstance(account, dict) and account.get("username"):
                    return str(account["username"])
    info = (manifest or {}).get("userInfo")
    if isinstance(info, dict) and info.get("userName"):
        return str(info["userName"])
    return None


def _check_wrapper(doc: JsonFile, kinds: tuple[str, ...]) -> None:
    name = doc.name
    if name is not None:  # None: a bare JSON array, as some tools re-save the file
        if name.startswith("Grailbird."):
            raise doc.error("this is the pre-2019 'Grailbird' archive layout, which is not "
                            "supported")
        match = _WRAPPER.fullmatch(name)
        if not match or match.group(1) not in kinds:
            raise doc.error(f"wrong wrapper: expected `window.YTD.{kinds[-1]}.part<N> = [`, "
                            f"found `{name[:60]}`")
    if doc.first != "[":
        found = "'end of file'" if not doc.first else repr(doc.first)
        raise doc.error(f"expected a JSON array '[', found {found}")


# -- long posts (note-tweet.js) --------------------------------------------------------

class _Notes:
    """Full texts of long posts, found by creation second and opening words."""

    def __init__(self) -> None:
        self._by_second: dict[int, list[tuple[float, str, str, list[str]]]] = {}

    def add(self, created: datetime, text: str, urls: list[tuple[str, str]]) -> None:
        for short, long in urls:
            if short and long:
                text = text.replace(short, long)
        stamp = created.timestamp()
        entry = (stamp, text, _comparable(text), [long for _, long in urls if long])
        self._by_second.setdefault(int(stamp), []).append(entry)

    def __bool__(self) -> bool:
        return bool(self._by_second)

    def match(self, created: datetime, text: str) -> tuple[str, list[str]] | None:
        """The note posted within 5 s whose text starts like the (cut) tweet text."""
        stamp = created.timestamp()
        start = _comparable(text)[:60]
        best = None
        for second in range(int(stamp) - 5, int(stamp) + 6):
            for when, full, comparable, urls in self._by_second.get(second, ()):
                gap = abs(when - stamp)
                if gap <= 5 and (comparable.startswith(start) if start else gap <= 1):
                    if best is None or gap < best[0]:
                        best = (gap, full, urls)
        return (best[1], best[2]) if best else None


def _comparable(text: str) -> str:
    """Text reduced to what a cut tweet and its note share: no links, no reply prefix."""
    text = _LEADING_MENTIONS.sub("", html.unescape(text))
    text = re.sub(r"https?://\S+", " ", text).rstrip().rstrip("…").rstrip(".")
    return " ".join(text.split())


def _load_notes(source: Source, stats: ExportStats) -> _Notes:
    notes = _Notes()
    for member in sorted(m for m in source.members
                         if re.fullmatch(r"note-tweet(-part\d+)?\.js", member_base(m))):
        stats.files.append(member)
        with open_json(source, member, assignment=True) as doc:
            _check_wrapper(doc, ("note_tweet",))
            for item in doc.items("item"):
                note = item.get("noteTweet") if isinstance(item, dict) else None
                core = note.get("core") if isinstance(note, dict) else None
                created = utc_datetime(note.get("createdAt")) if isinstance(note, dict) else None
                if not (isinstance(core, dict) and isinstance(core.get("text"), str) and created):
                    continue  # the tweet itself is still read from tweets.js, cut
                urls = [(u.get("shortUrl", ""), u.get("expandedUrl", ""))
                        for u in core.get("urls") or [] if isinstance(u, dict)]
                notes.add(created, core["text"], urls)
    return notes


# -- tweets ----------------------------------------------------------------------------

def _to_post(item: Any, member: str, n: int, author: str | None, notes: _Notes | None) -> Post:
    tweet = item.get("tweet", item) if isinstance(item, dict) else None
    if not isinstance(tweet, dict):
        return error_post(f"{member}#{n}", "x", member, "tweet record is not a JSON object", author)
    tid = str(tweet.get("id_str") or tweet.get("id") or "") or f"{member}#{n}"
    try:
        return _convert(tweet, tid, member, author, notes)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        return error_post(tid, "x", member, f"unusable tweet record ({type(exc).__name__}: {exc})",
                          author)


def _convert(tweet: dict[str, Any], tid: str, member: str, author: str | None,
             notes: _Notes | None) -> Post:
    created, flags = dated(tweet.get("created_at"), _created_at)
    if created is None:
        created = _snowflake_time(tid)
    raw = tweet.get("full_text", tweet.get("text"))
    if not isinstance(raw, str):
        return error_post(tid, "x", member, "tweet has no full_text", author, created)
    text = html.unescape(raw)
    entities = tweet.get("entities") or {}
    urls = []
    for u in entities.get("urls") or ():
        short, long = u.get("url"), u.get("expanded_url") or u.get("url")
        if long:
            urls.append(long)
            if short and short in text:
                text = text.replace(short, long)
    media = (tweet.get("extended_entities") or {}).get("media") or entities.get("media") or ()
    for m in media:
        if m.get("url"):  # the attachment's own t.co link, appended by X, not written by the user
            text = text.replace(m["url"], "")
    is_repost = text.startswith("RT @")
    if notes and not is_repost and created is not None:
        note = notes.match(created, text)
        if note is not None:
            prefix = _LEADING_MENTIONS.match(text)
            full, note_urls = note
            text = (prefix.group(0) if prefix and not full.startswith("@") else "") + full
            urls = note_urls  # the cut tweet's only link is usually to the post itself
    if not urls:
        urls = text_urls(text)  # very old tweets: raw links with an empty urls[]
    text, text_flags = normalize_text(text)
    meta = entity_meta(
        member,
        is_reply=bool(tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id")),
        is_repost=is_repost,
        urls=urls,
        mentions=[m.get("screen_name") for m in entities.get("user_mentions") or ()],
        hashtags=[h.get("text") for h in entities.get("hashtags") or ()],
        media_count=len(media),
        client=_client(tweet.get("source")),
    )
    return Post(id=tid, text=text, author=author, created_at=created, platform="x",
                lang=clean_lang(tweet.get("lang")), flags=flags + text_flags, meta=meta)


def _created_at(value: Any) -> datetime | None:
    """``Sat Feb 18 12:33:11 +0000 2023``, rearranged for ``fromisoformat`` (strptime is the
    slowest step otherwise); fields that are not plain digits go the long way, same result."""
    if not isinstance(value, str) or not value:
        return None
    if len(value) == 30 and value[19:26] == " +0000 ":
        month = _MONTH_DIGITS.get(value[4:7])
        if month and value[13] == value[16] == ":":
            try:
                return datetime.fromisoformat(
                    f"{value[26:30]}-{month}-{value[8:10]}T{value[11:19]}+00:00")
            except ValueError:
                pass
        try:
            return datetime(int(value[26:30]), _MONTHS[value[4:7]], int(value[8:10]),
                            int(value[11:13]), int(value[14:16]), int(value[17:19]),
                            tzinfo=timezone.utc)
        except (KeyError, ValueError):
            pass
    return utc_datetime(value)


def _snowflake_time(tid: str) -> datetime | None:
    """Creation time encoded in a tweet id, for records whose created_at is missing."""
    number = _int_id(tid)
    if number < _FIRST_SNOWFLAKE:
        return None
    return snowflake_time(number, _SNOWFLAKE_EPOCH_MS)


@lru_cache(maxsize=512)
def _client_name(source: str) -> str | None:
    return html.unescape(_TAGS.sub("", source)).strip() or None


def _client(source: Any) -> str | None:
    """``<a href=...>Buffer</a>`` -> ``Buffer`` (an archive has only a handful of sources)."""
    return _client_name(source) if isinstance(source, str) else None


def _int_id(tid: str) -> int:
    """Numeric tweet id (0 when the id is not a plain 63-bit number)."""
    if tid.isascii() and tid.isdigit():
        number = int(tid)
        if number < 2**63:
            return number
    return 0


def _id_keys(tid: str) -> tuple[int, int]:
    """Spool tie-break and dedup key: the numeric id; a non-numeric id ties at 0 and is
    deduplicated in negative space, never a real id."""
    number = _int_id(tid)
    return number, number or -(hash(tid) % (2**62)) - 1
