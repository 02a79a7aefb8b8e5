"""OR-Tools backend: the model goes in as sparse matrices in one call (model_builder).

Engines shipped with OR-Tools: ``scip`` (SCIP branch-and-cut, the default)
and ``cpsat`` (CP-SAT, which scales real coefficients to integers itself).
SCIP is deterministic for a given seed; CP-SAT with several workers is not.

OR-Tools 9.15 also bundles HiGHS, but its model_builder interface crashed the
process (segmentation fault) on small valid covering models, so it is not offered.
SCIP's settings depend on the model's shape (:class:`Settings`): see
benchmarks/README.md, "SCIP settings by model shape" and "Proof settings".
"""

from __future__ import annotations

import threading
import time

import numpy as np
from ortools.linear_solver.python import model_builder_helper as mbh

from models.linear import LinearModel

from ...choices import Engine
from ..result import BackendResult, Settings, SolveParameters, Termination, relative_gap

ENGINE_NAMES = {Engine.SCIP: "scip", Engine.CPSAT: "sat"}

# SCIP settings per model shape, chosen by measurement (benchmarks/README.md, "SCIP settings by
# model shape"): textbook models get pseudo-cost branching, no cut rounds and steepest edge;
# district models keep SCIP's cuts, which close their knapsack bound (after the district root
# without the aggregation separator).
SCIP_PSEUDOCOST_BRANCHING = "branching/pscost/priority = 100000\n"
SCIP_NO_CUT_ROUNDS = "separating/maxrounds = 0\nseparating/maxroundsroot = 0\n"
SCIP_STEEPEST_EDGE = "lp/pricing = s\n"
# Small warm-started textbook models (solve.PROOF_MAX_OPTIONS): what is left is the proof, so
# depth-first search, and no primal heuristics or conflict analysis (benchmarks/README.md,
# "Proof settings").
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
# District models after the LP root and support model of engine/district.py, which hand SCIP a
# near-optimal plan: SCIP's defaults without the aggregation separator (c-MIR, flow and knapsack
# covers), which took a fifth of the proof for few applied cuts (benchmarks/README.md, "SCIP
# settings for the district core").
SCIP_NO_AGGREGATION_CUTS = "separating/aggregation/freq = -1\n"
SCIP_DISTRICT = SCIP_NO_AGGREGATION_CUTS
SCIP_SETTINGS = {
    Settings.GENERAL: "",
    Settings.DISTRICT: SCIP_DISTRICT,
    Settings.CARDINALITY: SCIP_PSEUDOCOST_BRANCHING + SCIP_NO_CUT_ROUNDS + SCIP_STEEPEST_EDGE,
    Settings.CARDINALITY_PROOF: (SCIP_PSEUDOCOST_BRANCHING + SCIP_NO_CUT_ROUNDS + SCIP_STEEPEST_EDGE
                                 + SCIP_DEPTH_FIRST + SCIP_HEURISTICS_OFF + SCIP_NO_CONFLICT_ANALYSIS),
}
_VERSION = None


def ortools_version() -> str:
    global _VERSION
    if _VERSION is None:
        import ortools

        _VERSION = ortools.__version__  # type: ignore[attr-defined]  # set by the package, not in its stubs
    return _VERSION


def _specific(engine: Engine, params: SolveParameters, settings: Settings) -> str:
    gap = params.relative_gap
    if engine is Engine.CPSAT:
        return (f"num_workers:{max(1, params.threads)} random_seed:{params.seed} "
                f"relative_gap_limit:{gap} log_search_progress:{str(params.log).lower()}")
    return (SCIP_SETTINGS[settings] + f"limits/gap = {gap}\n"
            f"randomization/randomseedshift = {params.seed}\ndisplay/verblevel = {4 if params.log else 0}")


