"""Whole runs: the independent checker, full-coverage mode, caps, must-cover, determinism, the demo."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from factories import random_district, write_case
from typer.testing import CliRunner

from models.mode import Mode
from solver.cli.app import app
from solver.errors import CheckError
from solver.inputs.scenario import load_scenario
from solver.pipeline import run
from solver.results.check import check_plan

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def case(tmp_path: Path, seed: int, *, extra: str = "budget_yuan = 1_500_000", network: bool = True, **kw) -> Path:
    return write_case(tmp_path / f"case{seed}", random_district(seed=seed, **kw), scenario=extra, network=network)


@pytest.mark.parametrize("network", [True, False])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_checker_agrees_on_random_districts(tmp_path, seed, network):
    sc = load_scenario(case(tmp_path, seed, network=network))
    r = run(sc)
    assert r.result.termination.value == "optimal"
    assert r.check is not None
    cov = r.coverage_table[r.coverage_table["street"] == "ALL"].set_index("service")
    for key in sc.services:
        assert r.check.covered_after[key] == cov.loc[key, "covered_after"]
        assert r.check.covered_before[key] == cov.loc[key, "covered_before"]
    assert r.check.cost == pytest.approx(r.result.cost)
    assert r.result.cost <= 1_500_000


def test_checker_catches_wrong_claims_and_broken_rules(tmp_path):
    sc = load_scenario(case(tmp_path, 4))
    r = run(sc)
    key = next(iter(sc.services))
    h = r.district.households["households"].to_numpy()
    claimed = {k: int(h[r.covered_after[:, s]].sum()) for s, k in enumerate(sc.services)}
    check_plan(sc, r.district, r.plan, claimed_after=claimed, claimed_cost=r.result.cost, budget=r.budget)
    with pytest.raises(CheckError, match="claims"):
        check_plan(sc, r.district, r.plan, claimed_after={**claimed, key: claimed[key] + 1})
    with pytest.raises(CheckError, match="cost"):
        check_plan(sc, r.district, r.plan, claimed_cost=r.result.cost + 1000)
    with pytest.raises(CheckError, match="budget"):
        check_plan(sc, r.district, r.plan, budget=r.result.cost - 1)
    cand = r.district.candidates
    deep = cand[(cand["floor"] <= -2)]["id"]
    if len(deep):
        with pytest.raises(CheckError, match="not allowed"):
            check_plan(sc, r.district, [(deep.iloc[0], "breakfast")])
    with pytest.raises(CheckError, match="not a candidate"):
        check_plan(sc, r.district, [("NO-SUCH-SPACE", key)])


def test_cover_mode_covers_everything_coverable(tmp_path):
    tables = random_district(seed=5)
    tables["candidates"]["area_m2"] = 1000  # every space can host every service at once
    sc = load_scenario(write_case(tmp_path / "c5", tables, scenario=""))
    assert sc.mode is Mode.COVER  # no budget -> full coverage
    r = run(sc)
    assert r.result.termination.value == "optimal" and not r.result.message
    # What every eligible space opening every eligible service would cover, by the checker.
    elig = r.coverage.eligible
    cand_ids = r.district.candidates["id"].to_numpy()
    everything = [(str(cand_ids[j]), r.coverage.services[s]) for j, s in zip(*np.nonzero(elig))]
    full = check_plan(sc, r.district, everything)
    cov = r.coverage_table[r.coverage_table["street"] == "ALL"].set_index("service")
    for key in sc.services:
        assert cov.loc[key, "covered_after"] == full.covered_after[key]
    assert set(r.uncovered_table["reason"]) <= {"unreachable", "not_eligible", "capacity"}


def test_cover_mode_when_areas_forbid_full_coverage(tmp_path):
    tables = random_district(seed=5)
    tables["candidates"]["area_m2"] = 60  # at most one service per space
    sc = load_scenario(write_case(tmp_path / "c5small", tables, scenario=""))
    r = run(sc)
    assert r.result.termination.value == "optimal"
    assert "impossible" in r.result.message
    assert "capacity" in set(r.uncovered_table["reason"])


def test_street_caps_are_respected(tmp_path):
    extra = "budget_yuan = 3_000_000\n[street_caps]\ndefault = { max_sites = 1 }"
    sc = load_scenario(case(tmp_path, 6, extra=extra))
    r = run(sc)
    per_street = r.ranked_table.groupby("street")["id"].nunique()
    assert (per_street <= 1).all()
    uncapped = run(load_scenario(case(tmp_path, 60, extra="budget_yuan = 3_000_000", **{})))
    assert uncapped.result.termination.value == "optimal"


def test_unreachable_must_cover_is_infeasible_with_reason(tmp_path):
    tables = random_district(seed=7)
    hh = tables["households"]
    far = len(hh)
    hh.loc[far] = {"id": "FAR", "x": hh["x"].min() - 5000, "y": hh["y"].min(), "households": 10,
                   "street": "甲街道", "community": "社区0"}
    hh["must_cover"] = ""
    hh.loc[far, "must_cover"] = "pharmacy"
    path = write_case(tmp_path / "must", tables, scenario="budget_yuan = 1e7", network=False)
    out = tmp_path / "out"
    res = runner.invoke(app, ["solve", str(path), "--out", str(out)])
    assert res.exit_code == 3, res.output
    assert "must-cover" in res.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["result"]["status"] == "infeasible"


def _files(folder: Path) -> dict[str, bytes]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            if p.name == "summary.json":
                d = json.loads(data)
                d.pop("timings_s")
                d["result"].pop("solve_wall_s")
                for s in d["result"]["stages"]:
                    s.pop("wall_s")
                d["scenario"].pop("file")
                data = json.dumps(d, sort_keys=True).encode()
            out[str(p.relative_to(folder))] = data
    return out


def test_same_inputs_same_files(tmp_path):
    path = case(tmp_path, 8)
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        res = runner.invoke(app, ["solve", str(path), "--out", str(out)])
        assert res.exit_code == 0, res.output
    fa, fb = _files(a), _files(b)
    assert fa.keys() == fb.keys() and len(fa) >= 7
    for name in fa:
        assert fa[name] == fb[name], name


def test_demo_end_to_end(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "demo"
    res = runner.invoke(app, ["solve", "--out", str(out)])  # no argument: scenarios/demo.toml
    assert res.exit_code == 0, res.output
    for name in ("ranked_sites.csv", "ranked_sites.geojson", "coverage.csv", "uncovered.csv", "summary.json"):
        assert (out / name).is_file(), name
    assert list((out / "by_street").glob("*.csv"))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["result"]["status"] == "optimal"
    assert summary["check"]["agrees"] is True
    assert summary["result"]["cost_yuan"] <= 5_000_000
    assert summary["reduction"]["items_after"] < summary["reduction"]["items_before"]
    assert "independent check agrees" in res.output


def test_must_cover_beyond_budget_says_what_it_costs(tmp_path):
    tables = random_district(seed=9)
    hh, cand = tables["households"], tables["candidates"]
    cand["floor"] = 1  # every space may host vegetables
    d = np.hypot(hh["x"].to_numpy()[:, None] - cand["x"].to_numpy()[None, :],
                 hh["y"].to_numpy()[:, None] - cand["y"].to_numpy()[None, :]).min(axis=1) * 1.3
    hh["must_cover"] = np.where(d < 800, "vegetable", "")  # reachable, but far more than 100k yuan of work
    path = write_case(tmp_path / "mustbudget", tables, scenario="budget_yuan = 100000", network=False)
    r = run(load_scenario(path))
    assert r.result.termination.value == "infeasible"
    assert "more than the budget of 100,000 yuan" in r.result.message
