"""Bad input in the data tables: every class of problem, each through the real loading path.

Each test builds a small valid district with the seeded factory, breaks one
thing (or several), and asserts the exact message: file, row (CSV line number,
header = line 1; GeoPackage fid) or field, the rule, and the value received.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from factories import X0, Y0, random_district, write_case
from pyproj import Transformer

from solver.errors import InputError
from solver.inputs.loading import load_district
from solver.inputs.scenario import load_scenario
from solver.inputs.tables import parse_numbers
from solver.pipeline import validate
from solver.travel.coverage import build_geometry

SERVICES = "vegetable, breakfast, repair, pharmacy"
SPACES = "vacated, underground, boiler_room, bike_shed, old_factory, transit, park, other, village_room, coop"
AREA_4548 = "EPSG:4548 (China - onshore between 115°30'E and 118°30'E)"


def small(seed: int = 7) -> dict[str, pd.DataFrame]:
    """A 10-household district on a 5 x 5 grid network (250 m spacing)."""
    return random_district(seed=seed, n_households=10, n_candidates=6, n_existing=4, size_m=1000.0,
                           spacing=250.0)


def put(frame: pd.DataFrame, i: int, col: str, value) -> pd.DataFrame:
    """Set one cell to any value (text included); row i is line i + 2 of the CSV."""
    frame = frame.copy()
    frame[col] = frame[col].astype(object)
    frame.loc[i, col] = value
    return frame


def messages(scenario: Path) -> list[str]:
    """The problems the full loading path (scenario, tables, snapping) reports."""
    with pytest.raises(InputError) as info:
        validate(load_scenario(scenario))
    return [str(p) for p in info.value.problems]


def warnings_of(scenario: Path) -> list[str]:
    """The warnings of a valid scenario's inputs (the validation pass before solving)."""
    district, _ = validate(load_scenario(scenario))
    return [str(w) for w in district.warnings]


def load(scenario: Path):
    sc = load_scenario(scenario)
    return sc, load_district(sc)


def write_scenario(folder: Path, files: dict[str, str], *, crs: str = "EPSG:4548", extra: str = "") -> Path:
    lines = [f'{k} = "{v}"' for k, v in files.items()]
    path = folder / "scenario.toml"
    path.write_text(f'name = "case"\ncrs = "{crs}"\nbudget_yuan = 1e6\n{extra}\n[data]\n' + "\n".join(lines)
                    + "\n", encoding="utf-8")
    return path


def to_lonlat(frame: pd.DataFrame) -> pd.DataFrame:
    lon, lat = Transformer.from_crs("EPSG:4548", "EPSG:4326", always_xy=True).transform(
        frame["x"].to_numpy(), frame["y"].to_numpy())
    out = frame.drop(columns=["x", "y"])
    out.insert(1, "lon", np.round(lon, 7))
    out.insert(2, "lat", np.round(lat, 7))
    return out


# ------------------------------------------------------------------------------------------
# missing columns


def test_missing_required_column_names_file_column_and_what_is_there(tmp_path):
    t = small()
    t["households"] = t["households"].rename(columns={"households": "household"})
    t["candidates"] = t["candidates"].drop(columns=["floor"])
    msgs = messages(write_case(tmp_path, t, network=False))
    assert msgs == [
        "households.csv, field 'households': required column is missing (did you mean 'household'?); "
        "got columns id, x, y, household, street, community",
        "candidates.csv, field 'floor': required column is missing; got columns id, name, x, y, "
        "space_type, area_m2, conversion_cost, street, gas",
    ]


def test_missing_location_columns(tmp_path):
    t = small()
    t["existing"] = t["existing"].rename(columns={"x": "X", "y": "Y"})
    msgs = messages(write_case(tmp_path, t, network=False))
    assert msgs == ["existing.csv, field 'x,y': location columns are missing: need x,y or lon,lat "
                    "(did you mean 'X'?) (did you mean 'Y'?); got columns id, X, Y, service"]


# ------------------------------------------------------------------------------------------
# coordinates


def test_nan_non_numeric_and_empty_coordinates(tmp_path):
    t = small()
    hh = put(t["households"], 0, "x", "nan")
    hh = put(hh, 3, "y", "4416k")
    hh = put(hh, 5, "x", "")
    hh = put(hh, 6, "y", "inf")
    msgs = messages(write_case(tmp_path, dict(t, households=hh), network=False))
    assert msgs == [
        "households.csv, row 2, field 'x': must be a finite number; got 'nan'",
        "households.csv, row 5, field 'y': must be a finite number; got '4416k'",
        "households.csv, row 7, field 'x': must be a finite number; got ''",
        "households.csv, row 8, field 'y': must be a finite number; got 'inf'",
    ]


