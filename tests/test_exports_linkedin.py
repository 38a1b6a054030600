"""LinkedIn exports: Shares (RFC-4180 quoting) and Comments (backslash escapes), suffixed names."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest
from exports_fixtures import fixture, pack_zip

from analyzer.exports import ExportStats, detect_export, read_export
from analyzer.readers import ReaderError

UTC = timezone.utc

# (id, created_at, text, is_reply, export_file), oldest first, the undated comment last
BASIC = [
    ("urn:li:activity:7163841871872001234", datetime(2024, 2, 15, 10, 30, tzinfo=UTC),
     "https://blog.example.com/post-1", False, "Shares.csv"),
    ("urn:li:share:7165631161958401234", datetime(2024, 2, 20, 9, 0, tzinfo=UTC),
     "Reports live in C:\\Users\\ana\\reports\\2024 — backslashes stay as typed", False,
     "Shares.csv"),
    ("urn:li:ugcPost:7169385953230849234", datetime(2024, 3, 1, 17, 40, 12, tzinfo=UTC),
     'What\'s the one book that changed how you think about "product"?\n\n'
     "Curious to hear your picks.", False, "Shares.csv"),
    ("linkedin:comment:e56a2665da3434df", datetime(2024, 3, 2, 9, 30, tzinfo=UTC),
     "Congrats on the launch 🎉 #teamwork", True, "Comments.csv"),
    ("urn:li:share:7170330879590401234", datetime(2024, 3, 4, 8, 15, tzinfo=UTC),
     "We're hiring! Join our data team in Valencia 🚀\n"
     "Apply here: https://jobs.example.com/data?utm_source=linkedin #hiring #data", False,
     "Shares.csv"),
    ("linkedin:comment:8965661249727ca0", datetime(2024, 3, 5, 11, 0, tzinfo=UTC),
     'Great point, Marta! I\'d add that "done" means shipped,\nnot merged.', True,
     "Comments.csv"),
    ("linkedin:comment:0937af761752b1cc", None, "Comment exported without a date", True,
     "Comments.csv"),
]


@pytest.fixture
def basic_zip(tmp_path):
    return pack_zip("linkedin/basic-2024", tmp_path / "Basic_LinkedInDataExport_03-06-2024.zip")


def test_basic_export_posts_exact(basic_zip):
    stats = ExportStats()
    posts = list(read_export(basic_zip, stats=stats))
    assert [(p.id, p.created_at, p.text, p.meta["is_reply"], p.meta["export_file"])
            for p in posts] == BASIC
    assert {p.author for p in posts} == {"Ana Rivera"}  # from Profile.csv
    assert {p.platform for p in posts} == {"linkedin"}
    assert {p.lang for p in posts} == {None}
    assert stats == ExportStats(platform="linkedin", posts=7, reposts_skipped=1, direct_skipped=0,
                                files=["Comments.csv", "Shares.csv"], records=8)


def test_share_meta(basic_zip):
    posts = {p.id: p for p in read_export(basic_zip)}
    hiring = posts["urn:li:share:7170330879590401234"].meta
    assert (hiring["urls"], hiring["hashtags"], hiring["mentions"]) == (
        ["https://jobs.example.com/data?utm_source=linkedin"], ["hiring", "data"], [])
    url_only = posts["urn:li:activity:7163841871872001234"].meta
    assert (url_only["urls"], url_only["media_count"], url_only["is_repost"]) == (
        ["https://blog.example.com/post-1"], 1, False)


def test_bare_repost_only_on_request(basic_zip):
    stats = ExportStats()
    posts = list(read_export(basic_zip, include_reposts=True, stats=stats))
    repost = next(p for p in posts if p.meta["is_repost"])
    assert (repost.id, repost.text, repost.status, repost.meta["urls"]) == (
        "urn:li:share:7168213175500801234", "", "empty", ["https://news.example.com/article/42"])
    assert (stats.posts, stats.reposts_skipped) == (8, 0)


def test_complete_export_with_member_id_suffixes(tmp_path):
    archive = pack_zip("linkedin/complete-2024", tmp_path / "Complete_LinkedInDataExport.zip")
    stats = ExportStats()
    posts = list(read_export(archive, stats=stats))
    assert [(p.id, p.created_at, p.text, p.meta["export_file"]) for p in posts] == [
        ("urn:li:share:7155238934937601234", datetime(2024, 1, 22, 16, 45, tzinfo=UTC),
         'Three lessons from our first year:\n1. Talk to users weekly\n2. Ship small\n'
         '3. Say "no" more often', "Shares_155814142.csv"),
        ("linkedin:comment:3a02dc1c4420f682", datetime(2024, 1, 23, 8, 5, tzinfo=UTC),
         'Thanks! The "ship small" part took us longest to learn.\nHappy to share more.',
         "Comments_17529409.csv"),
        # Date is blank: the share URN is a snowflake, (id >> 22) ms gives the time
        ("urn:li:share:7163841871872001234", datetime(2024, 2, 15, 10, 30, tzinfo=UTC),
         "Date lost in the export; the share id still encodes the time", "Shares_155814142.csv"),
    ]
    assert {p.author for p in posts} == {None}  # no Profile.csv in this export
    assert (stats.reposts_skipped, posts[0].meta["media_count"]) == (1, 1)


def test_comments_need_the_backslash_dialect():
    """What goes wrong with default CSV parsing, and why Comments get their own reader."""
    text = fixture("linkedin/basic-2024/Comments.csv").read_text(encoding="utf-8")
    default = list(csv.reader(io.StringIO(text)))
    escaped = list(csv.reader(io.StringIO(text), escapechar="\\"))
    assert len(default) != 4  # fragments: message text spills into the Date column
    assert len(escaped) == 4
    assert escaped[1][2].startswith('Great point, Marta! I\'d add that "done"')


def test_single_shares_file_and_folder(basic_zip):
    single = list(read_export(fixture("linkedin/basic-2024/Shares.csv")))
    assert [p.id for p in single] == [row[0] for row in BASIC if row[4] == "Shares.csv"]
    assert {p.author for p in single} == {None}
    folder = [(p.id, p.text) for p in read_export(fixture("linkedin/basic-2024"))]
    assert folder == [(p.id, p.text) for p in read_export(basic_zip)]
    assert detect_export(fixture("linkedin/basic-2024/Comments.csv")) == "linkedin"


def test_shares_without_commentary_column(tmp_path):
    path = tmp_path / "Shares.csv"
    path.write_text("Date,Link,Text\n2024-01-01 00:00:00,x,y\n", encoding="utf-8")
    with pytest.raises(ReaderError) as err:
        list(read_export(path))
    assert str(err.value) == (f"{path}:1: no ShareCommentary column (columns: Date, Link, Text); "
                              "is this a LinkedIn export file?")


def test_invalid_utf8_names_member(tmp_path):
    path = tmp_path / "Shares.csv"
    path.write_bytes(b"Date,ShareLink,ShareCommentary\n2024-01-01 00:00:00,x,caf\xe9\n")
    with pytest.raises(ReaderError) as err:
        list(read_export(path))
    assert str(err.value) == f"{path}: not valid UTF-8 text (invalid continuation byte)"
