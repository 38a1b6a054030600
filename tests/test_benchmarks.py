"""The benchmarks' scoring path still runs on the current API (no timings are asserted).

A benchmark that breaks silently when the library changes leaves stale numbers in the
README; these run the piece each throughput row times, on a few posts.
"""

import csv
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_throughput  # noqa: E402
from data import write_csv  # noqa: E402

from analyzer import load_model  # noqa: E402


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.mark.parametrize("workers", [1, 2])
def test_throughput_scoring_writes_every_row(tmp_path, model, workers):
    src = write_csv(tmp_path / "posts.csv", 120, seed=3)
    dest = tmp_path / "scored.csv"
    bench_throughput.score_file(model, src, dest, workers)
    with src.open(encoding="utf-8", newline="") as f:
        ids = [r["id"] for r in csv.DictReader(f)]
    with dest.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["id"] for r in rows] == ids
    assert {r["status"] for r in rows} == {"ok"}
    assert {r["label"] for r in rows} <= {"media", "networking"}
    assert all(r["function"] in {"information", "action", "community"} for r in rows)


def test_synthetic_posts_are_reproducible(tmp_path):
    a = write_csv(tmp_path / "a.csv", 50, seed=7).read_text("utf-8")
    b = write_csv(tmp_path / "b.csv", 50, seed=7).read_text("utf-8")
    c = write_csv(tmp_path / "c.csv", 50, seed=8).read_text("utf-8")
    assert a == b != c


def test_adaptation_benchmark_runs_the_labelling_loop(tmp_path, trained, train_posts, labelled_file):
    """bench_adaptation on one small labelled file (the conftest model and posts as base)."""
    import argparse

    import bench_adaptation

    from analyzer.adaptation import USER_WEIGHT, BaseData
    from analyzer.persistence import Model

    model = Model(pipeline=trained.model, meta={}, path=tmp_path)
    base = BaseData.build(trained.model.named_steps["features"], train_posts, C=8.0,
                          calibration=trained.calibration)
    args = argparse.Namespace(seed=0, max_posts=40, refit_every=5, user_weight=USER_WEIGHT)
    row = bench_adaptation.run_file(labelled_file, model, base, args)
    assert (row["posts"], row["pool"], row["test"]) == (50, 20, 20)
    for key in ("alone", "active 50", "random 50", "active 200", "random 200"):
        assert 0.0 <= row[key] <= 1.0
    # the pool holds 20 posts: after 50 or 200 "labels" both strategies have labelled all of them
    assert row["active 50"] == row["random 50"] == row["active 200"]


def test_real_posts_are_short_noisy_and_reproducible():
    from data import real_posts

    posts = list(real_posts(2000, seed=5))
    assert posts == list(real_posts(2000, seed=5))
    assert [p["text"] for p in posts[:50]] != [p["text"] for p in real_posts(50, seed=6)]
    words = sorted(len(p["text"].split()) for p in posts)
    assert 13 <= words[len(words) // 2] <= 20
    assert {p["lang"] for p in posts} == {"en", "es", "it"}
    tokens = [t for p in posts for t in p["text"].split()]
    share = {k: sum(any(t.startswith(s) for t in p["text"].split() for s in k) for p in posts) / len(posts)
             for k in (("@",), ("#",), ("https://",))}
    assert all(0.1 < v < 0.6 for v in share.values()), share
    assert len(set(tokens)) / len(tokens) > 0.2  # many unique tokens: handles, links, typos


def test_write_csv_writes_the_real_set(tmp_path):
    from data import real_posts

    src = write_csv(tmp_path / "r.csv", 30, seed=2, kind="real")
    with src.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["text"] for r in rows] == [p["text"] for p in real_posts(30, seed=2)]


def test_throughput_benchmark_smoke_run(capsys):
    bench_throughput.main(["--sizes", "60", "--datasets", "real", "--no-peers"])
    out = capsys.readouterr().out
    [row] = [line for line in out.splitlines() if line.startswith("| 60 | real |")]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert float(cells[8]) > 0 and float(cells[9]) > 0  # b/a and c/b were measured
