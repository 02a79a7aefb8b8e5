"""The kinds of input an independent probe found mishandled (issue 18), each a test through the CLI.

Kinds: numbers at any magnitude in any field (cells, scenario keys, ``--set``, options); path
oddities (NUL bytes, symbolic-link loops, parts over 255 bytes); names that make file names
(streets, scenario names); what-if tables named like other inputs; run folders edited or
damaged before ``compare`` / ``report``; a truncated PBF; a network in another projection
zone; plausible but suspicious data (a GCJ-02 offset, street names that nearly match).
Every failure is exit 1 or 2 with the cause named, no traceback and nothing written.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from factories import X0, Y0, random_district, write_case
from typer.testing import CliRunner

from solver.cli.app import app

ANSI = re.compile(r"\x1b\[[0-9;]*m")
runner = CliRunner()


def small(seed: int = 5) -> dict[str, pd.DataFrame]:
    return random_district(seed=seed, n_households=30, n_candidates=8, n_existing=4, size_m=1000.0, spacing=250.0)


def put(frame: pd.DataFrame, i: int, col: str, value) -> pd.DataFrame:
    frame = frame.copy()
    frame[col] = frame[col].astype(object)
    frame.loc[i, col] = value
    return frame


def siting(*args):
    result = runner.invoke(app, [str(a) for a in args])
    result.err = ANSI.sub("", result.stderr)
    result.flat = " ".join(re.sub(r"[│╭╮╰╯─]", " ", ANSI.sub("", result.output)).split())
    return result


def failed(result, codes=(1,)) -> str:
    assert result.exit_code in codes, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and "internal error" not in result.output
    return result.flat


# ------------------------------------------------------------------------------------------
# numbers at any magnitude


CELL_VALUES = ["1e19", "9223372036854775807", "-9223372036854775809", "1e308", "-1e308", "inf", "nan", "1e400"]


@pytest.mark.parametrize("value", CELL_VALUES)
@pytest.mark.parametrize(("table", "column"), [("households", "households"), ("candidates", "floor"),
                                               ("candidates", "area_m2"), ("candidates", "conversion_cost"),
                                               ("network_edges", "length_m")])
def test_a_cell_at_any_magnitude_is_named_never_overflowed(tmp_path, table, column, value):
    t = small()
    t[table] = put(t[table], 2, column, value)
    path = write_case(tmp_path / "case", t, scenario="budget_yuan = 1e6")
    text = failed(siting("solve", path, "--out", tmp_path / "out"))
    assert f"{table}.csv, row 4, field '{column}'" in text
    assert not (tmp_path / "out").exists()


def test_a_billion_households_in_one_building_is_refused(tmp_path):
    t = small()
    t["households"] = put(t["households"], 0, "households", "1e9")
    path = write_case(tmp_path / "case", t, scenario="budget_yuan = 1e6")
    assert ("households.csv, row 2, field 'households': must be <= 999,999,999 households per demand point"
            in failed(siting("solve", path, "--out", tmp_path / "out")))


def test_households_that_add_up_beyond_the_district_limit_are_refused(tmp_path):
    t = small()
    hh = t["households"].copy()
    hh["households"] = 900_000_000
    t["households"] = hh
    path = write_case(tmp_path / "case", t, scenario="budget_yuan = 1e6")
    assert "total households must be <= 10,000,000,000" in failed(siting("solve", path, "--out", tmp_path / "out"))


SET_CASES = [
    ("services.repair.weight", "1e308"), ("services.repair.fit_out_cost", "1e308"),
    ("services.repair.threshold_min", "1e308"), ("services.repair.area_m2", "1e308"),
    ("services.repair.min_floor", "1e20"), ("conversion_cost_default.vacated", "1e308"),
    ("must_open.repair", "1e30"), ("must_open.repair", "1000000000000000"), ("solve.seed", "5000000000"),
    ("solve.seed", "-1"), ("solve.threads", "100000"), ("solve.time_limit_s", "1e308"),
    ("walking.speed_m_per_min", "1e308"), ("walking.max_snap_m", "inf"), ("walking.detour_factor", "1e300"),
    ("budget_yuan", "1e300"), ("budget_yuan", "nan"), ("street_caps.default.max_yuan", "1e300"),
    ("street_caps.default.max_sites", "1e30"), ("candidates.cost_by_type.vacated", "1e308"),
]


@pytest.mark.parametrize(("key", "value"), SET_CASES)
def test_a_scenario_value_at_any_magnitude_is_named(tmp_path, key, value):
    path = write_case(tmp_path / "case", small(), scenario="budget_yuan = 1e6")
    text = failed(siting("solve", path, "--out", tmp_path / "out", "--set", f"{key}={value}"))
    assert f"--set, field '{key}'" in text
    assert not (tmp_path / "out").exists()


def test_must_open_above_the_number_of_spaces_is_bad_input(tmp_path):
    path = write_case(tmp_path / "case", small(), scenario="budget_yuan = 1e6\n[must_open]\nrepair = 50")
    assert "field 'must_open.repair': asks for 50 sites of 'repair' but there are only 8 candidate spaces" in failed(
        siting("solve", path, "--out", tmp_path / "out"))


@pytest.mark.parametrize(("option", "value"), [("--budget", "inf"), ("--budget", "1e300"), ("--budget", "nan"),
                                               ("--time-limit", "1e308"), ("--threads", "100000"),
                                               ("--gap", "nan")])
def test_an_option_out_of_range_is_a_usage_error(tmp_path, option, value):
    path = write_case(tmp_path / "case", small(), scenario="budget_yuan = 1e6")
    text = failed(siting("solve", path, "--out", tmp_path / "out", option, value), codes=(2,))
    assert option in text
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args", [["--budgets", "1e300"], ["--budgets", "inf"], ["--from", "0", "--to", "1e300",
                                                                                  "--steps", "3"],
                                  ["--from", "0", "--to", "1e6", "--steps", "100000"]])
def test_sweep_levels_out_of_range_are_usage_errors(tmp_path, args):
    path = write_case(tmp_path / "case", small(), scenario="budget_yuan = 1e6")
    failed(siting("sweep", path, "--out", tmp_path / "sw", *args), codes=(2,))
    assert not (tmp_path / "sw").exists()


# ------------------------------------------------------------------------------------------
# paths


def test_paths_with_a_nul_byte_a_loop_or_a_long_part_are_named(tmp_path):
    case = tmp_path / "case"
    path = write_case(case, small(), scenario="budget_yuan = 1e6")
    os.symlink(case / "loop1", case / "loop2")
    os.symlink(case / "loop2", case / "loop1")
    text = path.read_text(encoding="utf-8")
    for data, why in (('"households\\u0000.csv"', "contains a NUL byte"), ('"loop1"', "is a loop of symbolic links"),
                      (f'"{"h" * 300}.csv"', "has a part of 304 bytes")):
        path.write_text(text.replace('"households.csv"', data), encoding="utf-8")
        out = failed(siting("solve", path, "--out", tmp_path / "out"))
        assert f"field 'data.households': {why}" in out, out
    path.write_text(text, encoding="utf-8")
    for out_dir, why in ((case / "loop1", "is a loop of symbolic links"), (tmp_path / ("x" * 300), "has a part of")):
        assert why in failed(siting("solve", path, "--out", out_dir), codes=(2,))
    assert "is a loop of symbolic links" in failed(siting("solve", case / "loop1"))
    assert not (tmp_path / "out").exists()


def test_an_output_folder_name_of_255_bytes_is_written(tmp_path):
    path = write_case(tmp_path / "case", small(), scenario="budget_yuan = 1e6")
    out = tmp_path / ("o" * 255)
    result = siting("solve", path, "--out", out, "-q")
    assert result.exit_code == 0, result.output
    assert (out / "summary.json").is_file()


# ------------------------------------------------------------------------------------------
# names that make file names


def test_street_names_that_map_to_one_file_name_stay_apart(tmp_path):
    t = small()
    hh = t["households"].copy()
    cand = t["candidates"].copy()
    names = ["北苑/街道", "北苑_街道", "X" * 3 + "很长的街道名" * 20]
    hh["street"] = [names[i % 3] for i in range(len(hh))]
    cand["street"] = [names[i % 3] for i in range(len(cand))]
    cand["conversion_cost"] = 10_000
    t["households"], t["candidates"] = hh, cand
    path = write_case(tmp_path / "case", t, scenario="budget_yuan = 1e7")
    out = tmp_path / "out"
    result = siting("solve", path, "--out", out, "-q")
    assert result.exit_code == 0, result.output
    files = sorted((out / "by_street").iterdir())
    streets = {str(pd.read_csv(f)["street"].iloc[0]) for f in files}
    assert streets == set(names)  # one file per street, none overwritten
    assert all(len(f.name.encode()) <= 68 for f in files)
    ranked = pd.read_csv(out / "ranked_sites.csv")
    for f in files:
        part = pd.read_csv(f)
        assert len(part) == (ranked["street"] == part["street"].iloc[0]).sum()


def test_the_report_writes_maps_of_streets_with_long_or_clashing_names(tmp_path):
    t = small()
    names = ["北苑/街道", "北苑_街道", "很长的街道名" * 20]
    for key in ("households", "candidates"):
        frame = t[key].copy()
        frame["street"] = [names[i % 3] for i in range(len(frame))]
        t[key] = frame
    path = write_case(tmp_path / "case", t, scenario="budget_yuan = 1e7")
    out = tmp_path / "out"
    assert siting("solve", path, "--out", out, "-q").exit_code == 0
    result = siting("report", out, "-q")
    assert result.exit_code == 0, result.output
    maps = sorted(p.name for p in (out / "report" / "maps").glob("street_*.png"))
    assert len(maps) == 3 and all(len(m.encode()) <= 90 for m in maps)


@pytest.mark.parametrize("name", [".", "..", " . ", "a\nb"])
def test_a_scenario_name_that_cannot_name_a_folder_is_refused(tmp_path, name, monkeypatch):
    path = write_case(tmp_path / "case", small(), scenario="budget_yuan = 1e6", name="case")
    path.write_text(path.read_text(encoding="utf-8").replace('name = "case"', f"name = {json.dumps(name)}"),
                    encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert "field 'name'" in failed(siting("solve", path))
    assert not (tmp_path / "out").exists()


def test_a_scenario_name_with_unsafe_characters_names_a_safe_folder(tmp_path, monkeypatch):
    path = write_case(tmp_path / "case", small(), scenario="budget_yuan = 1e6", name="方案:A*B?")
    monkeypatch.chdir(tmp_path)
    result = siting("solve", path, "-q")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "方案_A_B_" / "summary.json").is_file()
    summary = json.loads((tmp_path / "out" / "方案_A_B_" / "summary.json").read_text(encoding="utf-8"))
    assert summary["scenario"]["name"] == "方案:A*B?"


# ------------------------------------------------------------------------------------------
# what-if tables


def test_an_added_candidate_table_named_like_the_households_table_keeps_its_problems(tmp_path):
    t = small()
    case = tmp_path / "case"
    write_case(case, t, scenario="budget_yuan = 1e6")
    extra = case / "extra"
    extra.mkdir()
    more = t["candidates"].copy()
    more["id"] = [f"X{i}" for i in range(len(more))]
    more = put(more, 1, "area_m2", -5)
    more.to_csv(extra / "households.csv", index=False)
    whatif = case / "whatif.toml"
    whatif.write_text('extends = "scenario.toml"\n[candidates]\nadd = "extra/households.csv"\n', encoding="utf-8")
    text = failed(siting("solve", whatif, "--out", tmp_path / "out"))
    assert f"{extra / 'households.csv'}, row 3, field 'area_m2': must be > 0; got '-5'" in text


# ------------------------------------------------------------------------------------------
# run folders edited or damaged


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("runs")
    path = write_case(folder / "case", small(), scenario="budget_yuan = 1e6")
    assert siting("solve", path, "--out", folder / "a", "-q").exit_code == 0
    return folder / "a"


DAMAGE = {
    "households text in a count": ("households_coverage.csv", lambda f: f.assign(households="many")),
    "a flag of 7": ("households_coverage.csv",
                    lambda f: put(f, 0, [c for c in f.columns if c.startswith("after_")][0], 7)),
    "a column renamed": ("coverage.csv", lambda f: f.rename(columns={"covered_after": "after"})),
    "duplicate ids": ("households_coverage.csv", lambda f: put(f, 1, "id", f["id"].iloc[0])),
    "coverage not numeric": ("coverage.csv", lambda f: put(f, 0, "pct_after", "x")),
    "summary not an object": ("summary.json", None),
    "lon not numeric": ("sites.csv", lambda f: put(f, 0, "lon", "east")),
}


NOT_READ = {("compare", "lon not numeric"), ("report", "coverage not numeric")}  # columns the command never reads


@pytest.mark.parametrize(("command", "damage"), [(c, d) for c in ("compare", "report") for d in DAMAGE
                                                 if (c, d) not in NOT_READ])
def test_compare_and_report_refuse_a_damaged_run_folder(finished, tmp_path, damage, command):
    broken = tmp_path / "broken"
    shutil.copytree(finished, broken)
    name, edit = DAMAGE[damage]
    if edit is None:
        (broken / name).write_text("[1, 2, 3]", encoding="utf-8")
    else:
        edit(pd.read_csv(broken / name, dtype={"id": str})).to_csv(broken / name, index=False)
    args = ["compare", finished, broken, "--out", tmp_path / "cmp"] if command == "compare" else [
        "report", broken, "--no-maps"]
    text = failed(siting(*args))
    assert str(broken / name) in text
    assert not (tmp_path / "cmp").exists() and not (broken / "report").exists()


@pytest.mark.parametrize("command", ["compare", "report"])
def test_a_run_file_that_is_not_text_any_more_is_named(finished, tmp_path, command):
    broken = tmp_path / "broken"
    shutil.copytree(finished, broken)
    (broken / "coverage.csv").write_bytes("街道".encode("gbk") + b"\xff\xfe\x00garbage")
    args = ["compare", finished, broken, "--out", tmp_path / "cmp"] if command == "compare" else ["report", broken]
    assert str(broken / "coverage.csv") in failed(siting(*args))


def test_compare_with_a_looped_or_nul_path_is_bad_input(finished, tmp_path):
    os.symlink(tmp_path / "l2", tmp_path / "l1")
    os.symlink(tmp_path / "l1", tmp_path / "l2")
    assert "is a loop of symbolic links" in failed(siting("compare", finished, tmp_path / "l1"))
    assert "is a loop of symbolic links" in failed(siting("compare", finished, finished, "--out", tmp_path / "l1"),
                                                   codes=(2,))


# ------------------------------------------------------------------------------------------
# a truncated PBF


@pytest.mark.parametrize("share", [0.3, 0.99])
def test_a_truncated_pbf_is_named_as_such(tmp_path, share):
    import pyrosm

    data = Path(pyrosm.get_data("test_pbf")).read_bytes()
    pbf = tmp_path / "cut.osm.pbf"
    pbf.write_bytes(data[:int(len(data) * share)])
    assert "is truncated" in failed(siting("import-osm", pbf, "--out", tmp_path / "osm"))
    assert not (tmp_path / "osm").exists()


def test_a_pbf_with_damaged_data_is_bad_input(tmp_path):
    import pyrosm

    data = bytearray(Path(pyrosm.get_data("test_pbf")).read_bytes())
    for k in range(5000, 5100):
        data[k] ^= 0x55
    pbf = tmp_path / "flipped.osm.pbf"
    pbf.write_bytes(bytes(data))
    assert "cannot be read as an OSM PBF file" in failed(siting("import-osm", pbf, "--out", tmp_path / "osm"))


# ------------------------------------------------------------------------------------------
# the walking network in another place, and suspicious data


def test_a_network_in_the_neighbouring_projection_zone_is_named(tmp_path):
    """The network given in CGCS2000 GK zone 40 (CM 120E) while the tables are in zone 39 (CM 117E)."""
    from pyproj import Transformer

    t = small()
    nodes = t["network_nodes"].copy()
    tr = Transformer.from_crs("EPSG:4548", "EPSG:4549", always_xy=True)
    nodes["x"], nodes["y"] = tr.transform(nodes["x"].to_numpy(), nodes["y"].to_numpy())
    t["network_nodes"] = nodes
    path = write_case(tmp_path / "case", t, scenario="budget_yuan = 1e6")
    text = failed(siting("solve", path, "--out", tmp_path / "out"))
    assert "network_nodes.csv, field 'x,y': lies away from the points of households.csv" in text
    assert "neighbouring projection zone" in text
    assert text.count("must lie within walking.max_snap_m") <= 3 * 5  # a few rows named, not every one
    assert "more rows farther than" in text


def demo_with_gcj02_households(folder: Path, *, max_snap_m: float) -> Path:
    """The demo district with its households moved by the GCJ-02 offset at Tongzhou (about 520 m ENE), as
    an Amap export mixed with survey data would be."""
    from solver.inputs.chinacrs import wgs84_to_gcj02
    from solver.inputs.geo import WGS84, parse_crs, project

    demo = Path(__file__).resolve().parents[1] / "data" / "demo"
    folder.mkdir(parents=True)
    for f in demo.glob("*.csv"):
        shutil.copy(f, folder / f.name)
    hh = pd.read_csv(folder / "households.csv", dtype=str)
    crs = parse_crs("EPSG:4548")
    lon, lat = project(crs, WGS84, hh["x"].astype(float).to_numpy(), hh["y"].astype(float).to_numpy())
    x, y = project(WGS84, crs, *wgs84_to_gcj02(lon, lat))
    hh["x"], hh["y"] = np.round(x, 2), np.round(y, 2)
    hh.to_csv(folder / "households.csv", index=False)
    costs = "\n".join(f"{t} = 150_000" for t in ("vacated", "underground", "boiler_room", "bike_shed",
                                                   "old_factory", "transit", "park", "other"))
    path = folder / "s.toml"
    path.write_text('name = "shifted"\ncrs = "EPSG:4548"\nbudget_yuan = 1e6\n[data]\n' + "\n".join(
        f'{k} = "{k}.csv"' for k in ("households", "candidates", "existing", "network_nodes", "network_edges"))
        + f"\n[walking]\nmax_snap_m = {max_snap_m}\n[conversion_cost_default]\n{costs}\n", encoding="utf-8")
    return path


def test_a_gcj02_table_mixed_with_survey_data_is_a_warning(tmp_path):
    from solver.inputs.scenario import load_scenario
    from solver.pipeline import validate

    path = demo_with_gcj02_households(tmp_path / "case", max_snap_m=5000)
    district, _ = validate(load_scenario(path))
    found = [str(w) for w in district.warnings if "systematically" in str(w)]
    assert len(found) == 1 and found[0].startswith("households.csv, field 'x,y': the points lie systematically")
    assert ("that is the GCJ-02 (Amap, Tencent) offset here: this file looks like a GCJ-02 (Amap, Tencent) "
            "export") in found[0]


def test_a_gcj02_offset_beyond_max_snap_is_named_with_the_errors(tmp_path):
    path = demo_with_gcj02_households(tmp_path / "case", max_snap_m=300)
    text = failed(siting("solve", path, "--out", tmp_path / "out"))
    assert "households.csv, field 'x,y': the points lie systematically" in text
    assert "GCJ-02 (Amap, Tencent) offset here" in text


def test_aligned_demo_data_has_no_offset_warning():
    from solver.inputs.scenario import load_scenario
    from solver.pipeline import validate

    root = Path(__file__).resolve().parents[1]
    district, _ = validate(load_scenario(root / "scenarios" / "demo.toml"))
    assert not [w for w in district.warnings if "systematically" in str(w)]


def test_street_names_that_nearly_match_are_a_warning(tmp_path):
    t = small()
    hh, cand = t["households"].copy(), t["candidates"].copy()
    hh["street"] = ["新华街道" if i % 2 else "玉桥街道" for i in range(len(hh))]
    cand["street"] = ["新华街" if i % 2 else "玉桥街道" for i in range(len(cand))]
    t["households"], t["candidates"] = hh, cand
    path = write_case(tmp_path / "case", t, scenario="budget_yuan = 1e6")
    result = siting("solve", path, "--out", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    assert ("warning: candidates.csv, field 'street': street '新华街' (4 rows) is no street of households.csv, "
            "but nearly matches its '新华街道'") in result.err


def test_no_warning_on_clean_data(tmp_path):
    path = write_case(tmp_path / "case", small(), scenario="budget_yuan = 1e6")
    result = siting("solve", path, "--out", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.err
    assert json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))["warnings"] == []


def test_points_snapped_far_from_the_network_list_a_few_rows_not_all(tmp_path):
    t = small()
    hh = t["households"].copy()
    hh["x"] = hh["x"] + 5000
    t["households"] = hh
    path = write_case(tmp_path / "case", t, scenario="budget_yuan = 1e6")
    text = failed(siting("solve", path, "--out", tmp_path / "out"))
    assert "network_nodes.csv, field 'x,y': lies away from the points of households.csv: 30 of 30" in text
    assert text.count("households.csv, row") == 5
    assert X0 and Y0  # the factory's origin (the shift above moves every household east of it)
