import re

import pytest

from analyzer import charts

ROWS = [{"key": "acme", "posts": 4, "media": 3, "networking": 1, "media_share": 0.75, "networking_share": 0.25},
        {"key": "bea", "posts": 2, "media": 0, "networking": 2, "media_share": 0.0, "networking_share": 1.0}]


@pytest.mark.parametrize("draw", [
    lambda: charts.mix_bars(ROWS, 0.2, "Mix per account"),
    lambda: charts.month_chart([{**r, "key": k} for r, k in zip(ROWS, ("2026-01", "2026-02"))], 0.2, "Posts per month"),
    lambda: charts.dimension_chart({"style": 1.0, "goals": -0.5, "content": 0, "effort": 0.2, "roi": -1}, "Dims"),
    lambda: charts.prevalence_chart([{"name": "style__n_questions", "media_share": 0.1, "networking_share": 0.6}], "Signals"),
    lambda: charts.mix_bars(ROWS, 0.2, "Mix per account (furthest first)", narrow=True),
    lambda: charts.month_chart([{**r, "key": k} for r, k in zip(ROWS, ("2026-01", "2026-02"))], 0.2, "M", narrow=True),
])
def test_charts_are_inline_scalable_svg(draw):
    svg = draw()
    assert svg.startswith("<svg role=\"img\" aria-label=")
    assert 'viewBox="' in svg and not re.search(r'<svg[^>]* width="', svg)
    assert "<path" in svg
    assert "http://" not in svg.replace("http://www.w3.org", "")  # only XML namespaces
    assert "<script" not in svg and "<image" not in svg
    assert svg == draw()  # deterministic


def test_chart_colours_are_the_report_colours():
    svg = charts.mix_bars(ROWS, 0.2, "x")
    assert charts.MEDIA in svg and charts.NETWORKING in svg


def test_month_chart_puts_the_target_on_the_share_axis():
    # one axis (shares), the target a line on it, the post counts written above the columns
    fig = charts._month_figure([{**r, "key": k} for r, k in zip(ROWS, ("2026-01", "2026-02"))], 0.2, "M")
    (ax,) = fig.axes  # no second (count) axis
    (target,) = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert list(target.get_ydata()) == [0.2, 0.2]
    assert [round(b.get_height(), 2) for b in ax.patches] == [0.75, 0.0, 0.25, 1.0]  # media, then networking
    assert [t.get_text() for t in ax.texts] == ["4", "2"]  # posts per month, above the columns


def test_narrow_labels_are_wrapped_and_cut():
    assert charts._short("northwind_outfitters", True) == "northwind_out…"
    assert charts._short("northwind_outfitters", False) == "northwind_outfitters"
    assert charts._short("asks readers a genuine question, with no offer attached", True, 16, 2) == \
        "asks readers a\ngenuine…"


def test_charts_record_their_smallest_text():
    wide = charts.mix_bars(ROWS, 0.2, "x")
    narrow = charts.mix_bars(ROWS, 0.2, "x", narrow=True)
    size = lambda svg: float(re.search(r'data-min-font="([0-9.]+)"', svg).group(1))  # noqa: E731
    assert size(wide) == pytest.approx(charts.WIDE[1] * 0.833, abs=0.01)  # legend "small"
    assert size(narrow) == charts.NARROW[1]
