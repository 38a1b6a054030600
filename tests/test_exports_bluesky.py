"""Bluesky repo.car: commit -> MST walk -> post records; byte-offset facets; damaged CARs."""

from __future__ import annotations

import tempfile
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from exports_fixtures import build_car, write_car
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.exports import ExportStats, detect_export, read_export
from analyzer.exports.bluesky import facet_entities
from analyzer.readers import ReaderError

UTC = timezone.utc
DID = "did:plc:ana4example7xyz"
POST = f"at://{DID}/app.bsky.feed.post/"

# (id, created_at, text, is_reply, lang), oldest first (createdAt, not rkey order)
REPO = [
    (POST + "3kmwe4ddd6v2a", datetime(2014, 5, 1, 12, 0, tzinfo=UTC),
     "Imported from my old blog: ten years of meetups", False, "en"),
    (POST + "3kmhxh2ab3c2a", datetime(2024, 2, 28, 18, 0, tzinfo=UTC),
     "Two new prints in the shop ✏️ https://shop.example.com/prints", False, "en"),
    (POST + "3kmpa6xyz2k2a", datetime(2024, 3, 1, 10, 0, tzinfo=UTC),
     "Café ☕ first! Read https://example.com/very/long/path?utm_source=bsky and ping "
     "@bob.example.com #coffee", False, "en"),
    (POST + "3kmrb7aaa3s2a", datetime(2024, 3, 2, 8, 30, tzinfo=timezone(timedelta(hours=1))),
     "¡Sí! Nos vemos allí 🎉 @carla.bsky.social", True, "es"),
    (POST + "3kmtc2bbb4t2a", datetime(2024, 3, 3, 9, 0, tzinfo=UTC), "", False, "en"),
    (POST + "3kmvd3ccc5u2a", datetime(2024, 3, 4, 9, 0, tzinfo=UTC), "", False, None),
]


@pytest.fixture
def repo_car(tmp_path):
    return write_car(tmp_path / "repo.car")


def test_repo_posts_exact(repo_car):
    stats = ExportStats()
    posts = list(read_export(repo_car, stats=stats))
    assert [(p.id, p.created_at, p.text, p.meta["is_reply"], p.lang) for p in posts] == REPO
    assert {(p.author, p.platform) for p in posts} == {(DID, "bluesky")}
    assert posts[3].created_at.utcoffset() == timedelta(hours=1)  # the client's zone is kept
    assert stats == ExportStats(platform="bluesky", posts=6, reposts_skipped=1, files=["repo.car"],
                                records=7, without_words=1)


def test_facets_use_utf8_byte_offsets(repo_car):
    posts = {p.id: p for p in read_export(repo_car)}
    coffee = posts[POST + "3kmpa6xyz2k2a"].meta
    assert (coffee["urls"], coffee["mentions"], coffee["hashtags"]) == (
        ["https://example.com/very/long/path?utm_source=bsky"], ["bob.example.com"], ["coffee"])
    reply = posts[POST + "3kmrb7aaa3s2a"].meta
    assert reply["mentions"] == ["carla.bsky.social"]  # after "¡", "í" and a 4-byte emoji


def test_embeds_and_extra_tags(repo_car):
    posts = {p.id: p for p in read_export(repo_car)}
    prints = posts[POST + "3kmhxh2ab3c2a"].meta
    assert (prints["media_count"], prints["hashtags"]) == (2, ["art", "prints"])
    card = posts[POST + "3kmtc2bbb4t2a"]
    assert (card.status, card.meta["urls"]) == ("empty", ["https://news.example.com/cycle-lanes"])


def test_record_without_text_is_an_error_row(repo_car):
    bad = [(p.id, p.error) for p in read_export(repo_car) if p.error]
    assert bad == [(POST + "3kmvd3ccc5u2a", "post record has no text")]


def test_reposts_only_on_request(repo_car):
    stats = ExportStats()
    posts = list(read_export(repo_car, include_reposts=True, stats=stats))
    reposts = [(p.id, p.text, p.meta["urls"]) for p in posts if p.meta["is_repost"]]
    assert reposts == [(f"at://{DID}/app.bsky.feed.repost/3kmqz5eee7w2a", "",
                        ["at://did:plc:bob4example/app.bsky.feed.post/3kmqa1aaa1a2a"])]
    assert (stats.posts, stats.reposts_skipped) == (7, 0)


