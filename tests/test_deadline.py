"""The textbook solve within its time limit: the search's clock stop, the compilation in the
background (solver/engine/warmup.py), the subgradient bound when the LP root does not solve,
and the suite's Máximo rows (no timings are asserted: benchmarks/ measures those)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from factories import textbook_instance, textbook_plans

from models.mode import Mode
from solver.engine import ils, lagrangian, warmup
from solver.engine.result import SolveParameters, Termination


def _optimum(inst, p):
    return max(cov for _, cov in textbook_plans(inst, p))


def test_the_warm_up_compiles_once_and_reports_when_ready():
    warmup.start()
    warmup.start()  # once per process
    assert warmup.wait(600)
    assert warmup.ready() and warmup.started()
    info = warmup.info()
    assert "error" not in info and info["seconds"] >= 0
    assert warmup.cache_is_warm()  # what the next process finds (a cold cache was filled by a separate process)


def test_a_search_stopped_by_the_clock_still_returns_a_checked_plan_no_worse_than_its_start():
    inst = textbook_instance(3, n_sites=40, n_items=400, p=5, density=0.06)
    x0 = np.zeros(inst.n_options, dtype=bool)
    x0[:5] = True
    found = ils.iterated_local_search(inst, x0, work=10**15, seconds=0.0, threads=2)
    assert found.halted  # the work budget alone would run for hours
    assert int(found.x.sum()) == 5
    assert found.coverage == pytest.approx(inst.coverage_value(found.x))
    assert found.coverage >= inst.coverage_value(x0)
    unhalted = ils.iterated_local_search(inst, x0, work=1_000_000, seconds=600.0)
    assert not unhalted.halted


@pytest.mark.parametrize("seed", range(6))
def test_the_subgradient_bound_is_valid_and_not_below_the_lp(seed):
    inst = textbook_instance(40 + seed, n_sites=13, n_items=90, p=3, density=0.2)
    opt = _optimum(inst, 3)
    root = lagrangian.solve_root(inst, time_limit_s=60)
    assert root is not None
    sg = lagrangian.subgradient_bound(inst, target=opt, deadline=time.perf_counter() + 60)
    assert sg >= opt - 1e-9
    assert sg >= root.lp_objective - 1e-6  # no multiplier beats the LP (the subproblem is integral)
    assert sg <= inst.item_weight.sum() + 1e-9


def test_without_the_lp_root_the_solve_still_reports_a_valid_bound(monkeypatch):
    from solver.engine import solve
    from solver.engine.solve import solve_instance

    monkeypatch.setattr(lagrangian, "ROOT_MIN_OPTIONS", 0)
    monkeypatch.setattr(solve, "PROOF_MAX_OPTIONS", 0)
    monkeypatch.setattr(lagrangian, "solve_root", lambda inst, time_limit_s: None)  # as if the LP ran out of time
    for seed in range(4):
        inst = textbook_instance(300 + seed, n_sites=13, n_items=90, p=3, density=0.2)
        res = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=SolveParameters(time_limit_s=60), cheapest=False)
        assert res.sizes.get("lp_root_failed") == 1
        assert any(s.name == "lagrangian_subgradient" for s in res.stages)
        assert res.termination.has_solution
        assert res.best_bound is not None and res.best_bound >= _optimum(inst, 3) - 1e-9
        assert res.best_bound <= inst.item_weight.sum()
        if res.termination is Termination.OPTIMAL:
            assert res.coverage == pytest.approx(_optimum(inst, 3))


def test_a_spent_time_limit_skips_the_search_and_scip_with_a_valid_bound(monkeypatch):
    """A deadline already passed when the search is due: no search, no SCIP stage, the root's bound."""
    from solver.engine import solve
    from solver.engine.solve import solve_instance

    monkeypatch.setattr(lagrangian, "ROOT_MIN_OPTIONS", 0)
    monkeypatch.setattr(solve, "PROOF_MAX_OPTIONS", 0)
    real_root = lagrangian.solve_root

    def slow_root(inst, time_limit_s):
        root = real_root(inst, time_limit_s=time_limit_s)
        time.sleep(1.2)  # the LP took the whole (tiny) time limit
        return root

    monkeypatch.setattr(lagrangian, "solve_root", slow_root)
    inst = textbook_instance(500, n_sites=60, n_items=300, p=6, density=0.08)
    res = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=SolveParameters(time_limit_s=1.0), cheapest=False)
    assert res.termination is Termination.FEASIBLE  # the root proved nothing here
    assert res.sizes.get("search_skipped") == 1 and res.sizes.get("scip_skipped") == 1
    assert [s.name for s in res.stages] == ["lp_root"]
    assert res.best_bound >= res.coverage
    root = real_root(inst, time_limit_s=60)
    assert res.best_bound <= root.bound + 1e-6  # the root's (valid) bound, not a trivial one


def test_the_maximo_rows_cover_every_p_with_a_literature_value():
    from benchmarks.reference import MAXIMO_CITIES, MAXIMO_LITERATURE, MAXIMO_P, maximo_case

    assert MAXIMO_P == (50, 60, 70, 80, 90, 100)
    for city in MAXIMO_CITIES:
        values = [MAXIMO_LITERATURE[(city, p)][0] for p in MAXIMO_P]
        assert values == sorted(values)  # more sites never cover less
        for p in MAXIMO_P:
            assert maximo_case(city, p).literature is not None
