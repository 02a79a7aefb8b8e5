"""GCJ-02 / BD-09: published reference points, round-trip error, and scenarios declared in them.

Reference points (tests/data/chinacrs_reference.json) come from the
eviltransform and coordtransform projects; the round trip is measured on a grid
over China. A district declared ``crs = "gcj02"`` must load to the same metric
coordinates as its WGS84 twin and be written back in GCJ-02.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from factories import random_district, write_case
from pyproj import CRS

from solver.inputs import chinacrs
from solver.inputs.geo import offset_system, outside_area_of_use, parse_crs, project, working_crs
from solver.inputs.loading import load_district
from solver.inputs.scenario import load_scenario
from solver.pipeline import run
from solver.results.outputs import write_outputs

REF = json.loads((Path(__file__).parent / "data" / "chinacrs_reference.json").read_text(encoding="utf-8"))
WGS84 = CRS.from_epsg(4326)
DEG_TOL = 1e-9  # degrees: 0.1 mm


def metres(lon_a, lat_a, lon_b, lat_b) -> np.ndarray:
    """Ground distance between lon/lat points (m), good to < 1% at these separations."""
    lat = np.radians((np.asarray(lat_a) + np.asarray(lat_b)) / 2)
    dx = (np.asarray(lon_a) - np.asarray(lon_b)) * 111_320.0 * np.cos(lat)
    dy = (np.asarray(lat_a) - np.asarray(lat_b)) * 110_574.0
    return np.hypot(dx, dy)


@pytest.mark.parametrize("point", REF["eviltransform"]["wgs84_to_gcj02"], ids=lambda p: p["place"])
def test_forward_and_inverse_match_eviltransform(point):
    w_lon, w_lat = point["wgs84"]
    g_lon, g_lat = point["gcj02"]
    lon, lat = chinacrs.wgs84_to_gcj02(w_lon, w_lat)
    assert abs(lon - g_lon) < DEG_TOL and abs(lat - g_lat) < DEG_TOL
    back_lon, back_lat = chinacrs.gcj02_to_wgs84(g_lon, g_lat)
    assert abs(back_lon - w_lon) < DEG_TOL and abs(back_lat - w_lat) < DEG_TOL
    # the published offset is hundreds of metres: a no-op would fail the first assertion
    assert metres(w_lon, w_lat, g_lon, g_lat) > 100


def test_coordtransform_points():
    ref = REF["coordtransform"]
    x, y = ref["input"]
    for fn, key in ((chinacrs.wgs84_to_gcj02, "wgs84_to_gcj02"), (chinacrs.gcj02_to_bd09, "gcj02_to_bd09"),
                    (chinacrs.gcj02_to_wgs84_one_step, "gcj02_to_wgs84_one_step")):
        lon, lat = fn(x, y)
        assert abs(lon - ref[key][0]) < DEG_TOL and abs(lat - ref[key][1]) < DEG_TOL, key
    # the exact inverse closes the loop; the published one-step inverse misses by decimetres
    exact = chinacrs.gcj02_to_wgs84(x, y)
    one = ref["gcj02_to_wgs84_one_step"]
    assert metres(*chinacrs.wgs84_to_gcj02(*exact), x, y) < 1e-6
    miss_one = metres(*chinacrs.wgs84_to_gcj02(*one), x, y)
    assert 0.05 < miss_one < 5
    # the same for BD-09: the published closed-form inverse misses by centimetres, ours closes
    bd = chinacrs.bd09_to_gcj02(x, y)
    closed = ref["bd09_to_gcj02_closed_form"]
    assert metres(*chinacrs.gcj02_to_bd09(*bd), x, y) < 1e-6
    assert 0.005 < metres(*chinacrs.gcj02_to_bd09(*closed), x, y) < 1
    assert metres(*bd, *closed) < 1


def test_round_trip_error_over_china():
    lon, lat = np.meshgrid(np.arange(73.25, 135, 0.5), np.arange(18.25, 53.6, 0.5))
    lon, lat = lon.ravel(), lat.ravel()
    w = chinacrs.gcj02_to_wgs84(*chinacrs.wgs84_to_gcj02(lon, lat))
    assert metres(*w, lon, lat).max() < 1e-6
    g = chinacrs.wgs84_to_gcj02(*chinacrs.gcj02_to_wgs84(lon, lat))
    assert metres(*g, lon, lat).max() < 1e-6
    b = chinacrs.bd09_to_wgs84(*chinacrs.wgs84_to_bd09(lon, lat))
    assert metres(*b, lon, lat).max() < 1e-6
    # and the offsets are real: tens to hundreds of metres everywhere in China
    off = metres(*chinacrs.wgs84_to_gcj02(lon, lat), lon, lat)
    assert off.min() > 10 and off.max() < 1000
    one = metres(*chinacrs.gcj02_to_wgs84_one_step(*chinacrs.wgs84_to_gcj02(lon, lat)), lon, lat)
    assert one.max() > 0.5  # why the iterative inverse is needed (3.6 m on a 0.1-degree grid)


def test_outside_china_unchanged():
    lon, lat = np.array([24.94, -74.0, 140.0]), np.array([60.17, 40.7, 36.0])
    g = chinacrs.wgs84_to_gcj02(lon, lat)
    assert np.array_equal(g[0], lon) and np.array_equal(g[1], lat)
    assert np.array_equal(chinacrs.gcj02_to_wgs84(lon, lat)[0], lon)


@pytest.mark.parametrize("text,system", [("gcj02", "gcj02"), ("GCJ-02", "gcj02"), ("bd09", "bd09"),
                                         ("BD-09", "bd09"), ("EPSG:4326", None), ("EPSG:4548", None)])
def test_parse_crs_knows_the_offsets(text, system):
    crs = parse_crs(text)
    assert offset_system(crs) == system
    if system:
        assert crs.is_geographic and crs != WGS84 and not crs.equals(WGS84)
        assert parse_crs(text) == crs


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_project_both_directions(system):
    crs = parse_crs(system)
    lon = np.array([116.39, 116.45, 121.47])
    lat = np.array([39.91, 39.95, 31.23])
    mars = chinacrs.from_wgs84(system, lon, lat)
    w = project(crs, WGS84, *mars)
    assert metres(*w, lon, lat).max() < 1e-6
    utm = working_crs(crs, *mars)
    xy = project(crs, utm, *mars)
    direct = project(WGS84, utm, lon, lat)
    assert np.abs(xy[0] - direct[0]).max() < 1e-6 and np.abs(xy[1] - direct[1]).max() < 1e-6
    back = project(utm, crs, *xy)
    assert metres(*back, *mars).max() < 1e-6
    # a GCJ-02 scenario with points outside China is an input problem
    assert outside_area_of_use(crs, np.array([24.94]), np.array([60.17])).all()
    assert not outside_area_of_use(crs, *mars).any()


def _gcj_case(tmp_path: Path, system: str) -> tuple[Path, Path, dict]:
    """The seeded district twice: in WGS84 lon/lat and in ``system`` lon/lat."""
    tables = random_district(seed=11, n_households=40, n_candidates=12, n_existing=4, size_m=1500.0,
                             spacing=150.0)
    to_wgs = {}
    variants = {"wgs84": {}, system: {}}
    for key, frame in tables.items():
        if "x" not in frame:
            variants["wgs84"][key] = variants[system][key] = frame
            continue
        lon, lat = project(CRS.from_epsg(4548), WGS84, frame["x"].to_numpy(), frame["y"].to_numpy())
        to_wgs[key] = (lon, lat)
        mlon, mlat = chinacrs.from_wgs84(system, lon, lat)
        for name, (a, b) in (("wgs84", (lon, lat)), (system, (mlon, mlat))):
            f = frame.drop(columns=["x", "y"]).copy()
            f.insert(1, "lon", np.round(a, 9))
            f.insert(2, "lat", np.round(b, 9))
            variants[name][key] = f
    wgs = write_case(tmp_path / "wgs84", variants["wgs84"], crs="EPSG:4326", scenario="budget_yuan = 1_000_000")
    mars = write_case(tmp_path / system, variants[system], crs=system, scenario="budget_yuan = 1_000_000")
    return wgs, mars, variants[system]


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_scenario_in_chinese_coordinates_loads_solves_and_writes_back(tmp_path, system):
    wgs_path, mars_path, mars_tables = _gcj_case(tmp_path, system)
    wgs, mars = load_district(load_scenario(wgs_path)), load_district(load_scenario(mars_path))
    assert wgs.crs == mars.crs  # the same UTM zone
    for table in ("households", "candidates", "existing"):
        a, b = getattr(wgs, table), getattr(mars, table)
        assert np.abs(a["x"] - b["x"]).max() < 1e-3 and np.abs(a["y"] - b["y"]).max() < 1e-3
    r_wgs, r_mars = run(load_scenario(wgs_path)), run(load_scenario(mars_path))
    assert r_mars.check is not None
    assert sorted(r_mars.plan) == sorted(r_wgs.plan)
    write_outputs(r_mars, tmp_path / "out")
    sites = pd.read_csv(tmp_path / "out" / "sites.csv", dtype={"id": str})
    cand = mars_tables["candidates"].set_index("id").loc[sites["id"]]
    # x, y are written back in the input system (lon/lat of that map) ...
    assert np.abs(sites["x"].to_numpy() - cand["lon"].to_numpy()).max() < 2e-7
    assert np.abs(sites["y"].to_numpy() - cand["lat"].to_numpy()).max() < 2e-7
    # ... and lon, lat are WGS84, hundreds of metres away from them
    wl, wb = chinacrs.to_wgs84(system, cand["lon"].to_numpy(), cand["lat"].to_numpy())
    assert np.abs(sites["lon"].to_numpy() - wl).max() < 2e-7
    assert metres(sites["lon"], sites["lat"], sites["x"], sites["y"]).min() > 100
