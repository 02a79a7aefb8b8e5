"""The district core (solver/engine/district.py, bounds.py): every claim checked against enumeration.

Small random general instances (knapsack budget over conversion + fit-out costs, areas, street
caps, must-open, must-cover) from tests/factories.py; every plan is enumerated.
"""

from __future__ import annotations

import itertools
import threading
from functools import cache

import numpy as np
import pytest
from factories import random_instance

import solver.engine.district as district
from models.mode import Mode
from solver.engine.backends.highs_lp import solve_mip, solve_relaxation, solve_relaxation_ipm
from solver.engine.bounds import dual_bound
from solver.engine.heuristics import Prepared
from solver.engine.result import SolveParameters, Termination
from solver.engine.solve import solve_instance

CASES = [
    dict(seed=1), dict(seed=2, caps=True), dict(seed=3, must=2), dict(seed=4, must_open=True),
    dict(seed=5, n_services=3, n_sites=5, budget_share=0.2), dict(seed=6, caps=True, must_open=True, budget_share=0.5),
    dict(seed=7, n_services=3, n_sites=5, density=0.3),
]


def _instance(case: dict):
    kw = dict(n_sites=6, n_items=40, n_services=2, density=0.25)
    kw.update(case)
    inst = random_instance(**kw)
    assert inst.n_options <= 15, "enumeration needs a small instance"
    return inst


def _free(case: dict):
    inst = _instance(case)
    return type(inst)(**{**inst.__dict__, "budget": None})


@cache
def _plans(key: str, free: bool = False):
    """Every feasible plan of the case (``free``: without its budget): (x, coverage, cost)."""
    inst = _free(eval(key)) if free else _instance(eval(key))
    out = []
    for bits in itertools.product([False, True], repeat=inst.n_options):
        x = np.array(bits, dtype=bool)
        if not inst.feasibility_problems(x):
            out.append((x, inst.coverage_value(x), inst.plan_cost(x)))
    return out


def _optimum(case: dict) -> tuple[float, float]:
    """(most coverage, least cost among plans with it)."""
    plans = _plans(repr(case))
    best = max(c for _, c, _ in plans)
    return best, min(k for _, c, k in plans if c == best)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"seed{c['seed']}")
def test_area_cover_rows_hold_for_every_plan(case):
    inst = _instance(case)
    A, ub = district.area_cover_rows(inst)
    for x, _, _ in _plans(repr(case)):
        v = district.plan_vector(inst, x)[: A.shape[1]]
        assert np.all(A @ v <= ub + 1e-9)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"seed{c['seed']}")
