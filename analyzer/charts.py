"""Charts for the audit report, as inline SVG strings drawn by matplotlib.

Text is converted to paths (no font files), ids are salted deterministically
and nothing refers to the network, so the HTML report stays one
self-contained file that renders the same offline, on a phone or on paper.
"""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any, Mapping, Sequence

__all__ = ["dimension_chart", "mix_bars", "month_chart", "prevalence_chart"]

MEDIA = "#c8553d"
NETWORKING = "#2f8f6f"
UNCERTAIN = "#b9b9b9"
INK = "#222222"


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "svg.fonttype": "path",
        "svg.hashsalt": "content-type-analyzer",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#888888",
        "text.color": INK,
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
    })
    return plt


def _svg(fig, title: str) -> str:
    plt = _plt()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)  # RDF boilerplate
    # scale with the page: drop fixed width/height, keep the viewBox
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", svg, count=1)
    # several charts share one HTML page: give each its own id namespace
    prefix = "c" + hashlib.sha1(svg.encode()).hexdigest()[:8]
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r'(xlink:href|href)="#([^"]+)"', rf'\1="#{prefix}-\2"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    label = title.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return svg.replace("<svg", f'<svg role="img" aria-label="{label}" class="chart"', 1)


def mix_bars(rows: Sequence[Mapping[str, Any]], target: float, title: str, *, limit: int = 20) -> str:
    """Horizontal 100 % bars of media / networking share per group, with the target line."""
    plt = _plt()
    rows = list(rows)[:limit]
    labels = [str(r["key"]) for r in rows][::-1]
    media = [r["media_share"] for r in rows][::-1]
    net = [r["networking_share"] for r in rows][::-1]
    fig, ax = plt.subplots(figsize=(6.4, 0.32 * len(rows) + 0.9))
    y = range(len(rows))
    ax.barh(y, media, color=MEDIA, label="media")
    ax.barh(y, net, left=media, color=NETWORKING, label="networking")
    ax.axvline(target, color=INK, linestyle="--", linewidth=1, label=f"target ≤ {target:.0%} media")
    ax.set_yticks(list(y), labels)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_title(title, loc="left", fontsize=10)
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=3, bbox_to_anchor=(0, -0.18 - 0.6 / (len(rows) + 2)))
    return _svg(fig, title)


def month_chart(rows: Sequence[Mapping[str, Any]], target: float, title: str) -> str:
    """Stacked columns of media / networking posts per month, with the media share as a line."""
    plt = _plt()
    months = [r["key"] for r in rows]
    media = [r["media"] for r in rows]
    net = [r["networking"] for r in rows]
    fig, ax = plt.subplots(figsize=(6.4, 2.8))
    x = range(len(rows))
    ax.bar(x, media, color=MEDIA, label="media")
    ax.bar(x, net, bottom=media, color=NETWORKING, label="networking")
    ax.set_xticks(list(x), months, rotation=45 if len(months) > 8 else 0, ha="right" if len(months) > 8 else "center")
    ax.set_ylabel("posts")
    ax2 = ax.twinx()
    ax2.plot(list(x), [r["media_share"] for r in rows], color=INK, marker="o", linewidth=1.2, label="media share")
    ax2.axhline(target, color=INK, linestyle="--", linewidth=0.8)
    ax2.set_ylim(0, 1)
    ax2.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax2.spines["right"].set_visible(True)
    ax.set_title(title, loc="left", fontsize=10)
    handles = ax.get_legend_handles_labels()
    extra = ax2.get_legend_handles_labels()
    ax.legend(handles[0] + extra[0], handles[1] + extra[1], loc="upper left", fontsize=8, frameon=False,
              ncols=3, bbox_to_anchor=(0, -0.18 if len(months) <= 8 else -0.3))
    return _svg(fig, title)


def dimension_chart(dimensions: Mapping[str, float], title: str) -> str:
    """Diverging bars: average dimension score, left = media, right = networking."""
    plt = _plt()
    names = list(dimensions)[::-1]
    values = [dimensions[n] for n in names]
    fig, ax = plt.subplots(figsize=(6.4, 2.4))
    ax.barh(range(len(names)), values, color=[NETWORKING if v > 0 else MEDIA for v in values])
    ax.axvline(0, color=INK, linewidth=1)
    ax.set_yticks(range(len(names)), names)
    span = max(0.5, *(abs(v) for v in values)) * 1.1
    ax.set_xlim(-span, span)
    ax.set_xlabel("← toward media     average contribution     toward networking →")
    ax.set_title(title, loc="left", fontsize=10)
    return _svg(fig, title)


def prevalence_chart(rows: Sequence[Mapping[str, Any]], title: str, *, limit: int = 15) -> str:
    """Dot plot: share of media and of networking posts showing each signal."""
    plt = _plt()
    rows = list(rows)[:limit][::-1]
    fig, ax = plt.subplots(figsize=(6.4, 0.3 * len(rows) + 1.0))
    y = list(range(len(rows)))
    for yi, r in zip(y, rows):
        ax.plot([r["media_share"], r["networking_share"]], [yi, yi], color="#cccccc", linewidth=2, zorder=1)
    ax.scatter([r["media_share"] for r in rows], y, color=MEDIA, label="media posts", zorder=2)
    ax.scatter([r["networking_share"] for r in rows], y, color=NETWORKING, label="networking posts", zorder=2)
    ax.set_yticks(y, [r["name"] for r in rows])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_title(title, loc="left", fontsize=10)
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=2, bbox_to_anchor=(0, -0.08 - 0.5 / (len(rows) + 2)))
    return _svg(fig, title)
