"""Containers and detection (zip, tar, tar.gz, folder, single file), broken archives,
the same Post.meta from every reader."""

from __future__ import annotations

import gzip
import zipfile

import pytest
from exports_fixtures import fixture, pack_tar_gz, pack_zip, write_car

from analyzer.exports import PLATFORMS, ExportStats, detect_export, read_export
from analyzer.exports.containers import scan_zip
from analyzer.readers import ReaderError

FOLDERS = [
    ("x/modern", "x"), ("x/legacy-2019", "x"), ("x/grailbird", "x"), ("x/media-only", "x"),
    ("mastodon/zip-2024", "mastodon"), ("mastodon/targz-2022", "mastodon"),
    ("mastodon/attachment-only", "mastodon"),
    ("linkedin/basic-2024", "linkedin"), ("linkedin/complete-2024", "linkedin"),
    ("facebook/2024", "facebook"), ("facebook/2022", "facebook"), ("facebook/2019", "facebook"),
    ("facebook/html", "facebook"), ("instagram/2024", "instagram"),
    ("instagram/2022", "instagram"), ("instagram/html", "instagram"),
    ("threads/wrong-wrapper", "threads"), ("unknown", None),
]
SINGLE_FILES = [
    ("x/modern/data/tweets.js", "x"), ("x/modern/data/tweets-part1.js", "x"),
    ("x/legacy-2019/tweet.js", "x"), ("mastodon/zip-2024/outbox.json", "mastodon"),
    ("linkedin/basic-2024/Shares.csv", "linkedin"),
    ("linkedin/complete-2024/Comments_17529409.csv", "linkedin"),
    ("facebook/2019/posts/your_posts_1.json", "facebook"),
    ("instagram/2022/content/posts_1.json", "instagram"),
    ("instagram/2024/your_instagram_activity/threads/threads_and_replies.json", "threads"),
    ("x/modern/data/account.js", None), ("mastodon/zip-2024/actor.json", None),
    ("linkedin/basic-2024/Profile.csv", None), ("unknown/data/messages.json", None),
]


@pytest.mark.parametrize("name, platform", FOLDERS)
def test_detect_folder_zip_and_tar_gz(tmp_path, name, platform):
    assert detect_export(fixture(name)) == platform
    assert detect_export(pack_zip(name, tmp_path / "export.zip")) == platform
    assert detect_export(pack_tar_gz(name, tmp_path / "export.tar.gz")) == platform


def test_uncompressed_tar_is_read_like_the_folder(tmp_path):
    tar = pack_tar_gz("mastodon/targz-2022", tmp_path / "archive.tar", mode="w")
    assert detect_export(tar) == "mastodon"
    from_tar = [(p.id, p.created_at, p.text) for p in read_export(tar)]
    from_folder = [(p.id, p.created_at, p.text) for p in read_export(fixture("mastodon/targz-2022"))]
    assert from_tar == from_folder and len(from_tar) == 2


@pytest.mark.parametrize("name, platform", SINGLE_FILES)
def test_detect_single_files(name, platform):
    assert detect_export(fixture(name)) == platform


def test_detect_bluesky(tmp_path):
    assert detect_export(write_car(tmp_path / "repo.car")) == "bluesky"


@pytest.mark.parametrize("content", [
    b"", b"\x00\x01\x02binary\xff\xfe", b"id,text\n1,hello\n", b'{"text": "a jsonl row"}\n',
    b'[{"timestamp": 1, "data": "2024-01-01", "text": "an Italian table, not Facebook"}]',
    b"\x89PNG\r\n\x1a\n", b"PK\x03\x04garbage that is not really a zip",
])
def test_ordinary_files_are_not_exports(tmp_path, content):
    path = tmp_path / "input.dat"
    path.write_bytes(content)
    assert detect_export(path) is None


def test_gzipped_table_is_not_a_tar(tmp_path):
    path = tmp_path / "posts.csv.gz"
    path.write_bytes(gzip.compress(b"id,text\n1,hello\n"))
    assert detect_export(path) is None


def test_missing_path_is_not_an_export(tmp_path):
    assert detect_export(tmp_path / "nope.zip") is None
    with pytest.raises(ReaderError) as err:
        list(read_export(tmp_path / "nope.zip"))
    assert str(err.value) == f"{tmp_path / 'nope.zip'}: file not found"


def test_unknown_layout_lists_members_and_formats(tmp_path):
    archive = pack_zip("unknown", tmp_path / "export.zip")
    with pytest.raises(ReaderError) as err:
        list(read_export(archive))
    assert str(err.value) == (
        f"{archive}: not a platform export: found README.txt, data/contacts.csv, "
        "data/messages.json; supported: X/Twitter archive (data/tweets.js), Mastodon archive "
        "(outbox.json), LinkedIn export (Shares.csv, Comments.csv), Facebook (your_posts*.json), "
        "Instagram (content/posts_N.json), Threads (threads_and_replies.json), Bluesky (repo.car)")


def test_unknown_platform_argument(tmp_path):
    with pytest.raises(ReaderError) as err:
        list(read_export(fixture("x/modern"), platform="myspace"))
    assert str(err.value) == (f"{fixture('x/modern')}: unknown platform 'myspace' (known: "
                              f"{', '.join(PLATFORMS)})")


