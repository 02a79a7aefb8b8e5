"""Exact reuse between the levels of a budget sweep (solver/plans/sweep.py)."""

from __future__ import annotations

from models.mode import Mode
from solver.engine.result import Termination
from solver.engine.solve import PlanResult
from solver.plans.sweep import _bounds_from_above


def _res(coverage, bound, term=Termination.FEASIBLE):
    return PlanResult(termination=term, mode=Mode.MAX_COVERAGE, x=None, coverage=coverage, cost=1.0,
                      best_bound=bound, wall_s=0.0, stages=[], sizes={}, solver="")


def test_a_higher_levels_bound_bounds_every_lower_level_and_nothing_else_changes():
    levels = [_res(90, 120), _res(100, 110), _res(104, 130), _res(108, 108, Termination.OPTIMAL)]
    out = _bounds_from_above(levels)
    assert [r.best_bound for r in out] == [108, 108, 108, 108]
    assert out[3] is levels[3]  # the top level keeps its own
    assert [r.termination for r in out] == [r.termination for r in levels]  # the cost tie-break is not proven
    assert [r.coverage for r in out] == [90, 100, 104, 108]


def test_a_bound_is_never_below_the_levels_own_plan_and_missing_bounds_are_filled():
    levels = [_res(100, None), _res(95, 99)]  # (a lower level's plan above the next bound: its own value stands)
    out = _bounds_from_above(levels)
    assert out[0].best_bound == 100
    assert out[1] is levels[1]
    infeasible = _res(None, None, Termination.INFEASIBLE)
    assert _bounds_from_above([infeasible, _res(5, 6)])[0] is infeasible
