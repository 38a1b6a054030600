"""X / Twitter archives: tweets.js + parts, note tweets, legacy layouts, broken files."""

from __future__ import annotations

import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from exports_fixtures import fixture, pack_zip

from analyzer.exports import ExportStats, detect_export, read_export
from analyzer.exports import x as x_module
from analyzer.readers import ReaderError

UTC = timezone.utc
META_KEYS = {"is_reply", "is_repost", "urls", "mentions", "hashtags", "media_count", "client",
             "export_file"}

LONG_NOTE = (
    "Some thoughts after a year of running community meetups in Valencia. First, the room "
    "matters less than the host: people come back when someone greets them by name. Second, "
    "keep talks short and questions long; the best part is always the Q&A. Third, publish the "
    "slides the same day. Full write-up: https://blog.example.com/meetups-year-one and thanks "
    "to everyone who came!")
REPLY_NOTE = (
    "@luis_m @marta_g Thanks both for the feedback on the draft. I rewrote the intro, moved the "
    "budget table up front, and cut the section on tooling entirely because, as you said, nobody "
    "reads it. The new version is shorter but I think it says more. Would you have time to look "
    "at it again before Thursday? No rush if not.")

# (id, created_at, text, is_reply, lang) of data/tweets.js + data/tweets-part1.js, oldest first
MODERN = [
    ("1733943415403450385", datetime(2023, 12, 10, 20, 15, tzinfo=UTC),
     "Hola a todos, estrenamos cuenta 😊", False, "es"),
    ("1746827059000250385", datetime(2024, 1, 15, 9, 30, tzinfo=UTC),
     "New post on the blog: 5 tips for Q&A sessions <3 "
     "https://blog.example.com/qa-tips?utm_source=buffer #events", False, "en"),
    ("1747319227020218385", datetime(2024, 1, 16, 18, 5, 42, tzinfo=UTC),
     "@luis_m ¿Cuándo empieza la charla? Yo llego a las 10 & media", True, "es"),
    ("1748023735874490385", datetime(2024, 1, 18, 16, 45, 10, tzinfo=UTC),
     "Our stand is ready! Come say hi 👋", False, "en"),
    ("1748314359198650385", datetime(2024, 1, 19, 12, 0, tzinfo=UTC), LONG_NOTE, False, "en"),
    ("1748649106600890385", datetime(2024, 1, 20, 10, 10, 10, tzinfo=UTC), REPLY_NOTE, True, "en"),
    ("1749190129873850385", datetime(2024, 1, 21, 22, 0, tzinfo=UTC), "🎉🎉🎉", False, None),
    ("1749446821278650385", datetime(2024, 1, 22, 15, 0, tzinfo=UTC),  # community-tweet.js
     "Which venue worked best for you this year, and why?", False, "en"),
    ("1753327391339450385", datetime(2024, 2, 2, 8, 0, tzinfo=UTC), "", False, None),
]


@pytest.fixture
def modern_zip(tmp_path):
    return pack_zip("x/modern", tmp_path / "twitter.zip")


def test_modern_archive_posts_exact(modern_zip):
    stats = ExportStats()
    posts = list(read_export(modern_zip, stats=stats))
    assert [(p.id, p.created_at, p.text, p.meta["is_reply"], p.lang) for p in posts] == MODERN
    assert {p.author for p in posts} == {"ana_rivera"}
    assert {p.platform for p in posts} == {"x"}
    assert all(p.created_at.tzinfo is not None for p in posts)
    assert all(set(p.meta) == META_KEYS for p in posts)
    # tweets-part1.js repeats a tweet of tweets.js; the retweet is left out and counted
    assert stats == ExportStats(platform="x", posts=9, reposts_skipped=1, direct_skipped=0,
                                files=["data/note-tweet.js", "data/tweets.js",
                                       "data/tweets-part1.js", "data/community-tweet.js"],
                                records=11, stated=11, stated_by="manifest.js")


def test_record_without_text_is_kept_as_error_row(modern_zip):
    bad = [p for p in read_export(modern_zip) if p.error]
    assert [(p.id, p.error, p.status, p.meta["export_file"]) for p in bad] == [
        ("1753327391339450385", "tweet has no full_text", "error", "data/tweets-part1.js")]


def test_entities_urls_and_client(modern_zip):
    posts = {p.id: p for p in read_export(modern_zip)}
    blog = posts["1746827059000250385"].meta
    assert blog["urls"] == ["https://blog.example.com/qa-tips?utm_source=buffer"]
    assert blog["hashtags"] == ["events"]
    assert blog["client"] == "Buffer"  # <a href=...>Buffer</a> with the HTML stripped
    reply = posts["1748649106600890385"].meta
    assert reply["mentions"] == ["luis_m", "marta_g"]
    assert reply["is_reply"] is True
    photo = posts["1748023735874490385"].meta
    assert photo["media_count"] == 2  # extended_entities lists both photos
    assert photo["urls"] == []  # the media t.co link is dropped from the text, not a link
    assert posts["1733943415403450385"].meta["client"] == "TweetDeck"


