"""OR-Tools backend: the model goes in as sparse matrices in one call (model_builder).

Engines shipped with OR-Tools: ``scip`` (SCIP branch-and-cut, the default)
and ``cpsat`` (CP-SAT, which scales real coefficients to integers itself).
SCIP is deterministic for a given seed; CP-SAT with several workers is not.

OR-Tools 9.15 also bundles HiGHS, but its model_builder interface crashed the
process (segmentation fault) on small valid covering models that HiGHS itself
(scipy.optimize.milp) solves, so it is not offered.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.linear_solver.python import model_builder_helper as mbh

from models.linear import LinearModel

from ..result import BackendResult, SolveParameters, Termination

ENGINE_NAMES = {"scip": "scip", "cpsat": "sat"}

# SCIP settings per model shape, chosen by measurement (benchmarks/README.md, "SCIP
# settings by model shape"). When the budget counts sites (the textbook MCLP), reliability
# branching spends most of the time in strong-branching LPs on these degenerate covering
# LPs, cutting planes barely move the bound, and steepest-edge pricing halves the simplex
# iterations: pseudo-cost branching, no cut rounds and steepest edge are 3-4x faster on the
# mid-size BDS/SJC rows and prove BDS1000 r3.25 p20 within 60 s. When the budget is a
# knapsack over conversion and fit-out costs (the district models), the cuts are what closes
# the bound and steepest edge slows the LPs down (a 20-street district: optimal in 20 s with
# SCIP's defaults; 0.75 % gap after 120 s without cuts; 52 s with steepest edge), so SCIP's
# defaults stay.
SCIP_PSEUDOCOST_BRANCHING = "branching/pscost/priority = 100000\n"
SCIP_NO_CUT_ROUNDS = "separating/maxrounds = 0\nseparating/maxroundsroot = 0\n"
SCIP_STEEPEST_EDGE = "lp/pricing = s\n"
# Small textbook models (at most solve.PROOF_MAX_OPTIONS options: the rows too small for the LP
# root, and the remainders after its fixing) start from a warm start that is usually optimal or
# nearly so: what is left is the proof. Depth-first node selection re-solves each node's LP from
# its parent's basis; SCIP's primal heuristics (all of them: the warm start is handed over as a
# complete solution, which needs none) and conflict analysis only repeat work. Measured
# (benchmarks/README.md, "Proof settings"): the BDS1000 r5.75 p10 remainder (510 sites) 41 s ->
# 29 s, r3.25 p20 (801 sites) 39 s -> 29 s; the 112 BDS rows with 100 sites 61.9 s -> 48.8 s
# (LP-based heuristics off 56.0 s, all heuristics off 50.5 s, depth-first alone 66.2 s).
SCIP_DEPTH_FIRST = "nodeselection/dfs/stdpriority = 1000000\n"
SCIP_HEURISTICS_OFF = "".join(
    f"heuristics/{name}/freq = -1\n" for name in (
        "actconsdiving", "adaptivediving", "coefdiving", "conflictdiving", "distributiondiving",
        "farkasdiving", "fracdiving", "guideddiving", "linesearchdiving", "pscostdiving", "veclendiving",
        "alns", "crossover", "dins", "gins", "localbranching", "lpface", "mutation", "proximity",
        "rens", "rins", "trustregion", "undercover", "feaspump",
        "clique", "completesol", "dps", "intshifting", "locks", "ofins", "oneopt", "padm", "randrounding",
        "rounding", "shiftandpropagate", "shifting", "simplerounding", "trivial", "trivialnegation",
        "vbounds", "zirounding"))
SCIP_NO_CONFLICT_ANALYSIS = "conflict/enable = FALSE\n"
SCIP_SETTINGS = {
    "general": "",
    "cardinality": SCIP_PSEUDOCOST_BRANCHING + SCIP_NO_CUT_ROUNDS + SCIP_STEEPEST_EDGE,
    "cardinality_proof": (SCIP_PSEUDOCOST_BRANCHING + SCIP_NO_CUT_ROUNDS + SCIP_STEEPEST_EDGE
                          + SCIP_DEPTH_FIRST + SCIP_HEURISTICS_OFF + SCIP_NO_CONFLICT_ANALYSIS),
}
_VERSION = None


def ortools_version() -> str:
    global _VERSION
    if _VERSION is None:
        import ortools

        _VERSION = ortools.__version__
    return _VERSION


def _specific(engine: str, params: SolveParameters) -> str:
    gap = params.relative_gap
    if engine == "cpsat":
        return (f"num_workers:{max(1, params.threads)} random_seed:{params.seed} "
                f"relative_gap_limit:{gap} log_search_progress:{str(params.log).lower()}")
    if engine == "scip":
        return (SCIP_SETTINGS[params.shape] + f"limits/gap = {gap}\n"
                f"randomization/randomseedshift = {params.seed}\ndisplay/verblevel = {4 if params.log else 0}")
    raise ValueError(engine)


def to_helper(model: LinearModel) -> mbh.ModelBuilderHelper:
    helper = mbh.ModelBuilderHelper()
    helper.fill_model_from_sparse_data(
        np.asarray(model.lb, dtype=np.float64), np.asarray(model.ub, dtype=np.float64),
        np.asarray(model.objective, dtype=np.float64), np.asarray(model.row_lb, dtype=np.float64),
        np.asarray(model.row_ub, dtype=np.float64), model.A.astype(np.float64).tocsr(),
    )
    for i in np.flatnonzero(model.integer):
        helper.set_var_integrality(int(i), True)
    helper.set_maximize(model.maximize)
    helper.set_objective_offset(float(model.objective_offset))
    return helper


def solve(model: LinearModel, params: SolveParameters, *, engine: str = "scip",
          hint: np.ndarray | None = None) -> BackendResult:
    if engine not in ENGINE_NAMES:
        raise ValueError(f"unknown OR-Tools engine {engine!r}; choose one of {', '.join(ENGINE_NAMES)}")
    t0 = time.perf_counter()
    helper = to_helper(model)
    if hint is not None:
        for i, v in enumerate(np.asarray(hint, dtype=float)):
            helper.add_hint(i, float(v))
    sol = mbh.ModelSolverHelper(ENGINE_NAMES[engine])
    sol.set_time_limit_in_seconds(float(params.time_limit_s))
    sol.set_solver_specific_parameters(_specific(engine, params))
    sol.enable_output(params.log)
    sol.solve(helper)
    status = sol.status()
    wall = time.perf_counter() - t0
    name = f"ortools-{engine} {ortools_version()}"
    if status in (mbh.SolveStatus.OPTIMAL, mbh.SolveStatus.FEASIBLE) and sol.has_solution():
        values = np.asarray(sol.variable_values(), dtype=float)
        obj = float(sol.objective_value())
        bound = float(sol.best_objective_bound())
        term = Termination.OPTIMAL if status == mbh.SolveStatus.OPTIMAL else Termination.FEASIBLE
        if term is Termination.OPTIMAL and not np.isfinite(bound):
            bound = obj
        return BackendResult(termination=term, values=values, objective=obj, best_bound=bound,
                             wall_s=wall, solver=name)
    if status == mbh.SolveStatus.INFEASIBLE:
        return BackendResult(termination=Termination.INFEASIBLE, values=None, objective=None,
                             best_bound=None, wall_s=wall, solver=name)
    if status in (mbh.SolveStatus.MODEL_INVALID, mbh.SolveStatus.INVALID_SOLVER_PARAMETERS,
                  mbh.SolveStatus.SOLVER_TYPE_UNAVAILABLE, mbh.SolveStatus.INCOMPATIBLE_OPTIONS):
        raise RuntimeError(f"OR-Tools {engine} rejected the model: {status.name} {sol.status_string()}")
    bound = float(sol.best_objective_bound()) if sol.has_response() else None
    return BackendResult(termination=Termination.NO_SOLUTION, values=None, objective=None,
                         best_bound=bound if bound is not None and np.isfinite(bound) else None,
                         wall_s=wall, solver=name)
