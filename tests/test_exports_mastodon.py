"""Mastodon archives: outbox.json in a zip (2023+) or tar.gz (before); HTML, CW, DMs, boosts,
polls."""

from __future__ import annotations

import tarfile
from datetime import datetime, timezone

import pytest
from exports_fixtures import fixture, pack_tar_gz, pack_zip
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.exports import ExportStats, detect_export, read_export
from analyzer.exports.mastodon import html_to_text, visibility
from analyzer.readers import ReaderError

UTC = timezone.utc
STATUS = "https://social.example/users/ana/statuses/"

# (id, created_at, text, is_reply, lang), oldest first; DM, boost and self-boost left out
ZIP_2024 = [
    (STATUS + "111885000000000008", datetime(2024, 2, 7, 7, 45, tzinfo=UTC),
     "Hoy cerramos a las 18:00. ¡Nos vemos mañana!", False, "es"),
    (STATUS + "111890000000000002", datetime(2024, 2, 8, 14, 30, tzinfo=UTC),
     "@bob I'd love that!\nShall we meet on Friday?", True, "en"),
    (STATUS + "111900000000000001", datetime(2024, 2, 10, 9, 0, tzinfo=UTC),
     "Big news: our #opensource toolkit hits 2.0! Thanks @bob & everyone.\n\n"
     "Release notes: https://code.example.org/toolkit/releases/v2.0?utm_source=mastodon",
     False, "en"),
    (STATUS + "111910000000000003", datetime(2024, 2, 12, 21, 0, tzinfo=UTC),
     "I can't believe they did that to the captain.", False, "en"),
    (STATUS + "111920000000000007", datetime(2024, 2, 14, 11, 0, tzinfo=UTC),
     "Which talk should we record first?\n\nTesting in production\nRust for Pythonistas",
     False, "en"),
    (STATUS + "111925000000000009", datetime(2024, 2, 15, 16, 20, tzinfo=UTC),
     "Testing, testing.", False, None),
]


@pytest.fixture
def zip_2024(tmp_path):
    return pack_zip("mastodon/zip-2024", tmp_path / "archive-20240216093000-0123456789abcdef.zip")


def test_zip_archive_posts_exact(zip_2024):
    stats = ExportStats()
    posts = list(read_export(zip_2024, stats=stats))
    assert [(p.id, p.created_at, p.text, p.meta["is_reply"], p.lang) for p in posts] == ZIP_2024
    assert {p.author for p in posts} == {"ana@social.example"}
    assert {p.platform for p in posts} == {"mastodon"}
    assert stats == ExportStats(platform="mastodon", posts=6, reposts_skipped=2,
                                direct_skipped=1, files=["outbox.json"],
                                records=9, stated=9, stated_by="totalItems")


def test_entities_from_tags_and_links(zip_2024):
    post = next(p for p in read_export(zip_2024) if p.id == STATUS + "111900000000000001")
    assert dict(post.meta) == {
        "is_reply": False, "is_repost": False,
        "urls": ["https://code.example.org/toolkit/releases/v2.0?utm_source=mastodon"],
        "mentions": ["bob@other.example"], "hashtags": ["opensource"], "media_count": 1,
        "client": None, "export_file": "outbox.json"}


def test_content_warning_kept_in_meta_not_text(zip_2024):
    posts = {p.id: p for p in read_export(zip_2024)}
    cw = posts[STATUS + "111910000000000003"]
    assert cw.meta["content_warning"] == "Spoilers: season finale"
    assert cw.text == "I can't believe they did that to the captain."
    assert "content_warning" not in posts[STATUS + "111900000000000001"].meta
    # a preview card (Link attachment) is a link, not media
    card = posts[STATUS + "111925000000000009"].meta
    assert (card["urls"], card["media_count"]) == (["https://status.example.net/incident/42"], 0)


def test_direct_messages_only_on_request(zip_2024):
    stats = ExportStats()
    posts = list(read_export(zip_2024, include_direct=True, stats=stats))
    dm = next(p for p in posts if p.id == STATUS + "111905000000000004")
    assert dm.text == "@bob here is the door code for Friday: 4521"
    assert (stats.posts, stats.direct_skipped) == (7, 0)


def test_boosts_only_on_request(zip_2024):
    stats = ExportStats()
    posts = list(read_export(zip_2024, include_reposts=True, stats=stats))
    boosts = [(p.id, p.text, p.meta["urls"], p.created_at) for p in posts if p.meta["is_repost"]]
    assert boosts == [
        (STATUS + "111895000000000005/activity", "",
         ["https://other.example/users/carla/statuses/111894000000000000"],
         datetime(2024, 2, 9, 12, 0, tzinfo=UTC)),
        # a self-boost of a followers-only post inlines the Note
        (STATUS + "111915000000000006/activity",
         "Reminder for followers: the meetup moved to room B.",
         [STATUS + "111880000000000000"], datetime(2024, 2, 13, 10, 0, tzinfo=UTC)),
    ]
    assert (stats.posts, stats.reposts_skipped) == (8, 0)


def test_tar_gz_archive_of_2022(tmp_path):
    archive = pack_tar_gz("mastodon/targz-2022", tmp_path / "archive-20221201080000-abcdef.tar.gz")
    assert detect_export(archive) == "mastodon"
    stats = ExportStats()
    posts = list(read_export(archive, stats=stats))
    assert [(p.id, p.created_at, p.text, p.meta["is_reply"], p.lang, p.author) for p in posts] == [
        ("https://toot.example.net/users/luca/statuses/109379000000000004",
         datetime(2022, 11, 19, 15, 30, tzinfo=UTC),
         "@carla grazie! Which instance would you recommend?", True, "en", "luca@toot.example.net"),
        ("https://toot.example.net/users/luca/statuses/109380000000000001",
         datetime(2022, 11, 20, 10, 0, tzinfo=UTC),
         "Ciao a tutti! Arrivo dall'uccellino blu 🐘 #introduction", False, "it",
         "luca@toot.example.net"),
    ]
    assert (stats.posts, stats.reposts_skipped, stats.direct_skipped) == (2, 1, 1)


