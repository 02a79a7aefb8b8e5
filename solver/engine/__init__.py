"""The solve of a models.Instance (reduction, heuristics, LP root, backends); imports models, errors, choices only."""
