"""`siting sweep --workers N`: the levels of a budget sweep as Dask tasks (the engine of `siting batch`).

    sw = sweep_on_dask(scenario, budgets=[...], options=RunOptions(...), client=client) -> Sweep

The same sweep as :func:`solver.plans.sweep.sweep` (same tables, files and checks), with its
solves spread over the workers: the district is prepared and the budget-free reduction built
once, here, and sent to every worker once (``Client.scatter``); the minimum-cost full-coverage
solve is one task, and each budget level is one task that depends on it, so that a level whose
budget covers the full-coverage plan takes it without a solve (exact, as in the serial sweep).
Levels below that are solved independently, each from the heuristic plan (the serial sweep
warm-starts each level from the plan of the level below, which only a sequential order can
do). Every plan is then checked independently, ranked and reported here as in the serial sweep.
Each level's plan is optimal for its budget in both, but where several plans are optimal the
two may choose different ones. The nested build-up path (``--nested``) is sequential by nature
and is not offered here.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from models.mode import Mode

from ..engine.reduce import reduce_instance
from ..engine.result import Termination
from ..engine.solve import PlanResult, solve_instance
from ..inputs.scenario import Scenario
from ..pipeline import RunOptions, prepare, solve_backend, solve_parameters
from ..results.run import ProgressFn
from .sweep import Sweep, SweepLevel, budget_levels, coverage_table, plan_changes


def _full_task(base, params, backend, engine) -> PlanResult:
    return solve_instance(base, mode=Mode.COVER, params=params, backend=backend, engine=engine)


def _level_task(base, red, budget: float, full: PlanResult, params, backend, engine, label: str
                ) -> tuple[PlanResult, str, float]:
    """One level's plan, as the serial sweep makes it (without the warm start from the level below)."""
    from .sweep import _reusable, solve_level

    t = time.perf_counter()
    res, how = solve_level(base, red, budget, full, reusable=_reusable(full, base), params=params, backend=backend,
                           engine=engine, label=label)
    if how == "solved":
        how = "solved (a Dask task)"
    return res, how, time.perf_counter() - t


def sweep_on_dask(scenario: Scenario, *, budgets: Sequence[float], client: Any, options: RunOptions = RunOptions(),
                  progress: ProgressFn | None = None) -> Sweep:
    """:func:`solver.plans.sweep.sweep` with the full-coverage solve and each level as a Dask task."""
    from distributed import as_completed

    from .sweep import _label

    budgets = budget_levels(budgets=list(budgets))
    t_all = time.perf_counter()
    timings: dict[str, float] = {}
    params = solve_parameters(scenario, options)
    backend = solve_backend(scenario, options)
    engine = options.engine
    t = time.perf_counter()
    prepared = prepare(scenario, budget=None, progress=progress)
    district, items = prepared.district, prepared.items
    base = items.instance
    red = reduce_instance(base, cover_mode=False)
    timings["prepare"] = time.perf_counter() - t
    base_f, red_f = client.scatter([base, red], broadcast=True)
    full_f = client.submit(_full_task, base_f, params, backend, engine, pure=False, priority=10)
    labels = [_label(k, b) for k, b in enumerate(budgets)]
    futures = {client.submit(_level_task, base_f, red_f, b, full_f, params, backend, engine, lab, pure=False): k
               for k, (b, lab) in enumerate(zip(budgets, labels))}
    got: dict[int, tuple[PlanResult, str, float]] = {}
    for f in as_completed(list(futures)):
        k = futures[f]
        got[k] = f.result()
        if progress is not None:
            progress(f"level {labels[k]}: {got[k][0].termination.value}")
    full_res = full_f.result()
    timings["solves"] = time.perf_counter() - t - timings["prepare"]

    def finish(result: PlanResult, mode: Mode, budget: float | None, level_items) -> Any:
        return prepared.complete(result, mode=mode, budget=budget, params=params, backend=backend, engine=engine,
                                 items=level_items, check=options.check)

    full = finish(full_res, Mode.COVER, None, items)
    levels = []
    for k, budget in enumerate(budgets):
        res, how, wall = got[k]
        t = time.perf_counter()
        run = finish(res, Mode.MAX_COVERAGE, budget, replace(items, instance=replace(base, budget=budget)))
        levels.append(SweepLevel(label=labels[k], budget=budget, run=run, how=how,
                                 wall_s=wall + time.perf_counter() - t))
    timings["levels"] = sum(lv.wall_s for lv in levels)
    timings["total"] = time.perf_counter() - t_all
    table = coverage_table(levels, full, district, nested=None)
    changes, sites, first = plan_changes(levels, district)
    return Sweep(scenario=scenario, district=district, levels=levels, full=full,
                 full_reached=full_res.termination is Termination.OPTIMAL and not full_res.message,
                 table=table, changes=changes, sites=sites, spend_first=first, reduction=dict(red.sizes),
                 timings={k: round(v, 4) for k, v in timings.items()}, nested=None)
