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

    from analyzer.labeling import USER_WEIGHT, BaseData
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
