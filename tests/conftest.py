"""Fixtures shared by the solver tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def solver_shapes(monkeypatch) -> list[str]:
    """The SCIP settings (model shape: "general", "cardinality", "cardinality_proof") of every
    backend solve solve_instance makes, in order."""
    import solver.engine.solve as solve_mod

    shapes: list[str] = []
    real = solve_mod.solve_linear

    def spy(model, params, **kw):
        shapes.append(str(kw.get("settings", "general")))
        return real(model, params, **kw)

    monkeypatch.setattr(solve_mod, "solve_linear", spy)
    return shapes
