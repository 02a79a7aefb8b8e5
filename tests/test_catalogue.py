"""The service catalogue: presets as data files, a user's own file, overrides, water / frontage, the checker.

* every shipped preset loads and passes its validation; basic4 is the catalogue the project
  had before presets (the services, rules, marks and grade rules written out below);
* a scenario picks a preset or a file (relative to itself, also through ``extends`` and
  ``--set``) and overrides it field by field; ``enabled = true`` switches on an optional format;
* bad names and bad files are InputErrors naming the file, the field, the rule and the value,
  every problem at once;
* the candidate columns ``water`` / ``frontage``, their defaults per space type, eligibility,
  the independent checker, the ``check_on_site`` marks and the warnings of a run.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from factories import random_district, write_case
from typer.testing import CliRunner

from solver.cli.app import app
from solver.errors import CheckError, InputError
from solver.inputs.catalogue import BASIC_SERVICES, SPACE_TYPES, Service, eligible, ineligibility_reason
from solver.inputs.grades import DEFAULT_LEVELS, default_grade_rules
from solver.inputs.loading import load_district
from solver.inputs.presets import CATALOGUE_DIR, PRESETS, preset, read_catalogue, space_defaults
from solver.inputs.scenario import load_scenario
from solver.pipeline import run
from solver.report.svgmap import SERVICE_COLOURS, service_colours
from solver.results.check import check_plan

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

# The catalogue of the project before presets existed (solver/catalogue.py DEFAULT_SERVICES with the
# category rules, labels.SERVICE_ABBR), written out: basic4 must give exactly this.
TODAY = {
    "vegetable": ("vegetable retail", "蔬菜零售", "retail", 15.0, 1.0, 120_000.0, 60.0, -2, False, "V", "菜"),
    "breakfast": ("breakfast point", "早餐", "catering", 15.0, 1.0, 150_000.0, 40.0, -1, True, "B", "早"),
    "repair": ("repair workshop", "便民维修", "service", 15.0, 1.0, 50_000.0, 15.0, None, False, "R", "修"),
    "pharmacy": ("pharmacy", "药店", "retail", 15.0, 1.0, 200_000.0, 50.0, -2, False, "P", "药"),
}
TONGZHOU_ON = ["vegetable", "convenience_store", "breakfast", "housekeeping", "hair_beauty", "parcel_locker",
               "repair", "laundry", "supermarket", "pharmacy", "front_warehouse"]
QUALITY = ["specialty_food", "bakery", "tea_coffee", "bookstore", "elderly_care"]


def small(seed: int = 11, **kw) -> dict[str, pd.DataFrame]:
    return random_district(seed=seed, n_households=30, n_candidates=12, n_existing=4, size_m=1200.0,
                           spacing=200.0, **kw)


def case(tmp_path: Path, scenario: str = "budget_yuan = 1e6", tables: dict | None = None,
         network: bool = False) -> Path:
    return write_case(tmp_path, tables if tables is not None else small(), network=network, scenario=scenario)


def messages(path: Path, overrides: list[str] | None = None) -> list[str]:
    with pytest.raises(InputError) as info:
        load_scenario(path, overrides=overrides or [])
    return [str(p) for p in info.value.problems]


# ------------------------------------------------------------------------------------------
# the shipped presets


@pytest.mark.parametrize("name", PRESETS)
def test_each_preset_loads_and_validates(name):
    cat = read_catalogue(CATALOGUE_DIR / f"{name}.toml", shipped=True)  # raises on any problem
    assert cat.name == name == Path(cat.file).stem and cat.shipped
    assert cat.title_en and cat.title_zh and cat.description
    services = cat.services()
    assert set(services) == set(cat.specs) and any(cat.enabled.values())
    doc_ids = {d.id for d in cat.documents}
    for key, svc in services.items():
        assert svc.group in ("basic", "improved"), key
        assert [k for k, _ in svc.source] == ["service", "threshold", "weight", "area", "cost", "rules"], key
        for _, text in svc.source:  # every number says where it comes from
            assert text.startswith(("doc:", "project default")), (key, text)
            assert set(re.findall(r"doc:([a-z0-9_]+)", text)) <= doc_ids, (key, text)
        assert svc.area_max_m2 is None or svc.area_max_m2 >= svc.area_m2
    marks = [(s.abbr_en, s.abbr_zh) for s in services.values()]
    assert len({m[0] for m in marks}) == len({m[1] for m in marks}) == len(marks)
    assert set(cat.levels) == {"basic", "improved", "quality"}


def test_basic4_is_the_catalogue_of_before():
    sc = load_scenario(ROOT / "scenarios" / "demo.toml")
    assert sc.catalogue.name == "basic4" and list(sc.services) == list(TODAY)
    for key, (en, zh, cat, thr, w, fit, area, floor, gas, abbr_en, abbr_zh) in TODAY.items():
        s = sc.services[key]
        assert (s.name_en, s.name_zh, s.category, s.threshold_min, s.weight, s.fit_out_cost, s.area_m2) == (
            en, zh, cat, thr, w, fit, area)
        assert (s.min_floor, s.no_bottled_gas_underground, s.allowed_space_types) == (floor, gas, SPACE_TYPES)
        assert (s.abbr_en, s.abbr_zh, s.group, s.needs) == (abbr_en, abbr_zh, "basic", ())
    assert sc.grades == default_grade_rules(tuple(TODAY))
    assert sc.disabled_services == ()
    assert tuple(k for k, s in preset("basic4").services().items() if s.group == "basic") == BASIC_SERVICES
    # writing the default explicitly changes nothing
    explicit = load_scenario(ROOT / "scenarios" / "demo.toml", overrides=["catalogue=basic4"])
    assert explicit.services == sc.services and explicit.grades == sc.grades


def test_tongzhou2022_and_zibo2024_contents():
    tz = load_scenario(ROOT / "scenarios" / "demo_tongzhou2022.toml")
    assert list(tz.services) == TONGZHOU_ON
    assert set(tz.disabled_services) == set(QUALITY)
    assert tz.grades.basic_services == tuple(TONGZHOU_ON) and tz.grades.improved_services == ()
    assert all(s.threshold_min == 15 for s in tz.services.values())
    svc = tz.services
    assert svc["hair_beauty"].needs_water and svc["laundry"].needs_water and svc["convenience_store"].needs_frontage
    assert svc["parcel_locker"].area_m2 == 5 and svc["parcel_locker"].area_max_m2 == 10
    assert {"bike_shed", "transit"} <= set(svc["parcel_locker"].allowed_space_types)
    fw = svc["front_warehouse"]
    assert fw.min_floor == -2 and not fw.needs_frontage and "underground" in fw.allowed_space_types
    assert svc["breakfast"].min_floor == -1 and svc["breakfast"].no_bottled_gas_underground  # catering rules
    zb = load_scenario(ROOT / "scenarios" / "demo_zibo2024.toml")
    assert zb.grades.improved_services == tuple(QUALITY) and zb.disabled_services == ("photo_print",)
    assert {s.threshold_min for k, s in zb.services.items() if s.group == "basic"} == {10.0}
    assert {s.threshold_min for k, s in zb.services.items() if s.group == "improved"} == {15.0}
    assert {s.weight for k, s in zb.services.items() if s.group == "improved"} == {0.5}
    for sc in (tz, zb):
        assert sc.grades.levels == DEFAULT_LEVELS  # the percentages are project defaults


def test_space_defaults_cover_every_type():
    d = space_defaults()
    assert set(d) == set(SPACE_TYPES) and all(v.source.startswith("project default") for v in d.values())
    assert d["vacated"].value("frontage", 1) and not d["vacated"].value("frontage", 2)
    assert d["vacated"].value("water", 2) and not d["underground"].value("water", -1)


# ------------------------------------------------------------------------------------------
# choosing and overriding


def test_overrides_field_by_field_and_enabled(tmp_path):
    path = case(tmp_path, 'budget_yuan = 1e6\ncatalogue = "tongzhou2022"\n'
                          "[services.bakery]\nenabled = true\nthreshold_min = 10\n"
                          "[services.bookstore]\nthreshold_min = 10\n"  # no `enabled`: stays off
                          "[services.front_warehouse]\nenabled = false\n"
                          "[services.hair_beauty]\nneeds_water = false\nsource.rules = 'street survey 2025'\n"
                          "[services.sauna]\ncategory = 'service'\nthreshold_min = 15\nfit_out_cost = 1e5\n"
                          "area_m2 = 120\nname_en = 'sauna'\nname_zh = '桑拿'\n")
    sc = load_scenario(path)
    assert "bakery" in sc.services and sc.services["bakery"].threshold_min == 10
    assert sc.services["bakery"].weight == 0.5 and sc.services["bakery"].needs_frontage  # the rest: the preset's
    assert "bookstore" not in sc.services and "front_warehouse" not in sc.services
    assert set(sc.disabled_services) == {"bookstore", "front_warehouse", "specialty_food", "tea_coffee",
                                         "elderly_care"}
    hair = sc.services["hair_beauty"]
    assert not hair.needs_water and dict(hair.source)["rules"] == "street survey 2025"
    assert dict(hair.source)["area"].startswith("project default")  # source merges key by key
    added = sc.services["sauna"]  # its mark: the first letter not taken (S is hair_beauty's)
    assert added.group == "none" and (added.abbr_en, added.abbr_zh) == ("A", "桑")
    assert sc.grades.improved_services == ("bakery",) and "sauna" not in sc.grades.basic_services
    # --set switches a format on, through an extends chain
    child = tmp_path / "sub" / "child.toml"
    child.parent.mkdir()
    child.write_text('extends = "../scenario.toml"\nname = "child"\n', encoding="utf-8")
    kid = load_scenario(child, overrides=["services.elderly_care.enabled=true"])
    assert "elderly_care" in kid.services and "bakery" in kid.services


def test_a_users_catalogue_file_relative_to_the_scenario_and_through_extends(tmp_path):
    cats = tmp_path / "catalogues"
    cats.mkdir()
    text = (CATALOGUE_DIR / "basic4.toml").read_text(encoding="utf-8")
    text = text.replace('name = "basic4"', 'name = "my_city"').replace("threshold_min = 15.0", "threshold_min = 12.0")
    (cats / "my_city.toml").write_text(text, encoding="utf-8")
    base = case(tmp_path / "base", 'budget_yuan = 1e6\ncatalogue = "../catalogues/my_city.toml"')
    sc = load_scenario(base)
    assert sc.catalogue.name == "my_city" and not sc.catalogue.shipped
    assert {s.threshold_min for s in sc.services.values()} == {12.0}
    other = tmp_path / "elsewhere" / "deeper"
    other.mkdir(parents=True)
    (other / "kid.toml").write_text('extends = "../../base/scenario.toml"\n', encoding="utf-8")
    assert load_scenario(other / "kid.toml").catalogue.file == (cats / "my_city.toml").resolve()


def test_bad_preset_name_and_missing_file(tmp_path):
    path = case(tmp_path, 'budget_yuan = 1e6\ncatalogue = "tongzou2022"')
    assert messages(path) == [
        f"{path}, field 'catalogue': unknown catalogue preset (did you mean 'tongzhou2022'?); shipped: basic4, "
        "tongzhou2022, zibo2024 (or give the path of your own file, e.g. './my_city.toml'); got 'tongzou2022'"]
    path = case(tmp_path, 'budget_yuan = 1e6\ncatalogue = "./cities/x.toml"')
    assert messages(path) == [
        f"{path}, field 'catalogue': catalogue file not found (paths are relative to the scenario file); got "
        f"'./cities/x.toml' (looked for {(tmp_path / 'cities' / 'x.toml').resolve()})"]


def test_a_bad_catalogue_file_lists_every_problem(tmp_path):
    raw = tomllib.loads((CATALOGUE_DIR / "tongzhou2022.toml").read_text(encoding="utf-8"))
    text = (CATALOGUE_DIR / "tongzhou2022.toml").read_text(encoding="utf-8")
    text = text.replace("schema_version = 1", "schema_version = 2")
    text = text.replace('abbr_en = "K"', 'abbr_en = "B"')  # bakery's mark = breakfast's
    text = text.replace("area_m2 = 5.0\narea_max_m2 = 10.0", "area_m2 = 5.0\narea_max_m2 = 3.0\nneeds_wter = true")
    text = text.replace('threshold = "project default: 15 min (lockers', 'threshold = "15 min (lockers')
    text = text.replace("doc:tongzhou2022_measures 补建前置仓", "doc:tongzhou_measures 补建前置仓")
    text = text.replace('[services.repair.source]\nservice = "doc:beijing2022_measures 8项基本便民服务: 便民维修"\n',
                        "[services.repair.source]\n")
    text = text.replace('group = "improved"\ncategory = "catering"\nthreshold_min = 15.0\nweight = 0.5\n'
                        'fit_out_cost = 200_000.0', 'group = "none"\ncategory = "catering"\nthreshold_min = 15.0\n'
                        'weight = 0.5\nfit_out_cost = 200_000.0', 1)
    text += '\n[services.sauna]\nenabled = true\ncategory = "spa"\n'
    assert raw["services"]["parcel_locker"]["area_max_m2"] == 10  # the edits hit what they mean to
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    path = case(tmp_path, 'budget_yuan = 1e6\ncatalogue = "bad.toml"')
    got = messages(path)
    b = str(bad.resolve())
    expected = [
        f"{b}, field 'schema_version': must be 1 (the catalogue schema this siting reads); got 2",
        f"{b}, field 'services.parcel_locker.needs_wter': unknown key (did you mean 'needs_water'?)",
        f"{b}, field 'services.parcel_locker.source.threshold': must start with doc:<document id> or "
        "'project default'; got '15 min (lockers",
        f"{b}, field 'services.parcel_locker.area_max_m2': must be >= 5; got 3.0",
        f"{b}, field 'services.repair.source': must say where every value comes from: missing service",
        f"{b}, field 'services.specialty_food.group': a catalogue service belongs to a group: basic or improved; "
        "got 'none'",
        f"{b}, field 'services.sauna': a catalogue service writes every field; missing: name_en, name_zh, abbr_en, "
        "abbr_zh, group, threshold_min, weight, fit_out_cost, area_m2, source",
        f"{b}, field 'services.sauna.category': unknown category; allowed: catering, retail, service, housing, "
        "childcare; got 'spa'",
        f"{b}, field 'services.bakery.abbr_en': the same abbr_en as service breakfast: each service needs its own; "
        "got 'B'",
        f"{b}, field 'services.front_warehouse.source.service': cites a document that is not among [[documents]] "
        "(did you mean 'tongzhou2022_measures'?); got 'doc:tongzhou_measures'",
    ]
    for e in expected:
        assert any(m.startswith(e) for m in got), (e, got)
    assert all(m.startswith(b) for m in got)  # the scenario itself is fine: nothing follows from the catalogue


def test_scenario_problems_with_the_catalogues_services(tmp_path):
    path = case(tmp_path, 'budget_yuan = 1e6\ncatalogue = "tongzhou2022"\n[services.convenience]\n'
                          "threshold_min = 5\n[services.bakery]\nenabled = true\nabbr_en = 'B'\n"
                          '[must_open]\nelderly_care = 1\n[grades]\nimproved_services = ["bookstore"]\n'
                          "[space_defaults.basement]\nwater = true\n[space_defaults.park]\nfrontage = 'maybe'\n")
    assert messages(path) == [
        f"{path}, field 'services.convenience': unknown service in catalogue 'tongzhou2022' (did you mean "
        "'convenience_store'?): a new service needs category, fit_out_cost, area_m2",
        f"{path}, field 'services.bakery.abbr_en': map mark also used by service breakfast: the marks must tell "
        "the enabled services apart; got 'B'",
        f"{path}, field 'grades.improved_services': service is disabled in this scenario: enable it with "
        "[services.bookstore] enabled = true; got 'bookstore'",
        f"{path}, field 'space_defaults.basement': unknown space type; allowed: vacated, underground, boiler_room, "
        "bike_shed, old_factory, transit, park, other, village_room, coop; got 'basement'",
        f"{path}, field 'space_defaults.park.frontage': must be true or false or 'ground_floor' (on floor 1 "
        "only); got 'maybe'",
        f"{path}, field 'must_open.elderly_care': service is disabled in this scenario (enabled = false); "
        "got 'elderly_care'",
    ]


# ------------------------------------------------------------------------------------------
# water and frontage


def test_water_and_frontage_columns_parse_with_defaults(tmp_path):
    t = small()
    cand = t["candidates"].copy()
    n = len(cand)
    cand["space_type"] = ["vacated", "vacated", "underground", "park"] + ["bike_shed"] * (n - 4)
    cand["floor"] = [1, 2, -1, 1] + [1] * (n - 4)
    cand["water"] = ["是", "", "有", ""] + ["ＮＯ", "0", "无", "y", "False", "", "", ""][: n - 4]
    cand["frontage"] = ["", "", "否", "true"] + [""] * (n - 4)
    t["candidates"] = cand
    d = load_district(load_scenario(case(tmp_path, tables=t)))
    c = d.candidates
    assert c["water"].tolist()[:9] == [True, True, True, False, False, False, False, True, False]
    assert c["water_source"].tolist()[:4] == ["table", "default", "table", "default"]
    assert c["frontage"].tolist()[:4] == [True, False, False, True]  # vacated: on floor 1 only


def test_bad_water_and_frontage_values_name_row_and_field(tmp_path):
    t = small()
    t["candidates"]["water"] = ["maybe"] + [""] * (len(t["candidates"]) - 1)
    t["candidates"]["frontage"] = [""] * (len(t["candidates"]) - 1) + ["sometimes"]
    path = case(tmp_path, tables=t)
    words = "(yes, y, true, t, 1, 是, 有 / no, n, false, f, 0, 否, 无), or empty for the space type's default"
    n = len(t["candidates"]) + 1
    with pytest.raises(InputError) as info:
        load_district(load_scenario(path))
    assert [str(p) for p in info.value.problems] == [
        f"candidates.csv, row 2, field 'water': must be yes or no {words}; got 'maybe'",
        f"candidates.csv, row {n}, field 'frontage': must be yes or no {words}; got 'sometimes'",
    ]


def test_eligibility_rules_and_the_checkers_own_reasons():
    svc = Service(key="hair", name_en="hair", name_zh="发", category="service", threshold_min=15, weight=1,
                  fit_out_cost=1, area_m2=1, needs_water=True, needs_frontage=True)
    kw = {"space_type": "vacated", "floor": 1, "gas": "none"}
    assert eligible(svc, **kw, water=True, frontage=True) and ineligibility_reason(svc, **kw) is None
    assert not eligible(svc, **kw, water=False, frontage=True)
    assert not eligible(svc, **kw, water=True, frontage=False)
    assert ineligibility_reason(svc, **kw, water=False, frontage=False) == "no water supply; no street frontage"


def _water_case(tmp_path: Path, seed: int = 3) -> tuple[Path, dict]:
    t = random_district(seed=seed, n_households=80, n_candidates=16, n_existing=4, size_m=1500.0, spacing=150.0)
    cand = t["candidates"]
    cand["water"] = ["no" if k % 3 == 0 else ("yes" if k % 3 == 1 else "") for k in range(len(cand))]
    scen = ('budget_yuan = 1.2e6\n[services.laundry]\nname_en = "laundry"\nname_zh = "洗衣"\ncategory = "service"\n'
            "threshold_min = 10\nfit_out_cost = 60000\narea_m2 = 30\nneeds_water = true\n"
            "[services.pharmacy]\nneeds_frontage = true\n")
    return write_case(tmp_path, t, scenario=scen, network=True), t


def test_checker_agrees_and_catches_a_space_without_water(tmp_path):
    path, t = _water_case(tmp_path)
    sc = load_scenario(path)
    r = run(sc)
    assert r.check is not None and r.result.termination.value == "optimal"
    cand = r.district.candidates.set_index("id")
    opened = [(c, s) for c, s in r.plan if s == "laundry"]
    assert opened and all(cand.loc[c, "water"] for c, _ in opened)
    dry = cand.index[~cand["water"].to_numpy(dtype=bool)][0]
    with pytest.raises(CheckError, match="no water supply"):
        check_plan(sc, r.district, [(dry, "laundry")])
    # the checker re-derives a defaulted value from the space type: a wrong resolution is caught
    c = r.district.candidates
    dry_by_default = (c["water_source"] == "default") & ~c["water"]
    assert dry_by_default.any()
    row = c[dry_by_default].iloc[0]
    broken = c.copy()
    broken.loc[broken["id"] == row["id"], "water"] = True  # as if the default had been resolved wrongly
    with pytest.raises(CheckError, match="no water supply"):
        check_plan(sc, dataclasses.replace(r.district, candidates=broken), [(row["id"], "laundry")])


def test_check_on_site_marks_and_counts(tmp_path):
    path, t = _water_case(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(path), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    ranked = pd.read_csv(out / "ranked_sites.csv", keep_default_na=False)
    sites = pd.read_csv(out / "sites.csv", keep_default_na=False, dtype={"check_on_site": str})
    given = {row["id"]: row["water"] for _, row in t["candidates"].iterrows()}
    for _, row in ranked.iterrows():
        services = row["services"].split(";")
        needs_assumed = ("laundry" in services and given[row["id"]] == "") or (
            "pharmacy" in services)  # no frontage column: always assumed
        assert bool(row["check_on_site"]) == needs_assumed, row.to_dict()
    assert {"water", "frontage", "check_on_site"} <= set(sites.columns)
    # a space whose water is given never needs checking for water
    assert not any("water" in v for v, w in zip(sites["check_on_site"], sites["id"].map(given)) if w)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    counts = summary["catalogue"]["check_on_site"]
    assert counts["chosen_spaces"] == int((ranked["check_on_site"] != "").sum())
    assert counts["candidate_spaces"] == int((sites["check_on_site"] != "").sum())
    assert summary["catalogue"]["services"]["laundry"]["needs_water"] is True
    assert summary["catalogue"]["space_defaults"]["vacated"] == {"water": True, "frontage": "ground_floor"}


def test_a_plain_basic4_run_writes_what_it_wrote_before(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(case(tmp_path)), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "catalogue" not in summary and "notes" not in summary
    assert "check_on_site" not in pd.read_csv(out / "ranked_sites.csv").columns
    assert "water" not in pd.read_csv(out / "sites.csv").columns


def test_services_without_existing_facilities_are_warned_about(tmp_path):
    path = case(tmp_path, 'budget_yuan = 1e6\ncatalogue = "tongzhou2022"', network=True)
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(path), "--out", str(out), "-q", "--gap", "0.05"])
    assert result.exit_code == 0, result.output
    have = set(pd.read_csv(tmp_path / "existing.csv")["service"])
    missing = [s for s in TONGZHOU_ON if s not in have]
    note = f"no existing facility of {', '.join(missing)} in existing.csv: their coverage starts at 0"
    assert f"warning: {note}" in " ".join(result.output.split())
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert any(n.startswith(note) for n in summary["notes"])
    assert summary["catalogue"]["name"] == "tongzhou2022" and summary["catalogue"]["file"] == "shipped: tongzhou2022"


# ------------------------------------------------------------------------------------------
# report colours


def test_service_colours_are_keyed_and_distinct():
    keys = list(preset("tongzhou2022").specs)
    assert set(keys) <= set(SERVICE_COLOURS) and set(preset("zibo2024").specs) <= set(SERVICE_COLOURS)
    assert len(set(SERVICE_COLOURS.values())) == len(SERVICE_COLOURS)
    a = service_colours(["pharmacy", "laundry", "sauna", "gym"])
    assert a["pharmacy"] == SERVICE_COLOURS["pharmacy"] and a == service_colours(["pharmacy", "laundry", "sauna",
                                                                                   "gym"])
    assert len(set(a.values())) == 4
    many = service_colours([f"s{k}" for k in range(30)])
    assert len(set(many.values())) == 30


# ------------------------------------------------------------------------------------------
# the demo scenarios


@pytest.mark.slow
@pytest.mark.parametrize("name", ["demo_tongzhou2022", "demo_zibo2024"])
def test_demo_scenarios_with_the_full_catalogues_solve_and_report(tmp_path, name):
    out = tmp_path / name
    result = runner.invoke(app, ["solve", str(ROOT / "scenarios" / f"{name}.toml"), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["check"]["agrees"] and summary["result"]["status"] == "optimal"
    assert len(summary["parameters"]["services"]) == (11 if "tongzhou" in name else 15)
    assert summary["catalogue"]["check_on_site"]["chosen_spaces"] > 0
    result = runner.invoke(app, ["report", str(out), "--lang", "zh", "--no-maps", "-q"])
    assert result.exit_code == 0, result.output
    html = (out / "report" / "report.html").read_text(encoding="utf-8")
    for key, spec in preset(summary["catalogue"]["name"]).specs.items():
        if key in summary["parameters"]["services"]:
            assert spec["name_zh"] in html and SERVICE_COLOURS[key] in html
    assert "需现场核实" in html and 'id="catalogue-card"' in html


def test_demo_catalogue_scenarios_load():
    for name, n in (("demo_tongzhou2022", 11), ("demo_zibo2024", 15)):
        sc = load_scenario(ROOT / "scenarios" / f"{name}.toml")
        assert len(sc.services) == n and sc.budget_yuan == 10_000_000
        assert np.isclose(sc.speed_m_per_min, 60)


def test_the_catalogue_files_are_package_data():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"inputs/catalogues/*.toml"' in text
    assert sorted(p.stem for p in CATALOGUE_DIR.glob("*.toml")) == sorted([*PRESETS, "spaces"])
