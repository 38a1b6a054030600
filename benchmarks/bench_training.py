"""Training time: 10,000 labelled posts, 5-fold cross-validation grouped by author, then the
final fit, as `content-analyzer train` does. Target: under 60 s on the 2-core machine.

The posts are synthetic variants of the corpus (see data.py) that keep their source
post's label; the macro-F1 printed is only a sanity check, not a quality claim.

Usage: python benchmarks/bench_training.py [--posts 10000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from analyzer.model import train  # noqa: E402
from analyzer.posts import Post, parse_label  # noqa: E402
from data import synthetic_posts  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    args = parser.parse_args(argv)
    posts = [Post(id=p["id"], text=p["text"], author=p["author"], label=parse_label(p["label"]))
             for p in synthetic_posts(args.posts, seed=11)]
    start = time.perf_counter()
    result = train(posts, n_splits=5)
    secs = time.perf_counter() - start
    print(f"| posts | folds | grouped by | time ({os.cpu_count()} cores) | cross-validated macro-F1 |")
    print("|---:|---:|---|---:|---:|")
    print(f"| {result.n_posts:,} | {result.cv_scheme['n_splits']} | {result.cv_scheme['grouped_by']} "
          f"({result.cv_scheme['n_groups']} authors) | {secs:.1f} s | {result.cv['overall']['macro_f1']:.3f} |")


if __name__ == "__main__":
    main()