def test_dual_bound_is_valid_at_any_multipliers(case):
    inst = _instance(case)
    best, _ = _optimum(case)
    model = district.strengthened_model(inst, cheapest=False)
    lp = solve_relaxation(model, time_limit_s=10)
    assert lp.optimal
    at_lp = dual_bound(model, lp.row_dual)
    assert at_lp.bound == pytest.approx(lp.objective, rel=1e-6, abs=1e-6)  # strong duality at the LP duals
    assert at_lp.bound >= best - 1e-6
    ipm = solve_relaxation_ipm(model, time_limit_s=10)  # no crossover: duals in the model's sense too
    assert ipm.optimal and ipm.row_dual is not None
    assert dual_bound(model, ipm.row_dual).bound == pytest.approx(lp.objective, rel=1e-5, abs=1e-4)
    rng = np.random.default_rng(case["seed"])
    for scale in (0.0, 1.0, 100.0):
        pi = rng.normal(0, scale, model.n_rows)  # any multipliers, wrong signs included (they are clipped)
        assert dual_bound(model, pi).bound >= best - 1e-6
        assert dual_bound(model, lp.row_dual + pi * 0.01).bound >= best - 1e-6


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"seed{c['seed']}")
def test_root_bound_and_fixing_never_cut_off_the_optimum(case):
    inst = _instance(case)
    best, cheapest = _optimum(case)
    root = district.solve_root(inst, time_limit_s=10)
    assert root is not None and root.bound >= best - 1e-6
    plans = _plans(repr(case))
    delta = inst.coverage_granularity()
    for x0, z, _ in plans[:: max(1, len(plans) // 15)] + [p for p in plans if p[1] == best][:3]:
        # a plan opening a fixed option covers less than the threshold
        for threshold, keeps_ties in ((z, True), (z + delta, False)):
            fixed = root.fixed_to_zero(inst, threshold, protect=x0)
            assert not np.any(fixed & x0)
            left = [(c, k) for x, c, k in plans if not np.any(x & fixed)]
            top = max(c for c, _ in left)
            assert max(top, z) == best  # the optimum survives, or the incumbent is optimal
            if keeps_ties and top == best:  # ... and so does the cheapest optimum
                assert min(k for c, k in left if c == best) == cheapest
        assert np.all(root.option_with[x0] >= z - 1e-6)  # a plan opening o covers at most option_with[o]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"seed{c['seed']}")
def test_rounding_and_support_plans_are_feasible(case):
    inst = _instance(case)
    root = district.solve_root(inst, time_limit_s=10)
    assert root is not None
    x = district.rounded_plan(inst, root.x_lp, prep=Prepared(inst))
    if x is None:  # only allowed when the rounding misses a must-open service or must-cover item
        assert inst.must_open or inst.item_must.any()
        x = district.greedy_plan(inst, Prepared(inst))
    assert x is not None and not inst.feasibility_problems(x)
    for hood in (0.0, 0.5):
        y = district.support_plan(inst, root, x, time_limit_s=10, cheapest=True, neighbourhood=hood)
        assert y is not None and not inst.feasibility_problems(y)
        assert inst.coverage_value(y) >= inst.coverage_value(x)  # it starts from x


def test_highs_mip_solves_exactly_from_a_start():
    case = CASES[1]
    inst = _instance(case)
    best, _ = _optimum(case)
    model = district.strengthened_model(inst, cheapest=False)
    sol = solve_mip(model, time_limit_s=10, start=district.plan_vector(inst, np.zeros(inst.n_options, bool)))
    assert sol.optimal and sol.values is not None
    assert inst.coverage_value(model.block(sol.values, "x") > 0.5) == best
    assert sol.bound == pytest.approx(best, abs=1e-6)


def test_highs_mip_stops_when_asked():
    inst = _instance(CASES[1])
    model = district.strengthened_model(inst, cheapest=False)
    stop = threading.Event()
    stop.set()
    sol = solve_mip(model, time_limit_s=10, stop=stop)
    assert sol.values is None and not sol.optimal
    sol = solve_mip(model, time_limit_s=10, stop=threading.Event())  # never set: solves as without it
    assert sol.optimal and inst.coverage_value(model.block(sol.values, "x") > 0.5) == _optimum(CASES[1])[0]


def test_highs_mip_reports_valid_improving_bounds_while_it_runs():
    # large enough for HiGHS to branch (the enumerated cases are solved by its presolve: no bound on the way)
    inst = random_instance(seed=11, n_sites=30, n_items=400, n_services=3, density=0.1)
    full_model = district.strengthened_model(inst, cheapest=False)
    full = solve_mip(full_model, time_limit_s=30)
    assert full.optimal
    best = inst.coverage_value(full_model.block(full.values, "x") > 0.5)
    mu = district.solve_root(inst, time_limit_s=10).budget_dual
    model = district.budget_relaxed_model(inst, mu)
    seen: list[float] = []
    sol = solve_mip(model, time_limit_s=30, on_bound=seen.append)
    assert sol.optimal and len(seen) >= 2
    assert all(a > b for a, b in zip(seen, seen[1:]))  # only improvements are reported (maximizing)
    assert all(district.lagrangian_bound(inst, mu, b) >= best - 1e-6 for b in seen)  # each valid when seen
    assert seen[-1] >= sol.bound - 1e-6


def test_highs_mip_reports_every_improving_plan_and_stops_at_its_gap():
    inst = random_instance(seed=11, n_sites=30, n_items=400, n_services=3, density=0.1)
    model = district.strengthened_model(inst, cheapest=False)
    seen: list[np.ndarray] = []
    sol = solve_mip(model, time_limit_s=30, start=district.plan_vector(inst, np.zeros(inst.n_options, bool)),
                    on_plan=seen.append)
    assert sol.optimal and len(seen) >= 2
    values = [model.objective_value(v) for v in seen]
    assert all(model.violations(v) == 0 for v in seen)  # each a feasible plan when reported
    assert all(a < b for a, b in zip(values, values[1:]))  # improving (maximizing)
    assert values[-1] == pytest.approx(sol.objective)
    loose = solve_mip(model, time_limit_s=30, relative_gap=0.05)
    assert loose.values is not None and loose.bound is not None
    assert loose.bound - loose.objective <= 0.05 * abs(loose.objective) + 1e-6
    assert loose.objective <= sol.objective + 1e-6


def test_highs_mip_takes_further_options_and_rejects_unknown_ones():
    inst = random_instance(seed=11, n_sites=30, n_items=400, n_services=3, density=0.1)
    model = district.strengthened_model(inst, cheapest=False)
    ref = solve_mip(model, time_limit_s=30)
    sol = solve_mip(model, time_limit_s=30, options=district.SUPPORT_OPTIONS)
    assert sol.optimal and sol.objective == pytest.approx(ref.objective)
    capped = solve_mip(model, time_limit_s=30, options={"mip_max_nodes": 0})  # (the option is applied)
    assert not capped.optimal
    with pytest.raises(ValueError, match="no_such_option"):
        solve_mip(model, time_limit_s=30, options={"no_such_option": 1})
    with pytest.raises(ValueError, match="mip_rel_gap"):
        solve_mip(model, time_limit_s=30, options={"mip_rel_gap": "wide"})


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"seed{c['seed']}")
def test_support_models_tell_each_plan_they_find(case):
    inst = _instance(case)
    root = district.solve_root(inst, time_limit_s=10)
    x = district.greedy_plan(inst, Prepared(inst))
    assert x is not None
    found: list[np.ndarray] = []
    y = district.support_plan(inst, root, x, time_limit_s=10, cheapest=False, neighbourhood=0.5, found=found.append)
    assert all(not inst.feasibility_problems(f) for f in found)
    assert y is not None and inst.coverage_value(y) == max(inst.coverage_value(f) for f in [y, x, *found])
    noted: list[float] = []
    z = district.improve_by_support(inst, root, x, steps=((1.0, 0.0), (1.0, 0.5)), cheapest=False,
                                    remaining=lambda share: 10.0, note=noted.append)
    assert all(a < b for a, b in zip(noted, noted[1:]))  # only improvements, as they were found
    assert inst.coverage_value(z) == (noted[-1] if noted else inst.coverage_value(x))


@pytest.mark.parametrize("threads", [1, 2], ids=["sequential", "concurrent"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"seed{c['seed']}")
def test_solve_through_the_district_core_is_exact(case, threads, monkeypatch):
    monkeypatch.setattr(district, "ROOT_MIN_OPTIONS", 0)
    inst = _instance(case)
    best, cheapest = _optimum(case)
    res = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=SolveParameters(time_limit_s=30, threads=threads),
                         reduce=False)
    assert any(s.name == "district_root" for s in res.stages)
    assert res.termination is Termination.OPTIMAL
    assert not inst.feasibility_problems(res.x)
    assert res.coverage == best and res.cost == cheapest
    # the result names every solver that did part of the work, not only the LP root's
    assert res.solver.split(" + ") == list(dict.fromkeys(s.solver for s in res.stages if s.solver))
    # with two threads the warm start ran beside the LP root, and its value is still reported
    assert ("heuristic_beside" in res.timings) == (threads >= 2) and res.heuristic_value is not None
    assert res.best_bound >= best
    assert res.trace and res.trace[-1].objective == best
    assert all(e.bound is None or e.bound >= best for e in res.trace)  # every bound on the way is valid


@pytest.mark.parametrize("case", CASES[:3], ids=lambda c: f"seed{c['seed']}")
def test_side_work_starts_from_the_warm_start_before_the_rounding(case, monkeypatch):
    import solver.engine.solve as solve_mod

    monkeypatch.setattr(district, "ROOT_MIN_OPTIONS", 0)
    started = threading.Event()
    seen: list[bool] = []
    real_lagrangian, real_rounding = solve_mod._budget_lagrangian, district.rounded_plan

    def lagrangian(*args, **kw):
        started.set()
        return real_lagrangian(*args, **kw)

    def rounding(*args, **kw):
        seen.append(started.wait(10))  # the side thread is already on the Lagrangian subproblem
        return real_rounding(*args, **kw)

    monkeypatch.setattr(solve_mod, "_budget_lagrangian", lagrangian)
    monkeypatch.setattr(district, "rounded_plan", rounding)
    inst = _instance(case)
    res = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=SolveParameters(time_limit_s=30, threads=2),
                         reduce=False)
    assert seen and seen[0]  # (the later calls: district.within_budget cutting a side plan down)
    assert res.termination is Termination.OPTIMAL and res.coverage == _optimum(case)[0]
    assert res.cost == _optimum(case)[1]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"seed{c['seed']}")
