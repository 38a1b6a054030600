"""Meta JSON exports: Facebook, Instagram and Threads; mojibake repair; HTML refusal."""

from __future__ import annotations

from datetime import datetime, timezone

import ftfy
import pytest
from exports_fixtures import fixture, pack_zip
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.exports import ExportStats, detect_export, meta, read_export
from analyzer.exports.meta import fix_mojibake, repair
from analyzer.readers import ReaderError

UTC = timezone.utc
FB_POSTS = "your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_"


def _at(stamp: int) -> datetime:
    return datetime.fromtimestamp(stamp, tz=UTC)


# -- mojibake ----------------------------------------------------------------------------

def test_fix_mojibake_examples():
    assert fix_mojibake("Caf\u00c3\u00a9 \u00f0\u009f\u0091\u008d") == "Café 👍"
    assert fix_mojibake("na\u00c3\u00afve \u00e2\u0080\u0094 \u00c5\u00be") == "naïve — ž"
    assert fix_mojibake("already right: café 日本") == "already right: café 日本"
    assert fix_mojibake("é") == "é"  # genuine Latin-1, not UTF-8 bytes: unchanged
    assert fix_mojibake("plain ascii") == "plain ascii"


@pytest.mark.parametrize("broken, fixed", [
    # whole strings in Meta's encoding
    ("Espa\u00c3\u00b1a en oto\u00c3\u00b1o, \u00c2\u00bfvienes?", "España en otoño, ¿vienes?"),
    ("Caff\u00c3\u00a8 e cornetto, perch\u00c3\u00a9 no?", "Caffè e cornetto, perché no?"),
    ("\u00c3\u00a0 domani", "à domani"),
    ("Don\u00e2\u0080\u0099t miss it \u00f0\u009f\u0098\u0082", "Don’t miss it 😂"),
    # broken runs next to correct text: the whole-string round trip fails on these
    ("\u00c3\u009cbel s\u00fcss", "Übel süss"),
    ("Ma\u00c3\u00b1ana en Espa\u00f1a", "Mañana en España"),
    ("L\u00e2\u0080\u0099amore \u00e8 gi\u00e0 qui", "L’amore è già qui"),
    ("\u00c3\u00a0 bient\u00f4t, caf\u00e9", "à bientôt, café"),
    ("ja ja ja \u00f0\u009f\u0098\u0082 qu\u00e9 risa", "ja ja ja 😂 qué risa"),
    ("It\u00e2\u0080\u0099s 5\u00e2\u0082\u00ac \u2014 ok", "It’s 5€ — ok"),
    # correct text stays as it is
    ("El ni\u00f1o comi\u00f3 pi\u00f1a", "El niño comió piña"),
    ("Citt\u00e0 \u00abbella\u00bb, s\u00ec", "Città «bella», sì"),
    ("Don’t “quote” me — &amp; 日本 😂", "Don’t “quote” me — &amp; 日本 😂"),
    ("\u00fcber Stra\u00dfe", "über Straße"),
])
def test_fix_mojibake_mixed_strings(broken, fixed):
    assert fix_mojibake(broken) == fixed


@settings(deadline=None)  # timing is not under test; CI machines vary
@given(st.text())
def test_fix_mojibake_undoes_meta_encoding(text):
    assert fix_mojibake(text.encode("utf-8").decode("latin-1")) == text


# Correct text: accented letters (none of U+0080-U+00BF nor of the characters cp1252 puts
# at 0x80-0x9F, so no run can be read as UTF-8 bytes) with characters no single-byte
# encoding has (CJK, emoji),
# which send the string past the whole-string round trip to ftfy.
_CORRECT = st.text(alphabet=st.sampled_from(list("abc XYZ.,!?'\"#@0123456789\n"
                                                  "àèéìíòóùúñüöäßçâêôÀÈÉÒÙÑÜÖÄÇ"
                                                  "日本語😂👍")))


@settings(deadline=None)  # timing is not under test; CI machines vary
@given(_CORRECT.filter(lambda t: any(ord(c) > 0xFF for c in t)))
def test_fix_mojibake_leaves_real_unicode_alone(text):
    assert fix_mojibake(text) == text


# Words of the three languages with Latin-1 and cp1252 signs, emoji and CJK, some of them
# in Meta's broken encoding: the precheck (_BROKEN) must send ftfy every string it repairs.
_WORDS = ("El niño comió piña ¿vienes? ¡Qué bien! Città «bella», sì perché è già qui Don’t "
          "“quote” me — 5€ naïve über Straße café Ñandú años Übel süss à bientôt, L’amore "
          "mañana «hola» 日本 😂 👍 #año @josé https://e.example/ñ 100% x² ½ ° º ª · ¬ ± µ").split()
