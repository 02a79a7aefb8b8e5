"""Solving with coverage targets per area: grade mode, fairness floors and max-min (models/grade.py).

    solve_grade(instance with targets, params=...)    least cost, every reachable area meets its rows
    solve_fair(instance with targets, params=...)     max coverage with floors, or max-min then max total

Grade mode, exactly: a row that even opening every option cannot meet (its reach, computed
from the instance: before + the demand some option reaches) makes its area unmet; that
area's rows are dropped and the rest is solved (least cost, then most coverage). When the
remaining rows cannot hold together (space areas, street caps), the model that meets the
most areas, then at least cost, decides which. Which areas are met is read back from the
plan by the caller (solver/results/grading.py), never from solver variables.

Fairness: the floors are rows of the max-coverage model. A floor no plan can reach is
lowered to what can be reached (and reported); floors the budget cannot pay for give an
infeasible status with the least cost of the floors (a grade-mode solve of the same rows).
The unconstrained optimum at the same budget is solved too: what fairness costs.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from models.grade import (
    build_grade,
    build_grade_most_areas,
    build_max_coverage_floors,
    build_max_min,
    floors_at,
    max_min_level,
)
from models.instance import Instance
from models.mode import Mode

from ..choices import Backend, Engine
from . import district, grade_core
from .backends import solve_linear
from .heuristics import greedy_cover
from .outcome import PlanResult, StageReport, solvers_of
from .reduce import reduce_instance
from .result import Settings, SolveParameters, Termination, TraceEvent


def _full(inst: Instance, x: np.ndarray, extra: int = 0) -> np.ndarray:
    """The variables (x, u, y) of plan ``x`` (district.plan_vector), then ``extra`` zeros."""
    return np.concatenate([district.plan_vector(inst, x), np.zeros(extra)])


def reachable_rows(inst: Instance) -> Instance:
    """Grade mode's instance: without the target rows of the areas that no plan can bring to the
    target (those areas are reported, not planned), and without a budget."""
    t = inst.targets
    assert t is not None, "grade mode needs targets"
    keep = ~np.isin(t.area, np.unique(t.area[~t.reachable()]))
    return replace(inst, targets=t.subset(keep), budget=None)


def trimmed_cover(inst: Instance) -> np.ndarray | None:
    """A plan meeting every target row: the greedy full cover, then options dropped (dearest first)
    while the rows and the plan's constraints still hold. None when the greedy finds none."""
    x = greedy_cover(inst)
    if x is None or not inst.targets_met(x).all():
        return None
    return grade_core.trim(inst, x)


def _run(model, params: SolveParameters, deadline: float, *, backend, engine, hint):
    p = replace(params, time_limit_s=max(1.0, deadline - time.perf_counter()))
    return solve_linear(model, p, backend=backend, engine=engine, hint=hint, settings=Settings.GENERAL)


