"""Solve parameters and results, shaped like OR-Tools MathOpt: build -> solve(params) -> result."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

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


class Settings(StrEnum):
    """SCIP settings for a model's shape: the engine's own choice (solve.py), never the user's.

    See benchmarks/README.md, "SCIP settings by model shape" and "Proof settings".
    """

    GENERAL = "general"  # SCIP's defaults: district models (the budget is a knapsack over costs)
    CARDINALITY = "cardinality"  # the budget counts sites (Instance.is_cardinality): the textbook MCLP/LSCP
    CARDINALITY_PROOF = "cardinality_proof"  # a small warm-started textbook model: what is left is the proof
    DISTRICT = "district"  # a district model after district.py's root: a near-optimal plan is given


@dataclass(frozen=True, kw_only=True)
class TraceEvent:
    """A point of the gap-vs-time curve: seconds from the start of the solve, the best plan's
    objective and the best bound then (None: not known yet)."""

    t_s: float
    objective: float | None
    bound: float | None


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
