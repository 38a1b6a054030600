"""Mastodon account archives: ``outbox.json`` (FORMATS.md §2).

The outbox is an ActivityStreams OrderedCollection of ``Create`` (the user's own
statuses: ``Note``, or ``Question`` for polls) and ``Announce`` (boosts: someone
else's post, not the user's words). Status text is HTML. Direct messages are in the
outbox too; they are private conversations, so they are left out unless asked for.

The outbox is read item by item (ijson, ``jsonfile``) and sorted through a PostSpool, since
the server writes it in database-id order, not by date.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any, Iterator
from urllib.parse import urlparse

from ..posts import Post, normalize_text
from .containers import Source
from .fields import clean_lang, dated, entity_meta, error_post, utc_datetime
from .spool import Keep, PostSpool
from .jsonfile import open_json

__all__ = ["html_to_text", "read", "visibility"]

_PUBLIC = {"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"}
_MEDIA_TYPES = {"Document", "Image", "Video", "Audio"}
_NOT_OUTBOX = ("expected an ActivityStreams OrderedCollection with orderedItems (is this a "
               "Mastodon outbox.json?)")


def read(source: Source, found: dict[str, list[str]], keep: Keep) -> Iterator[Post]:
    """Statuses of a Mastodon archive, oldest first."""
    spool = PostSpool()
    try:
        for member in found["mastodon"]:
            author = _author(source, member)
            keep.stats.files.append(member)
            with open_json(source, member) as doc:
                if doc.first != "{":
                    raise doc.error(_NOT_OUTBOX)
                top: dict[str, Any] = {}
                # every "orderedItems" array: a server may write the key twice ([] first)
                for n, item in enumerate(doc.items("orderedItems.item", top), 1):
                    post, direct = _to_post(item, member, n, author)
                    if keep(post, direct):
                        spool.add(post)
                if "orderedItems" not in top:
                    raise doc.error(_NOT_OUTBOX)
                keep.state(top.get("totalItems"), "totalItems")
        yield from keep.emit(spool)
    finally:
        spool.close()


def _author(source: Source, outbox: str) -> str | None:
    """``user@host`` from actor.json next to the outbox (the handle users know)."""
    folder = outbox.rsplit("/", 1)[0] + "/" if "/" in outbox else ""
    member = folder + "actor.json"
    if member not in source.members:
        return None
    with open_json(source, member) as doc:
        actor = doc.value()
    if not isinstance(actor, dict):
        return None
    name, host = actor.get("preferredUsername"), urlparse(str(actor.get("id") or "")).hostname
    if name and host:
        return f"{name}@{host}"
    return str(name or actor.get("id") or "") or None


def _actor_handle(uri: Any) -> str | None:
    """``https://host/users/name`` -> ``name@host`` when actor.json is absent."""
    if not isinstance(uri, str):
        return None
    parsed = urlparse(uri)
    parts = parsed.path.strip("/").split("/")
    if parsed.hostname and len(parts) == 2 and parts[0] == "users":
        return f"{parts[1]}@{parsed.hostname}"
    return uri


def visibility(obj: dict[str, Any]) -> str:
    """public, unlisted, private (followers only) or direct, from the addressing."""
    to, cc = _as_list(obj.get("to"), str), _as_list(obj.get("cc"), str)
    if _PUBLIC & set(to):
        return "public"
    if _PUBLIC & set(cc):
        return "unlisted"
    if any(a.endswith("/followers") for a in to + cc):
        return "private"
    return "direct" if to or cc else "public"


def _as_list(value: Any, kind: type) -> list[Any]:
    """ActivityStreams' one-or-many values: ``value`` or the list's items of type ``kind``."""
    if isinstance(value, kind):
        return [value]
    return [v for v in value if isinstance(v, kind)] if isinstance(value, list) else []


