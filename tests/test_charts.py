import re

import pytest

from analyzer import charts

ROWS = [{"key": "acme", "media": 3, "networking": 1, "media_share": 0.75, "networking_share": 0.25},
        {"key": "bea", "media": 0, "networking": 2, "media_share": 0.0, "networking_share": 1.0}]


@pytest.mark.parametrize("draw", [
    lambda: charts.mix_bars(ROWS, 0.2, "Mix per account"),
    lambda: charts.month_chart([{**r, "key": k} for r, k in zip(ROWS, ("2026-01", "2026-02"))], 0.2, "Posts per month"),
    lambda: charts.dimension_chart({"style": 1.0, "goals": -0.5, "content": 0, "effort": 0.2, "roi": -1}, "Dims"),
    lambda: charts.prevalence_chart([{"name": "style__n_questions", "media_share": 0.1, "networking_share": 0.6}], "Signals"),
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
