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
