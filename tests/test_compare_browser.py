"""comparison.html in headless Chromium, offline: the map shows the spaces added and removed, the side
panel its tables (the screenshot is checked by its pixels; see test_report_browser.py for the set-up)."""

from __future__ import annotations

import numpy as np
from PIL import Image
from test_compare import runs  # noqa: F401 - the module fixture: two known runs
from test_report_browser import _browser, _near, chromium

from solver.plans.compare import compare_runs, write_comparison
from solver.plans.compare_page import GAINED, LOST, SITE_COLOURS


def test_comparison_page_screenshot(runs, tmp_path):  # noqa: F811
    browser = _browser()
    a, b, _, _ = runs
    c = compare_runs(a, b)
    write_comparison(c, tmp_path / "cmp", lang="zh")
    shot = tmp_path / "shot.png"
    chromium(browser, tmp_path, (tmp_path / "cmp" / "comparison.html").as_uri(), f"--screenshot={shot}")
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    map_part, side = pixels[:, :900], pixels[:, 940:]
    changed = c.sites["change"].value_counts()
    if changed.get("added", 0):
        assert _near(map_part, SITE_COLOURS["added"]).sum() > 50
    if changed.get("removed", 0):
        assert _near(map_part, SITE_COLOURS["removed"]).sum() > 20
    lost = (c.households["change"] == "lost").any()
    gained = (c.households["change"] == "gained").any()
    assert (not lost or _near(map_part, LOST).sum() > 10) and (not gained or _near(map_part, GAINED).sum() > 10)
    assert (side.sum(axis=2) < 200).sum() > 2000  # dark pixels: the tables' text