def _solve_interruptibly(sol: mbh.ModelSolverHelper, helper: mbh.ModelBuilderHelper) -> None:
    """Solve in a worker thread while this thread waits, so that Ctrl-C (KeyboardInterrupt, or any
    exception a SIGINT handler raises here) is raised at once rather than when the solve ends; the
    solver is asked to stop and the exception raised when it has.

    SCIP catches Ctrl-C itself while it solves (and stops at once, which OR-Tools' interrupt does
    not make it do), returning its plan as if a limit had been hit: :func:`_interrupted` tells.
    """
    done = threading.Event()
    failed: list[BaseException] = []

    def work() -> None:
        try:
            sol.solve(helper)
        except BaseException as exc:  # handed to the waiting thread
            failed.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=work, name="ortools-solve", daemon=True)
    worker.start()
    try:
        while not done.wait(0.05):
            pass
    except BaseException:
        while not done.wait(0.05):  # until the solver returns (a call may land before it starts)
            sol.interrupt_solve()
        raise
    if failed:
        raise failed[0]


def _interrupted(engine: Engine, status, params: SolveParameters, wall: float, gap: float | None) -> bool:
    """Whether SCIP stopped because it caught Ctrl-C: it reports a plan (or none) at a limit, but no
    limit was reached. Its only limits here are the time limit and the gap (node, solution, memory and
    stall limits are unset), so a stop well before the time limit with the gap not reached is the
    user's interrupt."""
    if engine is not Engine.SCIP or status not in (mbh.SolveStatus.FEASIBLE, mbh.SolveStatus.NOT_SOLVED):
        return False
    early = wall < 0.95 * params.time_limit_s - 0.5
    reached = gap is not None and gap <= params.relative_gap + 1e-9
    return early and not reached


def _gap(sol: mbh.ModelSolverHelper) -> float | None:
    if not sol.has_solution():
        return None
    return relative_gap(float(sol.objective_value()), float(sol.best_objective_bound()))


def to_helper(model: LinearModel) -> mbh.ModelBuilderHelper:
    helper = mbh.ModelBuilderHelper()
    lb, ub, obj, row_lb, row_ub = (np.asarray(v, dtype=np.float64)
                                   for v in (model.lb, model.ub, model.objective, model.row_lb, model.row_ub))
    # OR-Tools' pybind11 stub types these as ndarray[float64[m, 1]], which no numpy array matches
    helper.fill_model_from_sparse_data(lb, ub, obj, row_lb, row_ub, model.A.astype(np.float64).tocsr())  # type: ignore[arg-type]
    for i in np.flatnonzero(model.integer):
        helper.set_var_integrality(int(i), True)
    helper.set_maximize(model.maximize)
    helper.set_objective_offset(float(model.objective_offset))
    return helper


def solve(model: LinearModel, params: SolveParameters, *, engine: Engine = Engine.SCIP,
          hint: np.ndarray | None = None, settings: Settings = Settings.GENERAL) -> BackendResult:
    t0 = time.perf_counter()
    helper = to_helper(model)
    if hint is not None:
        for i, v in enumerate(np.asarray(hint, dtype=float)):
            helper.add_hint(i, float(v))
    sol = mbh.ModelSolverHelper(ENGINE_NAMES[engine])
    sol.set_time_limit_in_seconds(float(params.time_limit_s))
    sol.set_solver_specific_parameters(_specific(engine, params, settings))
    sol.enable_output(params.log)
    t_solve = time.perf_counter()
    _solve_interruptibly(sol, helper)
    status = sol.status()
    solve_wall = time.perf_counter() - t_solve
    wall = time.perf_counter() - t0
    name = f"ortools-{engine} {ortools_version()}"
    if _interrupted(engine, status, params, solve_wall, _gap(sol)):
        raise KeyboardInterrupt("the solver was interrupted (Ctrl-C)")
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
    last = float(sol.best_objective_bound()) if sol.has_response() else None
    return BackendResult(termination=Termination.NO_SOLUTION, values=None, objective=None,
                         best_bound=last if last is not None and np.isfinite(last) else None,
                         wall_s=wall, solver=name)
