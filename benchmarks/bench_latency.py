"""Latency: a cold `content-analyzer check` against a bare spaCy + scikit-learn import,
and the warm per-post latency of the Python API.

Cold: wall time of whole processes, median of several runs, measured alternately; plus the
modules the cold check imports beyond the bare import that cost the most (`python -X importtime`).
Load: `load_model()` of the bundled model in a warm process, from its fast form and from model.skops.
Warm: one post at a time through `load_model().predict([...])`, after a warm-up.
Targets: cold check <= 1.3 x the bare import; warm per-post latency <= 5 ms.

Usage: python benchmarks/bench_latency.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import platform
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


def import_costs(cmd: list[str]) -> dict[str, int]:
    """Self time in microseconds of each module a command imports (`python -X importtime`)."""
    out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}).stderr
    costs = {}
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[0].startswith("import time:") and parts[0].split(":")[1].strip().isdigit():
            costs[parts[2].strip()] = int(parts[0].split(":")[1])
    return costs


def load_seconds(model_dir, runs: int = 5) -> tuple[float, float]:
    """Median seconds of load_model() from the fast form and from model.skops (warm process)."""
    from analyzer.persistence import load_model

    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(runs):
        for fast in (True, False):
            start = time.perf_counter()
            load_model(model_dir, use_fast_form=fast)
            times[fast].append(time.perf_counter() - start)
    return statistics.median(times[True]), statistics.median(times[False])


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
    bare_mods = import_costs(bare_cmd)
    extra = {m: t for m, t in import_costs([sys.executable, "-m", "analyzer", *check_cmd[1:]]).items()
             if m not in bare_mods}

    from analyzer import load_model
    from analyzer.persistence import default_model_dir

    fast_load, skops_load = load_seconds(default_model_dir())

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
    print(f"# machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.2f} at the end")
    print("| measure | value |")
    print("|---|---:|")
    print(f"| bare `python -c \"import spacy, sklearn.linear_model\"` (median of {args.runs}) | {b:.2f} s |")
    print(f"| cold `content-analyzer check TEXT -f json` (median of {args.runs}) | {c:.2f} s |")
    print(f"| cold check / bare import | {c / b:.2f} |")
    print(f"| warm per-post latency, API, median ({len(lat)} posts) | {statistics.median(lat):.2f} ms |")
    print(f"| warm per-post latency, API, 95th percentile | {lat[int(len(lat) * 0.95)]:.2f} ms |")
    print(f"| `load_model()`, bundled model, from the fast form (median of 5) | {fast_load * 1000:.0f} ms |")
    print(f"| `load_model()`, bundled model, from model.skops, skops already imported (median of 5) | {skops_load * 1000:.0f} ms |")
    print(f"| modules the check imports beyond the bare import | {len(extra)}, {sum(extra.values()) / 1e6:.2f} s self time |")
    print(f"| of which skops | {sum(t for m, t in extra.items() if m.split('.')[0] == 'skops') / 1e6:.2f} s |")
    top = sorted(extra.items(), key=lambda kv: -kv[1])[:8]
    print("\nlargest imports beyond the bare one (self time): "
          + ", ".join(f"{m} {t / 1000:.0f} ms" for m, t in top))


if __name__ == "__main__":
    main()
