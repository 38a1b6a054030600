"""Train from files and write a model directory: what ``content-analyzer train`` does.

Kept apart from model.py so that training logic stays free of file handling,
and apart from cli/ so that it can be called (and tested) without a terminal.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .adaptation import BaseData, Scorer
from .errors import UsageError
from .evaluation import BASELINE_NAME, CHAR_BASELINE_NAME, compare_on, fit_baselines, split_by_authors
from .lexicons import LexiconError
from .model import TrainResult, posts_array, prepare_training_posts, proba_report, small_sample_warning, train
from .persistence import Model, file_sha256, save_model
from .files import OutputExistsError, check_writable
from .inputs import read_many
from .learning_curve import learning_curve
from .readers import Columns, read_posts

__all__ = ["base_data", "bundled_corpus_files", "curve_on_base", "train_files", "result_meta"]


def bundled_corpus_files() -> list[Path]:
    """The project's labelled corpus as shipped with the package (data/corpus)."""
    root = Path(str(resources.files("analyzer").joinpath("bundled_corpus")))
    return sorted(root.glob("*.jsonl"))


def base_data(model: Model, base: Sequence[str] | None = None,
              note: Callable[[str], None] = lambda msg: None) -> BaseData:
    """The base corpus (``base`` files, else the bundled corpus) as ``model`` sees it: what
    ``label`` and ``learning-curve`` refit on with the user's labels (same C and calibration)."""
    sources = list(base) if base else [str(f) for f in bundled_corpus_files()]
    if not sources:
        raise UsageError("the bundled corpus is not available in this installation; give --base FILE")
    posts = prepare_training_posts(read_many(sources, labels=True))[0]
    note(f"base corpus: {len(posts)} labelled posts")
    C = (model.meta.get("params") or {}).get("C") or model.pipeline.named_steps["clf"].C
    return BaseData.build(model.pipeline.named_steps["features"], posts, C=C,
                          calibration=model.meta.get("calibration"))


def curve_on_base(model: Model, posts: Sequence[Any], base: Sequence[str] | None = None, *,
                  folds: int = 5, seed: int = 0, note: Callable[[str], None] = lambda msg: None) -> dict:
    """The learning curve of ``posts`` added to the base corpus, against ``model`` alone."""
    data = base_data(model, base, note)
    X = model.pipeline.named_steps["features"].transform(posts_array(posts))
    return learning_curve(posts, X, data, Scorer.from_pipeline(model.pipeline), n_splits=folds, seed=seed)


