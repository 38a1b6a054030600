"""The model as plain arrays and JSON: a second, fast form of model.skops.

skops is the interchange format and the one every file is audited with, but
importing it imports every scikit-learn estimator (about half a second), too
much for a single `check`. This form holds only numbers and strings (NumPy
.npz read with allow_pickle=False, JSON), and it can only become the two
classes this module builds itself, PostFeaturizer and LogisticRegression, so
reading it cannot run code either. Its sha256 sits in meta.json next to the
skops file's.
"""

from __future__ import annotations

import io
import json
from typing import Any, Mapping

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from .features import PostFeaturizer

__all__ = ["ARRAYS_FILE", "JSON_FILE", "from_arrays", "json_params", "to_arrays"]

ARRAYS_FILE = "model.arrays.npz"
JSON_FILE = "model.arrays.json"
_FEATURIZER_ARRAYS = ("signal_scale_", "vocabulary_keys_", "idf_", "ngram_lang_mask_")
_FEATURIZER_LISTS = ("signal_names_", "ngram_names_", "languages_")
_CLF_ARRAYS = ("coef_", "intercept_", "n_iter_")


def json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Estimator parameters as JSON holds them (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


def to_arrays(pipeline: Pipeline, source_sha256: str) -> tuple[bytes, bytes]:
    """(npz bytes, json bytes) of a fitted PostFeaturizer -> LogisticRegression pipeline,
    bound to the sha256 of the skops file it was written with."""
    f, clf = pipeline.named_steps["features"], pipeline.named_steps["clf"]
    arrays = {f"features.{k}": np.asarray(getattr(f, k)) for k in _FEATURIZER_ARRAYS}
    arrays.update({f"clf.{k}": np.asarray(getattr(clf, k)) for k in _CLF_ARRAYS})
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    doc = {
        "format": 1,
        "source_sha256": source_sha256,
        "steps": ["features", "clf"],
        "features": {"params": json_params(f.get_params()),
                     **{k: list(getattr(f, k)) for k in _FEATURIZER_LISTS},
                     "n_features_out_": int(f.n_features_out_)},
        "clf": {"params": json_params(clf.get_params()),
                "classes_": [str(c) for c in clf.classes_],
                "n_features_in_": int(clf.n_features_in_)},
    }
    return buf.getvalue(), json.dumps(doc, ensure_ascii=False).encode()


def from_arrays(npz: bytes, doc_bytes: bytes, source_sha256: str) -> Pipeline:
    """Rebuild the pipeline; raises ValueError on anything but the expected shape, or
    when the arrays were not written together with the skops file of that sha256."""
    doc = json.loads(doc_bytes)
    if doc.get("format") != 1 or doc.get("steps") != ["features", "clf"]:
        raise ValueError("unknown arrays format")
    if doc.get("source_sha256") != source_sha256:
        raise ValueError("the arrays were not written with this model.skops")
    with np.load(io.BytesIO(npz), allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    fd = doc["features"]
    params = dict(fd["params"])
    if params.get("ngram_range") is not None:
        params["ngram_range"] = tuple(params["ngram_range"])
    if params.get("signals") is not None:
        params["signals"] = tuple(params["signals"])
    f = PostFeaturizer(**params)
    for k in _FEATURIZER_ARRAYS:
        setattr(f, k, arrays[f"features.{k}"])
    for k in _FEATURIZER_LISTS:
        setattr(f, k, [str(x) for x in fd[k]])
    f.n_features_out_ = int(fd["n_features_out_"])
    cd = doc["clf"]
    clf = LogisticRegression(**cd["params"])
    for k in _CLF_ARRAYS:
        setattr(clf, k, arrays[f"clf.{k}"])
    clf.classes_ = np.array(cd["classes_"])
    clf.n_features_in_ = int(cd["n_features_in_"])
    return Pipeline([("features", f), ("clf", clf)])
