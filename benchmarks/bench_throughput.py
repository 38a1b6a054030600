"""Throughput of scoring against its floor and its peers, measured in one run.

  (a) spaCy's blank English tokenizer alone over the texts (the floor any spaCy-based scorer pays)
  (b) our `score`, 1 worker: CSV in -> labels, probabilities, explanations -> CSV out, in a
      fresh process with the model loaded (nothing warm from earlier runs)
  (c) the same with 2 worker processes (their start-up included)
  (d) a plain word TF-IDF + logistic regression (predict_proba only, no explanations)
  (e) spaCy's own `textcat` (bag-of-words architecture) trained on the same corpus
plus the macro-F1 of (b) and (e) on the held-out authors and on ../shared/eval/dev/.

Usage: python benchmarks/bench_throughput.py [--sizes 20000 200000]
Throughputs are wall-clock posts per second on this machine; ratios are against (a).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
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
from analyzer.readers import read_many  # noqa: E402
from analyzer.scoring import ScoreJob, output_columns, score_encoded  # noqa: E402
from analyzer.writers import open_writer  # noqa: E402
from data import CORPUS, ROOT, synthetic_posts, write_csv  # noqa: E402


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def score_file(model, src: Path, dest: Path, workers: int) -> None:
    """What `content-analyzer score SRC -o DEST --workers N` does once the model is loaded."""
    names = output_columns()
    with open_writer(str(dest), names, force=True) as writer:
        job = ScoreJob.for_model(model, top_k=5, features=False, text=True, fmt=writer.fmt, columns=names)
        for n, payload, _ in score_encoded((model.pipeline, model.function_head), job, read_many([str(src)], raw=workers > 1),
                                           workers=workers):
            writer.write_encoded(payload, n)


CHILD = """
import sys, time
sys.path.insert(0, {here!r})
from pathlib import Path
from analyzer.persistence import load_model
from bench_throughput import score_file
model = load_model()
start = time.perf_counter()
score_file(model, Path({src!r}), Path({dest!r}), {workers})
print(time.perf_counter() - start)
"""


def score_file_fresh(src: Path, dest: Path, workers: int) -> float:
    """Seconds to score in a fresh process (model loaded, nothing warm), workers started inside."""
    import subprocess

    code = CHILD.format(here=str(HERE), src=str(src), dest=str(dest), workers=workers)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


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
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    args = parser.parse_args(argv)

    model = load_model()
    corpus = list(read_many(CORPUS, labels=True))
    baseline = fit_baseline(corpus)
    t0 = time.perf_counter()
    textcat = train_textcat(corpus)
    textcat_train_s = time.perf_counter() - t0
    plain = spacy.blank("en")

    print(f"# machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, spaCy {spacy.__version__}")
    print("| posts | (a) tokenizer | (b) score, 1 worker | (c) score, 2 workers | (d) TF-IDF + LR | (e) spaCy textcat | b/a | c/a | d/a | e/a | c/b | b/e |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in args.sizes:
            src = write_csv(tmp / f"posts_{n}.csv", n, seed=n)
            texts = [p["text"] for p in synthetic_posts(n, seed=n)]
            rates = {}
            rates["a"] = n / timed(lambda: [len(d) for d in plain.tokenizer.pipe(texts, batch_size=1000)])
            rates["b"] = n / score_file_fresh(src, tmp / "b.csv", 1)
            rates["c"] = n / score_file_fresh(src, tmp / "c.csv", 2)
            rates["d"] = n / timed(lambda: baseline.predict_proba(texts))
            rates["e"] = n / timed(lambda: textcat_labels(textcat, texts))
            assert (tmp / "b.csv").read_bytes() == (tmp / "c.csv").read_bytes()
            r = {k: rates[k] / rates["a"] for k in "bcde"}
            print(f"| {n:,} | {rates['a']:,.0f} | {rates['b']:,.0f} | {rates['c']:,.0f} | {rates['d']:,.0f} | "
                  f"{rates['e']:,.0f} | {r['b']:.2f} | {r['c']:.2f} | {r['d']:.2f} | {r['e']:.2f} | "
                  f"{rates['c'] / rates['b']:.2f} | {rates['b'] / rates['e']:.2f} |", flush=True)

    # quality of (b) and (e): held-out authors (both trained without them) and external files
    held = read_author_list(ROOT / "data" / "heldout_authors.txt")
    train_posts, test_posts = split_by_authors(corpus, held)
    ours = train(train_posts, cross_validation=False, **{k: v for k, v in model.meta["params"].items()
                                                         if k in ("C", "min_df", "signal_weight")})
    textcat_inner = train_textcat(train_posts)
    rows = [("held-out authors", test_posts,
             lambda t: list(ours.model.predict(np.array(t, dtype=object))),
             lambda t: textcat_labels(textcat_inner, t))]
    dev = ROOT.parent / "shared" / "eval" / "dev"
    for path in sorted(dev.glob("*.jsonl")) if dev.is_dir() else []:
        rows.append((path.name, list(read_many([path], labels=True)),
                     lambda t: list(model.pipeline.predict(np.array(t, dtype=object))),
                     lambda t: textcat_labels(textcat, t)))
    print()
    print(f"spaCy textcat trained in {textcat_train_s:.1f} s (8 epochs, bag-of-words 1-2-grams).")
    print("| evaluation | posts | macro-F1 (b) ours | macro-F1 (e) spaCy textcat |")
    print("|---|---:|---:|---:|")
    for name, posts, ours_fn, tc_fn in rows:
        print(f"| {name} | {len(posts):,} | {quality(ours_fn, posts):.3f} | {quality(tc_fn, posts):.3f} |", flush=True)


if __name__ == "__main__":
    main()