def test_lon_lat_swapped_in_one_row(tmp_path):
    t = small()
    hh = to_lonlat(t["households"])
    lon, lat = hh.loc[4, "lon"], hh.loc[4, "lat"]
    hh.loc[4, "lon"], hh.loc[4, "lat"] = lat, lon
    tables = {k: to_lonlat(v) if k in ("candidates", "existing") else v for k, v in t.items()}
    tables["households"] = hh
    msgs = messages(write_case(tmp_path, tables, network=False, crs="EPSG:4326"))
    assert msgs == [f"households.csv, row 6, field 'lon,lat': lies outside the area of use of EPSG:4326 "
                    f"(World) (x and y (or lon and lat) look swapped); got ({lat}, {lon})"]


def test_metric_coordinates_far_outside_the_area_of_use(tmp_path):
    t = small()
    hh = put(t["households"], 1, "x", 4_700_000.0)  # a digit too many
    hh = put(hh, 2, "x", 0)
    hh = put(hh, 2, "y", 0)
    x, y = hh.loc[3, "x"], hh.loc[3, "y"]
    hh = put(put(hh, 3, "x", y), 3, "y", x)  # northing and easting swapped
    msgs = messages(write_case(tmp_path, dict(t, households=hh), network=False))
    assert msgs == [
        f"households.csv, row 3, field 'x,y': lies outside the area of use of {AREA_4548} "
        f"(swapped axes or a different CRS?); got (4700000.0, {hh.loc[1, 'y']})",
        f"households.csv, row 4, field 'x,y': lies outside the area of use of {AREA_4548} "
        "((0, 0): a missing location?); got (0, 0)",
        f"households.csv, row 5, field 'x,y': lies outside the area of use of {AREA_4548} "
        f"(x and y (or lon and lat) look swapped); got ({y}, {x})",
    ]


def test_whole_file_in_degrees_with_a_metric_crs_is_one_problem(tmp_path):
    t = small()
    cand = to_lonlat(t["candidates"]).rename(columns={"lon": "x", "lat": "y"})
    msgs = messages(write_case(tmp_path, dict(t, candidates=cand), network=False))
    assert msgs == [
        f"candidates.csv, field 'x,y': all 6 rows lie outside the area of use of {AREA_4548} "
        "(these look like lon/lat degrees, but the scenario's crs is in metres); "
        f"got ({cand.loc[0, 'x']}, {cand.loc[0, 'y']}) on row 2"]


def test_lon_lat_columns_with_a_metric_scenario_crs(tmp_path):
    t = small()
    msgs = messages(write_case(tmp_path, dict(t, households=to_lonlat(t["households"])), network=False))
    assert msgs == ["households.csv, field 'lon,lat': lon/lat columns need a geographic scenario crs "
                    "(e.g. 'EPSG:4326'), but the scenario's crs is EPSG:4548 (metres); use x,y columns or "
                    "change the crs (never reprojected silently); got EPSG:4548"]


def test_geojson_in_another_crs_than_the_scenario(tmp_path):
    t = small()
    hh = t.pop("households")
    write_case(tmp_path, t, network=False)
    gdf = gpd.GeoDataFrame(hh.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(hh["x"], hh["y"]),
                           crs="EPSG:4548").to_crs("EPSG:4326")
    gdf.to_file(tmp_path / "households.geojson")
    path = write_scenario(tmp_path, {"households": "households.geojson", "candidates": "candidates.csv",
                                     "existing": "existing.csv"})
    assert messages(path) == [
        "households.geojson: the file's CRS differs from the scenario's crs (EPSG:4548): reproject the file "
        "or change the scenario's crs (never done silently); got EPSG:4326"]


def test_geojson_in_the_scenario_crs_loads(tmp_path):
    t = small()
    hh = t.pop("households")
    write_case(tmp_path, t, network=False)
    gdf = gpd.GeoDataFrame(hh.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(hh["x"], hh["y"]),
                           crs="EPSG:4548").to_crs("EPSG:4326")
    gdf.to_file(tmp_path / "households.geojson")
    cand, ex = to_lonlat(t["candidates"]), to_lonlat(t["existing"])
    cand.to_csv(tmp_path / "candidates.csv", index=False)
    ex.to_csv(tmp_path / "existing.csv", index=False)
    path = write_scenario(tmp_path, {"households": "households.geojson", "candidates": "candidates.csv",
                                     "existing": "existing.csv"}, crs="EPSG:4326")
    _, d = load(path)
    assert list(d.households["id"]) == list(hh["id"])
    assert list(d.households["households"]) == list(hh["households"])
    assert d.crs.to_epsg() == 32650  # UTM 50N, the zone of Tongzhou


