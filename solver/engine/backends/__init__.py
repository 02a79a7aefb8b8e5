"""Solver backends: a models.LinearModel solved by a solver library; the only package that imports one.

Every backend returns a :class:`solver.engine.result.BackendResult`; an
infeasible model or a time limit without a solution is a status, never an
exception.
"""

from __future__ import annotations

import numpy as np

from models.linear import LinearModel

from ...choices import Backend, Engine
from ..result import BackendResult, Settings, SolveParameters


def solve_linear(model: LinearModel, params: SolveParameters, *, backend: Backend | str = Backend.ORTOOLS,
                 engine: Engine | str = Engine.SCIP, hint: np.ndarray | None = None,
                 settings: Settings | str = Settings.GENERAL) -> BackendResult:
    """Solve ``model`` with the chosen backend (OR-Tools with an engine, or PuLP's CBC).

    ``settings`` (the model's shape) selects SCIP's settings; the other engines ignore it.
    """
    backend = Backend(backend)
    if backend is Backend.ORTOOLS:
        from .ortools_backend import solve as solve_ortools

        return solve_ortools(model, params, engine=Engine(engine), hint=hint, settings=Settings(settings))
    from .pulp_backend import solve as solve_pulp

    return solve_pulp(model, params, hint=hint)
