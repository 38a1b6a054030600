"""How to turn decisions into probabilities: none, Platt, isotonic, Platt with a temperature.

Fits the chosen model on the corpus without the held-out authors, its calibrations on
author-grouped out-of-fold decisions of those same posts, and reports macro-F1 and ECE on the
held-out authors and on every file of ../shared/eval/dev (aggregate numbers only, no row is
shown). Platt scaling is what ships: it is one linear map, so it folds into the coefficients
and every explanation still adds up to the decision; isotonic regression does not.

    .venv/bin/python data/tools/calibration_study.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.isotonic import IsotonicRegression

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from analyzer.evaluation import read_author_list, split_by_authors  # noqa: E402
from analyzer.metrics import classification_report  # noqa: E402
from analyzer.model import DEFAULT_PARAMS, out_of_fold_decisions, platt, train  # noqa: E402
from analyzer.inputs import read_many  # noqa: E402

DEV = ROOT.parent / "shared" / "eval" / "dev"


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def main() -> None:
    corpus = [p for p in read_many(sorted(str(p) for p in (ROOT / "data" / "corpus").glob("*.jsonl")), labels=True)
              if p.text.strip()]
    inner, test = split_by_authors(corpus, read_author_list(ROOT / "data" / "heldout_authors.txt"))
    y_inner = np.array([p.label.value for p in inner])
    decision, _ = out_of_fold_decisions(inner, **{k: v for k, v in DEFAULT_PARAMS.items() if k != "augment"})
    a, b = platt(decision, y_inner)
    iso = IsotonicRegression(out_of_bounds="clip", y_min=1e-4, y_max=1 - 1e-4).fit(
        decision, (y_inner == "networking").astype(float))
    model = train(inner, cross_validation=False, calibrated=False).model
    sets = {"held-out authors": test}
    sets.update({f.stem: [p for p in read_many([str(f)], labels=True) if p.status == "ok"]
                 for f in sorted(DEV.glob("*.jsonl"))})
    methods = {
        "none": lambda d: sigmoid(d),
        "Platt (shipped)": lambda d: sigmoid(a * d + b),
        "isotonic": lambda d: iso.predict(d),
        "Platt, temperature 0.75": lambda d: sigmoid(0.75 * (a * d + b)),
        "Platt, temperature 0.5": lambda d: sigmoid(0.5 * (a * d + b)),
    }
    results = {}
    for name, posts in sets.items():
        X = np.empty(len(posts), dtype=object)
        X[:] = posts
        d = model.decision_function(X)
        y = [p.label.value for p in posts]
        for m, f in methods.items():
            p = f(d)
            r = classification_report(y, ["networking" if v > 0.5 else "media" for v in p], list(p))
            results[name, m] = (r["macro_f1"], r["ece"])
    print(f"Platt on {len(inner)} out-of-fold decisions: a = {a:.3f}, b = {b:.3f}", file=sys.stderr)
    names = list(sets)
    print("| calibration | " + " | ".join(names) + " | dev mean ECE |")
    print("|---|" + "---:|" * (len(names) + 1))
    for m in methods:
        cells = [f"{results[n, m][0]:.3f} / {results[n, m][1]:.3f}" for n in names]
        dev_ece = np.mean([results[n, m][1] for n in names[1:]])
        print(f"| {m} | " + " | ".join(cells) + f" | {dev_ece:.3f} |")
    print("\ncells: macro-F1 / ECE")


if __name__ == "__main__":
    main()
