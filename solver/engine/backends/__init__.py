"""Solver backends: translate a models.LinearModel for a solver library and solve it.

Only modules in this package import ortools or pulp. Every backend returns a
:class:`solver.result.BackendResult`; an infeasible model or a time limit
without a solution is a status, never an exception.
"""

from __future__ import annotations

import numpy as np

from models.linear import LinearModel

from ..result import BackendResult, SolveParameters

ORTOOLS_ENGINES = ("scip", "cpsat")


def solve_linear(model: LinearModel, params: SolveParameters, *, backend: str = "ortools",
                 engine: str = "scip", hint: np.ndarray | None = None) -> BackendResult:
    """Solve ``model`` with the chosen backend (``ortools`` with an engine, or ``pulp``)."""
    if backend == "ortools":
        from .ortools_backend import solve as solve_ortools

        return solve_ortools(model, params, engine=engine, hint=hint)
    if backend == "pulp":
        from .pulp_backend import solve as solve_pulp

        return solve_pulp(model, params, hint=hint)
    raise ValueError(f"unknown backend {backend!r}; choose 'ortools' or 'pulp'")