def test_budget_lagrangian_bounds_every_plan_at_any_price(case):
    inst = _instance(case)
    best, _ = _optimum(case)
    root = district.solve_root(inst, time_limit_s=10)
    assert root is not None and root.budget_dual is not None and root.budget_dual >= 0
    for mu in (0.0, root.budget_dual * 0.5, root.budget_dual, root.budget_dual * 2 + 1e-3):
        model = district.budget_relaxed_model(inst, mu)
        assert "budget" not in model.row_blocks
        sol = solve_mip(model, time_limit_s=10)
        assert sol.optimal and sol.bound is not None
        bound = district.lagrangian_bound(inst, mu, sol.bound)
        assert bound >= best - 1e-6  # weak duality: no plan within the budget covers more
        x = model.block(sol.values, "x") > 0.5
        y = district.within_budget(inst, x)
        if y is not None:
            assert not inst.feasibility_problems(y)
        if not inst.feasibility_problems(x):  # a plan that fits is optimal for what it spends (Everett)
            assert inst.coverage_value(x) >= max(c for _, c, k in _plans(repr(case)) if k <= inst.plan_cost(x))
    with pytest.raises(ValueError):
        district.budget_relaxed_model(inst, -1.0)


def test_ctrl_c_still_reaches_python_after_a_concurrent_solve(monkeypatch):
    """Only the main thread runs SCIP (two SCIP solves in two threads that each installed and restored the
    SIGINT handler, ending in the order they started, left SCIP's handler behind: Ctrl-C was swallowed)."""
    import os
    import signal
    import time

    monkeypatch.setattr(district, "ROOT_MIN_OPTIONS", 0)
    # Python's own handler to start from: a test run started in the background by a shell without job control
    # inherits SIGINT ignored (the CLI keeps it so, tests/test_interrupt.py), which is not what this tests
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        inst = _instance(CASES[1])
        res = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=SolveParameters(time_limit_s=30, threads=2),
                             reduce=False)
        assert any(s.name == "budget_lagrangian" for s in res.stages)
        before = _sigint_state()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(2.0)
            pytest.fail(f"Ctrl-C did not reach Python; before the signal: {before}; after: {_sigint_state()}")
    finally:
        signal.signal(signal.SIGINT, old)


