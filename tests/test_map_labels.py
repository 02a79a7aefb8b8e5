"""Map labels: the walking network drawn under the layers, a colour key of existing facilities, and the
HTML map's street names and service marks placed clear of the rank badges and of each other."""

from __future__ import annotations

import re

import pytest
from test_report import make_run

from solver.report.evaluation import evaluate
from solver.report.labels import Labels
from solver.report.rundata import read_run
from solver.report.svgmap import SCREEN_WIDTH_PX, _text_px, map_geometry, svg_map


@pytest.fixture(scope="module")
def svg(tmp_path_factory):
    run = read_run(make_run(tmp_path_factory.mktemp("labels"), 'budget_yuan = 900_000\n'))
    geo = map_geometry(run)
    labels = Labels("zh", run.services)
    ev = evaluate(run.households, services=tuple(run.services), rules=run.grades, ranked=run.ranked)
    return run, geo, svg_map(run, ev, geo, labels)


def test_network_under_the_layers(svg):
    run, geo, text = svg
    assert geo.roads is not None and len(geo.roads) > 100
    roads = text.index('id="lyr-roads"')
    assert text.index('id="lyr-areas"') < roads < text.index('id="lyr-uncovered"')


def test_names_and_marks_clear_of_badges_and_each_other(svg):
    run, geo, text = svg
    width = float(re.search(r'viewBox="0 0 (\d+) ', text).group(1))
    u0 = width / SCREEN_WIDTH_PX
    badges = [(float(x) / u0, float(y) / u0) for x, y in
              re.findall(r'<g class="site"[^>]*transform="translate\(([-\d.]+) ([-\d.]+)\)"', text)]
    assert badges
    boxes = [(x - 11, y - 11, x + 11, y + 11) for x, y in badges]
    for x, y, name in re.findall(r'<g class="name" transform="translate\(([-\d.]+) ([-\d.]+)\)"><text class="sym">'
                                 r'([^<]+)</text>', text):
        w = _text_px(name, 16.0)
        cx, cy = float(x) / u0, float(y) / u0
        boxes.append((cx - w / 2 + 1, cy - 12, cx + w / 2 - 1, cy + 4))
    sites = re.findall(r'transform="translate\(([-\d.]+) ([-\d.]+)\)"><g class="sym"><circle r="9"/>'
                       r'<text class="rk" y="3.5">\d+</text><text class="mk" x="([-\d.]+)" y="([-\d.]+)" '
                       r'text-anchor="(\w+)">(.*?)</text>', text)
    assert len(sites) == len(badges)
    for x, y, mx, my, anchor, marks in sites:
        w = _text_px(re.sub(r"<[^>]+>", "", marks), 13.0)
        bx, by = float(x) / u0 + float(mx), float(y) / u0 + float(my)
        left = bx if anchor == "start" else bx - w if anchor == "end" else bx - w / 2
        boxes.append((left + 1, by - 11, left + w - 1, by + 1))
    overlaps = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                if not (a[2] <= b[0] or a[0] >= b[2] or a[3] <= b[1] or a[1] >= b[3])]
    assert overlaps == []


def test_png_marks_and_names_do_not_overlap(svg):
    """The PNG painter: every badge, service-mark group and street name it placed has a box clear of the others
    (boxes measured by matplotlib's renderer)."""
    import matplotlib

    matplotlib.use("Agg")
    import warnings

    from solver.fonts import cjk_font
    from solver.report.maps import _full_box, _label_point, _Painter

    run, geo, _ = svg
    p = _Painter(run, geo, Labels("zh", run.services))
    family = cjk_font()
    with matplotlib.rc_context({"font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"]}), \
            warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from")  # as draw_maps, without a CJK font
        fig, ax = p.figure(_full_box(geo), legend_rows=3)
        p.roads(ax)
        p.sites(ax)
        p.names(ax, [(st, _label_point(g)) for st, g in geo.street_areas.items()])
    n_sites = int((run.sites["chosen"].astype(int) == 1).sum())
    assert len(p.boxes) == 2 * n_sites + len(geo.street_areas)
    boxes = p.boxes
    overlaps = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                if not (a[2] <= b[0] or a[0] >= b[2] or a[3] <= b[1] or a[1] >= b[3])]
    assert overlaps == []