_MIXED = st.lists(st.tuples(st.sampled_from(_WORDS), st.booleans()), min_size=1, max_size=8).map(
    lambda words: " ".join(w.encode("utf-8").decode("latin-1") if broken else w
                           for w, broken in words))


@settings(deadline=None)  # timing is not under test; CI machines vary
@given(_MIXED)
def test_the_precheck_leaves_ftfy_every_string_it_would_repair(text):
    try:
        expected = text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        expected = ftfy.fix_encoding(text, meta._FTFY)
    assert fix_mojibake(text) == expected


def test_ftfy_is_asked_only_about_strings_with_a_broken_run(monkeypatch):
    asked = []
    monkeypatch.setattr(meta.ftfy, "fix_encoding", lambda text, config: asked.append(text) or text)
    for text in ("El ni\u00f1o comi\u00f3 pi\u00f1a 日本", "Citt\u00e0 \u00abbella\u00bb 😂",
                 "Ma\u00c3\u00b1ana en Espa\u00f1a", "It\u00e2\u0080\u0099s caf\u00e9 😂",
                 "Don\u00e2\u20ac\u2122t 😂", "caf\u00e9\u0092s 日本"):
        fix_mojibake(text)
    assert asked == ["Ma\u00c3\u00b1ana en Espa\u00f1a", "It\u00e2\u0080\u0099s caf\u00e9 😂",
                     "Don\u00e2\u20ac\u2122t 😂", "caf\u00e9\u0092s 日本"]


def test_repair_fixes_keys_too():
    broken = {"G\u00c3\u00a9n\u00c3\u00a9ral": ["\u00c3\u00a0", 1, None]}
    assert repair(broken) == {"Général": ["à", 1, None]}


# -- Facebook ----------------------------------------------------------------------------

def test_facebook_2024_posts_exact(tmp_path):
    archive = pack_zip("facebook/2024", tmp_path / "facebook-ana-2024-02-10.zip")
    stats = ExportStats()
    posts = list(read_export(archive, stats=stats))
    assert [(p.id, p.created_at, p.text, p.error) for p in posts] == [
        ("facebook:1704000000:1", _at(1704000000), "", "post text is not a string"),
        ("facebook:1704100000:1", _at(1704100000), "Feliz año nuevo 🎆", None),
        # a literal backslash-u00e9 survives (a byte-level fix before parsing would break here)
        ("facebook:1706800000:1", _at(1706800000),
         "Escape test: \\u00e9 stays literal, café is fixed", None),
        ("facebook:1706800000:2", _at(1706800000), "Second post in the same second", None),
        ("facebook:1706900000:1", _at(1706900000), "¡Feliz cumpleaños, Luis! 🎂", None),
        ("facebook:1707000000:1", _at(1707000000), "", None),  # a check-in: kept, status empty
        # no post text: both photos carry the same description, which is the caption
        ("facebook:1707100000:1", _at(1707100000), "Atardecer en el puerto 🌅", None),
        ("facebook:1707300000:1", _at(1707300000),
         "Must-read on urban cycling: https://bike.example.org/lanes", None),
        ("facebook:1707400000:1", _at(1707400000), "Café con amigos ☕ — ¡qué tarde! 👍",
         None),
    ]
    assert {(p.platform, p.author, p.lang) for p in posts} == {("facebook", None, None)}
    assert stats == ExportStats(platform="facebook", posts=9, reposts_skipped=1,
                                files=[FB_POSTS + "1.json", FB_POSTS + "2.json"], records=10,
                                without_words=1)
    by_id = {p.id: p for p in posts}
    assert by_id["facebook:1706900000:1"].meta["mentions"] == ["Luis Martín"]
    assert by_id["facebook:1707100000:1"].meta["media_count"] == 2
    assert by_id["facebook:1707300000:1"].meta["urls"] == ["https://bike.example.org/lanes"]


def test_facebook_bare_share_only_on_request(tmp_path):
    archive = pack_zip("facebook/2024", tmp_path / "fb.zip")
    shares = [p for p in read_export(archive, include_reposts=True) if p.meta["is_repost"]]
    assert [(p.id, p.text) for p in shares] == [("facebook:1707200000:1", "")]