# ------------------------------------------------------------------------------------------
# values


def test_negative_households_cost_and_area(tmp_path):
    t = small()
    hh = put(t["households"], 2, "households", -3)
    cand = put(t["candidates"], 1, "conversion_cost", -1000)
    cand = put(cand, 4, "area_m2", -20)
    cand = put(cand, 5, "area_m2", 0)
    msgs = messages(write_case(tmp_path, dict(t, households=hh, candidates=cand), network=False))
    assert msgs == [
        "households.csv, row 4, field 'households': must be >= 0; got '-3'",
        "candidates.csv, row 3, field 'conversion_cost': must be >= 0; got '-1000'",
        "candidates.csv, row 6, field 'area_m2': must be > 0; got '-20'",
        "candidates.csv, row 7, field 'area_m2': must be > 0; got '0'",
    ]


def test_whole_numbers_and_empty_required_values(tmp_path):
    t = small()
    hh = put(t["households"], 0, "households", 12.5)
    hh = put(hh, 1, "households", "")
    hh = put(hh, 2, "street", " ")
    msgs = messages(write_case(tmp_path, dict(t, households=hh), network=False))
    assert msgs == [
        "households.csv, row 2, field 'households': must be a whole number; got '12.5'",
        "households.csv, row 3, field 'households': must not be empty; got ''",
        "households.csv, row 4, field 'street': must not be empty; got ''",
    ]


def test_all_households_zero(tmp_path):
    t = small()
    t["households"]["households"] = 0
    assert messages(write_case(tmp_path, t, network=False)) == [
        "households.csv, field 'households': total households is 0: nothing to cover; got 0 in every row"]


def test_numbers_as_excel_and_chinese_input_methods_write_them(tmp_path):
    t = small()
    hh = put(t["households"], 0, "households", "１２")  # full-width digits
    hh = put(hh, 1, "households", "1e2")
    hh = put(hh, 2, "households", "1,000")  # quoted by to_csv
    hh = put(hh, 3, "x", f"  {hh.loc[3, 'x']}  ")
    cand = put(t["candidates"], 0, "floor", "－1")  # full-width minus
    cand = put(cand, 0, "space_type", "underground")
    cand = put(cand, 1, "conversion_cost", "１２０，０００".replace("，", ","))
    _, d = load(write_case(tmp_path, dict(t, households=hh, candidates=cand), network=False))
    assert list(d.households["households"][:4]) == [12, 100, 1000, t["households"].loc[3, "households"]]
    assert d.households["x"][3] == pytest.approx(float(t["households"].loc[3, "x"]))
    assert d.candidates["floor"][0] == -1
    assert d.candidates["conversion_cost"][1] == 120_000


def test_floors_as_planners_write_them(tmp_path):
    t = small()
    cand = put(put(t["candidates"], 0, "floor", "B2"), 0, "space_type", "underground")
    cand = put(put(cand, 1, "floor", "3F"), 2, "floor", "Ｆ2")
    _, d = load(write_case(tmp_path, dict(t, candidates=cand), network=False))
    assert list(d.candidates["floor"][:3]) == [-2, 3, 2]
    cand = put(put(put(cand, 3, "floor", "B"), 4, "floor", "1.5"), 5, "floor", "B0")
    assert messages(write_case(tmp_path, dict(t, candidates=cand), network=False)) == [
        "candidates.csv, row 5, field 'floor': must be a floor number (1 = ground floor, -1 or B1 = first "
        "basement); got 'B'",
        "candidates.csv, row 6, field 'floor': must be a whole number; got '1.5'",
        "candidates.csv, row 7, field 'floor': floor 0 does not exist: use 1 for the ground floor, -1 for B1; "
        "got 'B0'",
    ]


def test_parse_numbers_rejects_what_is_not_a_number():
    got = parse_numbers(np.array(["1,00", "1.000,5", "12 000", "0x10", "", "一"], dtype=object))
    assert np.isnan(got).all()


# ------------------------------------------------------------------------------------------
# services, space types, ids, floors, costs