def solve_grade(inst: Instance, *, params: SolveParameters, backend: Backend | str = Backend.ORTOOLS,
                engine: Engine | str = Engine.SCIP, reduce: bool = True, solve_plain=None) -> PlanResult:
    """The least-cost plan under which every area that can meet its target rows does."""
    t0 = time.perf_counter()
    deadline = t0 + params.time_limit_s
    t = inst.targets
    assert t is not None, "grade mode needs targets"
    ok_rows = t.reachable()
    work = reachable_rows(inst)
    red = reduce_instance(work, cover_mode=False) if reduce else None
    r = red.instance if red is not None else work
    sizes = dict(red.sizes) if red is not None else {}
    unreachable_must = int(np.sum(inst.item_must & (np.diff(inst.cover.tocsr().indptr) == 0)))
    if unreachable_must:
        return PlanResult(termination=Termination.INFEASIBLE, mode=Mode.GRADE, x=None, coverage=None, cost=None,
                          best_bound=None, wall_s=time.perf_counter() - t0, stages=[], sizes=sizes, solver="",
                          message=f"{unreachable_must} must-cover item(s) cannot be reached by any option")
    sizes["target_rows"] = int(t.n_rows)
    sizes["target_rows_unreachable"] = int((~ok_rows).sum())
    stages: list = []
    trace: list[TraceEvent] = []
    last: list[float | None] = [None, None]  # the best plan's cost and the best bound so far

    def note(cost: float | None, bound: float | None) -> None:
        if cost is not None and (last[0] is None or cost < last[0]):
            last[0] = cost
        if bound is not None and (last[1] is None or bound > last[1]):
            last[1] = bound
        trace.append(TraceEvent(t_s=time.perf_counter() - t0, objective=last[0], bound=last[1]))

    hint_x = trimmed_cover(r)
    message = ""
    x_red: np.ndarray | None
    bound: float | None
    core = None
    if grade_core.applies(r) and Backend(backend) is Backend.ORTOOLS and Engine(engine) is Engine.SCIP:
        core = grade_core.solve(r, hint_x, deadline=deadline, relative_gap=params.relative_gap, stages=stages,
                                note=note)
    if core is not None:
        x_red, term, bound = core
    else:  # small instances, or no plan to start from (the rows may not hold together: SCIP decides)
        model = build_grade(r)
        res = _run(model, params, deadline, backend=backend, engine=engine,
                   hint=None if hint_x is None else _full(r, hint_x))
        stages.append(StageReport(name="grade_min_cost", termination=res.termination, objective=res.objective,
                                  best_bound=res.best_bound, wall_s=res.wall_s, solver=res.solver))
        term = res.termination
        x_red = model.block(res.values, "x") > 0.5 if term.has_solution and res.values is not None else None
        bound = res.best_bound
        if x_red is not None and hint_x is not None and r.plan_cost(hint_x) < r.plan_cost(x_red):
            x_red = hint_x
        if x_red is None and hint_x is not None and term is Termination.NO_SOLUTION:
            x_red, term = hint_x, Termination.FEASIBLE
    if term is Termination.INFEASIBLE:
        # the rows cannot hold together: meet as many areas as possible, then at least cost
        model2 = build_grade_most_areas(r)
        res2 = _run(model2, params, deadline, backend=backend, engine=engine, hint=None)
        stages.append(StageReport(name="grade_most_areas", termination=res2.termination, objective=res2.objective,
                                  best_bound=res2.best_bound, wall_s=res2.wall_s, solver=res2.solver))
        term = res2.termination
        x_red = model2.block(res2.values, "x") > 0.5 if term.has_solution and res2.values is not None else None
        bound = None
        message = ("the streets' targets cannot all be met together (space areas, street caps or must-open "
                   "services): the plan meets as many as possible, at least cost")
    if bound is not None and np.isfinite(bound):
        g = r.cost_granularity()  # the model's objective is cost / g, a whole number
        bound = float(np.ceil(bound - 1e-6) * g)
    wall = time.perf_counter() - t0
    solver = solvers_of(stages)
    if x_red is None:
        return PlanResult(termination=term, mode=Mode.GRADE, x=None, coverage=None, cost=None, best_bound=None,
                          wall_s=wall, stages=stages, sizes=sizes, solver=solver, message=message,
                          timings={"solve": wall})
    x = red.expand_x(x_red, inst.n_options) if red is not None else x_red
    cost = inst.plan_cost(x)
    if term is Termination.OPTIMAL and bound is not None:
        bound = min(bound, cost)
    trace.append(TraceEvent(t_s=wall, objective=cost, bound=bound))
    return PlanResult(termination=term, mode=Mode.GRADE, x=x, coverage=inst.coverage_value(x), cost=cost,
                      best_bound=bound, wall_s=wall, stages=stages, sizes=sizes, solver=solver, message=message,
                      timings={"solve": wall}, trace=tuple(trace))


