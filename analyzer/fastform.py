"""The fast form of a model: the objects model.skops loads, written mechanically (class name,
parameters, every fitted ``*_`` attribute; arrays in one .npz, the rest JSON) and rebuilt only
from the classes in MODEL_TYPES.

Importing skops costs more than half a second (it lists every scikit-learn estimator); this
form lets a load skip it. The layout is documented in the model directory's README.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np
from sklearn.base import BaseEstimator

from .errors import ModelError
from .modelfiles import (FAST_ARRAYS_FILE, FAST_FORMAT, FAST_TREE_FILE, MAX_META_BYTES,
                         MAX_MODEL_BYTES, MODEL_TYPES, read_regular_file)

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


def verified_fast_form(model_dir: Path, meta: Mapping[str, Any]) -> tuple[bytes, bytes] | None:
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


def load_fast_form(model_dir: Path, tree_bytes: bytes, array_bytes: bytes) -> Any:
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


