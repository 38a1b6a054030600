"""Platform archives scored end to end through the CLI (score and report)."""

import json

import pytest
from exports_fixtures import pack_tar_gz, pack_zip, write_car
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.exports import ExportStats, read_export

runner = CliRunner()

ARCHIVES = {
    "x": lambda d: pack_zip("x/modern", d / "twitter-2026.zip"),
    "mastodon": lambda d: pack_zip("mastodon/zip-2024", d / "archive-mastodon.zip"),
    "mastodon-targz": lambda d: pack_tar_gz("mastodon/targz-2022", d / "archive-2022.tar.gz"),
    "linkedin": lambda d: pack_zip("linkedin/basic-2024", d / "Basic_LinkedInDataExport.zip"),
    "facebook": lambda d: pack_zip("facebook/2024", d / "facebook-export.zip"),
    "instagram": lambda d: pack_zip("instagram/2024", d / "instagram-export.zip"),
    "bluesky": lambda d: write_car(d / "repo.car"),
}


def score_jsonl(path, model_dir, *extra):
    result = runner.invoke(app, ["score", str(path), "-o", "-", "--model", str(model_dir), *extra])
    return result, [json.loads(x) for x in result.stdout.splitlines()]


@pytest.mark.parametrize("kind", sorted(ARCHIVES))
def test_archive_scored_end_to_end(kind, tmp_path, model_dir):
    archive = ARCHIVES[kind](tmp_path)
    stats = ExportStats()
    posts = list(read_export(archive, stats=stats))
    result, rows = score_jsonl(archive, model_dir)
    assert result.exit_code == 0, result.stderr
    assert len(rows) == len(posts) == stats.posts > 0
    for row, post in zip(rows, posts):
        assert row["id"] == post.id and row["text"] == post.text
        assert row["platform"] == post.platform and row["author"] == post.author
        assert row["is_reply"] == post.meta["is_reply"]
        if post.created_at is not None:
            assert row["created_at"] == post.created_at.isoformat() and post.created_at.tzinfo is not None
        else:
            assert row["created_at"] is None
        assert row["status"] == post.status
    assert f"{stats.platform} export: {stats.posts} posts read" in result.stderr
    if stats.reposts_skipped:
        assert f"skipped {stats.reposts_skipped} reposts (--include-reposts keeps them)" in result.stderr


def test_x_counts_and_repost_option(tmp_path, model_dir):
    archive = ARCHIVES["x"](tmp_path)
    _, rows = score_jsonl(archive, model_dir)
    result, with_reposts = score_jsonl(archive, model_dir, "--include-reposts")
    assert len(with_reposts) == len(rows) + 1
    assert "skipped" not in result.stderr
    times = [r["created_at"] for r in rows]
    assert times == sorted(times)  # oldest first, parts merged


def test_forced_format_and_unknown_layout(tmp_path, model_dir):
    archive = ARCHIVES["x"](tmp_path)
    result, rows = score_jsonl(archive, model_dir, "--input-format", "x")
    assert result.exit_code == 0 and rows
    unknown = pack_zip("unknown", tmp_path / "mystery.zip")
    result = runner.invoke(app, ["score", str(unknown), "-o", "-", "--model", str(model_dir), "--input-format", "mastodon"])
    assert result.exit_code == 1
    assert "no mastodon posts file in this export" in result.stderr and "supported:" in result.stderr


@pytest.mark.parametrize("name,member", [
    ("x/broken-json", "data/tweets.js"),
    ("x/wrong-wrapper", "data/tweets.js"),
    ("facebook/html", None),
])
def test_broken_archives_exit_1_naming_the_member(name, member, tmp_path, model_dir):
    archive = pack_zip(name, tmp_path / "broken.zip")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["score", str(archive), "-o", str(out), "--model", str(model_dir)])
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert "\n" not in line and line.startswith("error: ")
    assert str(archive) in line
    if member:
        assert f"!{member}" in line
    else:
        assert "re-export as json" in line.lower()
    assert not out.exists()


def test_truncated_zip_exits_1(tmp_path, model_dir):
    archive = pack_zip("x/modern", tmp_path / "t.zip", last="data/tweets.js")
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) * 2 // 3])
    result = runner.invoke(app, ["score", str(archive), "-o", str(tmp_path / "o.csv"), "--model", str(model_dir)])
    assert result.exit_code == 1 and result.stderr.startswith("error: ") and "t.zip" in result.stderr


def test_report_on_an_archive_has_behaviour_from_export_metadata(tmp_path, model_dir):
    archive = ARCHIVES["mastodon"](tmp_path)
    result = runner.invoke(app, ["report", str(archive), "-o", "-", "--model", str(model_dir)])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    posts = list(read_export(archive))
    replies = sum(p.meta["is_reply"] for p in posts)
    assert report["behaviour"]["overall"]["reply_share"] == pytest.approx(replies / len(posts))
    assert [r["key"] for r in report["mix"]["platform"]["rows"]] == ["mastodon"]


