"""Meta "Download your information" in JSON: Facebook ``your_posts*.json``, Instagram
``posts_N.json`` and Threads ``threads_and_replies.json`` (FORMATS.md §4, §5, §7).

All three share the mojibake bug: every UTF-8 byte of a non-ASCII character is
written as its own ``\\u00XX`` escape, so a JSON parser returns Latin-1 garbage
(``CafÃ©``). ``fix_mojibake`` undoes it per string after parsing (Fix A of §4.3,
with ftfy for strings that mix broken and correct runs); unlike a byte-level fix
before parsing it cannot be fooled by a literal backslash in a post. None of these files has a post id, so ids
are ``<platform>:<timestamp>:<n>``, n counting posts with the same timestamp.
The HTML flavour of the download is refused with a hint to request JSON.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING, Any, Iterator

import ftfy
from ftfy import TextFixerConfig

from ..posts import Post, normalize_text
from ..errors import ReaderError
from .containers import side_files, Source
from .fields import dated, entity_meta, epoch_utc, error_post, text_hashtags, text_mentions, text_urls
from .spool import Keep
from .jsonfile import open_json

if TYPE_CHECKING:
    from . import ExportStats

__all__ = ["fix_mojibake", "read", "repair"]

_HIGH = re.compile("[\x80-\xff]")
# What UTF-8 read as Latin-1 or cp1252 leaves: a lead byte (U+00C2-U+00F4) before a
# continuation byte (U+0080-U+00BF, or cp1252's characters for 0x80-0x9F), or a C1
# control. Strings without one are correct text to ftfy's Latin-1 and cp1252 repairs,
# and it is not asked (its own check costs 10-20 us a string).
_CP1252_HIGH = "".join(sorted(set(bytes(range(0x80, 0xA0)).decode("cp1252", "ignore"))))
_BROKEN = re.compile(f"[\xc2-\xf4][\x80-\xbf{_CP1252_HIGH}]|[\x80-\x9f]")
# ftfy's encoding repair only: no HTML unescaping, quote uncurling, normalisation ...
_FTFY = TextFixerConfig(unescape_html=False, remove_terminal_escapes=False,
                        fix_latin_ligatures=False, fix_character_width=False,
                        uncurl_quotes=False, fix_line_breaks=False, remove_control_chars=False,
                        fix_c1_controls=False, normalization=None, explain=False)
# Facebook's generated activity title for a share without words of the user's own.
_SHARED = re.compile(r"\bshared\b", re.I)
_THREADS_KEY = "text_post_app_text_posts"


def fix_mojibake(text: str) -> str:
    """Undo Meta's one-escape-per-UTF-8-byte encoding; correct text is returned unchanged.

    A string written wholly that way comes back exactly from its Latin-1 bytes. Meta
    also writes strings where such runs sit next to correct text (``Ã\x9cbel süss``);
    the whole-string round trip fails on those, and ftfy repairs the broken runs only
    (``fix_encoding``: encoding fixes, none of ftfy's cosmetic changes), when there are
    any (``_BROKEN``).
    """
    if not _HIGH.search(text):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return ftfy.fix_encoding(text, _FTFY) if _BROKEN.search(text) else text


def repair(value: Any) -> Any:
    """``fix_mojibake`` on every string of a parsed value, dict keys included."""
    if isinstance(value, str):
        return fix_mojibake(value)
    if isinstance(value, list):
        return [repair(v) for v in value]
    if isinstance(value, dict):
        return {fix_mojibake(k): repair(v) for k, v in value.items()}
    return value


def read(source: Source, found: dict[str, list[str]], keep: Keep) -> Iterator[Post]:
    """Posts of the Meta platforms in ``found``, merged oldest first.

    Meta files are small next to an X archive (posts only, no media), so the posts
    are sorted in memory; each file is still parsed item by item.
    """
    yield from keep.emit_sorted(_candidates(source, found, keep.stats))


def _candidates(source: Source, found: dict[str, list[str]], stats: ExportStats) -> Iterator[Post]:
    for platform in ("facebook", "instagram", "threads"):
        members = found.get(platform)
        if not members:
            continue
        jsons = [m for m in members if m.lower().endswith(".json")]
        if not jsons:
            raise ReaderError(source.where(members[0]), "this is Meta's HTML export, which cannot "
                              "be read; re-export as JSON: request your information again with Format: JSON "
                              "(Accounts Center > Your information and permissions > Export your "
                              "information)")
        counters: dict[Any, int] = {}
        seen: set[bytes] = set()
        author = _username(source, platform)
        for member in jsons:
            stats.files.append(member)
            for n, item in _items(source, member, platform):
                if _written_before(item, seen):
                    stats.duplicates_skipped += 1
                    continue
                yield _to_post(platform, item, member, n, counters, author)


def _written_before(item: Any, seen: set[bytes]) -> bool:
    """Whether the very same entry (every field equal) came earlier in this platform's files.

    An entry written twice (in two ``your_posts_N.json`` parts, or twice in one) would
    otherwise count as two posts. Two real posts differ at least in their timestamp, so
    only true repeats are dropped, and the summary says how many.
    """
    key = hashlib.blake2b(json.dumps(item, sort_keys=True, ensure_ascii=False, default=str)
                          .encode("utf-8", "surrogatepass"), digest_size=16).digest()
    if key in seen:
        return True
    seen.add(key)
    return False


def _username(source: Source, platform: str) -> str | None:
    """Instagram / Threads handle from ``personal_information.json`` (Facebook has none).

    The handle sits in a ``string_map_data`` entry labelled ``Username``; the Threads
    copy lives under ``threads/``, so each platform prefers its own file.
    """
    if platform == "facebook":
        return None
    files = side_files(source, "personal_information.json")
    files.sort(key=lambda m: ("/threads/" in f"/{m}") != (platform == "threads"))
    for member in files:
        try:
            value = repair(json.loads(source.read_bytes(member).decode("utf-8-sig")))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            continue  # a side file: a damaged one costs the author name, not the posts
        name = _find_username(value)
        if name:
            return name
    return None


def _find_username(value: Any) -> str | None:
    if isinstance(value, dict):
        fields = value.get("string_map_data")
        entry = fields.get("Username") if isinstance(fields, dict) else None
        if isinstance(entry, dict) and isinstance(entry.get("value"), str) and entry["value"]:
            return entry["value"]
        values = list(value.values())
    elif isinstance(value, list):
        values = value
    else:
        return None
    for child in values:
        found = _find_username(child)
        if found:
            return found
    return None


def _items(source: Source, member: str, platform: str) -> Iterator[tuple[int, Any]]:
    with open_json(source, member) as doc:
        first = doc.first
        if platform == "threads":
            top: dict[str, Any] = {}
            items = doc.items(_THREADS_KEY + ".item", top) if first == "{" else iter(())
            yield from ((n, repair(item)) for n, item in enumerate(items, 1))
            if _THREADS_KEY not in top:
                raise doc.error(f"expected an object with {_THREADS_KEY!r} (is this a Threads "
                                "threads_and_replies.json?)")
            return
        if first == "{":
            # some Meta files wrap their list in {"<name>_v2": [...]}: take the first list
            items = doc.first_list()
        elif first == "[":
            items = doc.items("item")
        else:
            raise doc.error(f"expected a JSON array of posts, found {first or 'end of file'!r}")
        for n, item in enumerate(items, 1):
            yield n, repair(item)
        if first == "{" and not doc.found_list:
            raise doc.error("expected a JSON array of posts, found an object without one")


def _to_post(platform: str, item: Any, member: str, n: int, counters: dict[Any, int],
             author: str | None) -> Post:
    if not isinstance(item, dict):
        return error_post(f"{platform}:{member}#{n}", platform, member,
                          "post record is not a JSON object", author)
    try:
        stamp, text, meta = _CONVERT[platform](item, member)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        return error_post(f"{platform}:{member}#{n}", platform, member,
                          f"unusable post record ({type(exc).__name__}: {exc})", author)
    created, date_flags = dated(stamp, epoch_utc)
    if created is None:
        post_id = f"{platform}:{member}#{n}"
    else:
        key = int(created.timestamp())
        counters[key] = counters.get(key, 0) + 1
        post_id = f"{platform}:{key}:{counters[key]}"
    if not isinstance(text, str):
        return error_post(post_id, platform, member, "post text is not a string", author, created)
    text, text_flags = normalize_text(text)
    return Post(id=post_id, text=text, author=author, created_at=created, platform=platform,
                flags=date_flags + text_flags, meta=meta)


def _single_keys(entries: Any) -> Iterator[tuple[str, Any]]:
    """Facebook's lists of single-key dicts (``data``, ``attachments[].data``)."""
    for entry in entries or ():
        if isinstance(entry, dict):
            yield from entry.items()


def _facebook(item: dict[str, Any], member: str) -> tuple[Any, Any, dict[str, Any]]:
    texts = [v for k, v in _single_keys(item.get("data")) if k == "post"]
    if any(not isinstance(t, str) for t in texts):
        return item.get("timestamp"), None, entity_meta(member)
    text = "\n\n".join(t for t in texts if t.strip())
    media, links = [], []
    for attachment in item.get("attachments") or ():
        for kind, value in _single_keys(attachment.get("data")):
            if kind == "media" and isinstance(value, dict):
                media.append(value)
            elif kind == "external_context" and isinstance(value, dict) and value.get("url"):
                links.append(value["url"])
    if not text.strip() and media:
        # a photo post's words may sit in the media description (deface hoists it the same way)
        descriptions = {m.get("description") for m in media}
        if len(descriptions) == 1 and isinstance(next(iter(descriptions)), str):
            text = next(iter(descriptions))
    title = item.get("title") if isinstance(item.get("title"), str) else ""
    tagged = [t.get("name") if isinstance(t, dict) else t for t in item.get("tags") or ()]
    meta = entity_meta(member, is_repost=not text.strip() and bool(_SHARED.search(title)),
                       urls=links + text_urls(text),
                       mentions=[t for t in tagged if isinstance(t, str)],
                       hashtags=text_hashtags(text), media_count=len(media))
    return item.get("timestamp"), text, meta


def _captioned(item: dict[str, Any]
               ) -> tuple[list[dict[str, Any]], dict[str, Any], Any, Any, dict[str, Any]]:
    """Instagram / Threads: (media, first media, timestamp, text, entities of the text).

    Single-media posts keep caption and time on media[0]; carousels at the top level.
    """
    media = [m for m in item.get("media") or () if isinstance(m, dict)]
    first = media[0] if media else {}
    text = item.get("title") or first.get("title") or ""
    stamp = item.get("creation_timestamp") or first.get("creation_timestamp")
    body = text if isinstance(text, str) else ""
    entities = {"urls": text_urls(body), "mentions": text_mentions(body),
                "hashtags": text_hashtags(body)}
    return media, first, stamp, text, entities


def _instagram(item: dict[str, Any], member: str) -> tuple[Any, Any, dict[str, Any]]:
    media, first, stamp, text, entities = _captioned(item)
    client = (first.get("cross_post_source") or {}).get("source_app")
    meta = entity_meta(member, media_count=len(media),
                       client=client if isinstance(client, str) else None, **entities)
    return stamp, text, meta


def _threads(item: dict[str, Any], member: str) -> tuple[Any, Any, dict[str, Any]]:
    media, _, stamp, text, entities = _captioned(item)
    flags = [m.get("text_app_post") or {} for m in media] + [item.get("text_app_post") or {}]
    meta = entity_meta(member, is_reply=any(f.get("is_reply") is True for f in flags),
                       media_count=sum(1 for m in media if m.get("uri")), **entities)
    return stamp, text, meta


_CONVERT = {"facebook": _facebook, "instagram": _instagram, "threads": _threads}
