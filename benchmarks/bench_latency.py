"""Latency: a cold `content-analyzer check` against a bare spaCy + scikit-learn import,
and the warm per-post latency of the Python API.

Cold: wall time of whole processes, median of several runs, measured alternately.
Warm: one post at a time through `load_model().predict([...])`, after a warm-up.
Targets: cold check <= 1.3 x the bare import; warm per-post latency <= 5 ms.

Usage: python benchmarks/bench_latency.py [--runs 9]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from data import synthetic_posts  # noqa: E402


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    exe = str(Path(sys.executable).with_name("content-analyzer"))
    bare_cmd = [sys.executable, "-c", "import spacy, sklearn.linear_model"]
    check_cmd = [exe, "check", "Anyone tried the new trail shoes? Thinking of a pair for the Lakes.", "-f", "json"]
    wall(bare_cmd), wall(check_cmd)  # warm the file cache
    bare, check = [], []
    for _ in range(args.runs):
        bare.append(wall(bare_cmd))
        check.append(wall(check_cmd))
    b, c = statistics.median(bare), statistics.median(check)

    from analyzer import load_model

    model = load_model()
    texts = [p["text"] for p in synthetic_posts(300, seed=3)]
    for t in texts[:50]:
        model.predict([t])
    lat = []
    for t in texts[50:]:
        start = time.perf_counter()
        model.predict([t])
        lat.append((time.perf_counter() - start) * 1000)
    lat.sort()
    print("| measure | value |")
    print("|---|---:|")
    print(f"| bare `python -c \"import spacy, sklearn.linear_model\"` (median of {args.runs}) | {b:.2f} s |")
    print(f"| cold `content-analyzer check TEXT -f json` (median of {args.runs}) | {c:.2f} s |")
    print(f"| cold check / bare import | {c / b:.2f} |")
    print(f"| warm per-post latency, API, median ({len(lat)} posts) | {statistics.median(lat):.2f} ms |")
    print(f"| warm per-post latency, API, 95th percentile | {lat[int(len(lat) * 0.95)]:.2f} ms |")


if __name__ == "__main__":
    main()
