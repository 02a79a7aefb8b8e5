"""PuLP backend (CBC shipped with PuLP): a second, independent solver for cross-checks.

Only the PULP_CBC_CMD solver is used; it runs CBC as a subprocess, so it
never loads a second HiGHS into the process beside OR-Tools.
"""

from __future__ import annotations

import subprocess
import time
import types
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pulp

from models.linear import LinearModel

from ..result import BackendResult, SolveParameters, Termination


@contextmanager
def _cbc_stopped_on_interrupt() -> Iterator[None]:
    """CBC runs as a child process: when Ctrl-C (or anything else) ends the wait for it, stop CBC too,
    rather than leave it running until its time limit (a terminal's Ctrl-C reaches it anyway, a
    SIGINT sent to this process alone does not)."""
    from pulp.apis import coin_api

    real = getattr(coin_api, "subprocess", None)
    if real is None:  # another PuLP layout: nothing to watch
        yield
        return
    started: list[subprocess.Popen] = []

    class Tracked(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    coin_api.subprocess = types.SimpleNamespace(**{**vars(real), "Popen": Tracked})
    try:
        yield
    except BaseException:
        for proc in started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        raise
    finally:
        coin_api.subprocess = real


def solve(model: LinearModel, params: SolveParameters, *, hint: np.ndarray | None = None) -> BackendResult:
    t0 = time.perf_counter()
    prob = pulp.LpProblem(model.name, pulp.LpMaximize if model.maximize else pulp.LpMinimize)
    xs = []
    for i in range(model.n_vars):
        lb = None if not np.isfinite(model.lb[i]) else float(model.lb[i])
        ub = None if not np.isfinite(model.ub[i]) else float(model.ub[i])
        cat = pulp.LpInteger if model.integer[i] else pulp.LpContinuous
        xs.append(pulp.LpVariable(f"v{i}", lowBound=lb, upBound=ub, cat=cat))
    nz = np.flatnonzero(model.objective)
    prob += pulp.LpAffineExpression([(xs[i], float(model.objective[i])) for i in nz]) + float(model.objective_offset)
    A = model.A.tocsr()
    for r in range(model.n_rows):
        cols = A.indices[A.indptr[r]:A.indptr[r + 1]]
        vals = A.data[A.indptr[r]:A.indptr[r + 1]]
        expr = pulp.LpAffineExpression([(xs[c], float(v)) for c, v in zip(cols, vals)])
        lo, hi = model.row_lb[r], model.row_ub[r]
        if np.isfinite(lo) and np.isfinite(hi) and lo == hi:
            prob += expr == float(lo), f"r{r}"
            continue
        if np.isfinite(lo):
            prob += expr >= float(lo), f"r{r}_lo"
        if np.isfinite(hi):
            prob += expr <= float(hi), f"r{r}_hi"
    warm = hint is not None
    if hint is not None:
        for v, val in zip(xs, hint):
            v.setInitialValue(float(val))
    solver = pulp.PULP_CBC_CMD(msg=params.log, timeLimit=float(params.time_limit_s),
                               gapRel=float(params.relative_gap), threads=int(params.threads),
                               warmStart=warm, options=[f"randomSeed {params.seed + 1}"])
    with _cbc_stopped_on_interrupt():
        status = prob.solve(solver)
    wall = time.perf_counter() - t0
    name = f"pulp-cbc {pulp.__version__}"
    sol_status = prob.sol_status
    if status == pulp.LpStatusInfeasible:
        return BackendResult(termination=Termination.INFEASIBLE, values=None, objective=None, best_bound=None,
                             wall_s=wall, solver=name)
    has_values = sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if not has_values:
        return BackendResult(termination=Termination.NO_SOLUTION, values=None, objective=None, best_bound=None,
                             wall_s=wall, solver=name)
    values = np.array([v.varValue if v.varValue is not None else 0.0 for v in xs], dtype=float)
    values[model.integer] = np.round(values[model.integer])
    obj = model.objective_value(values)
    optimal = sol_status == pulp.LpSolutionOptimal
    # CBC through PuLP reports no bound; at proven optimality the bound is the objective.
    return BackendResult(termination=Termination.OPTIMAL if optimal else Termination.FEASIBLE, values=values,
                         objective=obj, best_bound=obj if optimal else None, wall_s=wall, solver=name)
