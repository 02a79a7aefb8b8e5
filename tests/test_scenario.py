"""Bad scenario files: TOML syntax, typos, wrong values, missing files; all problems at once.

Each test writes a valid small case with the seeded factory, breaks the
scenario, and asserts the exact message (file, line/column or field, rule,
value received).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from factories import random_district, write_case

from models.mode import Mode
from solver.errors import InputError
from solver.inputs.scenario import load_scenario

SERVICES = "vegetable, breakfast, repair, pharmacy"


def small() -> dict[str, pd.DataFrame]:
    return random_district(seed=11, n_households=8, n_candidates=5, n_existing=4, size_m=1000.0, spacing=250.0)


def case(tmp_path: Path, scenario: str = "budget_yuan = 1e6") -> Path:
    return write_case(tmp_path, small(), network=False, scenario=scenario)


def messages(path: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_scenario(path)
    return [str(p) for p in info.value.problems]


def rewrite(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_a_valid_case_loads(tmp_path):
    sc = load_scenario(case(tmp_path))
    assert sc.budget_yuan == 1e6 and sc.mode is Mode.MAX_COVERAGE
    assert list(sc.services) == SERVICES.split(", ")


def test_thresholds_must_be_positive(tmp_path):
    path = case(tmp_path, "budget_yuan = 1e6\n[services.pharmacy]\nthreshold_min = -5\n"
                          "[services.breakfast]\nthreshold_min = 0")
    assert messages(path) == [
        f"{path}, field 'services.breakfast.threshold_min': must be > 0; got 0",
        f"{path}, field 'services.pharmacy.threshold_min': must be > 0; got -5",
    ]


def test_toml_syntax_error_names_line_and_column(tmp_path):
    path = case(tmp_path)
    text = path.read_text(encoding="utf-8").replace("budget_yuan = 1e6", "budget_yuan 1e6")
    rewrite(path, text)
    line = text.splitlines().index("budget_yuan 1e6") + 1
    assert messages(path) == [
        f"{path}, line {line}, column 13: not valid TOML: Expected '=' after a key in a key/value pair; "
        "got 'budget_yuan 1e6'"]


def test_toml_unterminated_string(tmp_path):
    path = rewrite(case(tmp_path), 'name = "case\ncrs = "EPSG:4548"\n')
    assert messages(path) == [f"{path}, line 1, column 13: not valid TOML: line break inside a string "
                              "(a missing closing quote?); "
                              "got 'name = \"case'"]


def test_toml_duplicate_key(tmp_path):
    path = case(tmp_path, "budget_yuan = 1e6\nbudget_yuan = 2e6")
    assert messages(path) == [f"{path}, line 4, column 18: not valid TOML: Cannot overwrite a value; "
                              "got 'budget_yuan = 2e6'"]


def test_typos_in_keys_get_did_you_mean(tmp_path):
    path = case(tmp_path, "budjet_yuan = 1e6\n[walking]\nsped_m_per_min = 70\n[solve]\ntime_limit = 5\n"
                          "[services.pharmacy]\ntreshold_min = 10\n[services.pharmcy]\nthreshold_min = 10")
    msgs = messages(path)
    assert any(m.startswith(f"{path}, field 'budjet_yuan': unknown key (did you mean 'budget_yuan'?)")
               for m in msgs)
    assert f"{path}, field 'walking.sped_m_per_min': unknown key (did you mean 'speed_m_per_min'?); allowed: " \
           "detour_factor, max_snap_m, speed_m_per_min" in msgs
    assert any(m.startswith(f"{path}, field 'solve.time_limit': unknown key (did you mean 'time_limit_s'?)")
               for m in msgs)
    assert any(m.startswith(f"{path}, field 'services.pharmacy.treshold_min': unknown key (did you mean "
                            "'threshold_min'?)") for m in msgs)
    assert f"{path}, field 'services.pharmcy': unknown service (did you mean 'pharmacy'?): a new service " \
           "needs category, fit_out_cost, area_m2" in msgs
    assert len(msgs) == 5


def test_a_top_level_key_under_a_table(tmp_path):
    path = case(tmp_path, "[walking]\nspeed_m_per_min = 60\nbudget_yuan = 1e6")
    msgs = messages(path)
    assert msgs[0].startswith(f"{path}, field 'walking.budget_yuan': unknown key (a top-level key: put it "
                              "above the first [table] of the file, not under [walking]); allowed: ")


def test_missing_data_file_and_required_entries(tmp_path):
    path = case(tmp_path)
    text = path.read_text(encoding="utf-8").replace('existing = "existing.csv"', 'existing = "exist.csv"')
    rewrite(path, text.replace('candidates = "candidates.csv"\n', ""))
    assert messages(path) == [
        f"{path}, field 'data.candidates': is required",
        f"{path}, field 'data.existing': file not found (paths are relative to the scenario file); got "
        f"'exist.csv' (looked for {tmp_path.resolve() / 'exist.csv'})",
    ]


def test_scenario_file_not_found_or_a_folder(tmp_path):
    assert messages(tmp_path / "nope.toml") == [f"{tmp_path / 'nope.toml'}: scenario file not found"]
    assert messages(tmp_path) == [f"{tmp_path}: is a folder, not a scenario file"]


def test_unknown_disabled_and_invalid_must_open(tmp_path):
    path = case(tmp_path, "budget_yuan = 1e6\n[services.breakfast]\nenabled = false\n"
                          "[must_open]\npharmcy = 1\nbreakfast = 1\nrepair = -1\nvegetable = 1.5")
    assert messages(path) == [
        f"{path}, field 'must_open.pharmcy': unknown service (did you mean 'pharmacy'?); known: vegetable, "
        "repair, pharmacy; got 'pharmcy'",
        f"{path}, field 'must_open.breakfast': service is disabled in this scenario (enabled = false); "
        "got 'breakfast'",
        f"{path}, field 'must_open.repair': must be >= 0; got -1",
        f"{path}, field 'must_open.vegetable': must be a whole number; got 1.5",
    ]


def test_min_floor_zero_and_unknown_space_types(tmp_path):
    path = case(tmp_path, "budget_yuan = 1e6\n[services.repair]\nmin_floor = 0\n"
                          "allowed_space_types = ['vacated', 'basement', 'Park']")
    assert messages(path) == [
        f"{path}, field 'services.repair.min_floor': floor 0 does not exist: use 1 for the ground floor, "
        "-1 for B1; got 0",
        f"{path}, field 'services.repair.allowed_space_types': unknown space type; allowed: vacated, "
        "underground, boiler_room, bike_shed, old_factory, transit, park, other, village_room, coop; got 'basement'",
        f"{path}, field 'services.repair.allowed_space_types': unknown space type (did you mean 'park'?); "
        "allowed: vacated, underground, boiler_room, bike_shed, old_factory, transit, park, other, village_room, "
        "coop; got 'Park'",
    ]


def test_wrong_types_and_choices(tmp_path):
    path = case(tmp_path, 'budget_yuan = "5,000,000"\nmode = "maximize"\n[solve]\nrelative_gap = 5\n'
                          'backend = "gurobi"')
    assert messages(path) == [
        f"{path}, field 'budget_yuan': must be a number; got '5,000,000'",
        f"{path}, field 'mode': must be one of: max_coverage, cover, grade; got 'maximize'",
        f"{path}, field 'solve.backend': must be one of: ortools, pulp; got 'gurobi'",
        f"{path}, field 'solve.relative_gap': must be <= 1; got 5",
    ]


def test_crs_that_is_not_a_crs_or_not_in_metres(tmp_path):
    path = case(tmp_path)
    text = path.read_text(encoding="utf-8")
    rewrite(path, text.replace('crs = "EPSG:4548"', 'crs = "EPSG:45480"'))
    assert messages(path) == [f"{path}, field 'crs': not a CRS pyproj understands (CRSError); got 'EPSG:45480'"]
    rewrite(path, text.replace('crs = "EPSG:4548"', 'crs = "EPSG:2227"'))  # California, US survey feet
    assert messages(path) == [f"{path}, field 'crs': projected CRS must be in metres; its unit is "
                              "'US survey foot'; got 'EPSG:2227'"]


def test_gbk_and_bom_scenario_files_are_read(tmp_path):
    path = case(tmp_path, 'budget_yuan = 1e6\ndescription = "通州区 一刻钟便民生活圈"')
    text = path.read_text(encoding="utf-8")
    for encoding in ("gb18030", "utf-8-sig"):
        rewrite(path, text, encoding)
        assert load_scenario(path).description == "通州区 一刻钟便民生活圈"


def test_scenario_in_no_known_encoding(tmp_path):
    path = case(tmp_path)
    data = path.read_bytes().replace(b'name = "case"', b'name = "caf\xff\xff"')
    path.write_bytes(data)
    assert messages(path) == [f"{path}, line 1: cannot be read as text: it is not UTF-8, and none of the encodings "
                              "considered (GB18030/GBK, Big5, Shift-JIS, EUC-JP, EUC-KR, UTF-16, Windows-1252) "
                              "reads it into common characters; save it as UTF-8 (Excel, WPS: 'CSV UTF-8 (comma "
                              "delimited)'); got byte 0xff on line 1"]


def test_every_scenario_problem_at_once(tmp_path):
    path = case(tmp_path, 'budget_yuan = -1\nmode = "cover"\nbudjet = 2\n[walking]\nspeed_m_per_min = 0\n'
                          'detour_factor = 0.5\n[services.vegetable]\nweight = -1\n[street_caps.default]\n'
                          'max_sites = "two"\n[output]\ndir = 3')
    fields = [m.split(":")[0].split("field ")[1] for m in messages(path)]
    assert fields == ["'budjet'", "'walking.speed_m_per_min'", "'walking.detour_factor'",
                      "'services.vegetable.weight'", "'budget_yuan'", "'street_caps.default.max_sites'",
                      "'output.dir'"]


def test_scenario_problems_come_with_the_tables_problems(tmp_path):
    """One error: the scenario's problems, then every table problem the scenario lets us find."""
    t = small()
    t["households"].loc[2, "households"] = -4
    t["existing"].loc[1, "service"] = "pharmacy"
    path = write_case(tmp_path, t, network=False,
                      scenario="budget_yuan = 1e6\nbudgt = 1\n[services.pharmacy]\nthreshold_min = -5")
    msgs = messages(path)
    assert msgs[0].startswith(f"{path}, field 'budgt': unknown key")
    # pharmacy has a bad threshold but is still a known service for existing.csv: no spurious problem there
    assert msgs[1:] == [f"{path}, field 'services.pharmacy.threshold_min': must be > 0; got -5",
                        "households.csv, row 4, field 'households': must be >= 0; got '-4'"]
