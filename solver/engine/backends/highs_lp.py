"""LP relaxations in HiGHS (interior point, through scipy.optimize.linprog).

SCIP's simplex (SoPlex) needs 45 s to more than a minute for the root LP of the
large covering models (BDS1000 with 1,000 sites, the Máximo cities), which are
highly degenerate; HiGHS's interior-point method solves the same LPs in 1-10 s
(benchmarks/README.md, "Why the hard rows stay hard: the root LP"). The
relaxation's row duals feed the Lagrangian bound and reduced-cost fixing of
solver/engine/lagrangian.py. HiGHS ships with scipy, so this adds no dependency.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
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


@dataclass(frozen=True, kw_only=True)
class MipSolution:
    """A HiGHS branch-and-cut result; ``values`` is None when no feasible point was found."""

    optimal: bool
    values: np.ndarray | None
    objective: float | None  # in the model's sense
    bound: float | None  # HiGHS's dual bound, in the model's sense
    wall_s: float
    message: str
    solver: str = "highs branch-and-cut (highspy)"


def _highs_lp(model: LinearModel, *, integer: bool):
    """``model`` as a highspy.HighsLp (row-wise matrix, infinite bounds as HiGHS's infinity)."""
    import highspy

    inf = highspy.kHighsInf
    A = model.A.tocsr()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = model.n_vars, model.n_rows
    lp.col_cost_ = np.asarray(model.objective, dtype=float)
    lp.col_lower_ = np.asarray(model.lb, dtype=float)
    lp.col_upper_ = np.asarray(model.ub, dtype=float)
    lp.row_lower_ = np.where(np.isfinite(model.row_lb), model.row_lb, -inf)
    lp.row_upper_ = np.where(np.isfinite(model.row_ub), model.row_ub, inf)
    lp.offset_ = float(model.objective_offset)
    lp.sense_ = highspy.ObjSense.kMaximize if model.maximize else highspy.ObjSense.kMinimize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = model.n_vars, model.n_rows
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger if v else highspy.HighsVarType.kContinuous
                           for v in model.integer]
    return lp


def solve_relaxation_ipm(model: LinearModel, *, time_limit_s: float) -> Relaxation:
    """The LP relaxation by HiGHS's interior-point method without crossover (highspy).

    No vertex, and duals only as accurate as the IPM's tolerances: callers recompute any bound
    from the duals (solver/engine/bounds.py), so that inaccuracy only weakens the bound. At
    district scale crossover took most of the LP time on these degenerate LPs. ``row_dual`` is
    in the model's sense, as :func:`solve_relaxation`'s; ``optimal`` is False if the IPM stopped
    early (the duals it has are still returned when there are any).
    """
    import highspy

    t0 = time.perf_counter()
    h = _silent_highs()
    h.setOptionValue("time_limit", max(0.1, float(time_limit_s)))
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "off")
    h.setOptionValue("presolve", "off")  # 0.2-1 s of 2-6 s at 50 streets, and no fewer IPM iterations
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    h.passModel(_highs_lp(model, integer=False))
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    sol = h.getSolution()
    wall = time.perf_counter() - t0
    message = h.modelStatusToString(status)
    if not sol.dual_valid:
        return Relaxation(optimal=False, objective=None, values=None, row_dual=None, wall_s=wall, message=message)
    dual = np.asarray(sol.row_dual, dtype=float)  # HiGHS's: d(objective)/d(row bound), in the model's sense
    return Relaxation(optimal=status == highspy.HighsModelStatus.kOptimal,
                      objective=float(info.objective_function_value), values=np.asarray(sol.col_value, dtype=float),
                      row_dual=dual, wall_s=wall, message=message)


# One thread at a time points file descriptor 1 away and back (_silent_highs): two interleaved, the
# second saved the first's /dev/null and restored it, and the process's stdout stayed /dev/null.
_FD1_LOCK = threading.Lock()


def _silent_highs():
    """A highspy.Highs with its output off; the banner it prints when built goes to /dev/null
    (it is written by the C++ library to file descriptor 1, not through sys.stdout)."""
    import os
    import sys

    import highspy

    with _FD1_LOCK:
        sys.stdout.flush()
        saved = os.dup(1)
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
    h.setOptionValue("output_flag", False)
    return h


# solve_mip(deadline=...): how many of the last intervals between HiGHS's interrupt checks predict the next.
ROUND_MEMORY = 5


