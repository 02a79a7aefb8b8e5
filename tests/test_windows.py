"""Large district models: the street windows (solver/engine/windows.py), the budget's price from PDLP
(solver/engine/backends/pdlp_lp.py) and the path without a solver for the rest, against enumeration
on the small random instances of test_district.py."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import pytest
from test_district import CASES, _instance, _optimum, _plans

import solver.engine.district as district
import solver.engine.solve as solve_mod
from models.mode import Mode
from solver.engine import windows
from solver.engine.backends.highs_lp import solve_mip_apart, solve_relaxation
from solver.engine.backends.pdlp_lp import solve_relaxation_pdlp
from solver.engine.bounds import dual_bound
from solver.engine.result import SolveParameters, Termination
from solver.engine.solve import solve_instance


def _window_plans(sub) -> dict[bytes, float]:
    """Every feasible plan of a window model: x bytes -> coverage."""
    out = {}
    for bits in itertools.product([False, True], repeat=sub.n_options):
        y = np.array(bits, dtype=bool)
        if not sub.feasibility_problems(y):
            out[y.tobytes()] = sub.coverage_value(y)
    return out


def _street_sets(inst):
    streets = np.unique(inst.site_group).tolist()
    return [np.array(c) for n in (1, 2) for c in itertools.combinations(streets, n)]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"seed{c['seed']}")
def test_a_window_model_is_the_district_model_with_the_rest_fixed_or_closed(case):
    inst = _instance(case)
    plans = _plans(repr(case))
    rng = np.random.default_rng(0)
    checked = 0
    for k in rng.choice(len(plans), size=min(8, len(plans)), replace=False):
        x = plans[k][0]
        for streets in _street_sets(inst):
            sub, opts = windows.window_instance(inst, x, streets)
            inside = np.isin(inst.site_group[inst.opt_site], streets)
            assert np.array_equal(opts, np.flatnonzero(inside | x))
            # the plans that agree with x outside the window but may close what x opens there
            agree = [(y, c) for y, c, _ in plans if not np.any(y[~inside] & ~x[~inside])]
            sub_plans = _window_plans(sub)
            # the same plans, with the same coverage
            assert {y[opts].tobytes() for y, _ in agree} == set(sub_plans)
            assert all(abs(c - sub_plans[y[opts].tobytes()]) < 1e-6 for y, c in agree)
            checked += 1
    assert checked >= 8


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"seed{c['seed']}")
def test_windows_end_at_a_plan_no_window_improves(case, monkeypatch):
    monkeypatch.setattr(windows, "WINDOW_OPTIONS", 4)  # several windows on a toy
    inst = _instance(case)
    plans = _plans(repr(case))
    start = min(plans, key=lambda p: p[1])[0]  # the plan covering least
    x_lp = np.full(inst.n_options, 0.5)
    noted: list[float] = []
    x = windows.improve_by_windows(inst, start, x_lp, deadline=np.inf, cheapest=False, note=noted.append)
    assert not inst.feasibility_problems(x)
    assert inst.coverage_value(x) >= inst.coverage_value(start)
    assert all(a <= b for a, b in zip(noted, noted[1:]))  # (more coverage, or as much for less)
    links = windows.street_links(inst)
    per_street = np.bincount(inst.site_group[inst.opt_site], minlength=links.shape[0])
    for seed in np.flatnonzero(per_street):
        streets = windows.window_of(int(seed), links, per_street, max_options=windows.WINDOW_OPTIONS)
        inside = np.isin(inst.site_group[inst.opt_site], streets)
        best_here = max(c for y, c, _ in plans if not np.any(y[~inside] & ~x[~inside]))
        assert inst.coverage_value(x) >= best_here - 1e-6


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"seed{c['seed']}")
def test_pdlp_duals_give_the_lp_bound_and_a_valid_price(case):
    inst = _instance(case)
    model = district.strengthened_model(inst, cheapest=False)
    exact = solve_relaxation(model, time_limit_s=30)
    lp = solve_relaxation_pdlp(model, iterations=50_000, relative_tolerance=1e-8)
    assert lp.row_dual is not None and lp.values is not None
    bound = dual_bound(model, lp.row_dual).bound  # (valid whatever the duals)
    assert bound >= exact.objective - 1e-6 * max(1.0, abs(exact.objective))
    assert bound <= exact.objective + 1e-3 * max(1.0, abs(exact.objective))  # the signs of every row right
    mu = district.budget_price(inst)
    best, _ = _optimum(case)
    free = _plans(repr(case), free=True)
    sub_best = max(c - mu * k for _, c, k in free)  # the subproblem's optimum by enumeration
    assert mu >= 0 and district.lagrangian_bound(inst, mu, sub_best) >= best - 1e-6


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"seed{c['seed']}")
def test_a_large_model_without_a_solver_for_the_rest_is_still_exact_on_a_toy(case, monkeypatch):
    monkeypatch.setattr(district, "ROOT_MIN_OPTIONS", 0)
    monkeypatch.setattr(solve_mod, "EARLY_PRICE_MIN_NONZEROS", 0)  # the price from PDLP, the side at once
    monkeypatch.setattr(solve_mod, "SCIP_ROOT_RATIO", 1e9)  # the rest out of the solver's reach
    inst = _instance(case)
    best = _optimum(case)[0]
    res = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=SolveParameters(time_limit_s=20, threads=2),
                         reduce=False)
    assert res.sizes["early_price"] == 1
    assert res.sizes.get("street_windows", 1) == 1  # (absent: the root proved its plan, nothing left)
    assert not inst.feasibility_problems(res.x)
    # the windows ended long before the limit (a round found nothing): the rest went to the solver after all
    assert res.termination is Termination.OPTIMAL
    assert (res.coverage, res.cost) == _optimum(case)
    assert res.best_bound >= best
    assert all(e.bound is None or e.bound >= best for e in res.trace)


def test_highs_mip_in_a_process_of_its_own_solves_and_ends_when_asked():
    case = CASES[1]
    inst = _instance(case)
    best = _optimum(case)[0]
    model = district.strengthened_model(inst, cheapest=False)
    start = district.plan_vector(inst, np.zeros(inst.n_options, bool))
    bounds: list[float] = []
    sol = solve_mip_apart(model, time_limit_s=30, deadline=time.perf_counter() + 60, start=start,
                          on_bound=bounds.append)
    assert sol.optimal and inst.coverage_value(model.block(sol.values, "x") > 0.5) == best
    assert all(b >= best - 1e-6 for b in bounds)  # every bound it told is valid
    stop = threading.Event()
    stop.set()
    t = time.perf_counter()
    sol = solve_mip_apart(model, time_limit_s=30, deadline=time.perf_counter() + 60, start=start, stop=stop)
    assert sol.values is None and not sol.optimal and time.perf_counter() - t < 30
    sol = solve_mip_apart(model, time_limit_s=30, deadline=time.perf_counter() - 1, start=start)
    assert sol.values is None and not sol.optimal
