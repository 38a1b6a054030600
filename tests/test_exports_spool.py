"""PostSpool: posts parked on disk and handed back oldest first."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.exports import spool as spool_module
from analyzer.exports.fields import entity_meta
from analyzer.exports.spool import PostSpool
from analyzer.posts import Post

UTC = timezone.utc


def _post(pid: str, day: int | None, text: str = "x") -> Post:
    created = datetime(2024, 1, day, 12, tzinfo=UTC) if day else None
    return Post(id=pid, text=text, created_at=created, platform="x", flags=("f",),
                meta=entity_meta("m.js", urls=["https://e.example"]))


def test_spool_sorts_dedups_and_puts_undated_last():
    spool = PostSpool(dedup=True)
    for pid, day, text in [("5", 9, "a"), ("3", None, "b"), ("1", 2, "c"), ("5", 9, "dup"),
                           ("2", 2, "d"), ("4", None, "e")]:
        spool.add(_post(pid, day, text), tie=int(pid), key=int(pid))
    out = list(spool)
    assert [(p.id, p.text) for p in out] == [("1", "c"), ("2", "d"), ("5", "a"), ("3", "b"),
                                             ("4", "e")]
    assert out[0] == _post("1", 2, "c")  # every field comes back from disk unchanged
    spool.close()


@settings(deadline=None)  # timing is not under test; CI machines vary
@given(st.lists(st.integers(1, 28), max_size=60))
def test_spool_order_is_a_stable_sort(days):
    spool = PostSpool()
    for n, day in enumerate(days):
        spool.add(_post(str(n), day))
    expected = sorted(range(len(days)), key=lambda n: days[n])
    assert [int(p.id) for p in spool] == expected
    spool.close()


def test_spool_without_pread(monkeypatch):
    """Platforms without os.pread (Windows) read the spool with seek + read."""
    import os

    monkeypatch.delattr(os, "pread")
    spool = PostSpool()
    for pid, day in [("a", 3), ("b", 1), ("c", 2)]:
        spool.add(_post(pid, day))
    assert [p.id for p in spool] == ["b", "c", "a"]
    spool.close()


def test_spool_written_in_blocks_gives_back_every_post(monkeypatch):
    """Records are written a block at a time; posts cut by a block's end come back whole."""
    monkeypatch.setattr(spool_module, "_BLOCK", 150)
    spool = PostSpool()
    posts = [_post(str(n), 28 - n, "word " * n) for n in range(25)]
    for post in posts:
        spool.add(post)
    assert list(spool) == posts[::-1]
    spool.close()


def test_spool_keeps_every_kind_of_time_exactly():
    """Whole UTC seconds are spooled as a number, other times as text: all come back equal,
    with the same zone (or none) and microseconds."""
    times = [datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
             datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
             datetime(2024, 1, 2, 4, 4, 5, tzinfo=timezone(timedelta(hours=1))),
             datetime(2024, 1, 3, 3, 4, 5), datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC), None]
    spool = PostSpool()
    for n, created in enumerate(times):
        spool.add(Post(id=str(n), text="x", created_at=created, platform="x"))
    back = {p.id: p.created_at for p in spool}
    assert [(back[str(n)], back[str(n)] and back[str(n)].tzinfo) for n in range(len(times))] == [
        (t, t and t.tzinfo) for t in times]
    spool.close()
