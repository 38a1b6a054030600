"""The few posts an audit shows: the most confident of each label, the borderline ones,
and per account (and platform) the post its advice quotes.

Kept while the rows stream past, in heaps of ``k``, so the audit never holds the
posts themselves.
"""

from __future__ import annotations

import heapq
from typing import Any, Mapping

from .signals import DIMENSIONS

__all__ = ["ExamplePosts"]

# what the report shows of an example (its text and its explanation)
_SHOWN = ("id", "text", "author", "platform", "created_at", "lang", "label", "p_networking", "signals",
          "words", "intercept", *DIMENSIONS)
_QUOTED = ("id", "text", "p_networking")


class ExamplePosts:
    """Examples kept from rows labelled by the model; ``band`` is the uncertain range of P(networking)."""

    def __init__(self, k: int, band: tuple[float, float]):
        self.k = k
        self.band = band
        self._heaps: dict[str, list] = {"media": [], "networking": [], "borderline": []}
        # (who, label) -> the most confident post; who is an account, "__all__", or
        # "<who>\x00<platform>" for the most confident media post on a platform
        self._best: dict[tuple[str, str], tuple] = {}
        self._seq = 0

    def add(self, row: Mapping[str, Any], label: str, p: float, account: str | None,
            platform: str | None) -> None:
        self._seq += 1
        confidence = p if label == "networking" else 1 - p
        lite = {k: row.get(k) for k in _SHOWN}
        self._push(label, (confidence, -self._seq, lite))
        if self.band[0] <= p <= self.band[1]:  # borderline means the uncertain band, nothing else
            self._push("borderline", (-abs(p - 0.5), -self._seq, lite))
        if not (row.get("text") or "").strip():
            return
        item = (confidence, -self._seq, {k: row.get(k) for k in _QUOTED})
        keys = [("__all__", label)] + ([(account, label)] if account else [])
        if label == "media" and platform:
            keys += [(f"{who}\x00{platform}", "media") for who, _ in keys]
        for key in keys:
            if key not in self._best or item > self._best[key]:
                self._best[key] = item

    def _push(self, key: str, item: tuple) -> None:
        heap = self._heaps[key]
        if len(heap) < self.k:
            heapq.heappush(heap, item)
        elif item > heap[0]:
            heapq.heapreplace(heap, item)

    def shown(self) -> dict[str, list[dict[str, Any]]]:
        """Per kind (media, networking, borderline), the examples, most telling first."""
        return {key: [item[2] for item in sorted(heap, reverse=True)] for key, heap in self._heaps.items()}

    def quoted(self, who: str, platforms: Any = ()) -> dict[str, Any]:
        """The posts the advice for ``who`` may quote: its most confident media and networking
        post and, per platform in ``platforms``, its most confident media post there."""
        get = lambda key: self._best[key][2] if key in self._best else None  # noqa: E731
        return {"media": get((who, "media")), "networking": get((who, "networking")),
                "media_by_platform": {p: get((f"{who}\x00{p}", "media")) for p in platforms}}