@pytest.mark.parametrize("name, member, expected", [
    ("facebook/2022",
     "your_activity_across_facebook/posts/your_posts__check_ins__photos_and_videos_1.json",
     [("facebook:1655000000:1", "Rebajas de junio 👉 https://tienda.example.es/rebajas"),
      ("facebook:1660000000:1", "Horario de verano: abrimos hasta las 22:00 🌞")]),
    ("facebook/2019", "posts/your_posts_1.json",
     [("facebook:1546000000:1", ""), ("facebook:1546300800:1", "Año nuevo, tienda nueva ✨")]),
])
def test_facebook_older_paths(tmp_path, name, member, expected):
    archive = pack_zip(name, tmp_path / "fb.zip")
    stats = ExportStats()
    assert [(p.id, p.text) for p in read_export(archive, stats=stats)] == expected
    assert stats.files == [member]


def test_facebook_invalid_json_names_member_and_line(tmp_path):
    archive = pack_zip("facebook/broken-json", tmp_path / "facebook.zip")
    with pytest.raises(ReaderError) as err:
        list(read_export(archive))
    assert str(err.value) == (f"{archive}!{FB_POSTS}1.json:6: invalid JSON "
                              "(Invalid control character at, column 59)")


@pytest.mark.parametrize("name, member", [
    ("facebook/html", FB_POSTS + "1.html"),
    ("instagram/html", "your_instagram_activity/content/posts_1.html"),
])
def test_html_export_is_refused(tmp_path, name, member):
    archive = pack_zip(name, tmp_path / "meta.zip")
    assert detect_export(archive) == name.split("/")[0]
    with pytest.raises(ReaderError) as err:
        list(read_export(archive))
    assert str(err.value) == (
        f"{archive}!{member}: this is Meta's HTML export, which cannot be read; re-export as JSON: request your "
        "information again with Format: JSON (Accounts Center > Your information and "
        "permissions > Export your information)")


# -- Instagram and Threads ---------------------------------------------------------------

INSTAGRAM_2024 = [
    ("instagram:1707300000:1", "", False, 1, "instagram"),
    ("instagram:1707400000:1",
     "Nuevo menú de primavera 🌸 ¿cuál probáis primero? #brunch @cafe.luna", False, 1,
     "instagram"),
    ("instagram:1707900000:1", "Weekend in Lisbon 🇵🇹 with @joao.silva and @marta_g. #travel",
     False, 3, "instagram"),
    ("threads:1708000000:1", "Anyone else think the new café on Calle Mayor is overrated?",
     False, 0, "threads"),
    ("threads:1708003600:1",
     "@marta_g totally agree 😂 see https://www.threads.net/@marta_g/post/C3example", True, 0,
     "threads"),
    ("threads:1708100000:1", "Two photos from the market today", False, 2, "threads"),
]


@pytest.fixture
def instagram_zip(tmp_path):
    return pack_zip("instagram/2024", tmp_path / "instagram-ana.rivera-2024-02-20.zip")


def test_instagram_archive_with_threads(instagram_zip):
    stats = ExportStats()
    posts = list(read_export(instagram_zip, stats=stats))
    assert [(p.id, p.text, p.meta["is_reply"], p.meta["media_count"], p.platform)
            for p in posts] == INSTAGRAM_2024
    assert [p.created_at for p in posts] == [_at(int(p.id.split(":")[1])) for p in posts]
    assert [p.author for p in posts] == ["ana.rivera"] * 3 + ["ana.rivera.threads"] * 3
    assert stats == ExportStats(platform="instagram", posts=6, files=[
        "your_instagram_activity/content/posts_1.json",
        "your_instagram_activity/threads/threads_and_replies.json"], records=6,
        without_words=1)


def test_instagram_meta_from_caption(instagram_zip):
    posts = {p.id: p for p in read_export(instagram_zip)}
    menu = posts["instagram:1707400000:1"].meta
    assert (menu["hashtags"], menu["mentions"], menu["client"]) == (["brunch"], ["cafe.luna"], "FB")
    reply = posts["threads:1708003600:1"].meta
    assert (reply["mentions"], reply["urls"]) == (
        ["marta_g"], ["https://www.threads.net/@marta_g/post/C3example"])


@pytest.mark.parametrize("platform, ids", [
    ("instagram", [row[0] for row in INSTAGRAM_2024[:3]]),
    ("threads", [row[0] for row in INSTAGRAM_2024[3:]]),
])
def test_one_platform_of_a_meta_archive(instagram_zip, platform, ids):
    stats = ExportStats()
    assert [p.id for p in read_export(instagram_zip, platform=platform, stats=stats)] == ids
    assert stats.platform == platform


