"""report.html opens and renders in a real browser (headless Chromium), offline.

Chromium (Debian packages ``chromium`` and ``chromium-driver``, installed by
.ci/run) is run with every host name unresolvable, so the page can only show
what it carries. Two checks:

* a screenshot: the map region holds the map (the colours of buildings and
  street areas, many of them, spread over the map column) and the side panel
  holds text (dark pixels);
* the DOM after the page's script ran (``--dump-dom``), opened on a street
  (``report.html#<street>``): the script finished, the map zoomed to that
  street, that street's panel is shown and the district's hidden, and the
  tables show only that street's rows.

Without Chromium the tests are skipped with the reason, unless
SITING_REQUIRE_BROWSER=1 (set by .ci/run), where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
from PIL import Image
from test_report import make_run
from typer.testing import CliRunner

from solver.cli.app import app
from solver.report.rundata import read_run
from solver.report.svgmap import STREET_TINTS

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WIDTH, HEIGHT = 1400, 1000


def _browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    reason = ("Chromium is not installed: `apt-get install chromium chromium-driver` (as .ci/run does) to run the "
              "browser test of report.html")
    if os.environ.get("SITING_REQUIRE_BROWSER"):
        pytest.fail(reason + " (SITING_REQUIRE_BROWSER is set)")
    pytest.skip(reason)


def chromium(browser: str, tmp: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    profile.mkdir()
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-default-apps", "--hide-scrollbars", f"--user-data-dir={profile}",
           f"--window-size={WIDTH},{HEIGHT}", "--host-resolver-rules=MAP * ~NOTFOUND", *args, url]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, Path]:
    browser = _browser()
    tmp = tmp_path_factory.mktemp("browser")
    run_dir = make_run(tmp)
    result = CliRunner().invoke(app, ["report", str(run_dir), "--lang", "zh", "--no-maps", "-q"])
    assert result.exit_code == 0, result.output
    return Path(browser), run_dir


def _near(pixels: np.ndarray, colour: str, tol: int = 18) -> np.ndarray:
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    return (np.abs(pixels.astype(int) - rgb) <= tol).all(axis=2)


def test_screenshot_shows_map_and_tables(report, tmp_path):
    browser, run_dir = report
    shot = tmp_path / "report.png"
    chromium(str(browser), tmp_path, (run_dir / "report" / "report.html").as_uri(), f"--screenshot={shot}")
    img = np.asarray(Image.open(shot).convert("RGB"))
    assert img.shape[:2] == (HEIGHT, WIDTH)
    # the map column (left of the 430 px side panel, below the header)
    mapzone = img[140:820, 30:WIDTH - 470]
    distinct = len(np.unique(mapzone.reshape(-1, 3), axis=0))
    assert distinct > 50, f"map region looks blank ({distinct} colours)"
    buildings = _near(mapzone, "#2166ac") | _near(mapzone, "#92c5de")  # reach 4/4 and 3/4 services
    tints = _near(mapzone, STREET_TINTS[0], 4) | _near(mapzone, STREET_TINTS[1], 4) | _near(mapzone, STREET_TINTS[2], 4)
    assert buildings.sum() > 2000, "no buildings drawn on the map"
    assert tints.sum() > 20000, "no street areas drawn on the map"
    ys, xs = np.nonzero(buildings)
    assert xs.max() - xs.min() > 0.5 * mapzone.shape[1] and ys.max() - ys.min() > 0.5 * mapzone.shape[0]
    # the side panel: key figures and tables (dark text on white)
    panel = img[130:900, WIDTH - 440:WIDTH - 30]
    dark = (panel.astype(int).sum(axis=2) < 240).sum()
    assert dark > 3000, f"side panel looks empty ({dark} dark pixels)"


def test_dom_after_the_script_opened_on_a_street(report, tmp_path):
    browser, run_dir = report
    run = read_run(run_dir)
    street = run.streets[1]
    url = (run_dir / "report" / "report.html").as_uri() + "#" + quote(street)
    dom = chromium(str(browser), tmp_path, url, "--dump-dom").stdout
    assert 'data-ready="1"' in dom.split(">", 2)[1], "the page's script did not finish"
    svg = re.search(r"<svg id=\"map\"[^>]*>", dom).group(0)
    k = run.streets.index(street)
    assert f'data-sel="{k}"' in svg
    full = re.search(r'data-full="([^"]+)"', svg).group(1)
    view = re.search(r'viewBox="([^"]+)"', svg).group(1)
    assert view != full, "the map did not zoom to the street"
    assert dom.count('<circle class="h ') == len(run.households)
    assert re.search(rf'<div class="panel" data-area="{re.escape(street)}">', dom)
    assert re.search(r'<div class="panel" data-area="" hidden="">', dom)
    sites = re.search(r'<table id="sites".*?</table>', dom, re.S).group(0)
    shown = re.findall(r'<tr id="site-[^"]+" data-street="([^"]+)">', sites)
    hidden = re.findall(r'<tr id="site-[^"]+" data-street="([^"]+)" hidden="">', sites)
    assert set(shown) <= {street} and len(shown) + len(hidden) == len(run.ranked)
    assert len(shown) == int((run.ranked["street"] == street).sum())
    communities = re.search(r'<table id="communities".*?</table>', dom, re.S).group(0)
    assert set(re.findall(r'<tr data-street="([^"]+)">', communities)) == {street}


def test_a_report_of_fifteen_services_renders(tmp_path):
    """zibo2024's 15 services: map, legend marks, coverage rows and site notes all drawn (PNG maps too)."""
    browser = _browser()
    run_dir = make_run(tmp_path, 'catalogue = "zibo2024"\nbudget_yuan = 3e6', "--gap", "0.05")
    result = CliRunner().invoke(app, ["report", str(run_dir), "--lang", "zh", "-q"])
    assert result.exit_code == 0, result.output
    run = read_run(run_dir)
    assert len(run.services) == 15
    shot = tmp_path / "report.png"
    chromium(browser, tmp_path, (run_dir / "report" / "report.html").as_uri(), f"--screenshot={shot}")
    img = np.asarray(Image.open(shot).convert("RGB"))
    mapzone = img[140:820, 30:WIDTH - 470]
    assert len(np.unique(mapzone.reshape(-1, 3), axis=0)) > 50, "map region looks blank"
    dom = chromium(browser, tmp_path, (run_dir / "report" / "report.html").as_uri(), "--dump-dom").stdout
    assert 'data-ready="1"' in dom.split(">", 2)[1], "the page's script did not finish"
    legend = dom[dom.index('<div class="legend" id="legend">'):]
    for s, info in run.services.items():
        assert f">{info.abbr_zh}</span> {info.name_zh}" in legend, s
    district = re.search(r'<div class="panel" data-area="">.*?</table>', dom, re.S).group(0)
    assert district.count('<span class="svcdot"') == 15
    card = re.search(r'<section class="card" id="catalogue-card">.*?</table>', dom, re.S).group(0)
    assert card.count("<tr>") == 16  # the header and one row per service
    png = np.asarray(Image.open(run_dir / "report" / "maps" / "overview.png").convert("RGB"))
    assert png.shape[0] > 1000 and png.shape[1] == 1500