def solve_mip(model: LinearModel, *, time_limit_s: float, relative_gap: float = 0.0,
              start: np.ndarray | None = None, threads: int = 1, stop: threading.Event | None = None,
              on_bound: Callable[[float], None] | None = None,
              on_plan: Callable[[np.ndarray], None] | None = None,
              options: Mapping[str, bool | int | float | str] | None = None,
              deadline: float | None = None) -> MipSolution:
    """Solve ``model`` with HiGHS's branch-and-cut (highspy) from the feasible point ``start``,
    e.g. a small sub-model restricted to the LP's support (solver/engine/district.py).

    ``stop``: the solve ends (with the best plan so far) soon after this event is set, e.g. by
    another thread whose solve made this one pointless. ``on_bound``: called with HiGHS's dual bound
    (in the model's sense) whenever it improves during the solve. ``on_plan``: called with the values
    of every improving solution HiGHS finds (the last one is the solution returned, unless stopped
    before it was recorded). ``options``: further HiGHS options (name -> value).

    ``deadline`` (time.perf_counter()): HiGHS checks its time limit only between the steps of its
    search, and one root separation round of a large model ran 22 s past a 105-s limit (full catalogue,
    50 streets); so the solve also ends at the first check where less time is left than the longest of
    the last ROUND_MEMORY intervals between checks (none started that is not expected to end in time)."""
    import highspy

    t0 = time.perf_counter()
    h = _silent_highs()
    if stop is not None and stop.is_set():
        return MipSolution(optimal=False, values=None, objective=None, bound=None, wall_s=0.0,
                           message="stopped before it started")
    if stop is not None or on_bound is not None or deadline is not None:
        best: list[float | None] = [None]
        checks: list[float] = []  # times of the interrupt checks

        def interrupt(event) -> None:
            if on_bound is not None:
                b = float(event.data_out.mip_dual_bound)
                if np.isfinite(b) and (best[0] is None or (b < best[0] if model.maximize else b > best[0])):
                    best[0] = b
                    on_bound(b)
            if stop is not None and stop.is_set():
                event.interrupt()
            if deadline is not None:
                now = time.perf_counter()
                checks.append(now)
                rounds = np.diff(checks[-ROUND_MEMORY - 1:])
                if len(rounds) and deadline - now < float(rounds.max()):
                    event.interrupt()

        h.cbMipInterrupt += interrupt
    if on_plan is not None:
        h.cbMipImprovingSolution += lambda event: on_plan(np.array(event.data_out.mip_solution, dtype=float))
    h.passModel(_highs_lp(model, integer=True))
    h.setOptionValue("time_limit", max(0.1, float(time_limit_s)))
    h.setOptionValue("mip_rel_gap", float(relative_gap))
    h.setOptionValue("threads", int(max(1, threads)))
    h.setOptionValue("random_seed", 0)
    for name, value in (options or {}).items():
        if h.setOptionValue(name, value) != highspy.HighsStatus.kOk:
            raise ValueError(f"HiGHS rejected the option {name} = {value!r}")
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(start, dtype=float)
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    wall = time.perf_counter() - t0
    values = None
    if info.primal_solution_status == 2:  # feasible
        values = np.asarray(h.getSolution().col_value, dtype=float)
    bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
    return MipSolution(optimal=status == highspy.HighsModelStatus.kOptimal, values=values,
                       objective=None if values is None else model.objective_value(values),
                       bound=bound, wall_s=wall, message=h.modelStatusToString(status))


def solve_mip_apart(model: LinearModel, *, time_limit_s: float, deadline: float,
                    start: np.ndarray | None = None, stop: threading.Event | None = None,
                    on_bound: Callable[[float], None] | None = None) -> MipSolution:
    """:func:`solve_mip` in a process of its own, ended at ``deadline`` (time.perf_counter()) or when ``stop``
    is set, whatever HiGHS is doing: inside some steps of a large model's root HiGHS checks neither its time
    limit nor its callbacks (22-24 s past a 105-s limit, measured). ``on_bound`` is told HiGHS's dual bounds as
    they improve; a solve ended from outside returns no values and the best bound it told. In a daemonic
    process (a Dask worker's), which may not start one, it is :func:`solve_mip` with ``deadline``."""
    import multiprocessing

    if multiprocessing.current_process().daemon:
        return solve_mip(model, time_limit_s=time_limit_s, start=start, stop=stop, on_bound=on_bound,
                         deadline=deadline)
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_solve_mip_child, args=(model, time_limit_s, start, send), name="highs-mip",
                        daemon=True)
    child.start()
    send.close()
    best: float | None = None
    result: MipSolution | None = None
    try:
        while result is None and time.perf_counter() < deadline and not (stop is not None and stop.is_set()):
            if not receive.poll(0.1):
                if not child.is_alive() and not receive.poll(0):
                    break
                continue
            try:
                kind, payload = receive.recv()
            except EOFError:
                break
            if kind == "bound":
                best = payload
                if on_bound is not None:
                    on_bound(payload)
            else:
                result = payload
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        receive.close()
    if result is not None:
        return result
    return MipSolution(optimal=False, values=None, objective=None, bound=best, wall_s=time.perf_counter() - t0,
                       message="ended from outside at its deadline or when asked")


def _solve_mip_child(model: LinearModel, time_limit_s: float, start: np.ndarray | None, send) -> None:
    """solve_mip_apart's process: HiGHS's bounds and its result through ``send`` (Ctrl-C is the parent's)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sol = solve_mip(model, time_limit_s=time_limit_s, start=start, on_bound=lambda b: send.send(("bound", b)))
    send.send(("done", sol))
    send.close()
