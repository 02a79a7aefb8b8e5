"""Peers run side by side with ours on the same instances and the same coverage rule.

* ``spopt``: PySAL spopt's ``MCLP`` / ``LSCP`` built with ``from_cost_matrix`` from
  the dense customers x sites distance matrix (its design: it needs the full
  matrix), solved with ``pulp.PULP_CBC_CMD(msg=False, timeLimit=...)``. The rule
  ``lt`` is passed as ``service_radius = nextafter(radius, -inf)`` because spopt
  tests ``cost <= service_radius``. For the LSCP the customers that no site can
  reach are removed first (spopt would report the model infeasible). ``solve`` is
  called with ``results=False`` (its optional client/facility bookkeeping is not
  timed). Skipped above ``SPOPT_MAX_CELLS`` customer x site cells: spopt writes a
  PuLP term for every cell (zero coefficients included), about 0.1 kB each.
* ``highs``: the plain textbook MILP in HiGHS through ``scipy.optimize.milp``
  (the HiGHS bundled with SciPy; highspy is never imported, it clashes with the
  HiGHS inside OR-Tools). MCLP (Church & ReVelle 1974): max sum_i h_i y_i s.t.
  y_i <= sum_j a_ij x_j, sum_j x_j <= p, x, y binary; LSCP (Toregas et al. 1971):
  min sum_j x_j s.t. sum_j a_ij x_j >= 1 for every coverable i, x binary. No
  reduction, no merging of customers; relative gap 0. The coverage a_ij is built
  by the same sparse builder as ours (its time is reported as cover_s).

District family (benchmarks/district_jobs.py): the plain models a competent engineer would
write in a day, on the SAME district model as ours, unreduced and without a warm start
(``models.mclp.build_max_coverage`` / ``models.lscp.build_cover`` on the prepared
instance; in cover mode the items no option reaches are left out, as in the textbook
LSCP):

* ``scip``: OR-Tools model_builder with SCIP, default settings; only the time limit,
  ``limits/gap = 0`` (the target every solver here is given) and the display
  (``display/verblevel = 4``, ``display/freq = 10``: the log the gap-vs-time trace is read
  from; it does not change the search) are set. The matrices go in through the same
  translation ours uses (solver/engine/backends/ortools_backend.py ``to_helper``: a
  plain fill_model_from_sparse_data, no settings).
* ``highs``: ``scipy.optimize.milp`` on the same matrices, ``mip_rel_gap = 0``, ``disp``
  on for the trace.

The solvers' C-level stdout (file descriptor 1) goes to a log file during the solve.

Each peer runs in its own subprocess (see ``runner.py``).
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

SPOPT_MAX_CELLS = 25_000_000
PEERS = ("spopt", "highs", "scip")
SCIP_DISPLAY = "display/verblevel = 4\ndisplay/freq = 10\n"


def applies(peer: str, case) -> bool:
    """Whether ``peer`` runs on ``case``: spopt on the textbook cases, plain SCIP on the district
    family, HiGHS on both."""
    district = case.series == "district"
    if peer == "spopt":
        return not district
    if peer == "scip":
        return district
    return True


def spopt_skip_reason(case, max_cells: int = SPOPT_MAX_CELLS) -> str | None:
    """Why spopt is not run on ``case`` (None: run it)."""
    if case.source.get("distance") == "network":
        return "spopt skipped: needs a dense network distance matrix (not built here)"
    cells = case.n_sites * case.n_customers
    if cells > max_cells:
        return (f"spopt skipped: dense {case.n_customers} x {case.n_sites} = {cells:.2e} cells "
                f"> {max_cells:.1e} (~{cells * 1e-7:.0f} GB of PuLP terms)")
    return None


def run_spopt(inst, cover_fn, case, *, time_limit: float, threads: int = 2) -> dict:
    import pulp
    from spopt.locate import LSCP, MCLP

    t0 = time.perf_counter()
    cost = inst.dense_distances()
    t1 = time.perf_counter()
    radius = float(case.radius) if case.rule == "le" else float(np.nextafter(case.radius, -np.inf))
    lscp = case.problem == "LSCP"
    if lscp:
        coverable = (cost <= radius).any(axis=1)
        model = LSCP.from_cost_matrix(cost[coverable], service_radius=radius)
    else:
        model = MCLP.from_cost_matrix(cost, inst.demand, service_radius=radius, p_facilities=int(case.p))
    t2 = time.perf_counter()
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=float(time_limit))
    note = ""
    try:
        model.solve(solver, results=False)
    except RuntimeError as exc:  # spopt raises when PuLP's status is not "Optimal"
        note = str(exc).splitlines()[0]
    t3 = time.perf_counter()
    prob = model.problem
    x = None
    vals = [v.value() for v in model.fac_vars]
    if all(v is not None for v in vals):
        x = np.asarray(vals, dtype=float) > 0.5
    # PuLP: status 1 and sol_status 1 = proven optimal; sol_status 2 = integer feasible
    # (CBC stopped on the time limit); status -1 infeasible; 0 not solved.
    if prob.status == 1 and prob.sol_status == pulp.LpSolutionOptimal:
        status = "optimal"
    elif prob.status == 1 and x is not None:
        status = "time_limit"
    elif prob.status == -1:
        status = "infeasible"
    else:
        status = "no_solution"
        x = None
    objective = None
    if x is not None:
        objective = float(x.sum()) if lscp else float(pulp.value(prob.objective))
    return {"status": status, "objective": objective, "bound": None,
            "cover_s": t1 - t0, "model_s": t2 - t1, "solve_s": t3 - t2, "nnz": None, "x": x,
            "detail": {"solver": f"spopt {_version('spopt')} + CBC via pulp {_version('pulp')}",
                       "pulp_status": int(prob.status), "pulp_sol_status": int(prob.sol_status),
                       **({"message": note} if note else {})}}


def milp_status(code: int, *, has_plan: bool) -> str:
    """scipy.optimize.milp's status: 0 optimal, 1 a limit (with or without a plan), 2 infeasible."""
    if code == 0:
        return "optimal"
    if code == 1:
        return "time_limit" if has_plan else "no_solution"
    return "infeasible" if code == 2 else "error"


