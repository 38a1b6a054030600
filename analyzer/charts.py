"""Charts for the audit report, as inline SVG strings drawn by matplotlib.

Text is converted to paths (no font files), ids are salted deterministically
and nothing refers to the network, so the HTML report stays one
self-contained file that renders the same offline, on a phone or on paper.
"""

from __future__ import annotations

import hashlib
import io
import re
import textwrap
from typing import Any, Mapping, Sequence

__all__ = ["dimension_chart", "mix_bars", "month_chart", "prevalence_chart"]

MEDIA = "#c8553d"
NETWORKING = "#2f8f6f"
UNCERTAIN = "#b9b9b9"
INK = "#222222"


# (figure width in inches, font size): the wide form for screens and paper, the narrow one
# for phones, where the page shows it at about 370 px and its text stays 11 px or more (the
# browser test measures it)
WIDE = (6.4, 9)
NARROW = (3.6, 12)


def _plt(narrow: bool = False):
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "svg.fonttype": "path",
        "svg.hashsalt": "content-type-analyzer",
        "font.size": (NARROW if narrow else WIDE)[1],
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
    """The figure as inline SVG; ``data-min-font`` is its smallest text size in SVG units (pt),
    so a test can check how large the text is once the page has scaled the chart."""
    from matplotlib.text import Text

    plt = _plt()
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
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
    return svg.replace("<svg", f'<svg role="img" aria-label="{label}" class="chart" '
                       f'data-min-font="{min(sizes, default=0):.2f}"', 1)


def _width(narrow: bool) -> float:
    return (NARROW if narrow else WIDE)[0]


def _short(label: str, narrow: bool, limit: int = 14, lines: int = 1) -> str:
    """A label that fits the narrow drawing: wrapped onto ``lines`` lines of ``limit``
    characters, the rest cut with an ellipsis (the wide drawing keeps it whole)."""
    if not narrow or len(label) <= limit:
        return label
    wrapped = textwrap.wrap(label, limit) or [label[:limit]]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][:limit - 1].rstrip() + "…"
    return "\n".join(w[:limit] for w in wrapped)


def mix_bars(rows: Sequence[Mapping[str, Any]], target: float, title: str, *, limit: int = 20,
             narrow: bool = False) -> str:
    """Horizontal 100 % bars of media / networking share per group, with the target line."""
    plt = _plt(narrow)
    title = title.split(" (")[0] if narrow else title
    rows = list(rows)[:limit]
    labels = [_short(str(r["key"]), narrow) for r in rows][::-1]
    media = [r["media_share"] for r in rows][::-1]
    net = [r["networking_share"] for r in rows][::-1]
    fig, ax = plt.subplots(figsize=(_width(narrow), (0.42 if narrow else 0.32) * len(rows) + 1.1))
    y = range(len(rows))
    ax.barh(y, media, color=MEDIA, label="media")
    ax.barh(y, net, left=media, color=NETWORKING, label="networking")
    ax.axvline(target, color=INK, linestyle="--", linewidth=1, label=f"target ≤ {target:.0%} media")
    ax.set_yticks(list(y), labels)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_title(title, loc="left", fontsize="large")
    ax.legend(loc="upper left", fontsize="small" if not narrow else "medium", frameon=False,
              ncols=1 if narrow else 3, bbox_to_anchor=(0, -0.18 - 0.6 / (len(rows) + 2)))
    return _svg(fig, title)


def month_chart(rows: Sequence[Mapping[str, Any]], target: float, title: str, *, narrow: bool = False) -> str:
    """100 % columns of media / networking share per month on one axis, the target drawn on
    that same axis, and each month's number of posts written above its column."""
    return _svg(_month_figure(rows, target, title, narrow=narrow), title)


def _month_figure(rows: Sequence[Mapping[str, Any]], target: float, title: str, *, narrow: bool = False):
    plt = _plt(narrow)
    months = [r["key"] for r in rows]
    media = [r["media_share"] for r in rows]
    net = [r["networking_share"] for r in rows]
    fig, ax = plt.subplots(figsize=(_width(narrow), 3.2 if narrow else 2.8))
    x = list(range(len(rows)))
    ax.bar(x, media, color=MEDIA, label="media")
    ax.bar(x, net, bottom=media, color=NETWORKING, label="networking")
    ax.axhline(target, color=INK, linestyle="--", linewidth=1, label=f"target ≤ {target:.0%} media")
    for xi, r in zip(x, rows):
        ax.annotate(str(r["posts"]), (xi, 1.0), xytext=(0, 2), textcoords="offset points", ha="center",
                    va="bottom", fontsize="medium" if narrow else "small")
    rotate = len(months) > (4 if narrow else 8)
    ax.set_xticks(x, months, rotation=45 if rotate else 0, ha="right" if rotate else "center")
    ax.set_ylim(0, 1.12)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_ylabel("share of the month's posts")
    ax.set_title(title, loc="left", fontsize="large")
    ax.legend(loc="upper left", fontsize="small" if not narrow else "medium", frameon=False,
              ncols=1 if narrow else 3, bbox_to_anchor=(0, -0.18 if not rotate else -0.32))
    return fig


def dimension_chart(dimensions: Mapping[str, float], title: str, *, narrow: bool = False) -> str:
    """Diverging bars: average dimension score, left = media, right = networking."""
    plt = _plt(narrow)
    names = list(dimensions)[::-1]
    values = [dimensions[n] for n in names]
    fig, ax = plt.subplots(figsize=(_width(narrow), 2.8 if narrow else 2.4))
    ax.barh(range(len(names)), values, color=[NETWORKING if v > 0 else MEDIA for v in values])
    ax.axvline(0, color=INK, linewidth=1)
    ax.set_yticks(range(len(names)), names)
    span = max(0.5, *(abs(v) for v in values)) * 1.1
    ax.set_xlim(-span, span)
    ax.set_xlabel("← media    average push    networking →" if narrow
                  else "← toward media     average contribution     toward networking →")
    ax.set_title(title, loc="left", fontsize="large")
    return _svg(fig, title)


def prevalence_chart(rows: Sequence[Mapping[str, Any]], title: str, *, limit: int = 15,
                     narrow: bool = False) -> str:
    """Dot plot: share of media and of networking posts showing each signal (``label``, in plain
    words, else ``name``)."""
    plt = _plt(narrow)
    rows = list(rows)[:limit][::-1]
    fig, ax = plt.subplots(figsize=(_width(narrow), (0.42 if narrow else 0.3) * len(rows) + 1.2))
    y = list(range(len(rows)))
    for yi, r in zip(y, rows):
        ax.plot([r["media_share"], r["networking_share"]], [yi, yi], color="#cccccc", linewidth=2, zorder=1)
    ax.scatter([r["media_share"] for r in rows], y, color=MEDIA, label="media posts", zorder=2)
    ax.scatter([r["networking_share"] for r in rows], y, color=NETWORKING, label="networking posts", zorder=2)
    ax.set_yticks(y, [_short(str(r.get("label") or r["name"]), narrow, 16, 2) for r in rows])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_title(title, loc="left", fontsize="large")
    ax.legend(loc="upper left", fontsize="small" if not narrow else "medium", frameon=False, ncols=1 if narrow else 2, bbox_to_anchor=(0, -0.08 - 0.5 / (len(rows) + 2)))
    return _svg(fig, title)