def solve_fair(inst: Instance, *, params: SolveParameters, backend: Backend | str = Backend.ORTOOLS,
               engine: Engine | str = Engine.SCIP, reduce: bool = True, solve_plain=None) -> PlanResult:
    """Max coverage within the budget with floors (or max-min first), and the unconstrained optimum
    (``solve_plain``: solver/engine/solve.py solve_instance, passed in to keep imports one way)."""
    t0 = time.perf_counter()
    deadline = t0 + params.time_limit_s
    t = inst.targets
    assert t is not None
    assert solve_plain is not None
    free = solve_plain(replace(inst, targets=None, max_min=False), mode=Mode.MAX_COVERAGE,
                          params=replace(params, time_limit_s=max(1.0, params.time_limit_s / 3)),
                          backend=backend, engine=engine, reduce=reduce)
    details: dict = {"unconstrained_coverage": free.coverage, "unconstrained_cost": free.cost,
                     "unconstrained_status": free.termination.value, "unconstrained_gap": free.gap,
                     "unconstrained_x": free.x}
    stages: list = []
    work = inst
    x1: np.ndarray | None = None
    if inst.max_min:
        red1 = reduce_instance(inst, cover_mode=False) if reduce else None
        r1 = red1.instance if red1 is not None else inst
        m1 = build_max_min(r1)
        hint1 = None
        if free.x is not None:  # the unconstrained optimum is a max-min plan too: the level to beat
            xf = free.x[red1.option_keep] if red1 is not None else free.x
            if red1 is None or int(xf.sum()) == int(free.x.sum()):
                hint1 = _full(r1, xf, extra=1)
                hint1[-1] = max_min_level(r1, xf)
        res1 = _run(m1, params, deadline - (deadline - time.perf_counter()) / 2, backend=backend, engine=engine,
                    hint=hint1)
        stages.append(StageReport(name="max_min", termination=res1.termination, objective=res1.objective,
                                  best_bound=res1.best_bound, wall_s=res1.wall_s, solver=res1.solver))
        if not res1.termination.has_solution or res1.values is None:
            return PlanResult(termination=res1.termination, mode=Mode.MAX_COVERAGE, x=None, coverage=None, cost=None,
                              best_bound=None, wall_s=time.perf_counter() - t0, stages=stages, sizes={}, solver="",
                              message="max-min: no plan found", details=details)
        x1 = m1.block(res1.values, "x") > 0.5
        x1 = red1.expand_x(x1, inst.n_options) if red1 is not None else x1
        level = max_min_level(inst, x1)
        if free.x is not None and max_min_level(inst, free.x) > level:
            x1, level = free.x, max_min_level(inst, free.x)
        details.update(max_min_level_pct=level, max_min_status=res1.termination.value,
                       max_min_bound_pct=None if res1.best_bound is None else float(min(100.0, res1.best_bound)))
        work = floors_at(inst, level)
    else:
        wt = work.targets
        assert wt is not None
        low = ~wt.reachable()
        if low.any():  # a floor no plan reaches: lowered to what can be reached
            pct = wt.pct.copy()
            pct[low] = np.floor(100.0 * wt.reach[low] / np.maximum(wt.total[low], 1e-300) * 1e6) / 1e6
            work = replace(work, targets=replace(wt, pct=pct))
            details["floors_lowered"] = int(low.sum())
    # a plan known to meet the floors: the max-min stage's, or the unconstrained optimum when it does
    start = x1 if inst.max_min else (free.x if free.x is not None and work.targets_met(free.x).all() else None)
    red = reduce_instance(work, cover_mode=False) if reduce else None
    r = red.instance if red is not None else work
    model = build_max_coverage_floors(r)
    hint = None
    if start is not None:
        xs = start[red.option_keep] if red is not None else start
        if red is None or int(xs.sum()) == int(start.sum()):
            hint = _full(r, xs)
    res = _run(model, params, deadline, backend=backend, engine=engine, hint=hint)
    stages.append(StageReport(name="max_coverage_floors", termination=res.termination, objective=res.objective,
                              best_bound=res.best_bound, wall_s=res.wall_s, solver=res.solver))
    term = res.termination
    message = ""
    sizes = dict(red.sizes) if red is not None else {}
    wall = time.perf_counter() - t0
    if (not term.has_solution or res.values is None) and start is not None and term is not Termination.INFEASIBLE:
        coverage = inst.coverage_value(start)  # stopped without a plan: the known plan, unproven
        return PlanResult(termination=Termination.FEASIBLE, mode=Mode.MAX_COVERAGE, x=start, coverage=coverage,
                          cost=inst.plan_cost(start), best_bound=None, wall_s=wall, stages=stages, sizes=sizes,
                          solver=res.solver, message="the time limit came before a better plan: the plan of the "
                          + ("max-min stage" if inst.max_min else "unconstrained optimum, which meets the floors"),
                          details=details, timings={"solve": wall})
    if not term.has_solution or res.values is None:
        if term is Termination.INFEASIBLE and not inst.max_min:
            least = solve_grade(replace(work, budget=None), params=replace(params, time_limit_s=max(
                1.0, deadline - time.perf_counter())), backend=backend, engine=engine, reduce=reduce)
            if least.cost is not None:
                details["floors_least_cost"] = least.cost
                message = (f"the fairness floors cost at least {least.cost:,.0f} yuan, more than the budget "
                           f"{inst.budget:,.0f}" if least.termination is Termination.OPTIMAL else
                           f"the fairness floors need a plan of about {least.cost:,.0f} yuan (not proven least)")
        return PlanResult(termination=term, mode=Mode.MAX_COVERAGE, x=None, coverage=None, cost=None, best_bound=None,
                          wall_s=time.perf_counter() - t0, stages=stages, sizes=sizes, solver=res.solver,
                          message=message, details=details, timings={"solve": wall})
    x_red = model.block(res.values, "x") > 0.5
    x = red.expand_x(x_red, inst.n_options) if red is not None else x_red
    from models.mclp import coverage_bound

    bound = coverage_bound(r, res.best_bound, cheapest=True)
    coverage = inst.coverage_value(x)
    if term is Termination.OPTIMAL and bound is not None:
        bound = max(bound, coverage)
    if free.coverage is not None:
        details["fairness_gives_up"] = free.coverage - coverage
    return PlanResult(termination=term, mode=Mode.MAX_COVERAGE, x=x, coverage=coverage, cost=inst.plan_cost(x),
                      best_bound=bound, wall_s=time.perf_counter() - t0, stages=stages, sizes=sizes,
                      solver=res.solver, message=message, details=details, timings={"solve": wall})