def run_highs(inst, cover_fn, case, *, time_limit: float, threads: int = 2) -> dict:
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_matrix, hstack, identity

    t0 = time.perf_counter()
    cover = cover_fn(case.radius, case.rule).astype(np.float64)
    t1 = time.perf_counter()
    n_c, n_s = cover.shape
    lscp = case.problem == "LSCP"
    if lscp:
        rows = cover[np.diff(cover.indptr) > 0]
        c = np.ones(n_s)
        cons = [LinearConstraint(rows, lb=1.0, ub=np.inf)]
        n_var = n_s
    else:
        c = np.concatenate([np.zeros(n_s), -np.asarray(inst.demand, dtype=np.float64)])
        link = hstack([-cover, identity(n_c, format="csr")], format="csr")
        card = csr_matrix(np.concatenate([np.ones(n_s), np.zeros(n_c)])[None, :])
        cons = [LinearConstraint(link, lb=-np.inf, ub=0.0), LinearConstraint(card, lb=-np.inf, ub=float(case.p))]
        n_var = n_s + n_c
    t2 = time.perf_counter()
    res = milp(c, constraints=cons, integrality=np.ones(n_var), bounds=Bounds(0.0, 1.0),
               options={"time_limit": float(time_limit), "mip_rel_gap": 0.0, "disp": False})
    t3 = time.perf_counter()
    x = None if res.x is None else np.asarray(res.x[:n_s]) > 0.5
    status = milp_status(res.status, has_plan=x is not None)
    bound = getattr(res, "mip_dual_bound", None)
    if bound is not None and not lscp:
        bound = -bound
    objective = None
    if x is not None:
        objective = float(x.sum()) if lscp else float(-res.fun)
    return {"status": status, "objective": objective,
            "bound": None if bound is None or not np.isfinite(bound) else float(bound),
            "cover_s": t1 - t0, "model_s": t2 - t1, "solve_s": t3 - t2, "nnz": int(cover.nnz), "x": x,
            "cover": cover,
            "detail": {"solver": f"HiGHS via scipy {_version('scipy')} optimize.milp", "message": res.message}}


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


# --------------------------------------------------------------------------------------------
# District family: plain SCIP and plain HiGHS on the same district model