def test_note_tweet_texts_and_links(modern_zip):
    posts = {p.id: p for p in read_export(modern_zip)}
    note = posts["1748314359198650385"].meta
    assert note["urls"] == ["https://blog.example.com/meetups-year-one"]
    # the note of a reply lacks the @-prefix of the tweet; it is put back
    assert posts["1748649106600890385"].text.startswith("@luis_m @marta_g Thanks both")


def test_duplicate_kept_once_from_first_part(modern_zip):
    posts = list(read_export(modern_zip))
    assert len({p.id for p in posts}) == len(posts) == 9
    dup = next(p for p in posts if p.id == "1747319227020218385")
    assert dup.meta["export_file"] == "data/tweets.js"


def test_include_reposts_yields_the_retweet(modern_zip):
    stats = ExportStats()
    posts = list(read_export(modern_zip, include_reposts=True, stats=stats))
    rt = next(p for p in posts if p.id == "1747514085995450385")
    assert rt.text == ("RT @newsdesk: Council approves new cycle lanes on Mill Road. Works start "
                       "in March and will last six weeks, with temporary closures on weeke…")
    assert rt.meta["is_repost"] is True
    assert rt.meta["mentions"] == ["newsdesk"]
    assert [p.id for p in posts].index(rt.id) == 3  # Jan 17, between Jan 16 and Jan 18
    assert (stats.posts, stats.reposts_skipped) == (10, 0)


def test_likes_are_never_read(modern_zip):
    texts = [p.text for p in read_export(modern_zip, include_reposts=True)]
    assert not any("Somebody else" in t for t in texts)


def test_folder_and_top_folder_prefix_read_the_same(modern_zip, tmp_path):
    expected = [(p.id, p.text, p.created_at) for p in read_export(modern_zip)]
    folder = [(p.id, p.text, p.created_at) for p in read_export(fixture("x/modern"))]
    nested = pack_zip("x/modern", tmp_path / "nested.zip", prefix="twitter-2024-02-05/")
    prefixed = [(p.id, p.text, p.created_at) for p in read_export(nested)]
    assert folder == expected == prefixed
    assert detect_export(fixture("x/modern")) == detect_export(nested) == "x"
    # the unpacked data/ folder alone: same posts, the manifest is matched by file name
    data = [(p.id, p.text, p.created_at) for p in read_export(fixture("x/modern/data"))]
    assert data == expected


def test_single_tweets_js_file_has_no_author():
    stats = ExportStats()
    posts = list(read_export(fixture("x/modern/data/tweets.js"), stats=stats))
    assert [p.id for p in posts] == ["1746827059000250385", "1747319227020218385",
                                     "1748023735874490385", "1748314359198650385",
                                     "1748649106600890385", "1749190129873850385"]
    assert {p.author for p in posts} == {None}
    # without note-tweet.js the long post keeps its cut text
    cut = next(p for p in posts if p.id == "1748314359198650385")
    assert cut.text.endswith("publish the slides the… https://twitter.com/i/web/status/"
                             "1748314359198650385")
    assert (stats.files, stats.reposts_skipped) == (["tweets.js"], 1)


def test_legacy_2019_layout_at_root_without_envelope(tmp_path):
    archive = pack_zip("x/legacy-2019", tmp_path / "twitter-2019.zip")
    stats = ExportStats()
    posts = list(read_export(archive, stats=stats))
    assert [(p.id, p.created_at, p.text, p.meta["is_reply"]) for p in posts] == [
        ("2212345678", datetime(2009, 6, 12, 20, 0, tzinfo=UTC),
         "Primo giorno qui. Il blog è su http://blog.example.org/ciao, passate!", False),
        ("1104653111915450385", datetime(2019, 3, 10, 8, 0, tzinfo=UTC),
         "Saldi di primavera: sconto del 30% > solo oggi #offerta "
         "https://negozio.example.it/saldi?utm_source=hootsuite&utm_medium=social", False),
        ("1105189143966650385", datetime(2019, 3, 11, 19, 30, tzinfo=UTC),
         "@sara_v Complimenti! Ci vediamo sabato?", True),
    ]
    assert {p.author for p in posts} == {"negozio_luce"}
    assert {p.lang for p in posts} == {"it"}
    # very old tweets have raw links and an empty urls[]: found in the text instead
    assert posts[0].meta["urls"] == ["http://blog.example.org/ciao"]
    assert posts[1].meta["client"] == "Hootsuite Inc."
    assert stats.files == ["tweet.js"]


