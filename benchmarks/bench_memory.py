"""Peak memory (RSS) of `content-analyzer score` on 100k and 1M posts from a CSV.

Each run is a separate process (the real CLI, one worker), so the peak is that of
a user's run; it is read from the operating system (getrusage of the child).
Target: the peak at 1M posts at most 1.2 x the peak at 100k, and under 800 MB.

Usage: python benchmarks/bench_memory.py [--sizes 100000 1000000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from data import write_csv  # noqa: E402

PROBE = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def peak_rss_mb(cmd: list[str]) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of one command run in its own process."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", PROBE, *cmd], check=True, capture_output=True, text=True)
    return int(out.stdout.strip()) / 1024, time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    exe = str(Path(sys.executable).with_name("content-analyzer"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in args.sizes:
            src = write_csv(tmp / f"posts_{n}.csv", n, seed=7)
            mb, secs = peak_rss_mb([exe, "score", str(src), "-o", str(tmp / "out.csv"), "--force",
                                    "--workers", str(args.workers)])
            size = src.stat().st_size / 1e6
            rows.append((n, size, mb, secs))
            (tmp / "out.csv").unlink()
            src.unlink()
            print(f"  {n:,} posts ({size:.0f} MB CSV): peak RSS {mb:.0f} MB, {secs:.0f} s", flush=True)
    print(f"# peak memory of `content-analyzer score --workers {args.workers}`, {os.cpu_count()} cores")
    print("| posts | CSV size | peak RSS | time | posts/s | RSS / first |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, size, mb, secs in rows:
        print(f"| {n:,} | {size:.0f} MB | {mb:.0f} MB | {secs:.0f} s | {n / secs:,.0f} | {mb / rows[0][2]:.2f} |")


if __name__ == "__main__":
    main()
