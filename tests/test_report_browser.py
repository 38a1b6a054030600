"""Open the HTML report in headless Chromium, screenshot it, check charts drew and nothing failed.

Chromium comes from Debian's `chromium` package (.ci/run installs it). Without it
the test is skipped locally, but fails when REQUIRE_CHROMIUM=1 (as in CI).
"""

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from test_audit import ROWS

from analyzer.audit import build_audit
from analyzer.charts import MEDIA, NETWORKING
from analyzer.report import assemble_report, render_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("REQUIRE_CHROMIUM") != "1",
    reason="headless Chromium not installed (apt-get install chromium)")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0"]


def screenshot(page: Path, png: Path, profile: Path, width: int = 900, height: int = 2400) -> str:
    assert CHROMIUM, "chromium is required (REQUIRE_CHROMIUM=1) but not installed"
    proc = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
         f"--screenshot={png}", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert png.exists(), proc.stderr[-2000:]
    return proc.stderr


def console_messages(log: str) -> list[str]:
    return [line for line in log.splitlines() if ":CONSOLE" in line]


def png_pixels(path: Path):
    """Decode an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes) into rows of pixels."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return rows, bpp


def count_colour(rows, bpp, hex_colour: str, tolerance: int = 12) -> int:
    r0, g0, b0 = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    n = 0
    for line in rows[::2]:
        for i in range(0, len(line), bpp * 2):
            if abs(line[i] - r0) <= tolerance and abs(line[i + 1] - g0) <= tolerance and abs(line[i + 2] - b0) <= tolerance:
                n += 1
    return n


def test_console_check_can_fail(tmp_path):
    """The console check catches errors (so a clean run below means something)."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!doctype html><p>x</p><script>console.error('boom'); missing();</script>")
    log = screenshot(bad, tmp_path / "bad.png", tmp_path / "profile-bad", height=300)
    messages = console_messages(log)
    assert any("boom" in m for m in messages) and any("missing is not defined" in m for m in messages)


def test_report_renders_charts_without_errors(tmp_path, trained):
    report = assemble_report(build_audit(ROWS, examples=2), meta={"created_at": "x", "training": {}},
                             pipeline=trained.model)
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    png = tmp_path / "report.png"
    log = screenshot(page, png, tmp_path / "profile")
    assert console_messages(log) == []
    rows, bpp = png_pixels(png)
    assert len(rows) == 2400
    # the overview and per-account bars are drawn in the report's two colours
    assert count_colour(rows, bpp, MEDIA) > 2000
    assert count_colour(rows, bpp, NETWORKING) > 2000
    # and the page is not blank: many distinct colours
    assert len({line[i:i + 3] for line in rows[::40] for i in range(0, len(line), bpp * 7)}) > 20


def test_report_renders_at_phone_width(tmp_path):
    report = assemble_report(build_audit(ROWS, examples=2))
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    png = tmp_path / "phone.png"
    screenshot(page, png, tmp_path / "profile-phone", width=390, height=1600)
    rows, bpp = png_pixels(png)
    assert len(rows[0]) // bpp == 390
    assert count_colour(rows, bpp, MEDIA) > 300


# Measures the laid-out page and writes the result where --dump-dom shows it: the smallest
# text size over every visible element that holds text, and over every visible chart (its
# smallest SVG font times the chart's scale), the page's horizontal overflow and where the
# "What to change" section starts.
MEASURE = """<script>
window.addEventListener('load', () => {
  let minText = 1e9, minChart = 1e9;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || el.closest('svg') || el.closest('script')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    minText = Math.min(minText, parseFloat(getComputedStyle(el).fontSize));
  }
  for (const svg of document.querySelectorAll('svg.chart')) {
    const r = svg.getBoundingClientRect();
    if (r.width === 0) continue;
    minChart = Math.min(minChart, parseFloat(svg.dataset.minFont) * r.width / svg.viewBox.baseVal.width);
  }
  const out = {minText, minChart, scrollWidth: document.documentElement.scrollWidth,
               innerWidth: window.innerWidth,
               actionsTop: document.getElementById('actions').getBoundingClientRect().top,
               firstAction: document.querySelector('#actions ol li').getBoundingClientRect().top};
  parent.postMessage(JSON.stringify(out), '*');
});
</script>"""
# headless Chromium keeps windows at least 500 px wide: the page is measured in a frame of
# the exact size, which hands its result to the outer page
FRAME = """<!doctype html><body style="margin:0"><iframe src="report.html" width="{w}" height="{h}"
style="border:0"></iframe><pre id="measure-out"></pre><script>
window.addEventListener('message', e => {{ document.getElementById('measure-out').textContent = e.data; }});
</script></body>"""


def measure(page: Path, profile: Path, width: int, height: int) -> dict:
    import json
    import re

    assert CHROMIUM, "chromium is required (REQUIRE_CHROMIUM=1) but not installed"
    frame = page.with_name(f"frame-{width}.html")
    frame.write_text(FRAME.format(w=width, h=height), encoding="utf-8")
    proc = subprocess.run(
        [CHROMIUM, *FLAGS, "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={width + 600},{height + 200}",
         "--allow-file-access-from-files", "--virtual-time-budget=5000", "--dump-dom", frame.as_uri()],
        capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="measure-out">(.*?)</pre>', proc.stdout, re.S)
    assert found and found.group(1), proc.stderr[-2000:]
    return json.loads(found.group(1))


def sample_page(tmp_path: Path, trained) -> Path:
    meta = {"created_at": "x", "training": {}}
    report = assemble_report(build_audit(ROWS, examples=2), meta=meta, pipeline=trained.model)
    page = tmp_path / "report.html"
    page.write_text(render_html(report).replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    return page


def test_phone_width_has_no_small_text_and_no_sideways_scroll(tmp_path, trained):
    m = measure(sample_page(tmp_path, trained), tmp_path / "profile-390", 390, 900)
    assert m["innerWidth"] == 390
    assert m["scrollWidth"] <= m["innerWidth"]  # nothing wider than the screen
    assert m["minText"] >= 11
    assert m["minChart"] >= 11  # the narrow charts, drawn for this width


def test_desktop_first_screen_shows_the_actions(tmp_path, trained):
    m = measure(sample_page(tmp_path, trained), tmp_path / "profile-1280", 1280, 900)
    assert m["scrollWidth"] <= m["innerWidth"]
    assert m["firstAction"] < 900  # the first ranked action is on the first screen
    assert m["minText"] >= 11