def test_single_threads_file():
    path = fixture("instagram/2024/your_instagram_activity/threads/threads_and_replies.json")
    assert detect_export(path) == "threads"
    posts = list(read_export(path))
    assert [p.id for p in posts] == [row[0] for row in INSTAGRAM_2024[3:]]
    assert {p.author for p in posts} == {None}


def test_instagram_2022_path(tmp_path):
    archive = pack_zip("instagram/2022", tmp_path / "ig.zip")
    posts = list(read_export(archive))
    assert [(p.id, p.text, p.meta["media_count"]) for p in posts] == [
        ("instagram:1652000000:1", "Caffè e cornetto ☕🥐 #buongiorno", 1),
        ("instagram:1653000000:1", "Le nostre novità 👇", 2),
    ]


def test_threads_wrong_wrapper(tmp_path):
    archive = pack_zip("threads/wrong-wrapper", tmp_path / "threads.zip")
    with pytest.raises(ReaderError) as err:
        list(read_export(archive))
    assert str(err.value) == (
        f"{archive}!your_instagram_activity/threads/threads_and_replies.json:1: expected an "
        "object with 'text_post_app_text_posts' (is this a Threads threads_and_replies.json?)")


def test_renamed_meta_files_are_sniffed(tmp_path):
    fb = tmp_path / "fb-posts.json"
    fb.write_bytes(fixture("facebook/2019/posts/your_posts_1.json").read_bytes())
    ig = tmp_path / "ig-posts.json"
    ig.write_bytes(fixture("instagram/2022/content/posts_1.json").read_bytes())
    assert (detect_export(fb), detect_export(ig)) == ("facebook", "instagram")
    assert [p.id for p in read_export(fb)] == ["facebook:1546000000:1", "facebook:1546300800:1"]


def test_threads_title_with_mixed_mojibake(tmp_path):
    path = tmp_path / "threads_and_replies.json"
    path.write_text('{"text_post_app_text_posts": [{"media": [{"uri": "", '
                    '"creation_timestamp": 1717000000, "title": "\\u00c3\\u009cbel s\\u00fcss '
                    '\\u00e2\\u0080\\u0094 gr\\u00c3\\u00bc\\u00c3\\u009fe aus M\\u00fcnchen", '
                    '"text_app_post": {"is_reply": false}}]}]}', encoding="ascii")
    (post,) = read_export(path)
    assert (post.id, post.text) == ("threads:1717000000:1", "Übel süss — grüße aus München")


def _fb_entry(stamp, text, uri=None):
    entry = {"timestamp": stamp, "data": [{"post": text}] if text else [],
             "title": "Ana Rivera updated her status."}
    if uri:
        entry["attachments"] = [{"data": [{"media": {"uri": uri, "creation_timestamp": stamp}}]}]
    return entry


def test_facebook_entry_written_twice_is_read_once(tmp_path):
    import json

    posts_dir = tmp_path / "your_facebook_activity" / "posts"
    posts_dir.mkdir(parents=True)
    first = [_fb_entry(1707000000, "Hoy abrimos a las 10"), _fb_entry(1707000100, "", "photos/1.jpg")]
    second = [_fb_entry(1707000000, "Hoy abrimos a las 10"),  # the same entry again
              _fb_entry(1707000000, "Hoy abrimos a las 11"),  # same second, other words: a post
              _fb_entry(1707000100, "", "photos/1.jpg")]
    for n, entries in ((1, first), (2, second)):
        (posts_dir / f"your_posts__check_ins__photos_and_videos_{n}.json").write_text(
            json.dumps(entries), encoding="ascii")
    stats = ExportStats()
    posts = list(read_export(tmp_path, stats=stats))
    assert [(p.id, p.text, p.status) for p in posts] == [
        ("facebook:1707000000:1", "Hoy abrimos a las 10", "ok"),
        ("facebook:1707000000:2", "Hoy abrimos a las 11", "ok"),
        ("facebook:1707000100:1", "", "ok"),  # a photo with no words: labelled by rule
    ]
    assert (stats.records, stats.duplicates_skipped, stats.without_words) == (3, 2, 1)
    assert stats.summary() == (
        "facebook export: 3 posts read from "
        f"your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json, "
        f"your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_2.json "
        "(1 with no words of their own: photos, videos, check-ins or link shares); "
        "skipped 2 entries written twice")
