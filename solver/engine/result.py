"""Solve parameters and results, shaped like OR-Tools MathOpt: build -> solve(params) -> result."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np


class Termination(str, Enum):
    """Why a solve stopped."""

    OPTIMAL = "optimal"  # proven optimal (within the requested relative gap)
    FEASIBLE = "feasible"  # a solution, stopped at a limit before proving optimality
    INFEASIBLE = "infeasible"  # proven: no plan satisfies the constraints
    NO_SOLUTION = "no_solution"  # stopped at a limit without any solution

    @property
    def has_solution(self) -> bool:
        return self in (Termination.OPTIMAL, Termination.FEASIBLE)


@dataclass(frozen=True, kw_only=True)
class SolveParameters:
    time_limit_s: float = 120.0
    relative_gap: float = 0.0
    threads: int = 2
    seed: int = 0
    log: bool = False
    # "cardinality": the model's budget is a count of sites (Instance.is_cardinality); the
    # SCIP backend then uses the settings measured best for that shape. "general" otherwise.
    # "cardinality_proof": a small warm-started cardinality model, where what is left is the
    # proof (solve.PROOF_MAX_OPTIONS).
    shape: str = "general"


@dataclass(frozen=True, kw_only=True)
class BackendResult:
    """What one backend solve returned, in the model's own objective sense."""

    termination: Termination
    values: np.ndarray | None
    objective: float | None
    best_bound: float | None
    wall_s: float
    solver: str

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.best_bound)


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|bound - objective| / max(|objective|, 1); 0 when they agree."""
    if objective is None or bound is None or not np.isfinite(bound):
        return None
    return abs(bound - objective) / max(abs(objective), 1.0)