def test_unknown_service_in_existing(tmp_path):
    t = small()
    ex = put(t["existing"], 1, "service", "pharmcy")
    ex = put(ex, 3, "service", "gym")
    msgs = messages(write_case(tmp_path, dict(t, existing=ex), network=False))
    assert msgs == [
        f"existing.csv, row 3, field 'service': unknown service (did you mean 'pharmacy'?); known: {SERVICES}; "
        "got 'pharmcy'",
        f"existing.csv, row 5, field 'service': unknown service; known: {SERVICES}; got 'gym'",
    ]


def test_existing_of_a_disabled_service_is_not_an_error(tmp_path):
    t = small()
    assert "breakfast" in set(t["existing"]["service"])
    _, d = load(write_case(tmp_path, t, network=False, scenario="[services.breakfast]\nenabled = false"))
    assert len(d.existing) == len(t["existing"])


def test_must_cover_values(tmp_path):
    t = small()
    hh = t["households"].copy()
    hh["must_cover"] = ["vegetable;pharmcy", "vegetable、pharmacy", "all", "", "yes", "no",
                        "repair, breakfast", "gym", "TRUE", "0"]
    with pytest.raises(InputError) as info:
        load(write_case(tmp_path, dict(t, households=hh), network=False))
    assert [str(p) for p in info.value.problems] == [
        "households.csv, row 2, field 'must_cover': unknown service 'pharmcy' (did you mean 'pharmacy'?): must "
        f"be true/false/all or a list of services from: {SERVICES}; got 'vegetable;pharmcy'",
        "households.csv, row 9, field 'must_cover': unknown service 'gym': must be true/false/all or a list "
        f"of services from: {SERVICES}; got 'gym'",
    ]
    hh.loc[0, "must_cover"] = "vegetable;pharmacy"
    hh.loc[7, "must_cover"] = ""
    _, d = load(write_case(tmp_path, dict(t, households=hh), network=False))
    every = ("vegetable", "breakfast", "repair", "pharmacy")
    assert list(d.households["must_cover"]) == [
        ("vegetable", "pharmacy"), ("vegetable", "pharmacy"), every, (), every, (), ("breakfast", "repair"),
        (), every, ()]


def test_unknown_space_type_and_gas(tmp_path):
    t = small()
    cand = put(t["candidates"], 0, "space_type", "Vacated")
    cand = put(cand, 2, "space_type", "basement")
    cand = put(cand, 3, "gas", "coal")
    msgs = messages(write_case(tmp_path, dict(t, candidates=cand), network=False))
    assert msgs == [
        f"candidates.csv, row 2, field 'space_type': unknown value (did you mean 'vacated'?); must be one of: "
        f"{SPACES}; got 'Vacated'",
        f"candidates.csv, row 4, field 'space_type': unknown value; must be one of: {SPACES}; got 'basement'",
        "candidates.csv, row 5, field 'gas': unknown value; must be one of: none, pipeline, bottled; got 'coal'",
    ]


def test_duplicate_ids(tmp_path):
    t = small()
    hh = put(t["households"], 4, "id", t["households"].loc[1, "id"])
    hh = put(hh, 7, "id", t["households"].loc[1, "id"])
    nodes = put(t["network_nodes"], 3, "id", "N0_0")
    msgs = messages(write_case(tmp_path, dict(t, households=hh, network_nodes=nodes)))
    h1 = t["households"].loc[1, "id"]
    assert msgs[:3] == [
        f"households.csv, row 6, field 'id': duplicate id (first on row 3); got '{h1}'",
        f"households.csv, row 9, field 'id': duplicate id (first on row 3); got '{h1}'",
        "network_nodes.csv, row 5, field 'id': duplicate id (first on row 2); got 'N0_0'",
    ]
    # the edges of the renamed node now point nowhere: reported too, all at once
    assert all(m.startswith("network_edges.csv, row ") and "'N3_0'" in m for m in msgs[3:])
    assert len(msgs) > 3


def test_floor_zero(tmp_path):
    t = small()
    cand = put(t["candidates"], 2, "floor", 0)
    assert messages(write_case(tmp_path, dict(t, candidates=cand), network=False)) == [
        "candidates.csv, row 4, field 'floor': floor 0 does not exist: use 1 for the ground floor, -1 for B1; "
        "got '0'"]


