"""content-type-analyzer: tell broadcast (media) social posts from conversational
(networking) ones, and explain why, signal by signal.

>>> from analyzer import load_model
>>> model = load_model()                      # the bundled model
>>> pred = model.predict(["Anyone tried the new trail shoes?"])[0]
>>> pred.label, round(pred.p_networking, 2)   # doctest: +SKIP
('networking', 0.93)
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("content-type-analyzer")
except _metadata.PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

from .explain import Contribution, Prediction, predict_posts  # noqa: E402
from .model import TrainResult, build_model, evaluate, train  # noqa: E402
from .persistence import Model, ModelError, load_model, save_model  # noqa: E402
from .posts import Label, Post  # noqa: E402
from .readers import ReaderError, read_posts  # noqa: E402

__all__ = [
    "Contribution",
    "Label",
    "Model",
    "ModelError",
    "Post",
    "Prediction",
    "ReaderError",
    "TrainResult",
    "__version__",
    "build_model",
    "evaluate",
    "load_model",
    "predict_posts",
    "read_posts",
    "save_model",
    "train",
]
