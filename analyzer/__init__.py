"""content-type-analyzer: tell broadcast (media) social posts from conversational
(networking) ones, and explain why, signal by signal.

>>> from analyzer import load_model
>>> model = load_model()                      # the bundled model
>>> pred = model.predict(["Anyone tried the new trail shoes?"])[0]
>>> pred.label, round(pred.p_networking, 2)   # doctest: +SKIP
('networking', 0.93)

Names are imported on first use, so that `content-analyzer check` does not pay
for the training and reporting code it does not run.
"""

from importlib import import_module as _import_module
from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("content-type-analyzer")
except _metadata.PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

_EXPORTS = {
    "Contribution": "explain",
    "Prediction": "explain",
    "predict_posts": "explain",
    "TrainResult": "model",
    "build_model": "model",
    "evaluate": "model",
    "train": "model",
    "Model": "persistence",
    "ModelError": "persistence",
    "load_model": "persistence",
    "save_model": "persistence",
    "Label": "posts",
    "Post": "posts",
    "ReaderError": "readers",
    "read_posts": "readers",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(_import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'analyzer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