def test_empty_conversion_cost_needs_a_default_for_its_type(tmp_path):
    t = small()
    cand = put(t["candidates"], 0, "space_type", "bike_shed")
    cand = put(cand, 0, "conversion_cost", "")
    cand = put(cand, 3, "space_type", "park")
    cand = put(cand, 3, "conversion_cost", "")
    path = write_case(tmp_path, dict(t, candidates=cand), network=False)
    assert messages(path) == [
        "candidates.csv, row 2, field 'conversion_cost': is empty and the scenario has no conversion_cost_default "
        "for space type 'bike_shed' (add [conversion_cost_default] bike_shed = ... or fill the cell); got ''",
        "candidates.csv, row 5, field 'conversion_cost': is empty and the scenario has no conversion_cost_default "
        "for space type 'park' (add [conversion_cost_default] park = ... or fill the cell); got ''",
    ]
    path = write_case(tmp_path, dict(t, candidates=cand), network=False,
                      scenario="budget_yuan = 1e6\n[conversion_cost_default]\nbike_shed = 70000\npark = 1.2e5")
    _, d = load(path)
    assert list(d.candidates["conversion_cost"][[0, 3]]) == [70_000, 120_000]
    assert list(d.candidates["cost_source"][[0, 1, 3]]) == ["default", "table", "default"]


def test_street_cap_for_a_street_no_candidate_is_in(tmp_path):
    t = small()
    street = t["candidates"]["street"][0]
    typo = street[:-1]  # "乙街道" -> "乙街"
    path = write_case(tmp_path, t, network=False,
                      scenario=f'budget_yuan = 1e6\n[street_caps."{typo}"]\nmax_sites = 1')
    streets = ", ".join(sorted(set(t["candidates"]["street"])))
    assert messages(path) == [
        f"{path}, field 'street_caps.{typo}': no candidate space lies in this street (did you mean "
        f"'{street}'?); streets in candidates.csv: {streets}; got '{typo}'"]
    write_case(tmp_path, t, network=False, scenario=f'budget_yuan = 1e6\n[street_caps."{street}"]\nmax_sites = 1')
    assert load(path)[0].street_caps[street].max_sites == 1


# ------------------------------------------------------------------------------------------
# network


def test_edge_to_an_unknown_node_and_a_self_loop(tmp_path):
    t = small()
    edges = put(t["network_edges"], 2, "v", "N9_9")
    edges = put(edges, 5, "u", "")
    edges = put(edges, 7, "v", edges.loc[7, "u"])
    msgs = messages(write_case(tmp_path, dict(t, network_edges=edges)))
    assert msgs == [
        "network_edges.csv, row 4, field 'v': edge refers to a node that is not in network_nodes.csv; got 'N9_9'",
        "network_edges.csv, row 7, field 'u': must not be empty; got ''",
        f"network_edges.csv, row 9, field 'u,v': edge from a node to itself; got '{edges.loc[7, 'u']}'",
    ]


def test_edge_lengths_in_kilometres(tmp_path):
    t = small()
    edges = put(t["network_edges"], 0, "length_m", 0.25)
    assert messages(write_case(tmp_path, dict(t, network_edges=edges))) == [
        "network_edges.csv, row 2, field 'length_m': is shorter than the straight line between its nodes "
        "(250 m): lengths must be in metres along the path; got '0.25'"]