@pytest.mark.parametrize("value, expected", [
    ("Sat Feb 18 12:33:11 +0000 2023", datetime(2023, 2, 18, 12, 33, 11, tzinfo=UTC)),
    ("Sat Feb  8 12:33:11 +0000 2023", datetime(2023, 2, 8, 12, 33, 11, tzinfo=UTC)),  # padded
    ("Sat Feb 30 12:33:11 +0000 2023", None),
    ("Sat Feb 18 12:33:11 +0100 2023", datetime(2023, 2, 18, 12, 33, 11,
                                                tzinfo=timezone(timedelta(hours=1)))),
    ("2023-02-18T12:33:11Z", datetime(2023, 2, 18, 12, 33, 11, tzinfo=UTC)),
])
def test_created_at_fast_and_long_ways(value, expected):
    created = x_module._created_at(value)
    assert (created, created and created.utcoffset()) == (expected, expected and
                                                             expected.utcoffset())


def test_missing_created_at_falls_back_to_snowflake(tmp_path):
    path = tmp_path / "tweets.js"
    path.write_text('window.YTD.tweets.part0 = [ {"tweet": {"id_str": "1626922779105759235", '
                    '"created_at": "yesterday", "full_text": "hi"}} ];', encoding="utf-8")
    (post,) = read_export(path)
    # (id >> 22) + 1288834974657 ms
    assert post.created_at == datetime(2023, 2, 18, 12, 33, 11, 959000, tzinfo=UTC)
    assert post.flags == ("bad_date",)


def test_grailbird_archive_is_refused(tmp_path):
    archive = pack_zip("x/grailbird", tmp_path / "tweets-2012.zip")
    assert detect_export(archive) == "x"
    with pytest.raises(ReaderError) as err:
        list(read_export(archive))
    assert str(err.value) == (
        f"{archive}!data/js/tweets/2012_01.js: this is the pre-2019 'Grailbird' archive layout "
        "(tweets.csv, data/js/tweets/YYYY_MM.js), which is not supported; request a new archive "
        "from X (Settings > Your account > Download an archive of your data)")


def test_invalid_json_names_member_and_line(tmp_path):
    archive = pack_zip("x/broken-json", tmp_path / "twitter.zip")
    with pytest.raises(ReaderError) as err:
        list(read_export(archive))
    assert str(err.value) == (f"{archive}!data/tweets.js:14: invalid JSON "
                              "(Expecting ',' delimiter, column 7)")
    assert "\n" not in str(err.value)


def test_wrong_wrapper_names_member(tmp_path):
    archive = pack_zip("x/wrong-wrapper", tmp_path / "twitter.zip")
    with pytest.raises(ReaderError) as err:
        list(read_export(archive))
    assert str(err.value) == (f"{archive}!data/tweets.js:1: wrong wrapper: expected "
                              "`window.YTD.tweets.part<N> = [`, found `window.YTD.like.part0`")


def test_truncated_zip_names_the_cut_member(tmp_path):
    archive = pack_zip("x/modern", tmp_path / "twitter.zip", last="data/tweets.js")
    data = archive.read_bytes()
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("data/tweets.js")
    archive.write_bytes(data[:info.header_offset + 200])
    assert detect_export(archive) == "x"  # still recognised from the local headers
    with pytest.raises(ReaderError) as err:
        list(read_export(archive))
    assert str(err.value) == (f"{archive}!data/tweets.js: archive is truncated: the file ends "
                              "inside this member (incomplete download?)")


def test_part_listed_in_manifest_but_missing(tmp_path):
    archive = pack_zip("x/modern", tmp_path / "twitter.zip", exclude=("data/tweets-part1.js",))
    with pytest.raises(ReaderError) as err:
        list(read_export(archive))
    assert str(err.value) == (f"{archive}!data/tweets-part1.js: listed in manifest.js but "
                              "missing from the archive (was it extracted or downloaded "
                              "completely?)")


def test_streams_with_tiny_chunks(monkeypatch, modern_zip):
    """Chunk boundaries inside strings, escapes and emoji change nothing."""
    from analyzer.exports import jsonfile

    expected = [(p.id, p.text) for p in read_export(modern_zip)]
    monkeypatch.setattr(jsonfile, "CHUNK", 7)
    assert [(p.id, p.text) for p in read_export(modern_zip)] == expected


def test_photo_only_tweets_keep_their_media_count(tmp_path):
    """A photo tweet with no words: X appends the photo's t.co link, which is dropped; what is
    left is nothing (or, for a reply, only the @-name X puts before it)."""
    archive = pack_zip("x/media-only", tmp_path / "twitter.zip")
    stats = ExportStats()
    posts = list(read_export(archive, stats=stats))
    assert [(p.id, p.text, p.meta["is_reply"], p.meta["media_count"], p.meta["urls"], p.status,
             p.by_rule) for p in posts] == [
        ("1760000000000000001", "", False, 2, [], "ok", True),  # two photos, extended_entities
        ("1760300000000000002", "@luis_m", True, 1, [], "ok", True),  # a GIF sent as a reply
        ("1760600000000000003", "Who else is going to the photo walk Sunday?", False, 0, [], "ok",
         False),
        ("1760900000000000004", "", False, 0, [], "empty", False),  # nothing at all
    ]
    assert all(set(p.meta) == META_KEYS for p in posts)
    assert {p.author for p in posts} == {"marc_fotos"}
    assert (stats.posts, stats.records) == (4, 4)
