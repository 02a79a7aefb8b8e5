"""Data frames in: the same validated Scenario and District that files give (for solver.run_tables).

    scenario, district = load_frames(households=hh, candidates=cand, crs="EPSG:4548",
                                     budget_yuan=5e6, services={"pharmacy": {"threshold_min": 10}})

The keyword arguments are a scenario's TOML keys (``crs``, ``budget_yuan``, ``mode``,
``services``, ``walking``, ``street_caps``, ``must_open``, ``conversion_cost_default``,
``solve``, ``grades``, ``name``, ...; not ``data``, ``extends`` or the what-if tables),
validated by the same code as a scenario file. Each table is a pandas DataFrame (``x``,
``y`` or ``lon``, ``lat`` columns, like a CSV file) or a GeoDataFrame of points, whose
CRS must equal ``crs`` (never reprojected silently); its values go through the same
checks as a file's (solver/inputs/readers.py turns a frame into the reader's text
table). Every problem of the arguments and of every frame is raised at once; a problem
names the frame and the row by its index label, e.g.
``households (data frame), index 4, field 'households': must be >= 0; got '-5'``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .loading import table_sources
from .scenario import Scenario, build_scenario
from .tables import District, read_tables


def load_frames(*, households: pd.DataFrame, candidates: pd.DataFrame, existing: pd.DataFrame | None = None,
                network_nodes: pd.DataFrame | None = None, network_edges: pd.DataFrame | None = None,
                **scenario: Any) -> tuple[Scenario, District]:
    """The scenario given by the keyword arguments (TOML keys) and its tables given as data frames,
    validated; raise InputError listing every problem."""
    frames = {"households": households, "candidates": candidates, "existing": existing,
              "network_nodes": network_nodes, "network_edges": network_edges}
    raw = {k: v for k, v in scenario.items() if v is not None}
    sc = build_scenario(raw, path=None, frames=frames, check_tables_on_error=True)
    return sc, read_tables(table_sources(sc, frames=frames))