def island(t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Add a two-node piece of network 3 km away that no household is near."""
    t = dict(t)
    t["network_nodes"] = pd.concat([t["network_nodes"], pd.DataFrame(
        {"id": ["I1", "I2"], "x": [X0 + 4000, X0 + 4100], "y": [Y0 + 4000, Y0 + 4000]})], ignore_index=True)
    t["network_edges"] = pd.concat([t["network_edges"], pd.DataFrame(
        {"u": ["I1"], "v": ["I2"], "length_m": [100.0]})], ignore_index=True)
    return t


def test_disconnected_candidate_and_existing_facility(tmp_path):
    t = island(small())
    cand = put(put(t["candidates"], 2, "x", X0 + 4010), 2, "y", Y0 + 4000)
    ex = put(put(t["existing"], 0, "x", X0 + 4100), 0, "y", Y0 + 4030)
    path = write_case(tmp_path, dict(t, candidates=cand, existing=ex))
    assert warnings_of(path) == [
        "candidates.csv, row 4, field 'x,y': 'C002' is left out: it snaps to node 'I1' on a separate piece "
        "of the walking network (2 nodes) that no household reaches; connect that piece or move the point; "
        "got 10 m from that node",
        "existing.csv, row 2, field 'x,y': 'E00' is left out: it snaps to node 'I2' on a separate piece of "
        "the walking network (2 nodes) that no household reaches; connect that piece or move the point; "
        "got 30 m from that node",
    ]
    district, _ = validate(load_scenario(path))
    assert list(district.left_out["id"]) == ["C002", "E00"]
    assert "C002" not in set(district.candidates["id"]) and "E00" not in set(district.existing["id"])


def test_points_too_far_from_the_network(tmp_path):
    t = small()
    hh = put(put(t["households"], 3, "x", X0 - 800), 3, "y", Y0)
    path = write_case(tmp_path, dict(t, households=hh), scenario="budget_yuan = 1e6\n[walking]\nmax_snap_m = 300")
    assert messages(path) == [
        f"households.csv, row 5, field 'x,y': '{hh.loc[3, 'id']}' must lie within walking.max_snap_m = 300 m "
        "of a network node (nearest: 'N0_0'); got 800 m"]


def test_geopackage_rows_are_fids_in_every_check(tmp_path):
    """Attribute, coordinate and snapping problems in a GeoPackage name the fid QGIS shows."""
    t = island(small())
    cand = t.pop("candidates")
    write_case(tmp_path, t)
    cand = put(cand, 3, "space_type", "garage")
    cand = put(put(cand, 4, "x", X0 + 4010), 4, "y", Y0 + 4000)
    gdf = gpd.GeoDataFrame(cand.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(cand["x"], cand["y"]),
                           crs="EPSG:4548")
    gdf.to_file(tmp_path / "candidates.gpkg", layer="candidates")
    with sqlite3.connect(tmp_path / "candidates.gpkg") as db:  # a deleted feature leaves a gap in the fids
        db.execute("DELETE FROM candidates WHERE fid = 2")
    files = {"households": "households.csv", "candidates": "candidates.gpkg", "existing": "existing.csv",
             "network_nodes": "network_nodes.csv", "network_edges": "network_edges.csv"}
    path = write_scenario(tmp_path, files)
    assert messages(path) == [
        f"candidates.gpkg, row 4, field 'space_type': unknown value; must be one of: {SPACES}; got 'garage'"]
    cand.loc[3, "space_type"] = "vacated"
    gdf = gpd.GeoDataFrame(cand.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(cand["x"], cand["y"]),
                           crs="EPSG:4548")
    gdf.to_file(tmp_path / "candidates.gpkg", layer="candidates")
    with sqlite3.connect(tmp_path / "candidates.gpkg") as db:
        db.execute("DELETE FROM candidates WHERE fid = 2")
    assert warnings_of(path) == [
        "candidates.gpkg, row 5, field 'x,y': 'C004' is left out: it snaps to node 'I1' on a separate piece "
        "of the walking network (2 nodes) that no household reaches; connect that piece or move the point; "
        "got 10 m from that node"]


def test_geopackage_numeric_ids_and_enums_match_csv_text(tmp_path):
    """Node ids stored as numbers (float, with a gap) match the edges' text ids; enums read as text."""
    t = small()
    number = {k: i + 1 for i, k in enumerate(t["network_nodes"]["id"])}
    nodes = t["network_nodes"].assign(id=t["network_nodes"]["id"].map(number).astype(float))
    edges = t["network_edges"].assign(u=t["network_edges"]["u"].map(number),
                                      v=t["network_edges"]["v"].map(number))
    write_case(tmp_path, dict(t, network_edges=edges), network=True)
    gpd.GeoDataFrame(nodes.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(nodes["x"], nodes["y"]),
                     crs="EPSG:4548").to_file(tmp_path / "nodes.gpkg")
    cand = t["candidates"].copy()
    cand.loc[0, "gas"] = None
    gpd.GeoDataFrame(cand.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(cand["x"], cand["y"]),
                     crs="EPSG:4548").to_file(tmp_path / "candidates.gpkg")
    path = write_scenario(tmp_path, {"households": "households.csv", "candidates": "candidates.gpkg",
                                     "network_nodes": "nodes.gpkg", "network_edges": "network_edges.csv"})
    sc, d = load(path)
    assert list(d.nodes["id"][:3]) == ["1", "2", "3"]
    assert d.candidates["gas"][0] == "none"
    assert list(d.candidates["space_type"]) == list(t["candidates"]["space_type"])
    assert build_geometry(sc, d).network.n_edges == len(edges)


# ------------------------------------------------------------------------------------------
# files


def test_empty_files(tmp_path):
    t = small()
    path = write_case(tmp_path, t, network=False)
    (tmp_path / "households.csv").write_bytes(b"")
    t["candidates"].iloc[:0].to_csv(tmp_path / "candidates.csv", index=False)
    t["existing"].iloc[:0].to_csv(tmp_path / "existing.csv", index=False)  # no facilities yet: allowed
    assert messages(path) == [
        "households.csv: file is empty: it needs a header line and at least one row",
        "candidates.csv: has no data rows (only a header)",
    ]


def test_header_only_existing_means_no_facilities(tmp_path):
    t = small()
    path = write_case(tmp_path, t, network=False)
    t["existing"].iloc[:0].to_csv(tmp_path / "existing.csv", index=False)
    _, d = load(path)
    assert len(d.existing) == 0


def test_gbk_csv_from_chinese_excel_is_read(tmp_path):
    t = small()
    path = write_case(tmp_path, t, network=False)
    _, utf8 = load(path)
    t["households"].to_csv(tmp_path / "households.csv", index=False, encoding="gbk")
    t["candidates"].to_csv(tmp_path / "candidates.csv", index=False, encoding="gb18030")
    _, gbk = load(path)
    pd.testing.assert_frame_equal(gbk.households, utf8.households)
    pd.testing.assert_frame_equal(gbk.candidates, utf8.candidates)
    assert set(gbk.households["street"]) <= {"甲街道", "乙街道", "丙街道"}


def test_utf8_bom_utf16_and_tab_separated_are_read(tmp_path):
    t = small()
    path = write_case(tmp_path, t, network=False)
    _, plain = load(path)
    t["households"].to_csv(tmp_path / "households.csv", index=False, encoding="utf-8-sig")
    t["candidates"].to_csv(tmp_path / "candidates.csv", index=False, sep="\t", encoding="utf-16")
    _, other = load(path)
    pd.testing.assert_frame_equal(other.households, plain.households)
    pd.testing.assert_frame_equal(other.candidates, plain.candidates)


def test_text_in_no_known_encoding_is_a_clear_error(tmp_path):
    t = small()
    path = write_case(tmp_path, t, network=False)
    data = (tmp_path / "existing.csv").read_bytes().split(b"\n")
    data[2] = data[2].replace(b",", b"\xff,", 1)  # not UTF-8, not GB18030
    (tmp_path / "existing.csv").write_bytes(b"\n".join(data))
    assert messages(path) == [
        "existing.csv, row 3: cannot be read as text: it is not UTF-8, and none of the encodings considered "
        "(GB18030/GBK, Big5, Shift-JIS, EUC-JP, EUC-KR, UTF-16, Windows-1252) reads it into common characters; "
        "save it as UTF-8 (Excel, WPS: 'CSV UTF-8 (comma delimited)'); got byte 0xff on line 3"]


def test_utf8_with_a_pasted_foreign_byte_is_not_guessed_around(tmp_path):
    """Mostly UTF-8 (Chinese names) with one Windows-1252 'é': an error, not a GB18030 misreading."""
    t = small()
    path = write_case(tmp_path, t, network=False)
    lines = (tmp_path / "candidates.csv").read_bytes().split(b"\n")
    lines[3] = lines[3].replace("空间".encode(), b"Caf\xe9s ", 1)
    (tmp_path / "candidates.csv").write_bytes(b"\n".join(lines))
    assert messages(path) == [
        "candidates.csv, row 4: is UTF-8 text with bytes that are not UTF-8 (pasted from a file in another "
        "encoding?); fix or retype that line and save it as UTF-8; got byte 0xe9 on line 4"]


def test_vector_geometry_problems(tmp_path):
    t = small()
    hh = t.pop("households")
    write_case(tmp_path, t, network=False)
    geoms = list(gpd.points_from_xy(hh["x"], hh["y"]))
    geoms[1] = None
    geoms[2] = shapely.LineString([(X0, Y0), (X0 + 10, Y0)])
    geoms[3] = shapely.Point()  # GeoJSON stores an empty point as no geometry
    gpd.GeoDataFrame(hh.drop(columns=["x", "y"]), geometry=geoms, crs="EPSG:4548").to_file(
        tmp_path / "households.geojson")
    gpd.GeoDataFrame(t["existing"].iloc[:0].drop(columns=["x", "y"]), geometry=[], crs="EPSG:4548").to_file(
        tmp_path / "existing.gpkg")
    path = write_scenario(tmp_path, {"households": "households.geojson", "candidates": "candidates.csv",
                                     "existing": "existing.gpkg"})
    assert messages(path) == [
        "households.geojson, row 2, field 'geometry': must be a (non-empty) Point; got 'no geometry'",
        "households.geojson, row 3, field 'geometry': must be a (non-empty) Point; got 'LineString'",
        "households.geojson, row 4, field 'geometry': must be a (non-empty) Point; got 'no geometry'",
    ]  # an existing-facilities layer without features is allowed


def test_row_numbers_are_editor_line_numbers(tmp_path):
    """Blank lines, Excel's empty ',,,' rows and quoted line breaks count; trailing empty cells are fine."""
    t = small()
    path = write_case(tmp_path, t, network=False)
    header, *rows = (tmp_path / "households.csv").read_text(encoding="utf-8").splitlines()
    assert header == "id,x,y,households,street,community"
    multi = rows[1].split(",")
    multi[5] = f'"{multi[5][:2]}\n{multi[5][2:]}"'  # a line break inside a quoted cell
    bad = rows[2].split(",")
    bad[3] = "-7"
    lines = [header, rows[0], "", ",,,,,", ",".join(multi), ",".join(bad) + ",,", *rows[3:]]
    (tmp_path / "households.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # header 1, row 2, blank 3, empty cells 4, quoted break 5-6, the bad row 7
    assert messages(path) == ["households.csv, row 7, field 'households': must be >= 0; got '-7'"]
    bad[3] = "7"
    lines[5] = ",".join(bad) + ",,"
    (tmp_path / "households.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, d = load(path)
    assert list(d.households["src_row"][:3]) == [2, 5, 7]
    assert d.households["community"][1] == t["households"]["community"][1][:2] + "\n" + \
        t["households"]["community"][1][2:]


def test_a_row_with_too_many_values(tmp_path):
    t = small()
    path = write_case(tmp_path, t, network=False)
    lines = (tmp_path / "existing.csv").read_text(encoding="utf-8").splitlines()
    lines[2] += ",便民,超市"  # an unquoted comma in a name, say
    (tmp_path / "existing.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert messages(path) == [
        "existing.csv, row 3: has 6 values but the header has 4 columns (a comma inside a value must be "
        "quoted); got '便民', '超市'"]


def test_duplicate_column_names(tmp_path):
    t = small()
    path = write_case(tmp_path, t, network=False)
    text = (tmp_path / "existing.csv").read_text(encoding="utf-8").replace("service", "x", 1)
    (tmp_path / "existing.csv").write_text(text, encoding="utf-8")
    msgs = messages(path)
    assert msgs == [
        "existing.csv, field 'service': required column is missing; got columns id, x, y",
        "existing.csv, row 1, field 'x': duplicate column name; got 'x'",
    ]


# ------------------------------------------------------------------------------------------
# all at once


def test_every_problem_in_every_table_at_once(tmp_path):
    t = small()
    hh = put(put(t["households"], 0, "households", "many"), 6, "y", "")
    cand = put(put(put(t["candidates"], 1, "floor", 0), 2, "space_type", "cellar"), 4, "area_m2", -1)
    ex = put(t["existing"], 2, "service", "bank")
    edges = put(t["network_edges"], 9, "u", "N77")
    msgs = messages(write_case(tmp_path, dict(t, households=hh, candidates=cand, existing=ex,
                                              network_edges=edges)))
    assert [m.split(":")[0] for m in msgs] == [
        "households.csv, row 2, field 'households'",
        "households.csv, row 8, field 'y'",
        "candidates.csv, row 3, field 'floor'",
        "candidates.csv, row 4, field 'space_type'",
        "candidates.csv, row 6, field 'area_m2'",
        "existing.csv, row 4, field 'service'",
        "network_edges.csv, row 11, field 'u'",
    ]


def test_random_corruption_never_escapes_as_anything_but_input_error(tmp_path):
    """Seeded: 1-3 random cells set to awkward text; the result loads or is an InputError, nothing else."""
    awkward = ["", "nan", "-1", "0", "abc", "1e400", "[/]", "１２", " ", "B1", "None", "true", "9" * 30, "1,5",
               "N0_0", "H0000"]
    rng = np.random.default_rng(20240611)
    outcomes = {"ok": 0, "input_error": 0}
    for trial in range(30):
        t = random_district(seed=1, n_households=8, n_candidates=5, n_existing=3, size_m=1000.0, spacing=250.0)
        for _ in range(int(rng.integers(1, 4))):
            key = str(rng.choice(list(t)))
            col = str(rng.choice(list(t[key].columns)))
            t[key] = put(t[key], int(rng.integers(len(t[key]))), col, str(rng.choice(awkward)))
        path = write_case(tmp_path / str(trial), t)
        try:
            sc = load_scenario(path)
            build_geometry(sc, load_district(sc))
            outcomes["ok"] += 1
        except InputError as exc:
            assert exc.problems and all(str(p).split(":")[0].strip() for p in exc.problems)
            outcomes["input_error"] += 1
    assert outcomes["input_error"] >= 15  # the corruption does bite
