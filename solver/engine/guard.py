"""The plan-feasibility guard: every plan the engine hands back keeps its instance's constraints.

Plans are recomputed from the instance, never read off solver variables; a plan that
breaks a constraint is a defect of ours (:class:`solver.errors.PlanError`, CLI exit 4),
never a result.
"""

from __future__ import annotations

import numpy as np

from models.instance import Instance

from ..errors import PlanError


def guard_plan(inst: Instance, x: np.ndarray, *, where: str = "", covers: np.ndarray | None = None) -> None:
    """Raise PlanError unless option selection ``x`` is feasible for ``inst`` and, when ``covers``
    (a bool per item) is given, covers every item it marks (a full-coverage plan)."""
    problems = inst.feasibility_problems(x)
    if covers is not None:
        left = int((covers & ~inst.covered_items(x)).sum())
        if left:
            problems.append(f"the full-coverage plan leaves {left} coverable items uncovered")
    if problems:
        at = f" ({where})" if where else ""
        raise PlanError(f"the solver returned an infeasible plan{at}: " + "; ".join(problems[:5]))
