"""Cover mode where full coverage is impossible (space areas, street caps): the most coverage any plan
reaches, then the least cost among the plans that reach it, in two exact stages.

Stage A: the most coverage, without budget and without a cost term (models/mclp.py with
``cheapest=False`` and district.py's area cover rows): z*, proven when the solver's bound, floored to
the coverage granularity, is z* itself.

Stage B: the least cost subject to coverage >= z* (models/lscp.py ``build_least_cost_at_coverage``),
with y_k = 1 on the items K that every plan of coverage z* covers (``always_covered``):

- an item of weight W_k > 0 that some option o reaches, where adding o to any plan keeps every row:
  o's space holds all its eligible options together (its area row never binds), o's service needs no
  host, no street cap covers the space, and there is no budget. A plan of coverage z* leaving k
  uncovered would cover z* + W_k with o added, more than the most: so there is none;
- an item with W_k > W - z* (W: the weight of every item some option reaches): a plan leaving it
  uncovered covers less than z*.

The coverage row alone lets the LP cover every item a little (on a 50-street district its LP bound
was 3.8 % below the plans and SCIP ended 1 % from them at 60 s); with K covered outright it is the
cover model on all but a few items (0.01 % at 60 s; benchmarks/README.md, "Cover mode when full
coverage is impossible"). The solver's bound on stage B bounds the cost of every plan of most coverage.
The lexicographic one-model alternative (coverage - eps cost, models/mclp.py) gives no usable bound on
cost: eps is about 1e-9 of the coverage, below the solver's tolerances.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from models.instance import Instance
from models.lscp import build_least_cost_at_coverage
from models.mclp import coverage_bound
from models.structure import plan_layout, plan_values

from . import district
from .grade_core import trim
from .outcome import StageReport
from .result import BackendResult, Settings, Termination

# Share of the time left for stage A (it proved the most coverage in 0.6-0.8 s at 50 streets).
STAGE_A_SHARE = 0.3


def always_covered(inst: Instance, coverage: float) -> np.ndarray:
    """Bool per item: every plan covering ``coverage`` (the most any plan covers) covers it (module
    docstring)."""
    w = np.asarray(inst.item_weight, dtype=float)
    out = w > w.sum() - coverage + 1e-9 * max(1.0, abs(coverage))
    if inst.budget is not None:
        return out
    need = np.bincount(inst.opt_site, weights=inst.option_area, minlength=inst.n_sites)
    free_site = need <= inst.site_area + 1e-9
    for cap in inst.group_caps:
        free_site &= inst.site_group != cap.group
    free = free_site[inst.opt_site] & ~np.isin(inst.opt_service, list(inst.service_hosts))
    reached = np.asarray(inst.cover.tocsr() @ free.astype(float)).ravel() > 0
    return out | (reached & (w > 0))


def trimmed(inst: Instance, x: np.ndarray, coverage: float) -> np.ndarray:
    """``x`` with options dropped, dearest first (grade_core.trim), while it covers ``coverage`` and keeps
    every row: a first plan for stage B."""
    return trim(inst, x, lambda y: inst.coverage_value(y) >= coverage and not inst.feasibility_problems(y))


def _values(inst: Instance, x: np.ndarray) -> np.ndarray:
    return np.concatenate([plan_values(inst, plan_layout(inst), x), inst.covered_items(x).astype(float)])


def solve(r: Instance, hint: np.ndarray | None, run: Callable[..., BackendResult], stages: list[StageReport], *,
          settings: Settings | None) -> tuple[np.ndarray | None, Termination, float | None] | None:
    """(plan, status, bound on its cost) by the two stages; None when stage A did not prove the most
    coverage (the caller then solves the lexicographic model). ``run(model, hint, share, settings, gap)``
    solves a model within a share of the time left (stage A to a gap of 0: K holds only at the most)."""
    model = district.strengthened_model(r, cheapest=False)
    res = run(model, None if hint is None else _values(r, hint), share=STAGE_A_SHARE, settings=settings, gap=0.0)
    x_a = model.block(res.values, "x") > 0.5 if res.termination.has_solution and res.values is not None else None
    if x_a is not None and hint is not None and r.coverage_value(hint) > r.coverage_value(x_a):
        x_a = hint
    top = coverage_bound(r, res.best_bound, cheapest=False)
    z = None if x_a is None else r.coverage_value(x_a)
    proven = z is not None and top is not None and r.floor_coverage(top) < z + r.coverage_granularity() - 1e-9
    stages.append(StageReport(name="most_coverage", termination=Termination.OPTIMAL if proven else res.termination,
                              objective=z, best_bound=top, wall_s=res.wall_s, solver=res.solver))
    if not proven or x_a is None or z is None or r.feasibility_problems(x_a):
        return None
    start = trimmed(r, x_a, z)
    model = district.with_area_covers(build_least_cost_at_coverage(r, z, always_covered(r, z)), r)
    res = run(model, _values(r, start), settings=settings)
    found = model.block(res.values, "x") > 0.5 if res.termination.has_solution and res.values is not None else None
    ok = found is not None and r.coverage_value(found) >= z and not r.feasibility_problems(found)
    x = found if found is not None and ok and r.plan_cost(found) <= r.plan_cost(start) else start
    cost = r.plan_cost(x)
    term = Termination.OPTIMAL if res.termination is Termination.OPTIMAL and ok else Termination.FEASIBLE
    bound = None if res.best_bound is None or not np.isfinite(res.best_bound) else min(float(res.best_bound), cost)
    stages.append(StageReport(name="least_cost_at_most_coverage", termination=term, objective=cost, best_bound=bound,
                              wall_s=res.wall_s, solver=res.solver))
    return x, term, bound
