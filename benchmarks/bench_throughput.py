"""Throughput of `content-analyzer score` against its floor and its peers, measured in one run.

Whole processes, each started fresh (imports, model loading, worker start-up included):
  (a) a process that only tokenizes the same CSV: csv.DictReader + spacy.blank("en") + nlp.pipe
      (the floor any spaCy-based scorer pays)
  (b) `content-analyzer score posts.csv -o scored.csv --workers 1`: labels, probabilities,
      explanations, CSV out
  (c) the same with one worker per core
In this process, on the same texts (model trained, texts in memory):
  (d) a plain word TF-IDF + logistic regression (predict_proba only, no explanations)
  (e) spaCy's own `textcat` (bag-of-words architecture) trained on the same corpus
then the macro-F1 of (b), (d) and (e) on the held-out authors and on ../shared/eval/dev/.

Two sets of posts (benchmarks/data.py): `real` (short, noisy, like real exports) and `corpus`
(variants of the long, clean corpus posts).

Usage: python benchmarks/bench_throughput.py [--sizes 5000 40000 200000] [--datasets real corpus]
       python benchmarks/bench_throughput.py --quick      # a smoke run: 300 posts, no quality table
Ratios are of throughputs (posts/s) measured in the same run; b/a and c/b are the issue's targets
(>= 0.6 and >= 1.6). CPU seconds include every child process (the workers of (c)).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import spacy  # noqa: E402
from spacy.training import Example  # noqa: E402

from analyzer.evaluation import fit_baseline, read_author_list, split_by_authors  # noqa: E402
from analyzer.metrics import classification_report  # noqa: E402
from analyzer.model import train  # noqa: E402
from analyzer.persistence import load_model  # noqa: E402
from analyzer.inputs import read_many  # noqa: E402
from analyzer.scoring import ScoreOptions, output_columns, score  # noqa: E402
from analyzer.writers import open_writer  # noqa: E402
from data import CORPUS, ROOT, posts, write_csv  # noqa: E402

# (a): what any spaCy-based scorer of this CSV pays at least
TOKENIZE = """
import csv, sys
import spacy
csv.field_size_limit(sys.maxsize)
nlp = spacy.blank("en")
with open(sys.argv[1], newline="", encoding="utf-8") as fh:
    texts = [row["text"] for row in csv.DictReader(fh)]