def _sigint_state() -> str:
    """What decides where a SIGINT goes (for a failure's message): the C-level handler, Python's handler,
    the main thread's blocked signals, the threads."""
    import ctypes
    import signal

    class Action(ctypes.Structure):  # struct sigaction of glibc on Linux
        _fields_ = [("handler", ctypes.c_void_p), ("mask", ctypes.c_ulong * 16), ("flags", ctypes.c_int),
                    ("restorer", ctypes.c_void_p)]

    action = Action()
    ctypes.CDLL(None).sigaction(signal.SIGINT, None, ctypes.byref(action))
    blocked = sorted(int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, []))
    return (f"C handler {action.handler:#x}, Python handler {signal.getsignal(signal.SIGINT)!r}, blocked in the "
            f"main thread {blocked}, threads {[t.name for t in threading.enumerate()]}")


def test_highs_built_in_several_threads_at_once_leaves_stdout_alone():
    """Building a HiGHS points file descriptor 1 at /dev/null for its banner; two threads doing it at once
    (the district core's two threads) once left the process's stdout at /dev/null."""
    import os

    from solver.engine.backends.highs_lp import _silent_highs

    before = os.fstat(1)

    def build() -> None:
        for _ in range(50):
            _silent_highs()

    threads = [threading.Thread(target=build) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = os.fstat(1)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)


def test_ctrl_c_returns_only_after_the_side_thread_has_ended(monkeypatch):
    """A Ctrl-C during SCIP on the rest leaves the solve only once the side thread's HiGHS solve has
    stopped (one still running while the interpreter exits corrupted the heap: the process aborted
    instead of exiting 130)."""
    import time

    import solver.engine.solve as solve_mod

    monkeypatch.setattr(district, "ROOT_MIN_OPTIONS", 0)
    entered, ended = threading.Event(), threading.Event()
    real_solve_mip = solve_mod.solve_mip

    def slow_side_solve(model, **kw):  # the side's Lagrangian subproblem: stops late, as HiGHS may
        entered.set()
        kw["stop"].wait(10)
        time.sleep(0.5)
        res = real_solve_mip(model, **kw)
        ended.set()
        return res

    def interrupted_rest(*args, **kw):
        assert entered.wait(10)
        raise KeyboardInterrupt

    monkeypatch.setattr(solve_mod, "solve_mip", slow_side_solve)
    monkeypatch.setattr(solve_mod, "_district_rest", interrupted_rest)
    with pytest.raises(KeyboardInterrupt):
        solve_instance(_instance(CASES[1]), mode=Mode.MAX_COVERAGE,
                       params=SolveParameters(time_limit_s=30, threads=2), reduce=False)
    assert ended.is_set()
    assert not [t for t in threading.enumerate() if t.name == "district-side"]