def test_platform_not_in_this_export():
    with pytest.raises(ReaderError) as err:
        list(read_export(fixture("linkedin/basic-2024"), platform="x"))
    assert str(err.value).startswith(f"{fixture('linkedin/basic-2024')}: no x posts file in this "
                                      "export: found Comments.csv, Connections.csv, Profile.csv, "
                                      "Shares.csv; supported: ")


def test_forced_platform_for_a_renamed_file(tmp_path):
    path = tmp_path / "my-linkedin-posts.txt"
    path.write_bytes(fixture("linkedin/basic-2024/Shares.csv").read_bytes())
    assert detect_export(path) == "linkedin"  # sniffed from the header
    assert len(list(read_export(path, platform="linkedin"))) == 4


def test_corrupt_member_data_names_member(tmp_path):
    archive = pack_zip("mastodon/zip-2024", tmp_path / "archive.zip", last="outbox.json")
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("outbox.json")
    data = bytearray(archive.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 200, start + 260):
        data[i] ^= 0x5A
    archive.write_bytes(bytes(data))
    with pytest.raises(ReaderError) as err:
        list(read_export(archive))
    message = str(err.value)
    assert message.startswith(f"{archive}!outbox.json: corrupt or truncated archive member (")
    assert "\n" not in message


def test_zip_cut_between_members(tmp_path):
    archive = pack_zip("mastodon/zip-2024", tmp_path / "archive.zip")
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
    archive.write_bytes(archive.read_bytes()[:infos[-1].header_offset])
    assert scan_zip(archive) == ([i.filename for i in infos[:-1]], None)
    with pytest.raises(ReaderError) as err:
        list(read_export(archive))
    assert str(err.value).startswith(f"{archive}!{infos[-2].filename}: archive is truncated or "
                                     "corrupt after this member: its directory is missing (")


def test_every_reader_gives_aware_times_and_the_same_meta_keys(tmp_path):
    keys = {"is_reply", "is_repost", "urls", "mentions", "hashtags", "media_count", "client",
            "export_file"}
    inputs = [fixture(n) for n, p in FOLDERS if p and n not in (
        "x/grailbird", "facebook/html", "instagram/html", "threads/wrong-wrapper")]
    inputs.append(write_car(tmp_path / "repo.car"))
    seen = set()
    for path in inputs:
        for post in read_export(path, include_reposts=True, include_direct=True):
            seen.add(post.platform)
            assert post.created_at is None or post.created_at.tzinfo is not None, post
            assert set(post.meta) - {"content_warning"} == keys, post
            assert isinstance(post.meta["urls"], list) and isinstance(post.meta["media_count"], int)
    assert seen == set(PLATFORMS)


def test_stats_default_is_optional():
    assert len(list(read_export(fixture("instagram/2022")))) == 2
    stats = ExportStats()
    list(read_export(fixture("instagram/2022"), stats=stats))
    assert stats.files == ["content/posts_1.json"]


def test_zip_bomb_is_refused_before_it_is_read(tmp_path, monkeypatch):
    import analyzer.exports.containers as containers

    monkeypatch.setattr(containers, "RATIO_FLOOR", 2**20)  # keep the bomb small for the test
    bomb = tmp_path / "twitter.zip"
    text = '{"tweet": {"id_str": "1", "full_text": "' + "a" * (8 * 2**20) + '"}}'
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("data/tweets.js", "window.YTD.tweets.part0 = [" + text + "]")
    packed = zipfile.ZipFile(bomb).getinfo("data/tweets.js").compress_size
    size = zipfile.ZipFile(bomb).getinfo("data/tweets.js").file_size
    with pytest.raises(ReaderError) as err:
        list(read_export(bomb))
    assert str(err.value) == (
        f"{bomb}!data/tweets.js: compressed {size // packed:,}:1 ({packed:,} bytes unpack to "
        f"{size:,}), far beyond any real export (a zip bomb?); refusing to read it")


def test_oversized_member_is_refused(tmp_path, monkeypatch):
    import analyzer.exports.containers as containers

    monkeypatch.setattr(containers, "MAX_MEMBER_BYTES", 1000)
    archive = pack_zip("mastodon/zip-2024", tmp_path / "archive.zip")
    with pytest.raises(ReaderError, match=r"!outbox\.json: unpacks to [\d,]+ bytes, more than the "
                                          r"1,000 a posts file may have"):
        list(read_export(archive))


def test_real_exports_pass_the_limits(tmp_path):
    archive = pack_zip("x/modern", tmp_path / "twitter.zip")
    assert len(list(read_export(archive))) == 9


def test_export_readers_do_not_import_the_table_readers():
    # one direction only: readers -> exports (ReaderError lives in analyzer.errors)
    import subprocess
    import sys

    code = ("import sys, analyzer.exports, analyzer.exports.x, analyzer.exports.meta; "
            "print(any(m == 'analyzer.readers' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
    from analyzer.errors import ReaderError
    from analyzer.readers import ReaderError as Same

    assert Same is ReaderError