def _outbox(path, total, statuses):
    """A single outbox.json with ``statuses`` (text) as public Notes and ``total`` stated."""
    items = [{"id": f"https://toot.example/users/lucia/statuses/{n}/activity", "type": "Create",
              "actor": "https://toot.example/users/lucia", "published": f"2024-03-0{n}T08:00:00Z",
              "to": ["https://www.w3.org/ns/activitystreams#Public"],
              "object": {"id": f"https://toot.example/users/lucia/statuses/{n}", "type": "Note",
                         "published": f"2024-03-0{n}T08:00:00Z", "content": f"<p>{text}</p>",
                         "to": ["https://www.w3.org/ns/activitystreams#Public"]}}
             for n, text in enumerate(statuses, 1)]
    path.write_text(json.dumps({"type": "OrderedCollection", "totalItems": total,
                                "orderedItems": items}), encoding="utf-8")
    return path


def test_export_with_no_posts_exits_1_saying_what_was_found(tmp_path, model_dir):
    outbox = _outbox(tmp_path / "outbox.json", 1557, [])
    result = runner.invoke(app, ["score", str(outbox), "-o", "-", "--model", str(model_dir)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "mastodon export: 0 posts read from outbox.json",
        "warning: mastodon export: 0 of the 1557 entries stated by totalItems were found in "
        "outbox.json; the export may be incomplete or written in a layout this version does not "
        "read",
        "error: mastodon export yielded no posts: found 0 entries in outbox.json, 1557 stated by "
        "totalItems",
    ]


def test_export_far_short_of_its_stated_size_warns(tmp_path, model_dir):
    outbox = _outbox(tmp_path / "outbox.json", 40, ["Who is coming tonight?", "New release out!"])
    result = runner.invoke(app, ["score", str(outbox), "-o", "-", "--model", str(model_dir)])
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2
    assert result.stderr.splitlines()[:2] == [
        "mastodon export: 2 posts read from outbox.json",
        "warning: mastodon export: 2 of the 40 entries stated by totalItems were found in "
        "outbox.json; the export may be incomplete or written in a layout this version does not "
        "read",
    ]
    report = runner.invoke(app, ["report", str(outbox), "-o", "-", "-f", "json",
                                 "--model", str(model_dir)])
    assert report.exit_code == 0, report.stderr
    assert json.loads(report.stdout)["input_warnings"] == [
        "mastodon export: 2 of the 40 entries stated by totalItems were found in outbox.json; the "
        "export may be incomplete or written in a layout this version does not read"]


def test_export_close_to_its_stated_size_does_not_warn(tmp_path, model_dir):
    outbox = _outbox(tmp_path / "outbox.json", 2, ["Who is coming tonight?", "New release out!"])
    result = runner.invoke(app, ["score", str(outbox), "-o", "-", "--model", str(model_dir)])
    assert result.exit_code == 0, result.stderr
    assert "warning" not in result.stderr


def test_only_reposts_exits_1(tmp_path, model_dir):
    path = tmp_path / "tweets.js"
    path.write_text('window.YTD.tweets.part0 = [{"tweet": {"id_str": "1626922779105759235", '
                    '"created_at": "Sat Feb 18 12:33:11 +0000 2023", "full_text": "RT @ana: hi"}}]',
                    encoding="utf-8")
    result = runner.invoke(app, ["score", str(path), "-o", "-", "--model", str(model_dir)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: x export yielded no posts: found 1 entries in tweets.js, 1 reposts left out "
        "(--include-reposts keeps them)")


RULE_MEDIA = ("has no words, only 2 photos/videos/GIFs, posted on its own (not a reply); labelled "
              "by rule from its metadata: broadcast (media, information)")
RULE_REPLY = ("has no words, only 1 photo/video/GIF, sent as a reply; labelled by rule from its "
              "metadata: conversational (networking, community)")
NO_SCORES = ("p_networking", "confidence", "p_function", "style", "goals", "content", "effort", "roi",
             "words", "intercept")


def test_photo_only_tweets_are_labelled_by_rule_in_jsonl(tmp_path, model_dir):
    archive = pack_zip("x/media-only", tmp_path / "twitter.zip")
    result, rows = score_jsonl(archive, model_dir)
    assert result.exit_code == 0, result.stderr
    assert "scored 4 posts (3 ok, 1 empty, 0 error)" in result.stderr
    assert [(r["id"], r["text"], r["is_reply"], r["status"], r["label"], r["function"], r["flags"])
            for r in rows] == [
        ("1760000000000000001", "", False, "ok", "media", "information", ["no_text"]),
        ("1760300000000000002", "@luis_m", True, "ok", "networking", "community", ["no_text"]),
        ("1760600000000000003", "Who else is going to the photo walk Sunday?", False, "ok",
         "networking", "community", []),
        ("1760900000000000004", "", False, "empty", None, None, []),
    ]
    for r in rows[:2] + rows[3:]:
        assert {k: r[k] for k in NO_SCORES} == dict.fromkeys(NO_SCORES)  # no invented probability
    assert rows[0]["signals"] == [{"name": "rule__media_no_text", "dimension": "rule", "value": 2.0,
                                   "contribution": None, "text": RULE_MEDIA}]
    assert rows[1]["signals"] == [{"name": "rule__media_no_text", "dimension": "rule", "value": 1.0,
                                   "contribution": None, "text": RULE_REPLY}]
    assert rows[3]["signals"] == []
    assert isinstance(rows[2]["p_networking"], float)


def test_photo_only_tweets_in_csv_and_parquet(tmp_path, model_dir):
    import csv

    import pyarrow.parquet as pq

    archive = pack_zip("x/media-only", tmp_path / "twitter.zip")
    out = tmp_path / "scored.csv"
    result = runner.invoke(app, ["score", str(archive), "-o", str(out), "--model", str(model_dir)])
    assert result.exit_code == 0, result.stderr
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["id"], r["status"], r["label"], r["function"], r["p_networking"], r["confidence"],
             r["flags"]) for r in rows] == [
        ("1760000000000000001", "ok", "media", "information", "", "", "no_text"),
        ("1760300000000000002", "ok", "networking", "community", "", "", "no_text"),
        ("1760600000000000003", "ok", "networking", "community", rows[2]["p_networking"],
         rows[2]["confidence"], ""),
        ("1760900000000000004", "empty", "", "", "", "", ""),
    ]
    assert json.loads(rows[0]["signals"])[0]["text"] == RULE_MEDIA
    parquet = tmp_path / "scored.parquet"
    result = runner.invoke(app, ["score", str(archive), "-o", str(parquet), "--model", str(model_dir)])
    assert result.exit_code == 0, result.stderr
    table = pq.read_table(parquet).to_pylist()
    assert [(r["label"], r["function"], r["p_networking"], r["confidence"], r["flags"])
            for r in table[:2]] == [("media", "information", None, None, ["no_text"]),
                                    ("networking", "community", None, None, ["no_text"])]
    assert table[1]["signals"] == [{"name": "rule__media_no_text", "dimension": "rule", "value": 1.0,
                                    "contribution": None, "text": RULE_REPLY}]


