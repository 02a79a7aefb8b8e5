"""The grade core (solver/engine/grade_core.py): its plans, its bound and its fallback, checked
against enumeration on the toys of test_grade_mode.py, and end to end on a district large
enough to take it."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest
from factories import random_district, write_case  # noqa: I001
from test_grade_mode import SEEDS, areas_met, plans, rows_met, toy

import solver.engine.grade_core as grade_core
from models.instance import Instance
from models.mode import Mode
from solver.engine.result import SolveParameters, Termination
from solver.engine.solve import solve_instance


def _least_cost(inst: Instance) -> float | None:
    """The least cost of a plan meeting every row (None: no plan does)."""
    costs = [inst.plan_cost(x) for x in plans(inst) if rows_met(inst, x).all()]
    return min(costs) if costs else None


def _solve(inst: Instance, seconds: float = 30.0):
    stages: list = []
    out = grade_core.solve(inst, None, deadline=time.perf_counter() + seconds, reserve_s=0.0, stages=stages)
    return out, stages


@pytest.mark.parametrize("seed", SEEDS)
def test_the_core_finds_the_least_cost_plan_and_its_bounds_hold(seed):
    inst = toy(seed)
    best = _least_cost(inst)
    root = grade_core.grade_root(inst, time_limit_s=30)
    assert root is not None
    gamma = inst.cost_granularity()
    if best is not None:
        assert root.bound * gamma <= best + 1e-6  # the LP's bound, recomputed from its duals
    out, stages = _solve(inst)
    if best is None:
        assert out is None  # no plan meets the rows: the caller's plain path decides (most areas)
        return
    assert out is not None
    x, term, bound = out
    assert grade_core.meets(inst, x)
    assert term is Termination.OPTIMAL and inst.plan_cost(x) == pytest.approx(best)
    assert bound * gamma <= best + 1e-6
    assert [s.name for s in stages] == ["grade_root", "grade_support", "grade_min_cost"]


@pytest.mark.parametrize("seed", SEEDS[:12])
def test_the_deficit_greedy_meets_every_row_or_says_none(seed):
    inst = toy(seed, tight_areas=False)
    reach = np.flatnonzero(np.diff(inst.cover.indptr) > 0)
    must = np.zeros(inst.n_items, dtype=bool)
    must[reach[:2]] = True
    inst = replace(inst, item_must=must, must_open={1: 1})
    x = grade_core.deficit_greedy(inst)
    if x is None:
        assert _least_cost(inst) is None
        return
    assert grade_core.meets(inst, x)  # rows, must-cover items, the must-open service, areas
    assert inst.covered_items(x)[must].all() and x[inst.opt_service == 1].any()
    for o in np.flatnonzero(x):  # trimmed: no option can go
        y = x.copy()
        y[o] = False
        assert not grade_core.meets(inst, y)


def test_the_greedy_follows_the_lp_where_it_is_given():
    inst = toy(SEEDS[0], tight_areas=False)
    x_free = grade_core.deficit_greedy(inst)
    assert x_free is not None
    prior = np.where(x_free, 0.0, 1.0) + 1e-3  # steer away from the plain greedy's choice
    x = grade_core.deficit_greedy(inst, prior)
    assert x is not None and grade_core.meets(inst, x)
    assert not np.array_equal(x, x_free)


def test_when_the_rows_cannot_hold_together_grade_mode_still_meets_the_most_areas():
    """The core finds no plan and hands over: the conflicting toys keep the most-areas answer."""
    found = 0
    for seed in SEEDS:
        inst = toy(seed)
        if _least_cost(inst) is not None:
            continue
        found += 1
        out, _ = _solve(inst)
        assert out is None
    assert found >= 1


def test_a_district_takes_the_core_end_to_end_and_the_checker_agrees(tmp_path):
    import solver
    from solver.pipeline import RunOptions

    tables = random_district(seed=4, n_households=300, n_candidates=120)
    tables["candidates"]["area_m2"] = 600
    path = write_case(tmp_path / "case", tables, scenario='mode = "grade"\ntarget = "basic"\n')
    sc = solver.load_scenario(path)
    run = solver.run(sc, options=RunOptions(time_limit_s=10))
    res = run.result
    assert run.mode is Mode.GRADE and run.check is not None  # the independent checker re-derived the grades
    assert [s.name for s in res.stages][:2] == ["grade_root", "grade_support"], res.stages
    assert "highs" in res.solver
    assert res.cost is not None and res.best_bound is not None and res.best_bound <= res.cost + 1e-6
    inst = run.items.instance
    t = inst.targets
    whole = [a for a in np.unique(t.area) if t.reachable()[t.area == a].all()]
    assert whole and areas_met(inst, res.x) == len(whole)  # every street that can reach the target does


@pytest.mark.parametrize("seed", SEEDS[:12])
def test_street_caps_hold_in_the_greedy_and_the_core(seed):
    from models.instance import GroupCap

    inst = toy(seed, tight_areas=False)
    inst = replace(inst, site_group=np.arange(inst.n_sites) % 2,
                   group_caps=(GroupCap(group=0, max_sites=2), GroupCap(group=1, max_cost=90.0)))
    best = _least_cost(inst)  # plans() keeps the caps
    x = grade_core.deficit_greedy(inst)
    if x is not None:
        assert grade_core.meets(inst, x) and not inst.feasibility_problems(x)
    out, _ = _solve(inst)
    if best is None:
        assert out is None and x is None
        return
    if out is not None:
        assert inst.plan_cost(out[0]) == pytest.approx(best)
    else:  # the greedy found no plan within the caps: grade mode hands over to SCIP, still exact
        res = solve_instance(inst, mode=Mode.GRADE, params=SolveParameters(time_limit_s=30))
        assert res.termination is Termination.OPTIMAL and res.cost == pytest.approx(best)
