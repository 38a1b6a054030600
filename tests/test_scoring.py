import pytest

from analyzer.posts import MAX_CHARS, Post, normalize_text
from analyzer.scoring import OUTPUT_COLUMNS, chunks, output_columns, prediction_record, score_posts
from analyzer.signals import SIGNAL_NAMES


def test_empty_whitespace_and_huge_rows_keep_their_place(trained):
    huge, flags = normalize_text("Big sale! " * 20_000)  # 200 KB
    posts = [Post(id="e", text=""), Post(id="w", text=normalize_text("   \t ")[0]),
             Post(id="h", text=huge, flags=flags), Post(id="q", text="Any tips for Lisbon?")]
    rows = [r for batch in score_posts(trained.model, posts, chunk_size=3) for r in batch]
    assert [r["id"] for r in rows] == ["e", "w", "h", "q"]
    assert [r["status"] for r in rows] == ["empty", "empty", "ok", "ok"]
    assert rows[0]["label"] is None and rows[0]["p_networking"] is None
    assert rows[2]["flags"] == "truncated" and rows[2]["label"] in ("media", "networking")
    assert len(huge) == MAX_CHARS


def test_record_columns_and_values(trained):
    post = Post(id="7", text="Shop now: 20% off! Link in bio", author="acme", platform="instagram",
                meta={"is_reply": False})
    [rows] = list(score_posts(trained.model, [post], features=True))
    rec = rows[0]
    assert list(rec) == output_columns(features=True)
    assert rec["author"] == "acme" and rec["platform"] == "instagram" and rec["is_reply"] is False
    assert rec["label"] == "media" and rec["confidence"] == max(rec["p_networking"], 1 - rec["p_networking"])
    assert rec["goals__has_percent"] == 1.0
    assert len(rec["signals"]) == 5
    assert all(isinstance(rec[d], float) for d in ("style", "goals", "content", "effort", "roi", "words"))


def test_output_columns():
    assert output_columns() == list(OUTPUT_COLUMNS)
    assert output_columns(features=True)[len(OUTPUT_COLUMNS):] == list(SIGNAL_NAMES)


def test_chunks():
    assert list(chunks(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(chunks([], 3)) == []


def test_chunking_does_not_change_results(trained):
    posts = [Post(id=str(i), text=t) for i, t in enumerate(
        ["Sale today!", "Anyone around?", "", "¿Qué opináis?", "Scopri di più nel link in bio"])]
    one = [r for b in score_posts(trained.model, posts, chunk_size=1) for r in b]
    all_ = [r for b in score_posts(trained.model, posts, chunk_size=100) for r in b]
    assert one == all_
