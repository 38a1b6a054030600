"""Bluesky repository exports: ``repo.car`` (FORMATS.md §6).

A CAR v1 file of DAG-CBOR blocks, decoded by libipld: the commit (``roots[0]``)
points to the root of a Merkle Search Tree whose leaves map
``<collection>/<rkey>`` to record blocks. The post URI needs the rkey, and the rkey
exists only in the tree, so the tree is walked here rather than scanning blocks.

Facets (mentions, links, tags) address the text by UTF-8 *byte* offsets, so they are
applied to ``text.encode("utf-8")``; slicing the Python str would shift every span
after a non-ASCII character.

The whole CAR is decoded in memory (libipld has no streaming decoder); repos are
small, since images and video are not in the file.
"""

from __future__ import annotations

from typing import Any, Iterator

import libipld

from ..posts import Post, normalize_text
from ..errors import ReaderError
from .containers import Source
from .fields import clean_lang, dated, entity_meta, error_post
from .spool import Keep

__all__ = ["facet_entities", "read", "walk_mst"]

POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
_FACET = "app.bsky.richtext.facet#"


def read(source: Source, found: dict[str, list[str]], keep: Keep) -> Iterator[Post]:
    """Posts of one or more repo CARs, oldest first."""

    def candidates() -> Iterator[Post]:
        for member in found["bluesky"]:
            keep.stats.files.append(member)
            yield from _repo_posts(source.where(member), source.read_bytes(member), member)

    yield from keep.emit_sorted(candidates())


def _repo_posts(where: str, data: bytes, member: str) -> Iterator[Post]:
    try:
        header, blocks = libipld.decode_car(data)
    except (ValueError, RecursionError, TypeError) as exc:
        raise ReaderError(where, f"corrupt CAR file ({exc})") from None
    roots = header.get("roots") if isinstance(header, dict) else None
    if not roots or not isinstance(roots, list):
        raise ReaderError(where, "corrupt CAR file (header has no root)")
    commit = blocks.get(roots[0])
    if not isinstance(commit, dict) or not isinstance(commit.get("did"), str) \
            or not isinstance(commit.get("data"), bytes):
        raise ReaderError(where, "not a repository export: the root block is not a commit "
                          "{did, data}")
    did = commit["did"]
    for key, cid in walk_mst(blocks, commit["data"], where):
        collection, _, rkey = key.partition("/")
        if collection not in (POST, REPOST):
            continue  # likes, follows, profile, third-party collections
        uri = f"at://{did}/{collection}/{rkey}"
        record = blocks.get(cid)
        if not isinstance(record, dict):
            yield error_post(uri, "bluesky", member, "record block is missing from the CAR", did)
            continue
        try:
            post = (_post if collection == POST else _repost)(record, uri, did, member)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            post = error_post(uri, "bluesky", member,
                              f"unusable record ({type(exc).__name__}: {exc})", did)
        yield post


def walk_mst(blocks: dict[bytes, Any], root: bytes, where: str) -> Iterator[tuple[str, bytes]]:
    """(key, record CID) pairs of the Merkle Search Tree under ``root``, in key order.

    A node is ``{l: left subtree, e: [{p, k, v, t}]}``: entry keys are compressed
    against the previous entry of the same node (``p`` bytes shared, ``k`` the rest),
    ``v`` is the record and ``t`` the subtree of keys between this entry and the next.
    Iterative, so a deep tree cannot hit the recursion limit.
    """
    stack: list[tuple[bool, Any, Any]] = [(False, root, None)]
    visited: set[bytes] = set()
    last = ""
    while stack:
        is_entry, a, b = stack.pop()
        if is_entry:
            if a <= last:
                raise ReaderError(where, f"corrupt repository: MST keys out of order at {a!r}")
            last = a
            yield a, b
            continue
        if a is None:
            continue
        if a in visited:
            raise ReaderError(where, "corrupt repository: the MST contains a cycle")
        visited.add(a)
        node = blocks.get(a)
        if not isinstance(node, dict) or not isinstance(node.get("e"), list):
            what = "missing from the CAR" if node is None else "not an MST node"
            raise ReaderError(where, f"corrupt repository: MST node {_cid(a)} is {what}")
        entries, prev = [], b""
        for e in node["e"]:
            try:
                key = prev[:e["p"]] + e["k"]
                entries.append((key.decode("utf-8"), e["v"], e.get("t")))
            except (KeyError, TypeError, UnicodeDecodeError):
                raise ReaderError(where, f"corrupt repository: malformed entry in MST node "
                                  f"{_cid(a)}") from None
            prev = key
        for key, value, subtree in reversed(entries):
            stack.append((False, subtree, None))
            stack.append((True, key, value))
        stack.append((False, node.get("l"), None))