def _to_post(item: Any, member: str, n: int, author: str | None) -> tuple[Post, bool]:
    """The post of an outbox item, and whether it is a direct message."""
    if not isinstance(item, dict):
        return error_post(f"{member}#{n}", "mastodon", member,
                          "activity is not a JSON object", author), False
    kind = item.get("type")
    obj = item.get("object")
    author = author or _actor_handle(item.get("actor"))
    activity_id = str(item.get("id") or f"{member}#{n}")
    if kind == "Announce":
        return _boost(item, obj, activity_id, member, author), False
    if kind != "Create" or not isinstance(obj, dict):
        what = f"a {kind} activity" if kind != "Create" else "a Create without an inline object"
        return error_post(activity_id, "mastodon", member, f"unsupported outbox item: {what}",
                          author), False
    try:
        post = _status(item, obj, member, author)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        post = error_post(str(obj.get("id") or activity_id), "mastodon", member,
                          f"unusable status ({type(exc).__name__}: {exc})", author)
    return post, visibility(obj) == "direct"


def _status(item: dict[str, Any], obj: dict[str, Any], member: str, author: str | None) -> Post:
    post_id = str(obj.get("id") or item.get("id"))
    content = obj.get("content")
    if content is not None and not isinstance(content, str):
        return error_post(post_id, "mastodon", member, "status content is not a string", author)
    body, links = html_to_text(content or "")
    if obj.get("type") == "Question":
        options = [o.get("name") for o in _as_list(obj.get("oneOf") or obj.get("anyOf"), dict)]
        options = [o for o in options if isinstance(o, str)]
        if options:
            body = (body + "\n\n" if body else "") + "\n".join(options)
    tags = _as_list(obj.get("tag"), dict)
    attachments = _as_list(obj.get("attachment"), dict)
    links += [a["href"] for a in attachments if a.get("type") == "Link" and a.get("href")]
    text, text_flags = normalize_text(body)
    created, date_flags = dated(obj.get("published") or item.get("published"))
    meta = entity_meta(
        member,
        is_reply=bool(obj.get("inReplyTo")),
        urls=links,
        mentions=[str(t.get("name", "")).lstrip("@") for t in tags if t.get("type") == "Mention"],
        hashtags=[str(t.get("name", "")).lstrip("#") for t in tags if t.get("type") == "Hashtag"],
        media_count=sum(1 for a in attachments if a.get("type") in _MEDIA_TYPES),
    )
    summary = obj.get("summary")
    if isinstance(summary, str) and summary.strip():
        meta["content_warning"] = summary.strip()
    content_map = obj.get("contentMap")
    lang = None
    if isinstance(content_map, dict) and content_map:
        lang = clean_lang(next(iter(content_map)))
    return Post(id=post_id, text=text, author=author, created_at=created, lang=lang,
                platform="mastodon", flags=text_flags + date_flags, meta=meta)


def _boost(item: dict[str, Any], obj: Any, activity_id: str, member: str,
           author: str | None) -> Post:
    """A boost, kept only on request: the boosted URI, and the text when it is inlined."""
    text, links = "", []
    target = obj.get("id") if isinstance(obj, dict) else obj
    if isinstance(obj, dict) and isinstance(obj.get("content"), str):
        text, links = html_to_text(obj["content"])  # a self-boost of a followers-only post
    text, flags = normalize_text(text)
    urls = ([target] if isinstance(target, str) else []) + links
    return Post(id=activity_id, text=text, author=author,
                created_at=utc_datetime(item.get("published")), platform="mastodon", flags=flags,
                meta=entity_meta(member, is_repost=True, urls=urls))


# -- HTML -> text ----------------------------------------------------------------------

_BLOCKS = {"p", "blockquote", "ul", "ol", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}


class _TextExtractor(HTMLParser):
    """Mastodon status HTML back to what the user typed.

    Mastodon turns a blank line into a new ``<p>`` and a single newline into ``<br>``,
    so paragraphs are joined with a blank line and ``<br>`` becomes a newline. Links
    become their text; a long link's hidden ``<span class="invisible">`` parts are
    kept, which restores the full URL.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def _break(self, sep: str) -> None:
        if self.parts and not self.parts[-1].endswith(sep):
            self.parts.append(sep)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self._break("\n\n")
        elif tag == "li":
            self._break("\n")
        elif tag == "a":
            attr = dict(attrs)
            classes = (attr.get("class") or "").split()
            if attr.get("href") and "mention" not in classes and "hashtag" not in classes:
                self.links.append(attr["href"] or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self._break("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(content: str) -> tuple[str, list[str]]:
    """Plain text of a status and the links it contains (mentions and hashtags excluded)."""
    parser = _TextExtractor()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts).strip(), parser.links
