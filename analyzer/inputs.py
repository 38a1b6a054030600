"""Open any input: a table, a text file or a platform export (the one place that knows both).

Data flows readers / exports -> Post: the table readers (:mod:`analyzer.readers`) and the
export readers (:mod:`analyzer.exports`) do not know each other; this module, above both,
picks one per input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator

from .formats import PLATFORMS
from .readers import read_posts

__all__ = ["read_many"]


def read_many(
    sources: Iterable[str | Path],
    *,
    fmt: str | None = None,
    include_reposts: bool = False,
    include_direct: bool = False,
    export_stats: list | None = None,
    **kwargs: Any,
) -> Iterator[Any]:
    """Posts of several inputs in turn, each a table, text file or platform export.

    Platform exports (zip / tar.gz / folder / posts file of X, Mastodon, LinkedIn,
    Facebook, Instagram, Threads, Bluesky) are detected by name and content, or
    forced with ``fmt`` set to the platform; their posts keep the platform's ids.
    Default ids of table rows are prefixed by the file name when there are several
    inputs. ``export_stats`` (a list) receives one ExportStats per export read.
    """
    # only when an input needs them: 110 ms of imports (numpy, ijson, ftfy; measured with
    # -X importtime) that reading a CSV never uses
    from .exports import ExportStats, detect_export, read_export

    sources = list(sources)
    labels = kwargs.get("labels", False)
    for source in sources:
        forced = fmt if fmt in PLATFORMS else None
        detected = None
        if forced is None and fmt is None and not labels and str(source) != "-":
            detected = detect_export(source)
        if forced or detected:
            stats = ExportStats()
            # a detected Meta download may hold several platforms (Instagram and Threads): read all
            yield from read_export(source, platform=forced, include_reposts=include_reposts,
                                   include_direct=include_direct, stats=stats)
            if export_stats is not None:
                export_stats.append(stats)
            continue
        prefix = Path(str(source)).name if len(sources) > 1 else None
        yield from read_posts(source, fmt=fmt, id_prefix=prefix, **kwargs)