def _cid(raw: Any) -> str:
    try:
        return libipld.encode_cid(raw)
    except (ValueError, TypeError):
        return repr(raw)[:40]


def facet_entities(text: str, facets: Any) -> tuple[str, list[str], list[str], list[str]]:
    """Mentions, links and tags located by byte offsets; shortened link text is expanded.

    Returns (text with shortened links replaced by their full URI, urls, mentions, tags).
    """
    raw = text.encode("utf-8")
    urls: list[str] = []
    mentions: list[str] = []
    tags: list[str] = []
    expand: list[tuple[int, int, bytes]] = []
    for facet in facets if isinstance(facets, list) else ():
        index = facet.get("index") if isinstance(facet, dict) else None
        start = index.get("byteStart") if isinstance(index, dict) else None
        end = index.get("byteEnd") if isinstance(index, dict) else None
        valid = isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(raw)
        span = raw[start:end].decode("utf-8", "replace") if valid else ""
        for feature in facet.get("features") or () if isinstance(facet, dict) else ():
            if not isinstance(feature, dict):
                continue
            kind = str(feature.get("$type", "")).removeprefix(_FACET)
            if kind == "mention":
                mentions.append(span.lstrip("@") or str(feature.get("did") or ""))
            elif kind == "tag":
                tags.append(str(feature.get("tag") or span.lstrip("#")))
            elif kind == "link" and isinstance(feature.get("uri"), str):
                uri = feature["uri"]
                urls.append(uri)
                if valid and span != uri and _abbreviates(span, uri):
                    expand.append((start, end, uri.encode("utf-8")))
    limit = len(raw)
    for start, end, uri in sorted(expand, reverse=True):
        if end <= limit:  # overlapping link facets: the first one wins
            raw, limit = raw[:start] + uri + raw[end:], start
    return (raw.decode("utf-8") if expand else text), urls, mentions, tags


def _abbreviates(span: str, uri: str) -> bool:
    """Clients show ``example.com/long/pa...``; only such shortenings are expanded."""
    short = span.rstrip(".…").strip()
    bare = uri.split("://", 1)[-1]
    return bool(short) and (uri.startswith(short) or bare.startswith(short))


def _media_count(embed: Any) -> int:
    if not isinstance(embed, dict):
        return 0
    kind = str(embed.get("$type", ""))
    if kind.endswith("embed.images"):
        return len(embed.get("images") or ())
    if kind.endswith("embed.video"):
        return 1
    if kind.endswith("embed.gallery"):
        return len(embed.get("images") or embed.get("items") or ())
    if kind.endswith("embed.recordWithMedia"):
        return _media_count(embed.get("media"))
    return 0


def _post(record: dict[str, Any], uri: str, did: str, member: str) -> Post:
    text = record.get("text")
    created, flags = dated(record.get("createdAt"))
    if not isinstance(text, str):
        return error_post(uri, "bluesky", member, "post record has no text", did, created)
    text, urls, mentions, tags = facet_entities(text, record.get("facets"))
    embed = record.get("embed")
    external = embed.get("external") if isinstance(embed, dict) else None
    if isinstance(external, dict) and isinstance(external.get("uri"), str):
        urls.append(external["uri"])
    extra_tags = [t for t in record.get("tags") or () if isinstance(t, str)]
    reply = record.get("reply")
    langs = record.get("langs")
    text, text_flags = normalize_text(text)
    meta = entity_meta(member, is_reply=isinstance(reply, dict) and bool(reply.get("parent")),
                       urls=urls, mentions=mentions, hashtags=tags + extra_tags,
                       media_count=_media_count(embed))
    return Post(id=uri, text=text, author=did, created_at=created, platform="bluesky",
                lang=clean_lang(langs[0]) if isinstance(langs, list) and langs else None,
                flags=flags + text_flags, meta=meta)


def _repost(record: dict[str, Any], uri: str, did: str, member: str) -> Post:
    subject = record.get("subject")
    target = subject.get("uri") if isinstance(subject, dict) else None
    created, flags = dated(record.get("createdAt"))
    return Post(id=uri, text="", author=did, created_at=created, platform="bluesky", flags=flags,
                meta=entity_meta(member, is_repost=True,
                                 urls=[target] if isinstance(target, str) else []))
