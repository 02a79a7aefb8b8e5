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

Each peer runs in its own subprocess (see ``runner.py``).
"""

from __future__ import annotations

import time

import numpy as np

SPOPT_MAX_CELLS = 25_000_000
PEERS = ("spopt", "highs")


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
    if res.status == 0:
        status = "optimal"
    elif res.status == 1:
        status = "time_limit" if x is not None else "no_solution"
    elif res.status == 2:
        status = "infeasible"
    else:
        status = "error"
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