def test_missing_record_block_keeps_a_row(tmp_path):
    car = write_car(tmp_path / "repo.car", drop_record="app.bsky.feed.post/3kmpa6xyz2k2a")
    posts = list(read_export(car))
    assert len(posts) == 6
    missing = next(p for p in posts if p.id == POST + "3kmpa6xyz2k2a")
    assert (missing.error, missing.created_at) == ("record block is missing from the CAR", None)


def test_missing_mst_node_is_an_error(tmp_path):
    car = write_car(tmp_path / "repo.car", drop_node=True)
    with pytest.raises(ReaderError) as err:
        list(read_export(car))
    message = str(err.value)
    assert message.startswith(f"{car}: corrupt repository: MST node bafyrei")
    assert message.endswith(" is missing from the CAR")


def test_truncated_car_names_the_file(tmp_path):
    car = tmp_path / "repo.car"
    car.write_bytes(build_car()[:-40])
    assert detect_export(car) == "bluesky"
    with pytest.raises(ReaderError) as err:
        list(read_export(car))
    assert str(err.value) == f"{car}: corrupt CAR file (Failed to read CAR block. end of data)"


def test_corrupt_car_inside_a_zip_names_the_member(tmp_path):
    archive = tmp_path / "bluesky-export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("repo.car", b"\x0anot a car file at all")
    assert detect_export(archive) == "bluesky"
    with pytest.raises(ReaderError) as err:
        list(read_export(archive))
    assert str(err.value) == (f"{archive}!repo.car: corrupt CAR file (Failed to read CAR header. "
                              "Header must be a map)")


def test_old_app_file_name_is_recognised(tmp_path):
    car = write_car(tmp_path / "com.atproto.sync.getRepo")
    assert detect_export(car) == "bluesky"
    renamed = write_car(tmp_path / "backup.bin")  # no telling name: sniffed from the header
    assert detect_export(renamed) == "bluesky"
    assert [p.id for p in read_export(renamed)] == [row[0] for row in REPO]


@settings(deadline=None)  # timing is not under test; CI machines vary
@given(st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz234567", min_size=1, max_size=13),
                min_size=1, max_size=40, unique=True))
def test_mst_walk_returns_every_key_in_order(rkeys):
    records = {f"app.bsky.feed.post/{k}": {"$type": "app.bsky.feed.post", "text": k,
                                            "createdAt": "2024-01-01T00:00:00Z"} for k in rkeys}
    with tempfile.TemporaryDirectory() as folder:
        car = Path(folder) / "repo.car"
        car.write_bytes(build_car({"did": DID, "records": records}))
        posts = list(read_export(car))
    assert [p.id for p in posts] == [POST + k for k in sorted(rkeys)]
    assert [p.text for p in posts] == sorted(rkeys)


@settings(deadline=None)  # timing is not under test; CI machines vary
@given(st.text(max_size=20), st.text(alphabet=st.characters(categories=("Ll", "Lu", "Nd")),
                                     min_size=1, max_size=10), st.text(max_size=20))
def test_facet_offsets_are_bytes_not_characters(before, name, after):
    start = len(before.encode("utf-8"))
    end = start + 1 + len(name.encode("utf-8"))
    mention = {"index": {"byteStart": start, "byteEnd": end},
               "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:x"}]}
    text = f"{before}@{name}{after}"
    assert facet_entities(text, [mention]) == (text, [], [name], [])
    tag = {"index": {"byteStart": start, "byteEnd": end},
           "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": name}]}
    assert facet_entities(f"{before}#{name}{after}", [tag])[3] == [name]


def test_link_text_is_expanded_only_when_shortened():
    text = "see example.com/a/b... and this"
    raw = text.encode()
    short = {"index": {"byteStart": 4, "byteEnd": raw.index(b" and")},
             "features": [{"$type": "app.bsky.richtext.facet#link",
                           "uri": "https://example.com/a/bcdef"}]}
    assert facet_entities(text, [short])[0] == "see https://example.com/a/bcdef and this"
    words = {"index": {"byteStart": raw.index(b"this"), "byteEnd": len(raw)},
             "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://x.example"}]}
    assert facet_entities(text, [words]) == (text, ["https://x.example"], [], [])
