"""What a model directory holds and how its files are read safely: names, size limits, the
type allow-list, meta.json.

Kept free of scikit-learn and spaCy, so that ``info`` and the fast-form check read a
model directory without importing either.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import stat
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from .errors import ModelError

FORMAT_VERSION = 1
MODEL_FILE = "model.skops"
META_FILE = "meta.json"
CARD_FILE = "README.md"
MODEL_ENV = "CONTENT_ANALYZER_MODEL"
# The only types outside skops' own defaults that a model file may contain.
TRUSTED_TYPES: tuple[str, ...] = (
    "analyzer.features.PostFeaturizer",
    "analyzer.blocks.SignalValues",
    "analyzer.blocks.WordNgramCounts",
    "analyzer.blocks.CharNgramCounts",
    "analyzer.blocks.ConstantColumn",
)
# The scikit-learn classes of a model (skops trusts them by default). With TRUSTED_TYPES, the
# only classes the fast form writes or rebuilds: a new one is a deliberate code change.
SKLEARN_TYPES: tuple[str, ...] = (
    "sklearn.pipeline.Pipeline",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.preprocessing._data.MaxAbsScaler",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
)
MODEL_TYPES: tuple[str, ...] = SKLEARN_TYPES + TRUSTED_TYPES
FAST_TREE_FILE = "model.fast.json"
FAST_ARRAYS_FILE = "model.fast.npz"
FAST_FORMAT = "content-type-analyzer fast form 1"
_PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".sav", ".dill")
# Largest files a load reads: meta.json holds metrics tables (about 0.1 MB for the bundled
# model), model.skops the arrays (about 7 MB); a symlink to /dev/zero must not be read forever.
MAX_META_BYTES = 64 * 2**20
MAX_MODEL_BYTES = 2 * 2**30


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("content-type-analyzer", "scikit-learn", "spacy", "skops", "numpy", "scipy"):
        try:
            out["analyzer" if dist == "content-type-analyzer" else dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "unknown"
    return out


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def default_model_dir() -> Path:
    """$CONTENT_ANALYZER_MODEL, else the model bundled with the package."""
    env = os.environ.get(MODEL_ENV)
    if env:
        return Path(env)
    return Path(str(resources.files("analyzer").joinpath("bundled_model")))


def read_meta(model_dir: str | Path) -> dict[str, Any]:
    """meta.json of a model directory (no other check): enough for ``info``."""
    model_dir = resolve_model_dir(model_dir)
    path = model_dir / META_FILE
    if not os.path.lexists(path):
        raise ModelError(f"{model_dir}: no {META_FILE} (not a model directory)")
    try:
        meta = json.loads(read_regular_file(path, MAX_META_BYTES).decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ModelError(f"{path}: not valid JSON ({type(exc).__name__}: {exc})") from None
    if not isinstance(meta, dict) or meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{path}: unknown model format "
                         f"{meta.get('format_version') if isinstance(meta, dict) else meta!r}")
    for key, kind in _META_TYPES.items():
        if key in meta and not isinstance(meta[key], kind) and not (
                meta[key] is None and key not in _REQUIRED_META):
            raise ModelError(f"{path}: {key!r} should be {_KIND_NAMES[kind]}, found "
                             f"{type(meta[key]).__name__} {json.dumps(meta[key])[:60]}")
    name = meta.get("model_file", MODEL_FILE)
    if name in ("", ".", "..") or Path(name).name != name or "\\" in name:
        raise ModelError(f"{path}: model_file {name!r} must name a file inside the model "
                         "directory (no path)")
    return meta


# Types of the meta.json fields a load reads; anything else is a damaged or forged file.
_META_TYPES: dict[str, type] = {
    "model_file": str, "model_sha256": str, "created_at": str, "versions": dict, "params": dict,
    "calibration": dict, "cv": dict, "training": dict, "evaluations": dict, "labels": list,
    "signals": list, "warnings": list, "fast_form": dict,
}
_KIND_NAMES = {str: "a string", dict: "an object", list: "a list"}
_REQUIRED_META = ("model_file", "model_sha256", "versions")  # the others may be null (no CV ...)


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    Opened without blocking and checked on the open descriptor, so a FIFO cannot hang
    the load and a symlink to a device (``/dev/zero``) is refused, not read forever.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ModelError(f"{path}: missing") from None
    except OSError as exc:
        raise ModelError(f"{path}: cannot be opened ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ModelError(f"{path}: not a regular file (a device, FIFO or socket); refusing "
                             "to read it")
        if st.st_size > limit:
            raise ModelError(f"{path}: {st.st_size:,} bytes, more than the {limit:,} a model "
                             "file may have")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ModelError(f"{path}: more than the {limit:,} bytes a model file may have")
    return data


def resolve_model_dir(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() in _PICKLE_SUFFIXES:
        raise ModelError(
            f"{path}: pickle/joblib model files are refused, because loading them can run "
            "arbitrary code; use a model directory written by `content-analyzer train` (skops)")
    if path.is_file() and path.name in (MODEL_FILE, META_FILE):
        path = path.parent
    if not path.exists():
        raise ModelError(f"{path}: model directory not found")
    if not path.is_dir():
        raise ModelError(f"{path}: not a model directory (expected {MODEL_FILE} and {META_FILE})")
    return path


