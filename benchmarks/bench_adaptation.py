"""Adaptation: macro-F1 after 50 / 100 / 200 labels chosen by `label` (active) or at random.

For each labelled file of the external dev set (../shared/eval/dev/, never trained on by the
bundled model), the posts are split in two halves by a fixed seed: the labelling loop picks
from the first half, with the file's labels as the oracle (the person at the keyboard), and
every model is measured on the second half. *active* is `content-analyzer label` itself
(uncertainty with diversity, background refit every 20 labels, the same LabelSession and
labels file); *random* takes the first n posts of a seeded shuffle of the same half. After n
labels each is refitted the same way (bundled featurizer, logistic regression on the bundled
corpus plus the n labels, weighted as `label` weighs them) and scored on the other half.
Same seed, same run. Only aggregate scores are printed; no rule is read off the rows.

Usage: python benchmarks/bench_adaptation.py [--dev ../shared/eval/dev] [--max-posts 3000] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
from analyzer.adaptation import USER_WEIGHT, BaseData, Scorer, refit  # noqa: E402
from analyzer.labelfile import LabelFile  # noqa: E402
from analyzer.labeling import LabelSession  # noqa: E402
from analyzer.selection import random_order  # noqa: E402
from analyzer.model import posts_array, prepare_training_posts  # noqa: E402
from analyzer.persistence import load_model  # noqa: E402
from analyzer.inputs import read_many  # noqa: E402
from analyzer.training import bundled_corpus_files  # noqa: E402

STEPS = (50, 100, 200)


def macro_f1(scorer: Scorer, X, y) -> float:
    pred = np.where(scorer.decision(X) > 0, "networking", "media")
    return float(f1_score(y, pred, average="macro", labels=["media", "networking"]))


def split(posts, seed: int, max_posts: int):
    order = random_order(len(posts), seed)
    if len(order) > max_posts:
        order = order[:max_posts]
    half = len(order) // 2
    return [posts[i] for i in order[:half]], [posts[i] for i in order[half:]]


def active_labels(pool, X_pool, base, scorer, n: int, seed: int, refit_every: int) -> list[int]:
    """Drive the labelling loop with the true labels as answers; the pool rows labelled, in order."""
    with tempfile.TemporaryDirectory() as tmp:
        session = LabelSession(pool, X_pool, base, LabelFile(Path(tmp) / "labels.jsonl"), scorer,
                               refit_every=refit_every, seed=seed)
        order = []
        while len(order) < n and (shown := session.current()) is not None:
            order.append(shown.index)
            session.answer(pool[shown.index].label.value)
        session.close()
    return order


def run_file(path: Path, model, base: BaseData, args) -> dict:
    featurizer = model.pipeline.named_steps["features"]
    scorer = Scorer.from_pipeline(model.pipeline)
    posts = prepare_training_posts(p for p in read_many([str(path)], labels=True) if not p.by_rule)[0]
    pool, test = split(posts, args.seed, args.max_posts)
    X_pool, X_test = featurizer.transform(posts_array(pool)), featurizer.transform(posts_array(test))
    y_pool = np.array([p.label.value for p in pool], dtype=object)
    y_test = np.array([p.label.value for p in test], dtype=object)
    out = {"file": path.name, "posts": len(posts), "pool": len(pool), "test": len(test),
           "alone": macro_f1(scorer, X_test, y_test)}
    start = time.perf_counter()
    chosen = {"active": active_labels(pool, X_pool, base, scorer, max(STEPS), args.seed, args.refit_every),
              "random": random_order(len(pool), args.seed).tolist()}
    for how, rows in chosen.items():
        for n in STEPS:
            use = rows[:n]
            fitted = refit(base, X_pool[use], y_pool[use], user_weight=args.user_weight, warm=scorer)
            out[f"{how} {n}"] = macro_f1(fitted, X_test, y_test)
    out["seconds"] = time.perf_counter() - start
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "dev")
    parser.add_argument("--max-posts", type=int, default=3000, help="subsample larger files to this many posts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--refit-every", type=int, default=20)
    parser.add_argument("--user-weight", type=float, default=USER_WEIGHT)
    args = parser.parse_args(argv)
    files = sorted(args.dev.glob("*.jsonl"))
    if not files:
        sys.exit(f"no .jsonl files in {args.dev}")
    start = time.perf_counter()
    model = load_model()
    featurizer = model.pipeline.named_steps["features"]
    base_posts = prepare_training_posts(read_many([str(f) for f in bundled_corpus_files()], labels=True))[0]
    base = BaseData.build(featurizer, base_posts, C=model.meta["params"]["C"],
                          calibration=model.meta.get("calibration"))
    rows = [run_file(f, model, base, args) for f in files]
    print(f"bench_adaptation {date.today().isoformat()}: seed {args.seed}, refit every {args.refit_every}, "
          f"user labels weighted {args.user_weight:g}, base corpus {len(base_posts)} posts, "
          f"{time.perf_counter() - start:.0f} s")
    cols = [f"{how} {n}" for n in STEPS for how in ("active", "random")]
    print("| file | posts (pool / test) | model alone | " + " | ".join(cols) + " |")
    print("|---|---:|---:|" + "---:|" * len(cols))
    for r in rows:
        cells = []
        for n in STEPS:
            a, b = r[f"active {n}"], r[f"random {n}"]
            cells += [f"**{a:.3f}**" if a > b else f"{a:.3f}", f"**{b:.3f}**" if b > a else f"{b:.3f}"]
        print(f"| {r['file']} | {r['posts']} ({r['pool']} / {r['test']}) | {r['alone']:.3f} | " + " | ".join(cells) + " |")
    means = {c: float(np.mean([r[c] for r in rows])) for c in ["alone", *cols]}
    print(f"| mean of {len(rows)} | | {means['alone']:.3f} | " + " | ".join(f"{means[c]:.3f}" for c in cols) + " |")


if __name__ == "__main__":
    main()