print(sum(len(doc) for doc in nlp.pipe(texts, batch_size=1000)))
"""


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


HANG_SECONDS = 240
HANGS: list[str] = []


def run_process(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and all its children) of one command."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    for attempt in (1, 2):
        try:
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT,
                           timeout=HANG_SECONDS)
            break
        except subprocess.TimeoutExpired:
            # a rare hang of the fork pool (seen once in ~70 runs of 5k posts, 2 workers): say so, run again
            HANGS.append(" ".join(cmd[-6:]))
            print(f"HANG after {HANG_SECONDS} s (attempt {attempt}): {' '.join(cmd[2:])}", file=sys.stderr, flush=True)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def tokenizer_process(src: Path) -> tuple[float, float]:
    return run_process([sys.executable, "-c", TOKENIZE, str(src)])


def score_process(src: Path, dest: Path, workers: int | str) -> tuple[float, float]:
    """`content-analyzer score` of this checkout (python -m analyzer), as a fresh process."""
    return run_process([sys.executable, "-m", "analyzer", "score", str(src), "-o", str(dest), "--force",
                        "--workers", str(workers)])


def score_file(model, src: Path, dest: Path, workers: int) -> None:
    """What `content-analyzer score SRC -o DEST --workers N` does once the model is loaded."""
    names = output_columns()
    with open_writer(str(dest), names, force=True) as writer:
        options = ScoreOptions(fmt=writer.fmt, columns=tuple(names), workers=workers)
        for n, payload, _ in score(read_many([str(src)], raw=workers > 1), model, options):
            writer.write_encoded(payload, n)


def train_textcat(posts, seed: int = 0, epochs: int = 8):
    """spaCy textcat, bag-of-words architecture (unigrams and bigrams), same posts as ours."""
    nlp = spacy.blank("xx")
    nlp.add_pipe("textcat", config={"model": {
        "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True, "ngram_size": 2,
        "no_output_layer": False, "length": 262144}})
    examples = [Example.from_dict(nlp.make_doc(p.text), {"cats": {
        "media": float(p.label.value == "media"), "networking": float(p.label.value == "networking")}})
        for p in posts]
    spacy.util.fix_random_seed(seed)
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(examples)
        for batch in spacy.util.minibatch(examples, size=32):
            nlp.update(batch, sgd=optimizer)
    return nlp


def textcat_labels(nlp, texts) -> list[str]:
    return [max(doc.cats, key=doc.cats.get) for doc in nlp.pipe(texts, batch_size=256)]


def quality(predict, posts) -> float:
    return classification_report([p.label.value for p in posts], predict([p.text for p in posts]))["macro_f1"]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 40_000, 200_000],
                        help="numbers of posts (default: 5000 40000 200000)")
    parser.add_argument("--datasets", nargs="+", choices=["real", "corpus"], default=["real", "corpus"],
                        help="sets of posts from benchmarks/data.py (default: both)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="workers of (c) (default: all cores)")
    parser.add_argument("--no-peers", action="store_true", help="leave out (d), (e) and the quality table")
    parser.add_argument("--no-quality", action="store_true", help="leave out the quality table")
    parser.add_argument("--textcat-epochs", type=int, default=8, help="training epochs of (e) (default: 8)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: --sizes 300, 1 textcat epoch, no quality table")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.textcat_epochs, args.no_quality = [300], 1, True

    model = load_model()
    corpus = list(read_many(CORPUS, labels=True))
    textcat_train_s = 0.0
    if not args.no_peers:
        baseline = fit_baseline(corpus)
        t0 = time.perf_counter()
        textcat = train_textcat(corpus, epochs=args.textcat_epochs)
        textcat_train_s = time.perf_counter() - t0

    print(f"# machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, spaCy {spacy.__version__}; "
          f"load average {os.getloadavg()[0]:.2f} at the start")
    print(f"| posts | set | median words | (a) tokenizer process | (b) score, 1 worker | (c) score, {args.workers} workers "
          "| (d) TF-IDF + LR | (e) spaCy textcat | b/a | c/b | c/a | d/a | e/a |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # warm the file cache (and anything a first run prepares) outside the measurements
        warm = write_csv(tmp / "warm.csv", 50, seed=1, kind="real")
        tokenizer_process(warm)
        score_process(warm, tmp / "warm_out.csv", 1)
        for n in args.sizes:
            for kind in args.datasets:
                src = write_csv(tmp / f"{kind}_{n}.csv", n, seed=n, kind=kind)
                texts = [p["text"] for p in posts(kind, n, seed=n)]
                words = int(np.median([len(t.split()) for t in texts]))
                runs = {"a": tokenizer_process(src), "b": score_process(src, tmp / "b.csv", 1),
                        "c": score_process(src, tmp / "c.csv", args.workers)}
                assert (tmp / "b.csv").read_bytes() == (tmp / "c.csv").read_bytes()
                rates = {k: n / wall for k, (wall, _) in runs.items()}
                if not args.no_peers:
                    rates["d"] = n / timed(lambda: baseline.predict_proba(texts))
                    rates["e"] = n / timed(lambda: textcat_labels(textcat, texts))
                shown = {k: f"{rates[k]:,.0f} ({wall:.2f} s, {cpu:.2f} s)" for k, (wall, cpu) in runs.items()}

                def rate(k):
                    return f"{rates[k]:,.0f}" if k in rates else "-"

                def ratio(x, y):
                    return f"{rates[x] / rates[y]:.2f}" if x in rates and y in rates else "-"

                print(f"| {n:,} | {kind} | {words} | {shown['a']} | {shown['b']} | {shown['c']} | "
                      f"{rate('d')} | {rate('e')} | {ratio('b', 'a')} | {ratio('c', 'b')} | "
                      f"{ratio('c', 'a')} | {ratio('d', 'a')} | {ratio('e', 'a')} |", flush=True)
    print("\n(a), (b), (c): posts/s (wall s, CPU s), whole processes; (d), (e): posts/s of prediction in memory.")
    print(f"hung processes (killed after {HANG_SECONDS} s and run again): {len(HANGS)}"
          + (f" ({'; '.join(HANGS)})" if HANGS else ""))
    if args.no_peers or args.no_quality:
        return

    # quality of (b), (d) and (e): held-out authors (all trained without them) and external files
    held = read_author_list(ROOT / "data" / "heldout_authors.txt")
    train_posts, test_posts = split_by_authors(corpus, held)
    ours = train(train_posts, cross_validation=False, **{k: v for k, v in model.meta["params"].items()
                                                         if k in ("C", "min_df", "signal_weight")})
    baseline_inner = fit_baseline(train_posts)
    textcat_inner = train_textcat(train_posts, epochs=args.textcat_epochs)
    rows = [("held-out authors", test_posts,
             lambda t: list(ours.model.predict(np.array(t, dtype=object))),
             lambda t: list(baseline_inner.predict(t)),
             lambda t: textcat_labels(textcat_inner, t))]
    dev = ROOT.parent / "shared" / "eval" / "dev"
    for path in sorted(dev.glob("*.jsonl")) if dev.is_dir() else []:
        rows.append((path.name, list(read_many([path], labels=True)),
                     lambda t: list(model.pipeline.predict(np.array(t, dtype=object))),
                     lambda t: list(baseline.predict(t)),
                     lambda t: textcat_labels(textcat, t)))
    print()
    print(f"spaCy textcat trained in {textcat_train_s:.1f} s ({args.textcat_epochs} epochs, bag-of-words 1-2-grams).")
    print("| evaluation | posts | macro-F1 (b) ours | macro-F1 (d) TF-IDF + LR | macro-F1 (e) spaCy textcat |")
    print("|---|---:|---:|---:|---:|")
    for name, items, ours_fn, base_fn, tc_fn in rows:
        print(f"| {name} | {len(items):,} | {quality(ours_fn, items):.3f} | {quality(base_fn, items):.3f} | "
              f"{quality(tc_fn, items):.3f} |", flush=True)


if __name__ == "__main__":
    main()
