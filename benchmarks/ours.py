"""The project's own solver, called through its public API exactly as a user would.

    coverage (sparse) -> models.instance.pure_instance -> solver.engine.solve.solve_instance

MCLP: ``Mode.MAX_COVERAGE`` with budget p (unit site costs), ``cheapest=False``
(the textbook MCLP has no second objective). LSCP: ``Mode.COVER`` (p = None),
objective = number of sites (``PlanResult.cost``).
"""

from __future__ import annotations

import time

import numpy as np

STATUS = {"optimal": "optimal", "feasible": "time_limit", "no_solution": "no_solution", "infeasible": "infeasible"}


def run_ours(inst, cover_fn, case, *, time_limit: float, threads: int = 2) -> dict:
    from models.instance import pure_instance
    from models.mode import Mode
    from solver.engine.result import SolveParameters
    from solver.engine.solve import solve_instance

    t0 = time.perf_counter()
    cover = cover_fn(case.radius, case.rule)
    t1 = time.perf_counter()
    lscp = case.problem == "LSCP"
    pi = pure_instance(cover, inst.demand, p=None if lscp else int(case.p))
    t2 = time.perf_counter()
    res = solve_instance(pi, mode=Mode.COVER if lscp else Mode.MAX_COVERAGE,
                         params=SolveParameters(time_limit_s=float(time_limit), relative_gap=0.0, threads=threads),
                         cheapest=False)
    t3 = time.perf_counter()
    x = None if res.x is None else np.asarray(res.x, dtype=bool)
    objective = None
    if x is not None:
        objective = float(res.cost) if lscp else float(res.coverage)
    detail = {"solver": res.solver, "wall_s": round(res.wall_s, 4),
              "timings": {k: round(v, 4) for k, v in res.timings.items()},
              "sizes": {k: int(v) for k, v in res.sizes.items()}}
    if res.message:
        detail["message"] = res.message
    return {
        "status": STATUS.get(res.termination.value, res.termination.value),
        "objective": objective,
        "bound": None if res.best_bound is None else float(res.best_bound),
        "cover_s": t1 - t0, "model_s": t2 - t1, "solve_s": t3 - t2,
        "nnz": int(cover.nnz), "x": x, "cover": cover, "detail": detail,
    }
