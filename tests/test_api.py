"""The public Python API: solver/__init__.py's names, and what they accept."""

from __future__ import annotations

import importlib.resources

import pytest

import solver


def test_every_public_name_resolves():
    for name in solver.__all__:
        assert getattr(solver, name) is not None, name
    assert isinstance(solver.__version__, str) and solver.__version__


def test_no_module_named_like_a_function_shadows_the_api():
    with pytest.raises(ImportError):
        from solver import solve  # noqa: F401  (there was a module solver/solve.py)
    assert callable(solver.sweep) and callable(solver.run) and callable(solver.solve_instance)


def test_the_package_declares_its_types():
    assert importlib.resources.files("solver").joinpath("py.typed").is_file()


def test_options_take_names_as_text():
    opts = solver.RunOptions(backend="pulp", engine="cpsat", mode="cover")
    assert opts.backend is solver.Backend.PULP and opts.engine is solver.Engine.CPSAT
    assert opts.mode is solver.Mode.COVER
    assert str(solver.Backend.ORTOOLS) == "ortools" and f"{solver.Engine.SCIP}" == "scip"
    with pytest.raises(ValueError):
        solver.RunOptions(backend="gurobi")


def test_errors_share_one_root():
    from solver.errors import DefectError, PlanError, UsageError
    from solver.inputs.whatif import SetSyntaxError

    assert issubclass(solver.InputError, solver.SitingError) and issubclass(solver.InputError, ValueError)
    assert issubclass(solver.CheckError, DefectError) and issubclass(solver.CheckError, RuntimeError)
    assert issubclass(PlanError, DefectError) and issubclass(DefectError, solver.SitingError)
    assert issubclass(SetSyntaxError, UsageError) and issubclass(UsageError, ValueError)


def test_the_guard_refuses_an_infeasible_plan():
    import numpy as np

    from models.instance import pure_instance
    from solver.engine.guard import guard_plan
    from solver.errors import PlanError

    inst = pure_instance(np.eye(3), np.ones(3), p=1)
    guard_plan(inst, np.array([True, False, False]))
    with pytest.raises(PlanError, match=r"infeasible plan \(sweep level 01_1\): cost 2 > budget 1"):
        guard_plan(inst, np.array([True, True, False]), where="sweep level 01_1")
    with pytest.raises(PlanError, match="leaves 2 coverable items uncovered"):
        guard_plan(pure_instance(np.eye(3), np.ones(3), p=None), np.array([True, False, False]),
                   covers=np.ones(3, dtype=bool))
