"""What a solve returns: the plan, its status, bound and stages (shaped like OR-Tools MathOpt's result)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from models.mode import Mode

from .result import Termination, TraceEvent, relative_gap


@dataclass(frozen=True, kw_only=True)
class StageReport:
    name: str
    termination: Termination
    objective: float | None
    best_bound: float | None
    wall_s: float
    solver: str

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.best_bound)


def solvers_of(stages: list[StageReport]) -> str:
    """The solvers the stages used, each once, in stage order (``PlanResult.solver``): a district solve's
    LP root (HiGHS IPM), its MIPs (HiGHS) and the solver of the rest (SCIP) all did part of the work."""
    return " + ".join(dict.fromkeys(s.solver for s in stages if s.solver))


@dataclass(frozen=True, kw_only=True)
class PlanResult:
    """Outcome of a solve; ``x`` is a bool per option of the instance given to solve_instance."""

    termination: Termination
    mode: Mode
    x: np.ndarray | None
    coverage: float | None  # weighted coverage of x (max-coverage objective)
    cost: float | None
    best_bound: float | None  # bound on the primary objective (coverage, or cost in cover mode)
    wall_s: float
    stages: list[StageReport]
    sizes: dict[str, int]
    solver: str  # the solvers that did the work (solvers_of)
    heuristic_value: float | None = None
    message: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    details: dict = field(default_factory=dict)  # what a targets solve adds (solver/engine/targets.py)
    trace: tuple[TraceEvent, ...] = ()  # the gap-vs-time events of the engines that record them

    @property
    def objective(self) -> float | None:
        return self.coverage if self.mode is Mode.MAX_COVERAGE else self.cost

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.best_bound)
