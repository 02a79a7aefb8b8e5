"""What-if scenarios: extends chains, --set overrides, table changes; problems name the file that said it."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from factories import random_district, write_case
from typer.testing import CliRunner

from solver.cli.app import app
from solver.errors import InputError
from solver.inputs.loading import load_district, load_inputs
from solver.inputs.scenario import load_scenario
from solver.inputs.whatif import SetSyntaxError, parse_set
from solver.travel.coverage import build_geometry, compute_coverage

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
runner = CliRunner()


def small() -> dict[str, pd.DataFrame]:
    return random_district(seed=21, n_households=40, n_candidates=12, n_existing=8, size_m=1500.0, spacing=250.0)


def base_case(tmp_path: Path, extra: str = "budget_yuan = 1_000_000\ndescription = \"the base\"") -> Path:
    return write_case(tmp_path / "base", small(), network=False, scenario=extra, name="base")


def child(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def messages(path: Path, overrides=()) -> list[str]:
    with pytest.raises(InputError) as info:
        load_scenario(path, overrides=overrides)
    return [str(p) for p in info.value.problems]


def test_child_inherits_and_overrides(tmp_path):
    base = base_case(tmp_path)
    kid = child(tmp_path / "whatifs", "kid.toml",
                'extends = "../base/scenario.toml"\nbudget_yuan = 2e6\n[services.pharmacy]\nthreshold_min = 10\n'
                '[walking]\nspeed_m_per_min = 50\n[services.repair]\nenabled = false\n')
    b, k = load_scenario(base), load_scenario(kid)
    assert k.budget_yuan == 2e6 and b.budget_yuan == 1e6
    assert k.services["pharmacy"].threshold_min == 10 and b.services["pharmacy"].threshold_min == 15
    assert k.services["pharmacy"].fit_out_cost == b.services["pharmacy"].fit_out_cost  # merged, not replaced
    assert "repair" not in k.services and k.speed_m_per_min == 50
    # data paths written in the base keep meaning what they meant there
    assert k.households == b.households and k.candidates == b.candidates
    # name and description describe the scenario itself: not inherited
    assert k.name == "kid" and k.description == ""
    assert k.changes.files == (base.resolve(), kid.resolve())


def test_chain_of_three_and_lists_replace(tmp_path):
    base = base_case(tmp_path)
    mid = child(tmp_path / "base", "mid.toml", 'extends = "scenario.toml"\nname = "mid"\n'
                '[existing]\nclose = ["E00", "E01"]\n[services.breakfast]\nweight = 2\n')
    leaf = child(tmp_path / "base", "leaf.toml", 'extends = "mid.toml"\n[existing]\nclose = ["E02"]\n')
    sc = load_scenario(leaf)
    assert sc.name == "leaf"  # not the middle file's name
    assert sc.services["breakfast"].weight == 2
    assert sc.changes.close == ("E02",)  # a list given by a child replaces the parent's list
    assert sc.changes.files == (base.resolve(), mid.resolve(), leaf.resolve())


def test_cycle_and_missing_base_are_errors(tmp_path):
    a = child(tmp_path, "a.toml", 'extends = "b.toml"\n')
    b = child(tmp_path, "b.toml", 'extends = "a.toml"\n')
    msgs = messages(a)
    assert len(msgs) == 1
    assert msgs[0].startswith(f"{b}, field 'extends': extends a scenario that extends this one (a cycle: "
                              f"{a} -> {b} -> {a})")
    c = child(tmp_path, "c.toml", 'extends = "nowhere.toml"\nbudget_yuan = 1\n')
    assert messages(c) == [f"{c}, field 'extends': scenario file to extend not found (paths are relative to "
                           f"the scenario file); got 'nowhere.toml' "
                           f"(looked for {(tmp_path / 'nowhere.toml').resolve()})"]
    d = child(tmp_path, "d.toml", "extends = 3\n")
    assert messages(d) == [f"{d}, field 'extends': must be the path of the scenario file to extend (relative to "
                           "this file); got 3"]


def test_every_problem_names_the_file_that_wrote_it(tmp_path):
    base = base_case(tmp_path, 'budget_yuan = 1e6\n[services.pharmacy]\nthreshold_min = -5\n')
    kid = child(tmp_path / "base", "kid.toml", 'extends = "scenario.toml"\nbudjet = 3\n[walking]\n'
                'speed_m_per_min = 0\n[candidates]\nforbid_space_types = ["basement"]\n')
    msgs = messages(kid, overrides=["services.vegetable.weight=-1", "services.pharmcy.threshold_min=15"])
    assert f"{kid}, field 'candidates.forbid_space_types': unknown space type; allowed: vacated, underground, " \
           "boiler_room, bike_shed, old_factory, transit, park, other, village_room, coop; got 'basement'" in msgs
    assert any(m.startswith(f"{kid}, field 'budjet': unknown key") for m in msgs)
    assert f"{kid}, field 'walking.speed_m_per_min': must be > 0; got 0" in msgs
    assert f"{base}, field 'services.pharmacy.threshold_min': must be > 0; got -5" in msgs
    assert "--set, field 'services.vegetable.weight': must be >= 0; got -1" in msgs
    assert "--set, field 'services.pharmcy': unknown service (did you mean 'pharmacy'?): a new service needs " \
           "category, fit_out_cost, area_m2" in msgs
    assert len(msgs) == 6


def test_parse_set_values_and_keys():
    assert parse_set("budget_yuan=3e6") == (("budget_yuan",), 3e6)
    assert parse_set("services.pharmacy.threshold_min = 15") == (("services", "pharmacy", "threshold_min"), 15)
    assert parse_set('street_caps."新华街道".max_yuan=1_000_000') == (
        ("street_caps", "新华街道", "max_yuan"), 1_000_000)
    assert parse_set("services.repair.enabled=false") == (("services", "repair", "enabled"), False)
    assert parse_set('existing.close=["E1", "E2"]') == (("existing", "close"), ["E1", "E2"])
    assert parse_set("name=通州-what-if") == (("name",), "通州-what-if")  # a bare word is text
    for bad in ("budget_yuan", "=3", "budget_yuan=", "a..b=1", "x=[1, 2", "x=a b"):
        with pytest.raises(SetSyntaxError):
            parse_set(bad)


def test_set_into_a_value_is_a_clear_error(tmp_path):
    base = base_case(tmp_path)
    assert messages(base, overrides=["budget_yuan.max=3"]) == [
        "--set, field 'budget_yuan.max': cannot set budget_yuan.max: budget_yuan is a value, not a table; "
        "got 1000000"]
    assert messages(base, overrides=["extends=other.toml"]) == [
        "--set, field 'extends': cannot be set from the command line: write it in the scenario file; "
        "got 'other.toml'"]


def test_set_through_the_cli(tmp_path):
    base = base_case(tmp_path)

    def solve(*args):
        r = runner.invoke(app, ["solve", str(base), "--out", str(tmp_path / "out"), *args])
        return r, " ".join(re.sub(r"[│╭╮╰╯─]", " ", ANSI.sub("", r.output)).split())

    r, text = solve("--set", "budget_yuan=abc")
    assert r.exit_code == 1 and "--set, field 'budget_yuan': must be a number; got 'abc'" in text
    r, text = solve("--set", "budget_yuan")
    assert r.exit_code == 2 and "expected key=value" in text
    assert not (tmp_path / "out").exists()
    r, text = solve("--set", "budget_yuan=2e5", "--set", "services.repair.enabled=false", "-q")
    assert r.exit_code == 0, r.output
    import json

    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["parameters"]["budget_yuan"] == 2e5
    assert set(summary["parameters"]["services"]) == {"vegetable", "breakfast", "pharmacy"}


def test_table_changes_apply(tmp_path):
    base = base_case(tmp_path)
    t = small()
    cand, ex = t["candidates"], t["existing"]
    extra = cand.iloc[:2].copy()
    extra["id"] = ["N1", "N2"]
    extra["conversion_cost"] = ""  # the scenario's default for the type applies
    extra.to_csv(tmp_path / "base" / "more.csv", index=False)
    types = sorted(set(cand["space_type"]))
    kid = child(tmp_path / "base", "kid.toml",
                'extends = "scenario.toml"\n[conversion_cost_default]\n' + "".join(f"{x} = 11\n" for x in types) +
                f'[existing]\nclose = ["{ex["id"][0]}"]\n'
                f'[candidates]\nadd = "more.csv"\nexclude = ["{cand["id"][3]}"]\n'
                f'forbid_space_types = ["{cand["space_type"][5]}"]\ncost = {{ {cand["id"][4]} = 123 }}\n'
                f'cost_by_type = {{ {cand["space_type"][6]} = 456 }}\n')
    sc = load_scenario(kid)
    plain = load_district(load_scenario(base))
    d = load_inputs(sc)
    ids = list(d.candidates["id"])
    assert "N1" in ids and "N2" in ids
    assert cand["id"][3] not in ids
    assert not (d.candidates["space_type"] == cand["space_type"][5]).any()
    assert len(d.existing) == len(plain.existing) - 1 and ex["id"][0] not in set(d.existing["id"])
    cost = dict(zip(d.candidates["id"], d.candidates["conversion_cost"]))
    if cand["space_type"][4] != cand["space_type"][6]:
        assert cost[cand["id"][4]] == 123
    assert all(v == 456 for i, v in cost.items()
               if d.candidates.set_index("id").loc[i, "space_type"] == cand["space_type"][6])
    assert cost["N1"] in (11, 456)  # per-type default for an empty cell (or the per-type override)
    assert "extends:scenario.toml" in d.fingerprints and "candidates.add:more.csv" in d.fingerprints
    # the closed facility no longer covers anyone: coverage before can only fall
    geo = build_geometry(sc, d)
    before = compute_coverage(sc, d, geo).covered_before
    geo0 = build_geometry(load_scenario(base), plain)
    before0 = compute_coverage(load_scenario(base), plain, geo0).covered_before
    assert (before <= before0).all()


def test_unknown_ids_and_duplicates_all_at_once(tmp_path):
    base_case(tmp_path)
    t = small()
    extra = t["candidates"].iloc[:2].copy()  # ids clash with the base table
    extra.to_csv(tmp_path / "base" / "more.csv", index=False)
    kid = child(tmp_path / "base", "kid.toml", 'extends = "scenario.toml"\n[existing]\nclose = ["E99"]\n'
                '[candidates]\nadd = "more.csv"\nexclude = ["C0001", "C001"]\n')
    sc = load_scenario(kid)
    with pytest.raises(InputError) as info:
        load_inputs(sc)
    msgs = [str(p) for p in info.value.problems]
    assert msgs == [
        f"more.csv, row 2, field 'id': candidate id is also in candidates.csv: ids must be unique across the "
        f"candidate tables; got '{extra['id'].iat[0]}'",
        f"more.csv, row 3, field 'id': candidate id is also in candidates.csv: ids must be unique across the "
        f"candidate tables; got '{extra['id'].iat[1]}'",
        f"{kid}, field 'candidates.exclude': no candidate space has this id (did you mean 'C001'?); got 'C0001'",
        f"{kid}, field 'existing.close': no existing facility has this id; got 'E99'",
    ]


def test_demo_10min_basics_is_demo_with_two_thresholds():
    demo = load_scenario(ROOT / "scenarios" / "demo.toml")
    ten = load_scenario(ROOT / "scenarios" / "demo_10min_basics.toml")
    for f in dataclasses.fields(demo):
        if f.name in ("name", "description", "name_zh", "description_zh", "path", "raw", "changes", "services"):
            continue
        assert getattr(ten, f.name) == getattr(demo, f.name), f.name
    for key, svc in demo.services.items():
        want = 10.0 if key in ("vegetable", "breakfast") else svc.threshold_min
        assert ten.services[key] == dataclasses.replace(svc, threshold_min=want)


@pytest.mark.parametrize("name", ["demo_closed_market", "demo_elderly_50", "demo_no_underground",
                                  "demo_new_spaces", "demo_breakfast_piggyback"])
def test_shipped_what_ifs_load(name):
    sc = load_scenario(ROOT / "scenarios" / f"{name}.toml")
    assert sc.name == name and sc.description
    d = load_inputs(sc)
    assert len(d.candidates) and np.isfinite(d.candidates["conversion_cost"].to_numpy(dtype=float)).all()
