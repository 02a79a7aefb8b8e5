"""Budget sweeps: monotone coverage, warm start = cold objective, exact reuse, files, CLI."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from factories import random_district, random_instance, write_case
from typer.testing import CliRunner

from models.mode import Mode
from solver.cli.app import app
from solver.engine.result import SolveParameters
from solver.engine.solve import solve_instance
from solver.inputs.scenario import load_scenario
from solver.pipeline import RunOptions, run
from solver.plans.sweep import budget_levels, parse_budgets, sweep, write_sweep

ANSI = re.compile(r"\x1b\[[0-9;]*m")
runner = CliRunner()


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sweep")
    tables = random_district(seed=31, n_households=150, n_candidates=24, n_existing=6)
    return write_case(folder, tables, scenario="budget_yuan = 500_000", network=False, name="sw")


@pytest.fixture(scope="module")
def swept(case):
    sc = load_scenario(case)
    return sc, sweep(sc, budgets=[2e5, 5e5, 1e6, 2e6, 5e7])


def totals(sw) -> list[int]:
    t = sw.table
    return t.loc[~t["level"].isin(["existing", "full_coverage"]), "total_households"].tolist()


def test_coverage_never_decreases_and_every_level_is_checked(swept):
    sc, sw = swept
    tot = totals(sw)
    assert len(tot) == 5
    assert all(a <= b for a, b in zip(tot, tot[1:]))
    existing = int(sw.table.loc[sw.table["level"] == "existing", "total_households"].iloc[0])
    assert existing <= tot[0]
    for lv in sw.levels:
        res = lv.run.result
        assert res.termination.value == "optimal"
        assert lv.run.check is not None  # the independent checker ran and agreed
        assert lv.run.check.cost == pytest.approx(res.cost) and res.cost <= lv.budget
        # per-service columns agree with the run's own coverage table
        row = sw.table.set_index("level").loc[lv.label]
        cov = lv.run.coverage_table[lv.run.coverage_table["street"] == "ALL"].set_index("service")
        for key in sc.services:
            assert row[f"{key}_households"] == cov.loc[key, "covered_after"] == lv.run.check.covered_after[key]
    assert sw.full.check is not None


def test_levels_above_the_full_coverage_budget_reuse_the_cover_plan(swept):
    _, sw = swept
    full_cost = sw.full_coverage_budget
    assert sw.full_reached and full_cost is not None
    top = sw.levels[-1]
    assert top.budget >= full_cost
    assert top.how.startswith("reused")
    assert top.run.result.cost == pytest.approx(full_cost)
    full_row = sw.table[sw.table["level"] == "full_coverage"].iloc[0]
    assert totals(sw)[-1] == full_row["total_households"]
    # reuse is exact: a cold solve at that budget finds the same coverage
    cold = run(top.run.scenario, options=RunOptions(budget_yuan=top.budget, check=False))
    assert cold.result.coverage == pytest.approx(top.run.result.coverage)
    assert cold.result.cost == pytest.approx(top.run.result.cost)
    # the lower levels cannot afford full coverage, so they cover less
    for lv in sw.levels:
        if lv.budget < full_cost:
            assert lv.run.result.coverage < top.run.result.coverage


def test_warm_start_gives_the_cold_objective(swept):
    sc, sw = swept
    for lv in sw.levels[:4]:
        cold = run(sc, options=RunOptions(budget_yuan=lv.budget, check=False))
        assert cold.result.termination.value == "optimal"
        assert lv.run.result.coverage == pytest.approx(cold.result.coverage)
        assert lv.run.result.cost == pytest.approx(cold.result.cost)  # lexicographic: cheapest among the best
    assert any(lv.how.endswith("warm-started from the level below") for lv in sw.levels)


def test_hint_is_used_when_feasible_and_ignored_otherwise():
    inst = random_instance(seed=3, n_sites=14, n_items=60, n_services=2, budget_share=0.3)
    params = SolveParameters(time_limit_s=30)
    cold = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=params)
    small = solve_instance(dataclasses.replace(inst, budget=inst.budget * 0.5), mode=Mode.MAX_COVERAGE, params=params)
    # a feasible hint (the plan at half the budget) and an infeasible one (every option)
    for hint in (small.x, np.ones(inst.n_options, dtype=bool)):
        warm = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=params, hint_x=hint)
        assert warm.termination.value == "optimal"
        assert warm.coverage == pytest.approx(cold.coverage) and warm.cost == pytest.approx(cold.cost)
    with pytest.raises(ValueError, match="bool per option"):
        solve_instance(inst, mode=Mode.MAX_COVERAGE, params=params, hint_x=np.ones(3, dtype=bool))


def test_marginal_households_per_10k(swept):
    _, sw = swept
    t = sw.table[sw.table["level"] != "full_coverage"]
    pairs = t["total_households"].to_numpy(dtype=float)
    budgets = t["budget_yuan"].to_numpy(dtype=float)
    want = (pairs[1:] - pairs[:-1]) / ((budgets[1:] - budgets[:-1]) / 1e4)
    assert np.allclose(t["marginal_households_per_10k_yuan"].to_numpy(dtype=float)[1:], want, atol=1e-3)


def test_changes_between_levels_match_the_plans(swept):
    _, sw = swept
    for a, b in zip(sw.levels, sw.levels[1:]):
        pa = {(c, s) for c, s in a.run.plan}
        pb = {(c, s) for c, s in b.run.plan}
        part = sw.changes[(sw.changes["from_level"] == a.label) & (sw.changes["to_level"] == b.label)]
        sites_a, sites_b = {c for c, _ in pa}, {c for c, _ in pb}
        assert set(part.loc[part["change"] == "added", "id"]) == sites_b - sites_a
        assert set(part.loc[part["change"] == "removed", "id"]) == sites_a - sites_b
        changed = {c for c in sites_a & sites_b if {s for x, s in pa if x == c} != {s for x, s in pb if x == c}}
        assert set(part.loc[part["change"].str.startswith("services"), "id"]) == changed
    first = {c for c, _ in sw.levels[0].run.plan}
    for cid in sw.spend_first:
        assert cid in first and all(cid in {c for c, _ in lv.run.plan} for lv in sw.levels)


def test_files_are_written_and_deterministic(swept, tmp_path):
    sc, sw = swept
    files = write_sweep(sw, tmp_path / "a")
    names = {str(p.relative_to(tmp_path / "a")) for p in files}
    for f in ("sweep.csv", "sweep.png", "sweep.md", "changes.csv", "sites_by_level.csv", "summary.json",
              "full_coverage/plan.csv"):
        assert f in names
    for lv in sw.levels:
        assert f"levels/{lv.label}/plan.csv" in names and f"levels/{lv.label}/summary.json" in names
    again = sweep(sc, budgets=[2e5, 5e5, 1e6, 2e6, 5e7])
    write_sweep(again, tmp_path / "b")
    for f in ("sweep.csv", "sweep.md", "changes.csv", "sites_by_level.csv", "levels/03_1000000/plan.csv"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    table = pd.read_csv(tmp_path / "a" / "sweep.csv")
    assert list(table["level"])[:2] == ["existing", "01_200000"]


def test_budget_levels_and_parsing():
    assert budget_levels(budgets=[5e6, 1e6, 1e6]) == [1e6, 5e6]
    assert budget_levels(start=1e6, stop=1e7, steps=10)[:2] == [1e6, 2e6]
    assert parse_budgets("1e6, 2_000_000,5e6") == [1e6, 2e6, 5e6]
    for kw in ({"start": 1.0, "stop": 2.0}, {"budgets": [1.0], "steps": 3}, {"start": 5.0, "stop": 1.0, "steps": 3},
               {"budgets": [-1.0]}, {"budgets": []}):
        with pytest.raises(ValueError):
            budget_levels(**kw)
    with pytest.raises(ValueError, match="not a number: 'x'"):
        parse_budgets("1e6,x")


def test_sweep_cli(case, tmp_path):
    def invoke(*args):
        r = runner.invoke(app, ["sweep", str(case), *map(str, args)])
        return r, " ".join(re.sub(r"[│╭╮╰╯─]", " ", ANSI.sub("", r.output)).split())

    r, text = invoke("--budgets", "1e5,x", "--out", tmp_path / "o")
    assert r.exit_code == 2 and "not a number: 'x'" in text
    r, text = invoke("--from", "1e5", "--to", "2e5", "--out", tmp_path / "o")
    assert r.exit_code == 2 and "--steps" in text
    r, text = invoke("--budgets", "1e5", "--set", "services.pharmcy.threshold_min=1", "--out", tmp_path / "o")
    assert r.exit_code == 1 and "--set, field 'services.pharmcy': unknown service (did you mean 'pharmacy'?)" in text
    assert not (tmp_path / "o").exists()
    r, text = invoke("--from", "1e5", "--to", "3e5", "--steps", "3", "--set", "services.repair.enabled=false",
                     "--out", tmp_path / "o")
    assert r.exit_code == 0, r.output
    assert "Budget sweep: sw" in text and ("Spend first on these" in text or "No space is chosen" in text)
    table = pd.read_csv(tmp_path / "o" / "sweep.csv")
    assert list(table["budget_yuan"])[1:4] == [1e5, 2e5, 3e5]
    assert "repair_households" not in table.columns


def test_nested_path_keeps_every_site_and_costs_at_most_the_optimum(case, tmp_path):
    sc = load_scenario(case)
    sw = sweep(sc, budgets=[2e5, 5e5, 1e6], nested=True)
    assert [lv.label for lv in sw.nested] == [lv.label for lv in sw.levels]
    assert sw.nested[0].run.plan == sw.levels[0].run.plan
    for a, b in zip(sw.nested, sw.nested[1:]):
        assert set(a.run.plan) <= set(b.run.plan)  # nested: nothing built is undone
        assert b.run.check is not None and b.run.result.cost <= b.budget
    t = sw.table.set_index("level")
    for lv, opt in zip(sw.nested, sw.levels):
        row = t.loc[lv.label]
        assert row["nested_total_households"] <= row["total_households"]
        assert row["nested_gives_up_households"] == row["total_households"] - row["nested_total_households"] >= 0
        assert lv.run.result.coverage <= opt.run.result.coverage + 1e-9
    files = {str(p.relative_to(tmp_path / "n")) for p in write_sweep(sw, tmp_path / "n")}
    assert f"nested/{sw.nested[-1].label}/plan.csv" in files
