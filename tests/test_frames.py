"""solver.run_tables: the tables as data frames, through the same validation as files."""

from __future__ import annotations

import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import solver
from solver.inputs.frames import load_frames

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
DEMO_TOML = ROOT / "scenarios" / "demo.toml"


def demo_frames() -> dict[str, pd.DataFrame]:
    """The demo district's tables as a notebook user reads them: pandas.read_csv, nothing else."""
    files = {"households": "households.csv", "candidates": "candidates.csv", "existing": "existing.csv",
             "network_nodes": "network_nodes.csv", "network_edges": "network_edges.csv"}
    return {key: pd.read_csv(DEMO / name) for key, name in files.items()}


def demo_settings() -> dict:
    """demo.toml's scenario keys, without its [data] files and output folder."""
    raw = tomllib.loads(DEMO_TOML.read_text(encoding="utf-8"))
    return {k: v for k, v in raw.items() if k not in ("data", "output")}


@pytest.fixture(scope="module")
def file_run():
    return solver.run(solver.load_scenario(DEMO_TOML))


def test_data_frames_give_the_same_plan_as_the_files(file_run):
    run = solver.run_tables(**demo_frames(), **demo_settings())
    assert run.result.termination is solver.Termination.OPTIMAL
    assert run.plan == file_run.plan
    assert run.result.cost == file_run.result.cost
    assert run.result.coverage == file_run.result.coverage
    assert run.check is not None  # the independent checker ran and agreed
    pd.testing.assert_frame_equal(run.coverage_table, file_run.coverage_table)
    pd.testing.assert_frame_equal(run.ranked_table, file_run.ranked_table)
    assert run.scenario.path is None and run.scenario.source == "run_tables"
    assert set(run.district.fingerprints) >= {"households (data frame)", "candidates (data frame)", "scenario"}


def test_a_bad_value_names_the_frame_the_row_and_the_field():
    frames = demo_frames()
    frames["households"].loc[4, "households"] = -5
    frames["candidates"].loc[7, "floor"] = 0
    with pytest.raises(solver.InputError) as info:
        load_frames(**frames, **{**demo_settings(), "budget_yuan": -1})
    text = str(info.value)
    assert "households (data frame), index 4, field 'households': must be >= 0; got '-5'" in text
    assert "candidates (data frame), index 7, field 'floor': floor 0 does not exist" in text
    assert "run_tables, field 'budget_yuan': must be >= 0; got -1" in text  # every problem at once
    assert isinstance(info.value, ValueError) and isinstance(info.value, solver.SitingError)


def test_rows_are_positions_when_the_index_is_not_unique_integers():
    frames = demo_frames()
    hh = frames["households"].set_index("name", drop=False)
    hh.iloc[2, hh.columns.get_loc("street")] = ""
    with pytest.raises(solver.InputError, match=r"households \(data frame\), position 2, field 'street': "
                                                r"must not be empty"):
        load_frames(**{**frames, "households": hh}, **demo_settings())


def test_a_geodataframe_in_the_scenario_crs_is_read_like_a_vector_file():
    frames = demo_frames()
    gdfs = {k: gpd.GeoDataFrame(f.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(f["x"], f["y"]),
                                crs="EPSG:4548")
            for k, f in frames.items() if k != "network_edges"}
    _, from_geo = load_frames(**{**frames, **gdfs}, **demo_settings())
    _, from_csv = load_frames(**frames, **demo_settings())
    for table in ("households", "candidates", "existing", "nodes"):
        a, b = getattr(from_geo, table), getattr(from_csv, table)
        np.testing.assert_allclose(a[["x", "y"]].to_numpy(), b[["x", "y"]].to_numpy())
        assert list(a["id"]) == list(b["id"])


def test_a_geodataframe_in_another_crs_is_refused():
    frames = demo_frames()
    hh = frames["households"]
    gdf = gpd.GeoDataFrame(hh.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(hh["x"], hh["y"]),
                           crs="EPSG:4548").to_crs("EPSG:4326")
    with pytest.raises(solver.InputError) as info:
        load_frames(**{**frames, "households": gdf}, **demo_settings())
    assert ("households (data frame): the data frame's CRS differs from the scenario's crs (EPSG:4548): "
            "reproject the data frame or change the scenario's crs") in str(info.value)


def test_tables_that_are_not_data_frames_and_file_keys_are_refused():
    frames = demo_frames()
    with pytest.raises(solver.InputError) as info:
        load_frames(**{**frames, "candidates": frames["candidates"].to_dict("records"), "network_edges": None},
                    **{**demo_settings(), "data": {"households": "x.csv"}})
    text = str(info.value)
    assert "run_tables, field 'candidates': must be a pandas DataFrame or GeoDataFrame; got list" in text
    assert "run_tables, field 'network_nodes': network_nodes and network_edges must be given together" in text
    assert "run_tables, field 'data': unknown key" in text
