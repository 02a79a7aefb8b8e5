"""LP relaxations by OR-Tools' first-order solver PDLP (primal-dual hybrid gradient, Applegate et al. 2021).

Stopped by an iteration count, not the clock, so the same model gives the same duals on any machine
(one thread). Its duals are approximate: callers recompute any bound from them
(solver/engine/bounds.py) or use them where any multiplier is valid (the budget's price of the
Lagrangian bound, solver/engine/district.py). On the full catalogue at 50 streets (91,963 rows,
857,753 nonzeros) 3,000 iterations took 7.7 s where HiGHS's interior point takes 33 s, and gave the
budget's price within 0.2 % of the interior point's (benchmarks/README.md).
"""

from __future__ import annotations

import time

import numpy as np

from models.linear import LinearModel

from .highs_lp import Relaxation


def solve_relaxation_pdlp(model: LinearModel, *, iterations: int, relative_tolerance: float = 1e-4) -> Relaxation:
    """The LP relaxation of ``model`` by PDLP (one thread), stopped after ``iterations`` or once its
    relative optimality tolerance is met; ``row_dual`` in the model's sense, as solve_relaxation's."""
    from ortools.pdlp import solve_log_pb2, solvers_pb2
    from ortools.pdlp.python import pdlp

    t0 = time.perf_counter()
    sign = -1.0 if model.maximize else 1.0  # PDLP minimises
    qp = pdlp.QuadraticProgram()
    qp.objective_vector = sign * np.asarray(model.objective, dtype=float)
    qp.objective_offset = sign * float(model.objective_offset)
    qp.constraint_matrix = model.A.tocsc().astype(float)
    qp.constraint_lower_bounds = np.asarray(model.row_lb, dtype=float)
    qp.constraint_upper_bounds = np.asarray(model.row_ub, dtype=float)
    qp.variable_lower_bounds = np.asarray(model.lb, dtype=float)
    qp.variable_upper_bounds = np.asarray(model.ub, dtype=float)
    params = solvers_pb2.PrimalDualHybridGradientParams()
    params.num_threads = 1
    params.termination_criteria.iteration_limit = int(iterations)
    criteria = params.termination_criteria.simple_optimality_criteria
    criteria.eps_optimal_relative = float(relative_tolerance)
    criteria.eps_optimal_absolute = float(relative_tolerance)
    res = pdlp.primal_dual_hybrid_gradient(qp, params)
    wall = time.perf_counter() - t0
    log = res.solve_log
    reason = f"{solve_log_pb2.TerminationReason.Name(log.termination_reason)} after {log.iteration_count} iterations"
    dual = np.asarray(res.dual_solution, dtype=float)
    if dual.shape != (model.n_rows,) or not np.all(np.isfinite(dual)):
        return Relaxation(optimal=False, objective=None, values=None, row_dual=None, wall_s=wall, message=reason)
    optimal = log.termination_reason == solve_log_pb2.TERMINATION_REASON_OPTIMAL
    info = log.solution_stats.convergence_information
    objective = sign * float(info[0].primal_objective) if info else None  # (the offset included)
    return Relaxation(optimal=optimal, objective=objective, values=np.asarray(res.primal_solution, dtype=float),
                      row_dual=sign * dual, wall_s=wall, message=reason)
