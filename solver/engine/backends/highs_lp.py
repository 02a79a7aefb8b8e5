"""LP relaxations in HiGHS (interior point, through scipy.optimize.linprog).

SCIP's simplex (SoPlex) needs 45 s to more than a minute for the root LP of the
large covering models (BDS1000 with 1,000 sites, the Máximo cities), which are
highly degenerate; HiGHS's interior-point method solves the same LPs in 1-10 s
(benchmarks/README.md, "Why the hard rows stay hard: the root LP"). The
relaxation's row duals feed the Lagrangian bound and reduced-cost fixing of
solver/engine/lagrangian.py. HiGHS ships with scipy, so this adds no dependency.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import vstack

from models.linear import LinearModel


@dataclass(frozen=True, kw_only=True)
class Relaxation:
    """The LP relaxation's solution; ``row_dual`` in the model's objective sense.

    row_dual[i] is d(optimal objective) / d(bound of row i): >= 0 for a binding upper
    bound of a maximisation, and so on. None when the LP did not solve to optimality.
    """

    optimal: bool
    objective: float | None
    values: np.ndarray | None
    row_dual: np.ndarray | None
    wall_s: float
    message: str


def solve_relaxation(model: LinearModel, *, time_limit_s: float) -> Relaxation:
    """Solve the LP relaxation of ``model`` (integrality dropped) with HiGHS IPM + crossover."""
    t0 = time.perf_counter()
    A = model.A.tocsr()
    lb, ub = model.row_lb, model.row_ub
    eq = np.flatnonzero(lb == ub)
    up = np.flatnonzero(np.isfinite(ub) & (lb != ub))
    lo = np.flatnonzero(np.isfinite(lb) & (lb != ub))
    sign = -1.0 if model.maximize else 1.0
    A_ub = vstack([A[up], -A[lo]]).tocsr() if len(up) + len(lo) else None
    b_ub = np.concatenate([ub[up], -lb[lo]]) if A_ub is not None else None
    res = linprog(sign * model.objective, A_ub=A_ub, b_ub=b_ub,
                  A_eq=A[eq] if len(eq) else None, b_eq=ub[eq] if len(eq) else None,
                  bounds=np.column_stack([model.lb, model.ub]), method="highs-ipm",
                  options={"time_limit": max(0.1, float(time_limit_s)), "presolve": True})
    wall = time.perf_counter() - t0
    if res.status != 0 or res.x is None:
        return Relaxation(optimal=False, objective=None, values=None, row_dual=None, wall_s=wall,
                          message=str(res.message))
    dual = np.zeros(model.n_rows)
    # scipy's marginals are d(min objective)/d(b); back to the model's sense with ``sign``.
    if A_ub is not None:
        m = np.asarray(res.ineqlin.marginals, dtype=float) * sign
        dual[up] += m[:len(up)]
        dual[lo] -= m[len(up):]
    if len(eq):
        dual[eq] += np.asarray(res.eqlin.marginals, dtype=float) * sign
    return Relaxation(optimal=True, objective=float(sign * res.fun + model.objective_offset),
                      values=np.asarray(res.x, dtype=float), row_dual=dual, wall_s=wall,
                      message=str(res.message))