def test_folder_and_single_outbox(zip_2024):
    expected = [(p.id, p.text) for p in read_export(zip_2024)]
    assert [(p.id, p.text) for p in read_export(fixture("mastodon/zip-2024"))] == expected
    single = list(read_export(fixture("mastodon/zip-2024/outbox.json")))
    assert [(p.id, p.text) for p in single] == expected
    assert {p.author for p in single} == {"ana@social.example"}  # from the actor URI


def test_outbox_without_collection_wrapper(tmp_path):
    archive = pack_zip("mastodon/wrong-wrapper", tmp_path / "archive.zip")
    with pytest.raises(ReaderError) as err:
        list(read_export(archive))
    assert str(err.value) == (f"{archive}!outbox.json:1: expected an ActivityStreams "
                              "OrderedCollection with orderedItems (is this a Mastodon "
                              "outbox.json?)")


def test_truncated_tar_gz_names_member(tmp_path):
    archive = pack_tar_gz("mastodon/targz-2022", tmp_path / "archive.tar.gz")
    with tarfile.open(archive) as tf:
        assert tf.getnames() == ["actor.json", "likes.json", "outbox.json"]
    archive.write_bytes(archive.read_bytes()[:-300])  # the cut falls inside outbox.json
    assert detect_export(archive) == "mastodon"
    with pytest.raises(ReaderError) as err:
        list(read_export(archive))
    assert str(err.value) == (f"{archive}!outbox.json: archive is truncated or corrupt "
                              "(Compressed file ended before the end-of-stream marker was reached)")


@pytest.mark.parametrize("html, text, links", [
    ("<p>a</p><p>b<br>c</p>", "a\n\nb\nc", []),
    ("<p>it&#39;s &lt;ok&gt; &amp; fine</p>", "it's <ok> & fine", []),
    ('<p><a href="https://x.example/abcdefghijkl" rel="nofollow"><span class="invisible">https://'
     '</span><span class="ellipsis">x.example/abc</span><span class="invisible">defghijkl</span>'
     "</a></p>", "https://x.example/abcdefghijkl", ["https://x.example/abcdefghijkl"]),
    ('<p><span class="h-card"><a href="https://o.example/@bo" class="u-url mention">@<span>bo'
     '</span></a></span> <a href="https://s.example/tags/t" class="mention hashtag" rel="tag">#'
     "<span>t</span></a></p>", "@bo #t", []),
    ("<p>one</p><ul><li>two</li><li>three</li></ul>", "one\n\ntwo\nthree", []),
    ("", "", []),
])
def test_html_to_text(html, text, links):
    assert html_to_text(html) == (text, links)


@settings(deadline=None)  # timing is not under test; CI machines vary
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")),
                        min_size=1).map(str.strip).filter(bool), min_size=1, max_size=5))
def test_html_to_text_inverts_mastodon_paragraphs(paragraphs):
    """Mastodon writes blank-line-separated paragraphs as <p> and escapes the text."""
    from html import escape

    html = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    assert html_to_text(html)[0] == "\n\n".join(paragraphs)


@pytest.mark.parametrize("to, cc, expected", [
    (["https://www.w3.org/ns/activitystreams#Public"], [], "public"),
    (["https://s.example/users/a/followers"], ["https://www.w3.org/ns/activitystreams#Public"],
     "unlisted"),
    (["https://s.example/users/a/followers"], ["https://o.example/users/b"], "private"),
    (["https://o.example/users/b"], [], "direct"),
    ("https://o.example/users/b", None, "direct"),
])
def test_visibility(to, cc, expected):
    assert visibility({"to": to, "cc": cc}) == expected


def test_outbox_with_ordered_items_key_twice(tmp_path):
    """A server wrote "orderedItems": [] and then the real array: every post is read."""
    archive = pack_zip("mastodon/duplicate-key", tmp_path / "archive.zip")
    stats = ExportStats()
    posts = list(read_export(archive, stats=stats))
    assert [(p.id, p.text, p.lang) for p in posts] == [
        ("https://toot.example/users/lucia/statuses/112000000000000001",
         "Good morning! Who is coming to the meetup tonight?", "en"),
        ("https://toot.example/users/lucia/statuses/112000000000000002",
         "Il nuovo numero della newsletter è online!", "it"),
    ]
    assert (stats.posts, stats.reposts_skipped) == (2, 1)


def test_attachment_only_statuses_keep_their_media_count(tmp_path):
    """A video with no words, and a GIF sent as a reply whose only text is the @-name."""
    archive = pack_zip("mastodon/attachment-only", tmp_path / "archive.zip")
    posts = list(read_export(archive))
    base = "https://toot.example/users/lucia/statuses/"
    assert [(p.id, p.text, p.meta["is_reply"], p.meta["media_count"], p.status, p.by_rule)
            for p in posts] == [
        (base + "112100000000000001", "", False, 1, "ok", True),
        (base + "112100000000000002", "@bob", True, 1, "ok", True),
        (base + "112100000000000003", "Slides from tonight are up on the meetup page.", False, 0,
         "ok", False),
    ]
    assert posts[1].meta["mentions"] == ["bob@other.example"]