# cases where full coverage is possible (the others of CASES are not: areas forbid it)
COVER_CASES = CASES + [dict(seed=8, density=0.5, n_items=25), dict(seed=23, density=0.5, n_items=25),
                       dict(seed=24, density=0.5, n_items=25, caps=True)]


@pytest.mark.parametrize("threads", [1, 2], ids=["sequential", "concurrent"])
@pytest.mark.parametrize("stages", [True, False], ids=["two-stages", "lexicographic"])
@pytest.mark.parametrize("case", COVER_CASES, ids=lambda c: f"seed{c['seed']}")
def test_cover_mode_with_area_covers_and_its_fallback_are_exact(case, stages, threads, monkeypatch):
    """Full coverage at least cost on the strengthened cover model; where areas or caps make it impossible,
    the most coverage at least cost by the two stages of most_coverage.py, its bound on cost below the
    cost; and where stage A hands over, through the district core, without support models (no budget),
    its cost reported as proven."""
    from solver.engine import most_coverage

    monkeypatch.setattr(district, "ROOT_MIN_OPTIONS", 0)

    def no_support(*args, **kwargs):
        raise AssertionError("a support model ran without a budget")

    monkeypatch.setattr(district, "support_plan", no_support)
    if not stages:
        monkeypatch.setattr(most_coverage, "solve", lambda *args, **kwargs: None)
    inst = _free(case)
    plans = _plans(repr(case), True)
    reach = np.diff(inst.cover.tocsr().indptr) > 0
    full = [k for x, _, k in plans if inst.covered_items(x)[reach].all()]
    res = solve_instance(inst, mode=Mode.COVER, params=SolveParameters(time_limit_s=30, threads=threads))
    assert res.termination is Termination.OPTIMAL and not inst.feasibility_problems(res.x)
    if full:
        assert not res.message and res.cost == pytest.approx(min(full))
        assert res.best_bound == pytest.approx(min(full))
        return
    best = max(c for _, c, _ in plans)
    names = [s.name for s in res.stages]
    assert "impossible" in res.message
    assert res.coverage == best
    assert res.cost == pytest.approx(min(k for _, c, k in plans if c == best))
    if stages:
        assert names[-2:] == ["most_coverage", "least_cost_at_most_coverage"]
        assert res.best_bound <= res.cost + 1e-6 and res.best_bound >= res.cost - 1e-6 * res.cost
    else:
        assert "district_root" in names and "most_coverage" not in names
        assert res.best_bound == pytest.approx(res.cost)


@pytest.mark.parametrize("case", COVER_CASES, ids=lambda c: f"seed{c['seed']}")
def test_strengthened_cover_keeps_every_full_cover_and_tightens_the_lp(case):
    from models.lscp import build_cover

    inst = _free(case)
    model = district.strengthened_cover(inst)
    plain = build_cover(inst)
    assert model.n_vars == plain.n_vars and model.n_rows >= plain.n_rows
    reach = np.diff(inst.cover.tocsr().indptr) > 0
    for x, _, _ in _plans(repr(case), True):
        if inst.covered_items(x)[reach].all():  # a full cover satisfies every row
            act = model.A @ district.plan_vector(inst, x)[: model.n_vars]
            rows = np.ones(model.n_rows, dtype=bool)
            rows[np.flatnonzero(~reach) + model.row_blocks["cover"][0]] = False  # (no plan covers those)
            assert np.all(act[rows] <= model.row_ub[rows] + 1e-9) and np.all(act[rows] >= model.row_lb[rows] - 1e-9)
    a, b = solve_relaxation(model, time_limit_s=10), solve_relaxation(plain, time_limit_s=10)
    if a.optimal and b.optimal:
        assert a.objective >= b.objective - 1e-6  # minimisation: the covers only raise the LP bound