def json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Estimator parameters as JSON holds them (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


def result_meta(result: TrainResult, files: Sequence[dict[str, Any]], command: str | None) -> dict[str, Any]:
    featurizer = result.model.named_steps["features"]
    return {
        "n_signals": len(featurizer.signal_names_),
        "n_ngrams": len(featurizer.ngram_names_),
        "n_char_ngrams": len(featurizer.char_names_),
        "calibration": result.calibration,
        "function_head": result.function_head is not None,
        "signals": list(featurizer.signal_names_),
        "params": json_params(result.params),
        "cv": result.cv,
        "cv_scheme": result.cv_scheme,
        "training": {
            "n_posts": result.n_posts,
            "label_counts": result.label_counts,
            "function_counts": result.function_counts,
            "lang_counts": result.lang_counts,
            "files": list(files),
        },
        "warnings": result.warnings,
        **({"command": command} if command else {}),
    }


def train_files(
    data: Sequence[str],
    output: str | Path,
    *,
    add_default: bool = False,
    force: bool = False,
    n_splits: int = 5,
    random_state: int = 0,
    C: float | None = None,
    extra_cues: dict | None = None,
    fmt: str | None = None,
    columns: Columns | None = None,
    command: str | None = None,
    progress: Callable[[str], None] | None = None,
    heldout_authors: set[str] | None = None,
    eval_files: Sequence[str] = (),
    encoding: str | None = None,
) -> TrainResult:
    """Read labelled files (plus the bundled corpus when asked), train, save.

    With ``heldout_authors``, cross-validation runs on the other authors, a
    second model trained on them is scored on the held-out authors, and the
    saved model is then trained on everything. ``eval_files`` are labelled
    files the model never trains on (external data), scored by the saved
    model. Both evaluations are paired with a baseline trained on the same posts.
    """
    output = Path(output)
    if output.exists() and any(output.iterdir()) and not force:
        raise OutputExistsError(
            f"{output}: already exists; to overwrite the model directory, set the --force or -F flag")
    check_writable(output / "meta.json")
    say = progress or (lambda msg: None)
    sources = [*map(str, bundled_corpus_files() if add_default else []), *data]
    if not sources:
        raise UsageError("no training data given")
    if add_default and not bundled_corpus_files():
        raise LexiconError("the bundled corpus is not available in this installation")
    n_bundled = len(sources) - len(data)

    def read_one(i: int, src: str):  # ``encoding`` is for the user's files, not the bundled corpus
        return read_posts(src, fmt=fmt, columns=columns, labels=True,
                          id_prefix=Path(src).name if len(sources) > 1 else None,
                          encoding=encoding if i >= n_bundled else None)

    if encoding:
        posts = [p for i, src in enumerate(sources) for p in read_one(i, src)]
    else:
        posts = list(read_many(sources, fmt=fmt, columns=columns, labels=True))
    files = []
    for i, src in enumerate(sources):
        if src == "-":
            files.append({"path": "<stdin>", "rows": len(posts) if len(sources) == 1 else None})
            continue
        rows = len(posts) if len(sources) == 1 else sum(
            1 for _ in (read_one(i, src) if encoding else read_many([src], fmt=fmt, columns=columns, labels=True)))
        files.append({"path": src, "sha256": file_sha256(src), "rows": rows})
    # with --add-default the bundled corpus comes first: the user's own rows follow it
    n_bundled_posts = sum(f["rows"] for f in files[:n_bundled])
    own_ids = {id(p) for p in posts[n_bundled_posts:]}
    params: dict[str, Any] = {}
    if C is not None:
        params["C"] = C
    if extra_cues:
        params["extra_cues"] = extra_cues
    evaluations: dict[str, Any] = {}
    cv_posts = posts
    if heldout_authors:
        clean, _ = prepare_training_posts(posts)
        cv_posts, test = split_by_authors(clean, heldout_authors)
        if not test:
            raise UsageError("none of the held-out authors appears in the training data")
        say(f"held-out authors: {len(heldout_authors)} authors, {len(test)} posts kept out of training")
        inner = train(cv_posts, n_splits=max(n_splits, 2), random_state=random_state,
                      cross_validation=False, **params)
        comparison = compare_on(inner.model, fit_baselines(inner_posts(cv_posts), random_state), test,
                                function_head=inner.function_head, masked=False)
        evaluations["held-out authors"] = {
            "description": (
                f"{len(test)} posts by {len({p.author for p in test})} authors that neither the "
                f"model nor the baseline saw: both trained on the other {len(cv_posts)} posts."),
            **comparison,
        }
    say(f"cross-validating on {len(cv_posts)} posts" if n_splits else "skipping cross-validation")
    cv_result = train(cv_posts, n_splits=max(n_splits, 2), random_state=random_state,
                      cross_validation=n_splits > 0, **params) if n_splits else None
    say(f"training the final model on {len(posts)} posts from {len(sources)} file(s)")
    result = train(posts, random_state=random_state, cross_validation=False, **params)
    own_cv = None
    if cv_result is not None:
        result.cv, result.cv_scheme = cv_result.cv, cv_result.cv_scheme
        result.posts, result.cv_proba = cv_result.posts, cv_result.cv_proba
        result.warnings = cv_result.warnings if not heldout_authors else result.warnings
        if n_bundled and cv_result.cv_proba is not None:
            own_cv = own_rows_report(cv_result.posts, cv_result.cv_proba, own_ids)
            if own_cv is None:
                result.warnings.append("none of your rows is in the cross-validation (held out or empty): "
                                       "no metrics on your own posts")
            else:
                small = small_sample_warning([p for p in cv_result.posts if id(p) in own_ids])
                if small:
                    result.warnings.append("your own posts: " + small)
    if eval_files:
        baseline = fit_baselines(inner_posts(posts), random_state)
        for path in eval_files:
            external = list(read_many([path], labels=True))
            comparison = compare_on(result.model, baseline, external, function_head=result.function_head)
            evaluations[f"external: {Path(path).name}"] = {
                "description": (
                    f"{comparison['n_posts']} labelled posts from `{Path(path).name}` "
                    f"({comparison['label_counts']}), never used for training; model and "
                    f"baseline both trained on all {result.n_posts} training posts."),
                "sha256": file_sha256(path),
                **comparison,
            }
    meta = result_meta(result, files, command)
    if own_cv is not None:
        meta["cv_own_rows"] = own_cv
    if heldout_authors:
        meta["cv_scope"] = f"the {len(cv_posts)} posts of the non-held-out authors"
        meta["heldout_authors"] = sorted(heldout_authors)
    if evaluations:
        meta["evaluations"] = evaluations
        meta["baseline"] = BASELINE_NAME
        meta["baselines"] = [BASELINE_NAME, CHAR_BASELINE_NAME]
    save_model(result.model, output, meta=meta, function_head=result.function_head)
    result.cv_own_rows, result.evaluations = own_cv, evaluations
    return result


def own_rows_report(posts: Sequence[Any], proba: Any, own: set[int]) -> dict[str, Any] | None:
    """Grouped cross-validated metrics over the user's own rows only (``own``: ids of their
    Post objects), from the out-of-fold predictions of a run over the bundled corpus plus them."""
    keep = [i for i, p in enumerate(posts) if id(p) in own]
    if not keep:
        return None
    return proba_report([posts[i] for i in keep], np.asarray(proba)[keep])


def inner_posts(posts: Sequence[Any]) -> list[Any]:
    """Posts a model can train on (labelled, non-empty), as train() keeps them."""
    return prepare_training_posts(posts)[0]
