"""Save, verify and load model directories (model.skops + meta.json + README.md).

skops rebuilds only the types it is told to trust, and the list of types we
trust is held here, in code: never read from the model file or its meta.json.
The sha256 in meta.json catches corruption and mismatched files; the type
audit is what keeps a hostile file from running code.

Importing skops costs more than half a second (it lists every scikit-learn
estimator), so a model directory also holds a fast form of model.skops: the
same estimators written mechanically (class name, parameters, every fitted
``*_`` attribute; arrays in one .npz, the rest JSON), rebuilt only from the
classes in MODEL_TYPES. model.skops stays the canonical file: the fast form is
used only when its hashes and the model.skops it was derived from match meta.json.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import importlib
import io
import json
import os
import platform
import re
import stat
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata, resources
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from .features import PostFeaturizer
from .errors import ModelError
from .files import atomic_write, share_mode  # noqa: F401  (share_mode: re-exported)
from .lexicons import merge_cues, read_user_lexicon
from .posts import FUNCTIONS, LABELS, Post

__all__ = [
    "FAST_ARRAYS_FILE",
    "FAST_TREE_FILE",
    "FORMAT_VERSION",
    "MODEL_ENV",
    "META_FILE",
    "MODEL_FILE",
    "MODEL_TYPES",
    "ModelError",
    "Model",
    "SKLEARN_TYPES",
    "TRUSTED_TYPES",
    "add_fast_form",
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


@dataclass
class Model:
    """A verified, loaded model: the sklearn pipeline plus its metadata."""

    pipeline: Pipeline
    meta: dict[str, Any]
    path: Path
    overrides: dict[str, Any] = field(default_factory=dict)  # featurizer params changed after loading
    function_head: LogisticRegression | None = None  # information / action / community

    def with_overrides(self, *, lang: str | None = None,
                       lexicon: str | Path | Mapping[str, Any] | None = None) -> "Model":
        """This model with every post read as ``lang`` and/or a user lexicon (a TOML file, or
        the tables ``lexicons.read_user_lexicon`` returns) merged over its cue words.

        The loaded model is left as it is. ``overrides`` keeps the arguments, the lexicon as
        read, so that a worker process makes the same model from them.
        """
        if not lang and not lexicon:
            return self
        features = copy.copy(self.pipeline.named_steps["features"])
        overrides: dict[str, Any] = {}
        if lang:
            features.set_params(lang=lang)
            overrides["lang"] = lang
        if lexicon:
            user = read_user_lexicon(lexicon) if isinstance(lexicon, (str, Path)) else dict(lexicon)
            base = features.extra_cues or {}
            features.set_params(extra_cues={code: merge_cues(base.get(code) or {}, user.get(code) or {})
                                            for code in [*base, *(c for c in user if c not in base)]})
            overrides["lexicon"] = user
        pipeline = copy.copy(self.pipeline)
        pipeline.steps = [(name, features if name == "features" else step) for name, step in pipeline.steps]
        return dataclasses.replace(self, pipeline=pipeline, overrides={**self.overrides, **overrides})

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
    """Write model.skops, its fast form, meta.json and the model card; return the meta written.

    model.skops holds ``{"binary": pipeline, "function": head or None}``; the fast form is
    derived from what model.skops loads back, so it can only hold what the canonical file holds.
    """
    import skops.io as sio

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = sio.dumps({"binary": pipeline, "function": function_head}, compression=zipfile.ZIP_DEFLATED)
    untrusted = set(sio.get_untrusted_types(data=data))
    unexpected = sorted(untrusted - set(TRUSTED_TYPES))
    if unexpected:
        raise ModelError(f"refusing to save a model with types outside the allow-list: {unexpected}")
    fast = fast_form(sio.loads(data, trusted=list(TRUSTED_TYPES)))
    atomic_write(out_dir / MODEL_FILE, data)
    model_sha256 = hashlib.sha256(data).hexdigest()
    full = {
        "format_version": FORMAT_VERSION,
        "labels": list(LABELS),
        **(meta or {}),
        "model_file": MODEL_FILE,
        "model_sha256": model_sha256,
        "fast_form": _write_fast_form(out_dir, fast, model_sha256),
        "versions": versions(),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "trusted_types": list(TRUSTED_TYPES),
    }
    _write_meta(out_dir, full)
    if card is None:
        from .card import render_card

        card = render_card(full)
    atomic_write(out_dir / CARD_FILE, _with_files_section(card).encode())
    return full


def add_fast_form(model_dir: str | Path) -> dict[str, Any]:
    """Give a model directory saved without a fast form (or with a stale one) its fast form,
    derived from its verified model.skops, which is left byte for byte as it is; return the
    meta written (meta.json gains the fast form's hashes, the card its files section)."""
    model = load_model(model_dir, use_fast_form=False)
    meta = {k: v for k, v in model.meta.items() if k != "fast_form"}
    fast = fast_form({"binary": model.pipeline, "function": model.function_head})
    full: dict[str, Any] = {}
    for key, value in meta.items():
        full[key] = value
        if key == "model_sha256":
            full["fast_form"] = _write_fast_form(model.path, fast, value)
    _write_meta(model.path, full)
    card_path = model.path / CARD_FILE
    card = card_path.read_text("utf-8") if card_path.is_file() else ""
    atomic_write(card_path, _with_files_section(card).encode())
    return full


def _with_files_section(card: str) -> str:
    """The card with the section on the directory's files at its end (once)."""
    return card if FILES_SECTION in card else card.rstrip("\n") + "\n\n" + FILES_SECTION


def _write_meta(out_dir: Path, meta: Mapping[str, Any]) -> None:
    atomic_write(out_dir / META_FILE, (json.dumps(meta, indent=2, ensure_ascii=False) + "\n").encode())


def _write_fast_form(out_dir: Path, fast: tuple[bytes, bytes], model_sha256: str) -> dict[str, Any]:
    """Write the two fast-form files; their meta.json entry (hashes, and the model.skops
    they were derived from)."""
    tree, arrays = fast
    atomic_write(out_dir / FAST_TREE_FILE, tree)
    atomic_write(out_dir / FAST_ARRAYS_FILE, arrays)
    return {"derived_from": model_sha256,
            "files": {FAST_TREE_FILE: hashlib.sha256(tree).hexdigest(),
                      FAST_ARRAYS_FILE: hashlib.sha256(arrays).hexdigest()}}


FILES_SECTION = """## Files

- `model.skops`: the canonical model, `{"binary": pipeline, "function": head or null}` written by
  skops; loaded with skops and the allow-list in `analyzer/persistence.py` when the fast form is
  absent or does not verify.
- `model.fast.json` + `model.fast.npz`: the fast form, the same objects derived mechanically from
  what `model.skops` loads back, so a load need not import skops (0.5-0.7 s). The JSON is
  `{"format": "content-type-analyzer fast form 1", "root": NODE}`; a NODE is a JSON null, bool,
  int, float or string, `{"ref": N}` (an object written earlier, so shared objects stay shared), or
  an object with an `"id"` and a fully qualified `"type"`: `builtins.list` / `builtins.tuple` with
  `"items"`, `builtins.dict` with `"items"` as [key, value] pairs, `numpy.ndarray` or a numpy
  scalar type with `"array"` (its name in the .npz), or an estimator class with `"params"`
  (`get_params(deep=False)`) and `"fitted"` (every attribute ending in `_`). The .npz is plain
  `.npy` arrays, no pickle (loaded with `allow_pickle=False`). Estimators are rebuilt as
  `cls(**params)` plus their fitted attributes, and only from the classes in
  `persistence.MODEL_TYPES`; any other type is refused.
- `meta.json`: metadata and the sha256 of every file: `model_sha256`, and `fast_form` with the
  sha256 of both fast-form files and `derived_from`, the sha256 of the `model.skops` they were
  derived from. A fast form whose files are missing or do not match, or that was derived from
  another `model.skops`, is ignored and the model loads from `model.skops`.
- Re-derive the fast form of a directory (model.skops unchanged):
  `python -c "from analyzer.persistence import add_fast_form; add_fast_form('MODEL_DIR')"`.
"""


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


def load_model(model_dir: str | Path | None = None, *, allow_version_mismatch: bool = False,
               use_fast_form: bool = True) -> Model:
    """Verify and load a model directory (default: the bundled model).

    Checks, in order: the directory holds meta.json and the model files; their
    sha256 match meta.json; the model was saved by the installed scikit-learn
    version; it contains no type outside TRUSTED_TYPES (MODEL_TYPES for the fast
    form); it is a PostFeaturizer -> LogisticRegression pipeline over
    media/networking, with an optional function head over information/action/community.
    The fast form is read when it verifies (and ``use_fast_form``), else model.skops.
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
    fast = _verified_fast_form(model_dir, meta) if use_fast_form else None
    loaded = _load_fast_form(model_dir, *fast) if fast else _load_skops(path, data)
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


# -- the fast form -------------------------------------------------------------------

_FITTED_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*_")  # a public attribute ending in _


def _type_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def fast_form(parts: Any) -> tuple[bytes, bytes]:
    """(JSON tree, .npz arrays) of a model's objects, walked mechanically: an estimator is
    its class, ``get_params(deep=False)`` and every fitted attribute (name ending in ``_``);
    arrays and numpy scalars go to the .npz; an object met twice is written once.

    Raises ModelError for a class outside MODEL_TYPES, an attribute that is neither a
    parameter nor fitted, or a value the form cannot hold without pickle.
    """
    arrays: dict[str, np.ndarray] = {}
    ids: dict[int, int] = {}
    alive: list[Any] = []  # keeps every object written alive, so no id is reused

    def encode(value: Any) -> Any:
        if value is None or type(value) in (bool, int, float, str):
            return value
        if id(value) in ids:
            return {"ref": ids[id(value)]}
        n = ids[id(value)] = len(ids)
        alive.append(value)
        node: dict[str, Any] = {"id": n, "type": _type_name(type(value))}
        if type(value) in (list, tuple):
            node["items"] = [encode(v) for v in value]
        elif type(value) is dict:
            node["items"] = [[encode(k), encode(v)] for k, v in value.items()]
        elif isinstance(value, (np.ndarray, np.generic)) and type(value).__module__ == "numpy":
            if np.asarray(value).dtype.hasobject:
                raise ModelError(f"cannot write an object array ({np.asarray(value).dtype}) without pickle")
            node["array"] = str(n)
            arrays[str(n)] = np.asarray(value)
        elif isinstance(value, BaseEstimator):
            name = node["type"]
            if name not in MODEL_TYPES:
                raise ModelError(f"refusing to save a model with a class outside the allow-list: {name}")
            params = value.get_params(deep=False)
            fitted = {k: v for k, v in vars(value).items() if k not in params and _FITTED_NAME.fullmatch(k)}
            other = sorted(set(vars(value)) - set(params) - set(fitted))
            if other:
                raise ModelError(f"{name}: attribute(s) {other} are neither parameters nor fitted "
                                 "attributes (ending in _); the fast form cannot hold them")
            node["params"] = {k: encode(v) for k, v in params.items()}
            node["fitted"] = {k: encode(v) for k, v in sorted(fitted.items())}
        else:
            raise ModelError(f"cannot write a {node['type']} into the fast form")
        return node

    tree = {"format": FAST_FORMAT, "root": encode(parts)}
    return (json.dumps(tree, ensure_ascii=False, separators=(",", ":")).encode(), _npz_bytes(arrays))


def _npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """An uncompressed .npz (a zip of .npy files, as numpy.savez writes) with fixed
    timestamps, so the same model gives the same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for key, arr in arrays.items():
            with z.open(zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0)), "w",
                        force_zip64=True) as fh:
                np.lib.format.write_array(fh, arr, allow_pickle=False)
    return buf.getvalue()


