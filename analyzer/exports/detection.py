"""Which platform an export is, from its member names and, for single files, its content."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

import libipld

from ..errors import ReaderError
from .containers import DamagedArchive, FileSource, Source, open_source
from .jsonfile import first_item

__all__ = [
    "POSTS_FILES",
    "SUPPORTED",
    "detect",
    "platform_members",
    "posts_files",
]


SUPPORTED = ("X/Twitter archive (data/tweets.js), Mastodon archive (outbox.json), LinkedIn export "
             "(Shares.csv, Comments.csv), Facebook (your_posts*.json), Instagram "
             "(content/posts_N.json), Threads (threads_and_replies.json), Bluesky (repo.car)")

# Detection order when one container holds several platforms' files.
_ORDER = ("x", "mastodon", "bluesky", "linkedin", "facebook", "instagram", "threads")

# Posts files per platform, matched on the lower-cased base name: the folders around
# them changed between export eras (data/ or not, your_facebook_activity/ or posts/ ...).
POSTS_FILES = {
    "x": re.compile(r"(tweets?|community-tweet)(-part\d+)?\.js"),
    "mastodon": re.compile(r"outbox\.json"),
    "bluesky": re.compile(r".+\.car|com\.atproto\.sync\.getrepo"),
    "linkedin": re.compile(r"(shares|comments)(_[^/]*)?\.csv"),
    "facebook": re.compile(r"your_posts[^/]*\.(json|html)"),
    "instagram": re.compile(r"posts_\d+\.(json|html)"),
    "threads": re.compile(r"threads_and_replies\.(json|html)"),
}
_GRAILBIRD = re.compile(r"(^|/)data/js/tweets/\d{4}_\d{2}\.js$")


def platform_members(names: Iterable[str]) -> dict[str, list[str]]:
    """Posts files per platform, in detection order (Meta HTML files too: refused later)."""
    found: dict[str, list[str]] = {}
    for name in names:
        lower = name.lower()
        base = lower.rsplit("/", 1)[-1]
        for platform, pattern in POSTS_FILES.items():
            if not pattern.fullmatch(base):
                continue
            if platform == "instagram" and "/" in lower and lower.split("/")[-2] != "content":
                continue
            found.setdefault(platform, []).append(name)
        if _GRAILBIRD.search(lower):
            found.setdefault("x", []).append(name)
    return {p: sorted(found[p]) for p in _ORDER if p in found}


def posts_files(source: Source, platform: str | None = None) -> dict[str, list[str]]:
    """Posts files per platform in an opened source.

    A single file whose name says nothing is recognised by its content, or taken as
    the posts file of ``platform`` when the caller names one.
    """
    names = source.members
    found = platform_members(names)
    if not found and isinstance(source, FileSource):
        sniffed = platform or _sniff_file(source.path)
        if sniffed:
            found = {sniffed: list(names)}
    return found


def detect(path: str | Path) -> dict[str, list[str]]:
    """Posts files per platform in an export; empty when it is not a platform export.

    Broken archives are listed from their local headers, so that a truncated zip is
    still recognised (and read_export reports which member is cut).
    """
    path = Path(path)
    if not (path.is_dir() or path.is_file()):
        return {}
    try:
        source = open_source(path)
    except DamagedArchive as exc:
        return platform_members(exc.members)
    except ReaderError:
        return {}
    try:
        return posts_files(source)
    finally:
        source.close()


_YTD_TWEETS = re.compile(r"window\.YTD\.(tweets?|community_tweet)\.part\d+\s*=")


def _sniff_file(path: Path) -> str | None:
    """Platform of a renamed posts file, from its first bytes."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if _is_car(head):
        return "bluesky"
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if _YTD_TWEETS.match(text) or text.startswith("Grailbird.data.tweets_"):
        return "x"
    if text.startswith("{"):
        if '"text_post_app_text_posts"' in text:
            return "threads"
        if '"orderedItems"' in text and '"OrderedCollection"' in text:
            return "mastodon"
        return None
    if text.startswith("["):
        item = _first_item(text)
        if isinstance(item, dict):
            if "timestamp" in item and isinstance(item.get("data", item.get("attachments")), list):
                return "facebook"
            media = item.get("media")
            if isinstance(media, list) and media and isinstance(media[0], dict) \
                    and "creation_timestamp" in media[0]:
                return "instagram"
        return None
    first = text.split("\n", 1)[0]
    if "ShareCommentary" in first and "ShareLink" in first:
        return "linkedin"
    return None


def _first_item(text: str) -> Any:
    return first_item(text.encode("utf-8"))


def _is_car(head: bytes) -> bool:
    """A CAR v1 starts with a varint length and a DAG-CBOR header {roots, version}."""
    length, shift, pos = 0, 0, 0
    while pos < len(head) and pos < 5:
        byte = head[pos]
        length |= (byte & 0x7F) << shift
        pos += 1
        shift += 7
        if not byte & 0x80:
            break
    else:
        return False
    if not 0 < length <= 4096 or pos + length > len(head):
        return False
    header = head[pos:pos + length]
    if b"roots" not in header:
        return False
    try:
        decoded = libipld.decode_dag_cbor(header)
    except (ValueError, RecursionError):
        return False
    return isinstance(decoded, dict) and "roots" in decoded and decoded.get("version") == 1