def test_report_counts_posts_labelled_by_rule(tmp_path, model_dir):
    archive = pack_zip("x/media-only", tmp_path / "twitter.zip")
    result = runner.invoke(app, ["report", str(archive), "-o", "-", "-f", "json", "--model", str(model_dir)])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["rows"], report["status"]) == (4, {"ok": 3, "empty": 1, "error": 0})
    assert report["by_rule"] == {"posts": 2, "media": 1, "networking": 1}
    o = report["overall"]
    assert (o["posts"], o["by_rule"], o["media"] + o["networking"]) == (3, 2, 3)
    assert (o["media"], o["networking"]) == (1, 2)  # the model reads the question as networking
    # a file written by score gives the same counts when audited
    scored = tmp_path / "scored.csv"
    assert runner.invoke(app, ["score", str(archive), "-o", str(scored), "--model", str(model_dir)]).exit_code == 0
    again = json.loads(runner.invoke(app, ["report", str(scored), "-o", "-", "-f", "json",
                                           "--model", str(model_dir)]).stdout)
    assert (again["status"], again["by_rule"]) == (report["status"], report["by_rule"])
    assert again["overall"]["posts"] == 3
    md = runner.invoke(app, ["report", str(archive), "-o", "-", "-f", "md", "--model", str(model_dir)])
    assert ("2 of the scored posts have no words, only photos/videos/GIFs: labelled by rule from "
            "their metadata, without a probability (1 media: posted on their own; 1 networking: "
            "sent as replies).") in md.stdout
    html = runner.invoke(app, ["report", str(archive), "-o", "-", "-f", "html", "--model", str(model_dir)])
    assert ('<p class="muted">2 of the scored posts have no words, only photos/videos/GIFs: labelled '
            "by rule from their metadata") in html.stdout


def test_attachment_only_mastodon_statuses_scored_by_rule(tmp_path, model_dir):
    archive = pack_zip("mastodon/attachment-only", tmp_path / "archive.zip")
    result, rows = score_jsonl(archive, model_dir)
    assert result.exit_code == 0, result.stderr
    assert [(r["status"], r["label"], r["function"], r["p_networking"], r["flags"]) for r in rows[:2]] == [
        ("ok", "media", "information", None, ["no_text"]),
        ("ok", "networking", "community", None, ["no_text"]),
    ]
    assert rows[2]["flags"] == [] and isinstance(rows[2]["p_networking"], float)


_DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("name", ["outbox.json", "tweets.js"])
def test_export_nested_100000_deep_is_one_line(tmp_path, model_dir, name):
    path = tmp_path / name
    if name == "outbox.json":
        _outbox(path, 2, ["Hola a todos"])
        path.write_text(path.read_text("utf-8")[:-2] + ', {"object": ' + _DEEP + "}]}", "utf-8")
    else:
        path.write_text("window.YTD.tweets.part0 = [" + _DEEP + "]", "utf-8")
    result = runner.invoke(app, ["score", str(path), "-o", "-", "--model", str(model_dir)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"error: {path}:1: JSON nested too deeply to read (hundreds of arrays or objects inside "
        "each other)")
