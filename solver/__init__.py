"""siting: facility siting for 15-minute convenient living circles (一刻钟便民生活圈).

The public Python API; the ``siting`` command runs the same functions::

    import solver

    scenario = solver.load_scenario("scenarios/demo.toml")
    run = solver.run(scenario, options=solver.RunOptions(budget_yuan=3e6))
    run.result.termination, run.result.cost, run.plan       # status, yuan, [(space id, service)]
    run.ranked_table, run.coverage_table                     # pandas DataFrames

    run = solver.run_tables(households=hh, candidates=cand, existing=ex, crs="EPSG:4548",
                            budget_yuan=5e6)                 # the tables as (Geo)DataFrames

Every error is a :class:`SitingError`; bad input is an :class:`InputError` listing every
problem (also a ``ValueError``), a defect of ours a ``RuntimeError`` (:class:`CheckError`
when the independent checker disagrees). Infeasible or time-limited solves are a
:class:`Termination` status, never an error.

Names are imported on first use (PEP 562), so ``import solver`` loads no pandas, scipy or
OR-Tools. This facade may import anything; the sub-packages follow the pipeline (README,
"Layout"), each importing only the stages before it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> the module that defines it
_EXPORTS = {
    "load_scenario": "solver.inputs.scenario",
    "run": "solver.pipeline",
    "run_tables": "solver.pipeline",
    "prepare": "solver.pipeline",
    "validate": "solver.pipeline",
    "RunOptions": "solver.pipeline",
    "Run": "solver.results.run",
    "sweep": "solver.plans.sweep",
    "evaluate": "solver.plans.evaluate",
    "solve_instance": "solver.engine.solve",
    "SolveParameters": "solver.engine.result",
    "Termination": "solver.engine.result",
    "Mode": "models.mode",
    "Backend": "solver.choices",
    "Engine": "solver.choices",
    "SitingError": "solver.errors",
    "InputError": "solver.errors",
    "CheckError": "solver.errors",
}

__all__ = [
    "Backend", "CheckError", "Engine", "InputError", "Mode", "Run", "RunOptions", "SitingError", "SolveParameters",
    "Termination", "__version__", "evaluate", "load_scenario", "prepare", "run", "run_tables", "solve_instance",
    "sweep", "validate",
]

if TYPE_CHECKING:
    from models.mode import Mode

    from .choices import Backend, Engine
    from .engine.result import SolveParameters, Termination
    from .engine.solve import solve_instance
    from .errors import CheckError, InputError, SitingError
    from .inputs.scenario import load_scenario
    from .pipeline import RunOptions, prepare, run, run_tables, validate
    from .plans.evaluate import evaluate
    from .plans.sweep import sweep
    from .results.run import Run

    __version__: str


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value: Any = version("siting")
        except PackageNotFoundError:  # run from a source tree that is not installed
            value = "0+unknown"
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    else:
        raise AttributeError(f"module 'solver' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
