"""Throughput and peak memory of read_export on a large synthetic X archive.

Generates data/tweets.js of about ``--mb`` megabytes (uncompressed, indented like X's
own files; content from a fixed seed) inside a zip in a temp dir, then reads it in a
fresh child process, so that the peak RSS (``resource.getrusage`` high-water mark)
excludes the generator. For scale, a second child parses the same member the naive
way (whole text + json.loads).

    python benchmarks/bench_exports.py            # about 200 MB of tweets.js
    python benchmarks/bench_exports.py --mb 20    # quicker
    python benchmarks/bench_exports.py --mb 1500 --no-naive   # a zip of about 200 MB
    python benchmarks/bench_exports.py --compare-with ../wt-old --runs 3  # before/after

With ``--compare-with DIR`` (a checkout of another commit) the same archive is read by
this checkout's reader and by DIR's, alternately (new, old, old, new, ...), ``--runs``
times each, so load from other processes on the machine falls on both alike; the
table shows the medians and the new/old ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

EPOCH_MS = 1288834974657
WORDS = ("the a our new team today join talk launch thanks question anyone think great "
         "meetup data city bike coffee shop sale free week release notes read more why how "
         "you we love help project open source event ticket hello world update blog post "
         "café año niño über straße").split()
SOURCES = ('<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
           '<a href="http://twitter.com/download/iphone" rel="nofollow">Twitter for iPhone</a>',
           '<a href="https://buffer.com" rel="nofollow">Buffer</a>')


def _vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    """Common words plus invented ones, so the text compresses about like real posts."""
    letters = "abcdefghijklmnopqrstuvwxyzáéíóúñ"
    made = ["".join(rng.choice(letters) for _ in range(rng.randrange(2, 11))) for _ in range(size)]
    return WORDS * 200 + made


def _tweet(rng: random.Random, when: datetime, vocabulary: list[str]) -> dict:
    ms = int(when.timestamp() * 1000)
    tid = str(((ms - EPOCH_MS) << 22) + rng.randrange(1 << 22))
    words = [rng.choice(vocabulary) for _ in range(rng.randrange(5, 40))]
    entities: dict = {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []}
    tweet: dict = {"edit_info": {"initial": {"editTweetIds": [tid], "editableUntil":
                                             when.isoformat(), "editsRemaining": "5",
                                             "isEditEligible": False}},
                   "retweeted": False, "source": rng.choice(SOURCES), "entities": entities}
    kind = rng.random()
    if kind < 0.1:
        words = ["RT", "@newsdesk:"] + words
        entities["user_mentions"].append({"name": "News", "screen_name": "newsdesk",
                                          "indices": ["3", "12"], "id_str": "1", "id": "1"})
    elif kind < 0.35:
        words = ["@friend_" + str(rng.randrange(100))] + words
        tweet["in_reply_to_status_id_str"] = str(int(tid) - 1000)
        tweet["in_reply_to_user_id_str"] = "42"
    if rng.random() < 0.3:
        short = "https://t.co/" + "".join(rng.choice("abcdefghijk0123") for _ in range(10))
        words.append(short)
        entities["urls"].append({"url": short, "expanded_url": "https://example.com/p/" + tid,
                                 "display_url": "example.com/p/…", "indices": ["0", "23"]})
    if rng.random() < 0.2:
        words.append("#" + rng.choice(WORDS))
        entities["hashtags"].append({"text": words[-1][1:], "indices": ["0", "5"]})
    if rng.random() < 0.1:
        words.append("&amp;")
    tweet.update({"display_text_range": ["0", "140"], "favorite_count": str(rng.randrange(50)),
                  "id_str": tid, "truncated": False, "retweet_count": str(rng.randrange(9)),
                  "id": tid, "created_at": when.strftime("%a %b %d %H:%M:%S +0000 %Y"),
                  "favorited": False, "full_text": " ".join(words), "lang": "en"})
    return {"tweet": tweet}


def generate(path: Path, megabytes: int, seed: int = 42) -> int:
    """Write an X-style zip whose tweets.js is about ``megabytes`` MB; returns tweet count."""
    rng = random.Random(seed)
    vocabulary = _vocabulary(rng)
    target = megabytes * 1_000_000
    when = datetime(2015, 1, 1, tzinfo=timezone.utc)
    written = count = 0
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data/account.js", 'window.YTD.account.part0 = [ {"account": '
                    '{"username": "bench_user", "accountId": "1"}} ]')
        with zf.open("data/tweets.js", "w", force_zip64=True) as fh:
            fh.write(b"window.YTD.tweets.part0 = [ ")
            while written < target:
                when += timedelta(seconds=rng.randrange(60, 7200))
                item = json.dumps(_tweet(rng, when, vocabulary), indent=2, separators=(",", " : "),
                                  ensure_ascii=False).encode()
                fh.write((b", " if count else b"") + item)
                written += len(item) + 2
                count += 1
            fh.write(b" ]")
    return count


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def child(path: str, mode: str) -> None:
    """Runs in a fresh interpreter; prints one JSON line of measurements."""
    from analyzer.exports import ExportStats, read_export

    baseline = _peak_mb()
    start, cpu_start = time.perf_counter(), time.process_time()
    if mode == "stream":
        stats = ExportStats()
        count = sum(1 for _ in read_export(path, stats=stats))
        extra = {"reposts_skipped": stats.reposts_skipped}
    else:
        with zipfile.ZipFile(path) as zf:
            text = zf.read("data/tweets.js").decode("utf-8")
        items = json.loads(text[text.index("=") + 1:].strip().rstrip(";"))
        count, extra = len(items), {}
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    print(json.dumps({"posts": count, "seconds": seconds, "cpu_seconds": cpu,
                      "baseline_mb": baseline, "peak_mb": _peak_mb(), **extra}))


HERE = Path(__file__).resolve().parents[1]


def _run_child(path: Path, mode: str, checkout: Path = HERE) -> dict:
    """One measurement in a fresh interpreter importing ``analyzer`` from ``checkout``."""
    env = dict(os.environ, PYTHONPATH=str(checkout))
    out = subprocess.run([sys.executable, __file__, "--child", str(path), "--mode", mode],
                         capture_output=True, text=True, env=env)
    if out.returncode:
        sys.exit(f"{mode} child of {checkout} failed (exit {out.returncode}):\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _alternate(path: Path, checkouts: dict[str, Path], runs: int) -> dict[str, dict]:
    """Median measurements per checkout, run in turns (ABBA...) so drift hits both alike."""
    names = list(checkouts)
    results: dict[str, list[dict]] = {name: [] for name in names}
    for turn in range(runs):
        for name in names if turn % 2 == 0 else names[::-1]:
            result = _run_child(path, "stream", checkouts[name])
            results[name].append(result)
            print(f"  run {turn + 1} {name}: {result['seconds']:.2f} s "
                  f"({result['cpu_seconds']:.2f} s CPU), "
                  f"peak RSS {result['peak_mb']:.1f} MB", flush=True)
    return {name: _median(rs) for name, rs in results.items()}


def _median(results: list[dict]) -> dict:
    """Median time and memory over the runs; counts from the first (``posts_seen``: all)."""
    median = dict(results[0], posts_seen={r["posts"] for r in results})
    for key in ("seconds", "cpu_seconds", "baseline_mb", "peak_mb"):
        median[key] = statistics.median(r[key] for r in results)
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=200, help="size of tweets.js in MB")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-naive", action="store_true",
                        help="skip the json.loads reference (it needs ~6x the file size in RAM)")
    parser.add_argument("--compare-with", type=Path, metavar="DIR",
                        help="also time the reader of the checkout in DIR (e.g. a worktree of "
                             "an older commit), alternating runs with this one")
    parser.add_argument("--runs", type=int, default=3,
                        help="runs of each reader with --compare-with (the median is shown)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="stream", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.mode)
        return
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "twitter-bench.zip"
        t0 = time.perf_counter()
        tweets = generate(archive, args.mb, args.seed)
        gen_s = time.perf_counter() - t0
        with zipfile.ZipFile(archive) as zf:
            member_mb = zf.getinfo("data/tweets.js").file_size / 1e6
        zip_mb = archive.stat().st_size / 1e6
        print(f"generated {tweets:,} tweets in {gen_s:.1f} s: tweets.js {member_mb:.1f} MB, "
              f"zip {zip_mb:.1f} MB (seed {args.seed})\n")
        if args.compare_with:
            old = args.compare_with.resolve()
            print(f"alternating {args.runs} runs each: new = {HERE}, old = {old}")
            medians = _alternate(archive, {"new": HERE, "old": old}, args.runs)
            rows = [(f"read_export new (median of {args.runs})", medians["new"]),
                    (f"read_export old (median of {args.runs})", medians["old"])]
            print()
        else:
            rows = [("read_export (streaming)", _run_child(archive, "stream"))]
        if not args.no_naive:
            rows.append(("naive json.loads (reference)", _run_child(archive, "naive")))
    header = (f"{'reader':<32} {'tweets.js MB':>12} {'zip MB':>7} {'posts':>9} {'seconds':>8} "
              f"{'posts/s':>9} {'CPU s':>6} {'posts/CPU s':>11} {'RSS after import MB':>20} "
              f"{'peak RSS MB':>12} {'peak - import':>13}")
    print(header)
    print("-" * len(header))
    for name, r in rows:
        print(f"{name:<32} {member_mb:>12.1f} {zip_mb:>7.1f} {r['posts']:>9,} "
              f"{r['seconds']:>8.2f} {r['posts'] / r['seconds']:>9,.0f} {r['cpu_seconds']:>6.2f} "
              f"{r['posts'] / r['cpu_seconds']:>11,.0f} "
              f"{r['baseline_mb']:>20.1f} {r['peak_mb']:>12.1f} "
              f"{r['peak_mb'] - r['baseline_mb']:>13.1f}")
    stream = rows[0][1]
    print(f"\nread_export yielded {stream['posts']:,} posts and skipped "
          f"{stream['reposts_skipped']:,} retweets; naive counts every item.")
    if args.compare_with:
        new, old = rows[0][1], rows[1][1]
        rate = (new["posts"] / new["seconds"]) / (old["posts"] / old["seconds"])
        cpu_rate = old["cpu_seconds"] / new["cpu_seconds"]
        print(f"new/old: posts/s {rate:.2f}, posts per CPU second {cpu_rate:.2f}, "
              f"peak RSS {new['peak_mb'] / old['peak_mb']:.2f}, peak RSS above the imports "
              f"{new['peak_mb'] - new['baseline_mb']:.1f} MB vs "
              f"{old['peak_mb'] - old['baseline_mb']:.1f} MB")
        if new["posts_seen"] != old["posts_seen"]:
            print(f"note: the readers yielded different post counts: new {new['posts_seen']}, "
                  f"old {old['posts_seen']}")


if __name__ == "__main__":
    main()
