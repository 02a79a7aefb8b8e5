"""The solve of a models.Instance (reduction, heuristics, LP root, backends); imports only models, solver.errors and itself."""
