"""results.gpkg: one GeoPackage of the run's layers, in the scenario's CRS, the same bytes every time;
uncovered.csv with coordinates."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from factories import random_district, write_case
from pyproj import CRS
from typer.testing import CliRunner

from solver.cli.app import app
from solver.inputs import chinacrs
from solver.inputs.geo import WGS84, project

runner = CliRunner()
LAYERS = ["households", "uncovered", "candidates", "existing", "ranked_sites", "network"]


def solve(scenario: Path, out: Path) -> Path:
    result = runner.invoke(app, ["solve", str(scenario), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def tables():
    return random_district(seed=21, n_households=90, n_candidates=14, n_existing=4, size_m=1800.0, spacing=150.0)


@pytest.fixture(scope="module")
def run_dir(tables, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("gis")
    return solve(write_case(folder / "case", tables, scenario="budget_yuan = 300_000", name="gis"), folder / "out")


def test_layers_match_the_csv_files(run_dir, tables):
    gpkg = run_dir / "results.gpkg"
    assert [name for name, _ in pyogrio.list_layers(gpkg)] == LAYERS
    hh = gpd.read_file(gpkg, layer="households")
    assert hh.crs == CRS.from_user_input("EPSG:4548")
    csv = pd.read_csv(run_dir / "households_coverage.csv")
    assert list(hh["id"]) == list(csv["id"])
    for col in [c for c in csv.columns if c.startswith(("before_", "after_"))]:
        assert hh[col].tolist() == csv[col].tolist()
    assert np.allclose(hh.geometry.x, csv["x"]) and np.allclose(hh.geometry.y, csv["y"])
    sites = gpd.read_file(gpkg, layer="candidates")
    plan = pd.read_csv(run_dir / "plan.csv")
    assert set(sites.loc[sites["chosen"] == 1, "id"]) == set(plan["id"])
    chosen = sites[sites["chosen"] == 1]
    assert sorted(chosen["rank"].astype(int)) == list(range(1, len(chosen) + 1))
    assert sites.loc[sites["chosen"] == 0, "rank"].isna().all()
    unc = gpd.read_file(gpkg, layer="uncovered")
    unc_csv = pd.read_csv(run_dir / "uncovered.csv")
    assert len(unc) == len(unc_csv) > 0
    assert {"reason", "service", "x", "y", "lon", "lat"} <= set(unc_csv.columns)
    pos = csv.set_index("id").loc[unc_csv["id"]]
    assert np.allclose(unc_csv["x"], pos["x"]) and np.allclose(unc_csv["lat"], pos["lat"])
    assert np.allclose(unc.geometry.x, unc_csv["x"])
    net = gpd.read_file(gpkg, layer="network")
    assert (net.geom_type == "LineString").all()
    edges = tables["network_edges"]
    assert len(net) == len({tuple(sorted(e)) for e in zip(edges["u"], edges["v"])})
    assert np.allclose(net.length, net["length_m"], rtol=1e-6)  # straight edges: geometry = the table's length
    assert len(gpd.read_file(gpkg, layer="existing")) == len(tables["existing"])
    assert len(gpd.read_file(gpkg, layer="ranked_sites")) == len(chosen)
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["gis"] == {"file": "results.gpkg", "crs": "layers in the scenario's CRS (EPSG:4548)"}


def test_same_run_same_bytes(run_dir, tmp_path):
    again = solve(Path(json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["scenario"]["file"]),
                  tmp_path / "again")
    digest = [hashlib.sha256((d / "results.gpkg").read_bytes()).hexdigest() for d in (run_dir, again)]
    assert digest[0] == digest[1]


def test_gcj02_input_gives_wgs84_layers(tables, tmp_path):
    frames = {}
    for key, frame in tables.items():
        if "x" not in frame:
            frames[key] = frame
            continue
        lon, lat = project(CRS.from_epsg(4548), WGS84, frame["x"].to_numpy(), frame["y"].to_numpy())
        glon, glat = chinacrs.from_wgs84("gcj02", lon, lat)
        f = frame.drop(columns=["x", "y"]).copy()
        f.insert(1, "lon", np.round(glon, 9))
        f.insert(2, "lat", np.round(glat, 9))
        frames[key] = f
    out = solve(write_case(tmp_path / "case", frames, crs="gcj02", scenario="budget_yuan = 300_000"),
                tmp_path / "out")
    hh = gpd.read_file(out / "results.gpkg", layer="households")
    assert hh.crs.to_epsg() == 4326
    csv = pd.read_csv(out / "households_coverage.csv")
    assert np.allclose(hh.geometry.x, csv["lon"]) and np.allclose(hh.geometry.y, csv["lat"])
    assert not np.allclose(hh["x"], hh.geometry.x)  # x, y keep the GCJ-02 lon/lat: offset from WGS84
    note = json.loads((out / "summary.json").read_text(encoding="utf-8"))["gis"]["crs"]
    assert note.startswith("layers in WGS84 (EPSG:4326)") and "gcj02" in note
