"""Save, verify and load model directories (model.skops + meta.json + README.md).

skops rebuilds only the types it is told to trust, and the list of types we
trust is held in code (``modelfiles.TRUSTED_TYPES``): never read from the model file or
its meta.json. The sha256 in meta.json catches corruption and mismatched files; the type
audit is what keeps a hostile file from running code.

A model directory also holds a fast form of model.skops (``fastform``), so a load need not
import skops. model.skops stays the canonical file: the fast form is used only when its
hashes and the model.skops it was derived from match meta.json.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Mapping

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from .card import render_card
from .errors import ModelError
from .explain import predict_posts
from .fastform import fast_form, load_fast_form, verified_fast_form
from .features import PostFeaturizer
from .files import atomic_write
from .lexicons import merge_cues, read_user_lexicon
from .modelfiles import (  # noqa: F401  (re-exported: the names a model directory holds)
    CARD_FILE, FAST_ARRAYS_FILE, FAST_TREE_FILE, FORMAT_VERSION, MAX_MODEL_BYTES, META_FILE,
    MODEL_ENV, MODEL_FILE, MODEL_TYPES, SKLEARN_TYPES, TRUSTED_TYPES, default_model_dir,
    file_sha256, read_meta, read_regular_file, resolve_model_dir, versions)
from .posts import FUNCTIONS, LABELS, Post, normalize_text

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
    "fast_form",
    "file_sha256",
    "load_model",
    "read_meta",
    "save_model",
    "versions",
]


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
  skops; loaded with skops and the allow-list in `analyzer/modelfiles.py` when the fast form is
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
  `modelfiles.MODEL_TYPES`; any other type is refused.
- `meta.json`: metadata and the sha256 of every file: `model_sha256`, and `fast_form` with the
  sha256 of both fast-form files and `derived_from`, the sha256 of the `model.skops` they were
  derived from. A fast form whose files are missing or do not match, or that was derived from
  another `model.skops`, is ignored and the model loads from `model.skops`.
- Re-derive the fast form of a directory (model.skops unchanged):
  `python -c "from analyzer.persistence import add_fast_form; add_fast_form('MODEL_DIR')"`.
"""



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
    model_dir = resolve_model_dir(model_dir if model_dir is not None else default_model_dir())
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
    fast = verified_fast_form(model_dir, meta) if use_fast_form else None
    loaded = load_fast_form(model_dir, *fast) if fast else _load_skops(path, data)
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

