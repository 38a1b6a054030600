import json
import re

import pytest
from test_audit import ROWS

from analyzer.audit import build_audit
from analyzer.report import (
    assemble_report,
    model_insights,
    render_html,
    render_markdown,
    report_format,
    write_report,
)
from analyzer.writers import OutputExistsError


@pytest.fixture(scope="module")
def report(trained):
    meta = {"created_at": "2026-11-21T00:00:00+00:00", "n_signals": 61, "n_ngrams": 10,
            "training": {"n_posts": 50}, "cv": {"overall": {"n": 50, "macro_f1": 0.9},
                                                 "by_group": {"en": {"n": 20, "macro_f1": 0.8}}},
            "evaluations": {"held-out authors": {"report": {"overall": {"n": 5, "macro_f1": 0.7}, "by_group": {}},
                                                 "baseline": {"overall": {"n": 5, "macro_f1": 0.6}, "by_group": {}}}}}
    return assemble_report(build_audit(ROWS, examples=2), meta=meta, pipeline=trained.model,
                           model_path="models/x", inputs=["in.csv"])


@pytest.mark.parametrize("dest,fmt,expected", [("a.html", None, "html"), ("a.JSON", None, "json"),
                                               ("a.md", None, "md"), ("-", None, "json"), ("a.txt", "md", "md")])
def test_report_format(dest, fmt, expected):
    assert report_format(dest, fmt) == expected


def test_report_format_errors():
    with pytest.raises(ValueError, match="use .html, .json or .md"):
        report_format("a.txt")
    with pytest.raises(ValueError, match="unknown report format"):
        report_format("a.html", "pdf")


def test_the_report_carries_the_model_sections(report, trained):
    m = report["model"]
    assert m["cv_macro_f1"] == {"en": {"posts": 20, "macro_f1": 0.8}, "all": {"posts": 50, "macro_f1": 0.9}}
    assert m["evaluations"]["held-out authors"]["baseline"]["all"]["macro_f1"] == 0.6
    assert m["insights"] == model_insights(trained.model)


def test_json_carries_every_number(report, tmp_path):
    path = tmp_path / "r.json"
    write_report(report, str(path))
    data = json.loads(path.read_text())
    assert data["overall"]["media"] == 4 and data["overall"]["uncertain"] == 2
    assert data["mix"]["account"]["rows"][0]["key"] == "acme"
    assert data["behaviour"]["by_account"]["acme"]["reply_share"] == pytest.approx(0.2)


def test_markdown_sections(report):
    md = render_markdown(report)
    headings = ("# Content-mix audit", "## What to change", "## Overall mix", "## Mix per account",
                "## Mix per month", "## Mix per platform", "## Mix per language", "## Dimension profile",
                "## What tells the two kinds of post apart", "## Posting behaviour", "## Examples", "## Model",
                "## Appendix: signals")
    positions = [md.index(h) for h in headings]
    assert positions == sorted(positions)  # the actions first, signal names only in the appendix
    # plain words outside the appendix (the examples' reasons are the rows' own texts)
    for a, b in (("## What to change", "## Overall mix"), ("## What tells", "## Posting behaviour"),
                 ("## Model", "## Appendix")):
        assert "__" not in md[md.index(a):md.index(b)], a
    assert "| acme | 5 | 80% | 20% | 1 | +60% |" in md
    assert "- media (broadcast/promotional): **4** (57%)" in md


def test_html_is_self_contained_and_complete(report):
    page = render_html(report)
    assert page.startswith("<!doctype html>")
    sections = ("actions", "overview", "mix-account", "mix-month", "mix-platform", "mix-language", "dimensions",
                "signals", "behaviour", "examples", "model", "appendix")
    positions = [page.index(f'id="{section}"') for section in sections]
    assert positions == sorted(positions)
    for a, b in (("actions", "overview"), ("signals", "behaviour"), ("model", "appendix")):
        assert "__" not in page[page.index(f'id="{a}"'):page.index(f'id="{b}"')], a  # plain words
    assert page.count("<svg") >= 12  # each chart drawn wide and narrow
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r'\s(src|href)="', page)
    assert 'name="viewport"' in page and "@media print" in page
    assert '<td data-label="media" class="n">80%</td>' in page
    assert " h</td>" not in page and " days</td>" in page  # gaps in days


def test_html_escapes_post_text(trained):
    rows = [dict(ROWS[0], text="<script>alert(1)</script> & co")]
    page = render_html(assemble_report(build_audit(rows)))
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page


def test_omitted_sections_say_why():
    rows = [{"id": "1", "text": "x", "label": "media", "p_networking": 0.2, "status": "ok", "style": 0.0}]
    report = assemble_report(build_audit(rows))
    page = render_html(report)
    assert 'data-omitted="mix_by_account"' in page and "the input has no account column" in page
    assert "mix_by_month" in render_markdown(report).replace(" ", "_")


def test_write_report_is_atomic_and_needs_force(report, tmp_path):
    path = tmp_path / "r.html"
    path.write_text("old")
    with pytest.raises(OutputExistsError):
        write_report(report, str(path))
    assert path.read_text() == "old"
    write_report(report, str(path), force=True)
    assert path.read_text().startswith("<!doctype html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_reports_name_files_not_folders(trained):
    report = assemble_report(build_audit(ROWS), meta={"created_at": "x", "training": {}},
                             model_path="/home/ana/secret/models/mine",
                             inputs=["/home/ana/exports/posts.csv", "/tmp/x/archive.zip!data/tweets.js", "-"])
    assert report["inputs"] == ["posts.csv", "archive.zip!data/tweets.js", "standard input"]
    assert report["model"]["name"] == "mine"
    for text in (render_html(report), render_markdown(report), json.dumps(report)):
        assert "/home/ana" not in text and "/tmp/x" not in text


def test_example_explanations_add_up():
    from analyzer.report import explanation_lines

    e = {"signals": [{"name": "a", "contribution": -1.5, "text": "mentions a price"},
                     {"name": "b", "contribution": 0.5, "text": "asks a question"}],
         "style": 0.5, "goals": -1.5, "content": 0.0, "effort": 0.0, "roi": 0.0, "words": 0.25, "intercept": -0.5}
    assert explanation_lines(e) == [("-1.50", "mentions a price"), ("+0.50", "asks a question"),
                                    ("+0.25", "all other signals and words"), ("-0.50", "starting point"),
                                    ("-1.25", "= decision")]
    lines = explanation_lines(e)
    assert sum(float(p) for p, _ in lines[:-1]) == pytest.approx(float(lines[-1][0]))
    # rows without the parts (an older scored file) show the signals only
    assert explanation_lines({"signals": e["signals"]}) == lines[:2]


def test_html_actions_come_first_with_their_numbers(report):
    page = render_html(report)
    actions = page[page.index('id="actions"'):page.index('id="overview"')]
    assert "acme" in actions and '<span class="figure">80% promotional</span>' in actions