@contextmanager
def stdout_to(path: Path):
    """Send file descriptor 1 (the solvers' C-level output) to ``path`` while inside."""
    sys.stdout.flush()
    saved = os.dup(1)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.dup2(fd, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(fd)
        os.close(saved)


def solve_plain_scip(model, *, time_limit: float, log_path: Path) -> dict:
    """OR-Tools model_builder + SCIP, defaults: status, values, objective and bound in the
    model's sense, solve seconds, and the trace read from SCIP's display."""
    from ortools.linear_solver.python import model_builder_helper as mbh

    from solver.engine.backends.ortools_backend import ortools_version, to_helper

    from .traces import scip_log_events, scip_solving_time

    t0 = time.perf_counter()
    helper = to_helper(model)
    sol = mbh.ModelSolverHelper("scip")
    sol.set_time_limit_in_seconds(float(time_limit))
    sol.set_solver_specific_parameters(SCIP_DISPLAY + "limits/gap = 0\n")
    sol.enable_output(True)
    t_call = time.perf_counter()
    with stdout_to(log_path):
        sol.solve(helper)
    t_end = time.perf_counter()
    st = sol.status()
    values = obj = bound = None
    if st in (mbh.SolveStatus.OPTIMAL, mbh.SolveStatus.FEASIBLE) and sol.has_solution():
        values = np.asarray(sol.variable_values(), dtype=float)
        obj = float(sol.objective_value())
        status = "optimal" if st == mbh.SolveStatus.OPTIMAL else "time_limit"
    elif st == mbh.SolveStatus.INFEASIBLE:
        status = "infeasible"
    elif st in (mbh.SolveStatus.MODEL_INVALID, mbh.SolveStatus.INVALID_SOLVER_PARAMETERS,
                mbh.SolveStatus.SOLVER_TYPE_UNAVAILABLE, mbh.SolveStatus.INCOMPATIBLE_OPTIONS):
        status = "error"
    else:
        status = "no_solution"
    if sol.has_response():
        b = float(sol.best_objective_bound())
        bound = b if np.isfinite(b) else None
    if status == "optimal" and bound is None:
        bound = obj
    log = log_path.read_text(encoding="utf-8", errors="replace")
    # SCIP's clock starts after OR-Tools has handed it the model: align its end with the call's end.
    secs = scip_solving_time(log)
    offset = (t_end - t0) - secs if secs is not None else t_call - t0
    events = [(min(t, t_end - t0), z, b) for t, z, b in scip_log_events(log, offset=offset)]
    events.append((t_end - t0, obj, bound))
    return {"status": status, "values": values, "objective": obj, "bound": bound, "solve_s": t_end - t0,
            "events": events, "solver": f"plain SCIP (OR-Tools {ortools_version()} model_builder, defaults)",
            "message": "" if status != "error" else f"{st.name} {sol.status_string()}"}


def solve_plain_highs(model, *, time_limit: float, log_path: Path) -> dict:
    """scipy.optimize.milp (HiGHS) on the model's matrices, relative gap 0, with its display as the trace."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    from .traces import highs_log_events, highs_run_time

    t0 = time.perf_counter()
    sign = -1.0 if model.maximize else 1.0  # milp minimises
    cons = [LinearConstraint(model.A, model.row_lb, model.row_ub)] if model.n_rows else []
    t_call = time.perf_counter()
    with stdout_to(log_path):
        res = milp(sign * np.asarray(model.objective, dtype=float), constraints=cons,
                   integrality=np.asarray(model.integer, dtype=np.int64), bounds=Bounds(model.lb, model.ub),
                   options={"time_limit": float(time_limit), "mip_rel_gap": 0.0, "disp": True})
    t_end = time.perf_counter()
    values = None if res.x is None else np.asarray(res.x, dtype=float)
    obj = None if values is None else float(model.objective_value(values))
    status = milp_status(res.status, has_plan=values is not None)
    b = getattr(res, "mip_dual_bound", None)
    bound = None if b is None or not np.isfinite(b) else sign * float(b) + model.objective_offset
    if status == "optimal" and bound is None:
        bound = obj
    log = log_path.read_text(encoding="utf-8", errors="replace")
    secs = highs_run_time(log)
    offset = (t_end - t0) - secs if secs is not None else t_call - t0
    events = [(min(t, t_end - t0), z, b) for t, z, b in highs_log_events(log, offset=offset, negate=model.maximize)]
    events.append((t_end - t0, obj, bound))
    return {"status": status, "values": values, "objective": obj, "bound": bound, "solve_s": t_end - t0,
            "events": events, "solver": f"plain HiGHS (scipy {_version('scipy')} optimize.milp)",
            "message": "" if status != "error" else str(res.message)}