def _verified_fast_form(model_dir: Path, meta: Mapping[str, Any]) -> tuple[bytes, bytes] | None:
    """The bytes of the fast-form files when they match meta.json and were derived from the
    model.skops meta.json names; None (load model.skops) otherwise."""
    entry = meta.get("fast_form") or {}
    files = entry.get("files")
    if entry.get("derived_from") != meta.get("model_sha256") or not isinstance(files, dict):
        return None
    out = []
    for name, limit in ((FAST_TREE_FILE, MAX_META_BYTES), (FAST_ARRAYS_FILE, MAX_MODEL_BYTES)):
        try:
            data = read_regular_file(model_dir / name, limit)
        except ModelError:  # missing, not a regular file, too large
            return None
        if hashlib.sha256(data).hexdigest() != files.get(name):
            return None
        out.append(data)
    return out[0], out[1]


def _load_fast_form(model_dir: Path, tree_bytes: bytes, array_bytes: bytes) -> Any:
    path = model_dir / FAST_TREE_FILE
    try:
        tree = json.loads(tree_bytes.decode("utf-8"))
        if not isinstance(tree, dict) or tree.get("format") != FAST_FORMAT:
            raise ModelError(f"{path}: not a fast form ({FAST_FORMAT!r} expected)")
        with np.load(io.BytesIO(array_bytes), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        return _FastFormBuilder(path, arrays).build(tree["root"])
    except ModelError:
        raise
    except Exception as exc:  # any damage to a file whose hash matched: a forged meta.json
        raise ModelError(f"{path}: not a readable fast form ({type(exc).__name__}: {exc})") from None


class _FastFormBuilder:
    """Rebuilds the objects of a fast-form tree, only from MODEL_TYPES, builtins and arrays."""

    def __init__(self, path: Path, arrays: Mapping[str, np.ndarray]):
        self.path, self.arrays, self.built = path, arrays, {}

    def build(self, node: Any) -> Any:
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is not dict:
            raise ModelError(f"{self.path}: not a fast-form node: {json.dumps(node)[:60]}")
        if "ref" in node:
            return self.built[node["ref"]]
        kind = node["type"]
        if kind in ("builtins.list", "builtins.tuple"):
            items = [self.build(v) for v in node["items"]]
            value: Any = items if kind == "builtins.list" else tuple(items)
        elif kind == "builtins.dict":
            value = {self.build(k): self.build(v) for k, v in node["items"]}
        elif kind in MODEL_TYPES:
            value = self._estimator(kind, node)
        elif kind.startswith("numpy.") and "array" in node:
            value = self.arrays[node["array"]]
            if kind != "numpy.ndarray":  # a numpy scalar: a 0-d array of its dtype
                value = value[()] if value.ndim == 0 else None
                if _type_name(type(value)) != kind:
                    raise ModelError(f"{self.path}: array {node['array']!r} is no {kind}")
        else:
            raise ModelError(f"{self.path}: the fast form names {kind!r}, a type outside the "
                             "allow-list; refusing to load")
        self.built[node["id"]] = value
        return value

    def _estimator(self, kind: str, node: Mapping[str, Any]) -> BaseEstimator:
        module, _, name = kind.rpartition(".")
        cls = getattr(importlib.import_module(module), name)
        if not (isinstance(cls, type) and issubclass(cls, BaseEstimator) and _type_name(cls) == kind):
            raise ModelError(f"{self.path}: {kind} is not an estimator class")
        params = {k: self.build(v) for k, v in node["params"].items()}
        obj = cls(**params)
        if set(obj.get_params(deep=False)) != set(params):
            raise ModelError(f"{self.path}: {kind} parameters {sorted(params)} are not its own")
        for key, v in node["fitted"].items():
            if not (isinstance(key, str) and _FITTED_NAME.fullmatch(key)) or key in params:
                raise ModelError(f"{self.path}: {kind} fitted attribute {key!r} refused (a fitted "
                                 "attribute is a public name ending in _)")
            setattr(obj, key, self.build(v))
        return obj


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

