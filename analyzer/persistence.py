"""Save, verify and load model directories (model.skops + meta.json + README.md).

skops rebuilds only the types it is told to trust, and the list of types we
trust is held here, in code: never read from the model file or its meta.json.
The sha256 in meta.json catches corruption and mismatched files; the type
audit is what keeps a hostile file from running code.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import stat
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata, resources
from pathlib import Path
from typing import Any, Iterable, Mapping

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from .features import PostFeaturizer
from .errors import ModelError
from .files import atomic_write, share_mode  # noqa: F401  (share_mode: re-exported)
from .posts import FUNCTIONS, LABELS, Post

__all__ = [
    "FORMAT_VERSION",
    "MODEL_ENV",
    "META_FILE",
    "MODEL_FILE",
    "ModelError",
    "Model",
    "TRUSTED_TYPES",
    "default_model_dir",
    "file_sha256",
    "load_model",
    "read_meta",
    "save_model",
    "versions",
]

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


@dataclass
class Model:
    """A verified, loaded model: the sklearn pipeline plus its metadata."""

    pipeline: Pipeline
    meta: dict[str, Any]
    path: Path
    overrides: dict[str, Any] = field(default_factory=dict)  # featurizer params changed after loading
    function_head: LogisticRegression | None = None  # information / action / community

    def predict(self, posts: Iterable[Post | str], *, top_k: int = 5, with_signals: bool = False):
        """Predictions (label, P(networking), dimension scores, top signals) in order."""
        from .explain import predict_posts
        from .posts import normalize_text

        items = []
        for n, p in enumerate(posts, 1):
            if isinstance(p, Post):
                items.append(p)
            else:
                text, flags = normalize_text(p)
                items.append(Post(id=str(n), text=text, flags=flags))
        return predict_posts(self.pipeline, items, top_k=top_k, with_signals=with_signals,
                             function_head=self.function_head)


def save_model(
    pipeline: Pipeline,
    out_dir: str | Path,
    *,
    meta: Mapping[str, Any] | None = None,
    card: str | None = None,
    function_head: LogisticRegression | None = None,
) -> dict[str, Any]:
    """Write model.skops, meta.json and the model card; return the meta written.

    model.skops holds ``{"binary": pipeline, "function": head or None}``.
    """
    import skops.io as sio

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = sio.dumps({"binary": pipeline, "function": function_head}, compression=zipfile.ZIP_DEFLATED)
    untrusted = set(sio.get_untrusted_types(data=data))
    unexpected = sorted(untrusted - set(TRUSTED_TYPES))
    if unexpected:
        raise ModelError(f"refusing to save a model with types outside the allow-list: {unexpected}")
    atomic_write(out_dir / MODEL_FILE, data)
    full = {
        "format_version": FORMAT_VERSION,
        "labels": list(LABELS),
        **(meta or {}),
        "model_file": MODEL_FILE,
        "model_sha256": hashlib.sha256(data).hexdigest(),
        "versions": versions(),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "trusted_types": list(TRUSTED_TYPES),
    }
    atomic_write(out_dir / META_FILE, (json.dumps(full, indent=2, ensure_ascii=False) + "\n").encode())
    if card is None:
        from .card import render_card

        card = render_card(full)
    atomic_write(out_dir / CARD_FILE, card.encode())
    return full


def read_meta(model_dir: str | Path) -> dict[str, Any]:
    """meta.json of a model directory (no other check): enough for ``info``."""
    model_dir = _model_dir(model_dir)
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
    "signals": list, "warnings": list,
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


def _model_dir(path: str | Path) -> Path:
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


def load_model(model_dir: str | Path | None = None, *, allow_version_mismatch: bool = False) -> Model:
    """Verify and load a model directory (default: the bundled model).

    Checks, in order: the directory holds meta.json and the model files; their
    sha256 match meta.json; the model was saved by the installed scikit-learn
    version; it contains no type outside TRUSTED_TYPES; it is a PostFeaturizer ->
    LogisticRegression pipeline over media/networking, with an optional
    function head over information/action/community.
    """
    model_dir = _model_dir(model_dir if model_dir is not None else default_model_dir())
    meta = read_meta(model_dir)
    path = model_dir / meta.get("model_file", MODEL_FILE)
    if not os.path.lexists(path):
        raise ModelError(f"{model_dir}: {path.name} is missing")
    saved = (meta.get("versions") or {}).get("scikit-learn")
    installed = metadata.version("scikit-learn")
    if saved != installed and not allow_version_mismatch:
        raise ModelError(
            f"{path}: saved with scikit-learn {saved}, installed is {installed}; "
            f"install scikit-learn=={saved} or retrain the model")
    data = _verified_bytes(path, meta.get("model_sha256"))
    loaded = _load_skops(path, data)
    if not isinstance(loaded, dict) or set(loaded) != {"binary", "function"}:
        raise ModelError(f"{path}: not a content-type-analyzer model (expected binary and function parts)")
    _check_shape(loaded["binary"], loaded["function"], path)
    return Model(pipeline=loaded["binary"], meta=meta, path=model_dir, function_head=loaded["function"])


def _verified_bytes(path: Path, expected: str | None) -> bytes:
    data = read_regular_file(path, MAX_MODEL_BYTES)
    if hashlib.sha256(data).hexdigest() != expected:
        raise ModelError(
            f"{path}: sha256 does not match {META_FILE} (file corrupted or replaced); "
            "retrain or restore the model directory")
    return data


def _load_skops(path: Path, data: bytes) -> Pipeline:
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    # skops audits every type against the allow-list before building anything,
    # and raises instead of loading when the file holds another type
    try:
        return sio.loads(data, trusted=list(TRUSTED_TYPES))
    except UntrustedTypesFoundException as exc:
        unexpected = sorted(exc.unsafe) if hasattr(exc, "unsafe") else _unsafe_from(str(exc))
        raise ModelError(
            f"{path}: contains types outside the allow-list, refusing to load: {', '.join(unexpected)}"
        ) from None
    except Exception as exc:  # skops raises many types on bytes that are no skops file
        raise ModelError(f"{path}: not a readable skops file ({type(exc).__name__}: {exc})") from None


def _unsafe_from(message: str) -> list[str]:
    """The type names in skops' "Untrusted types found in the file: [...]" message."""
    import re

    found = re.search(r"\[(.*?)\]", message)
    return re.findall(r"'([^']+)'", found.group(1)) if found else [message.splitlines()[0]]


def _check_shape(pipeline: Any, head: Any, path: Path) -> None:
    ok = (
        isinstance(pipeline, Pipeline)
        and isinstance(pipeline.named_steps.get("features"), PostFeaturizer)
        and isinstance(pipeline.named_steps.get("clf"), LogisticRegression)
    )
    if not ok:
        raise ModelError(f"{path}: not a content-type-analyzer pipeline")
    classes = [str(c) for c in pipeline.named_steps["clf"].classes_]
    if classes != list(LABELS):
        raise ModelError(f"{path}: classes {classes}, expected {list(LABELS)}")
    if head is not None:
        n_in = pipeline.named_steps["features"].n_features_out_
        if not isinstance(head, LogisticRegression) or sorted(map(str, head.classes_)) != sorted(FUNCTIONS) \
                or head.n_features_in_ != n_in:
            raise ModelError(f"{path}: the function head does not fit this model")

