"""Villages: rural travel, the village rule as a must-cover that explains itself, village rooms, the rural
fringe of the demo (issue 16 item 2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from factories import X0, Y0, grid_network, write_case
from typer.testing import CliRunner

from solver.cli.app import app
from solver.errors import InputError
from solver.inputs.scenario import load_scenario
from solver.pipeline import run, validate

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _case(tmp_path: Path, villages: str = "", *, population: str = "1500", room: bool = True) -> Path:
    """A 3 km road east from a small town: the village at its end, 2.8 km from the town's spaces."""
    nodes, edges = grid_network(30, 1, 100.0)  # 2.9 km along y = Y0
    hh = pd.DataFrame({"id": ["T1", "T2", "V1", "V2"], "x": [X0, X0 + 100, X0 + 2800, X0 + 2900],
                       "y": [Y0 + 5, Y0 + 5, Y0 + 5, Y0 + 5], "households": [100, 120, 500, 100],
                       "street": ["镇"] * 4, "community": ["镇区", "镇区", "甲村", "乙村"],
                       "population": ["260", "300", population, "260"], "kind": ["", "", "village", "village"]})
    cand = pd.DataFrame({"id": ["C1", "C2"], "name": ["供销社", "村委会闲置用房"], "x": [X0 + 50, X0 + 2850],
                         "y": [Y0 + 5, Y0 + 5], "space_type": ["coop", "village_room"], "area_m2": [200, 100],
                         "floor": [1, 1], "street": ["镇", "镇"], "conversion_cost": [100000, 40000]})
    if not room:
        cand = cand.iloc[:1]
    ex = pd.DataFrame({"id": ["E1"], "x": [X0], "y": [Y0], "service": ["vegetable"]})
    tables = {"households": hh, "candidates": cand, "existing": ex, "network_nodes": nodes, "network_edges": edges}
    services = ("[services.convenience_store]\ncategory = \"retail\"\nthreshold_min = 15\nfit_out_cost = 50000\n"
                "area_m2 = 30\n")
    return write_case(tmp_path, tables, scenario=f"budget_yuan = 300000\n{villages}\n{services}")


def test_villages_travel_at_their_own_speed(tmp_path):
    off = "min_population = 1e9\n"  # the rule off: only the travel speed differs
    walk = run(load_scenario(_case(tmp_path / "a", f"[villages]\n{off}", room=False)))
    ebike = run(load_scenario(_case(tmp_path / "b", f"[villages]\nspeed_m_per_min = 200\n{off}", room=False)))
    for r in (walk, ebike):
        assert r.check is not None  # the independent checker agrees, with the villages' speed too
    i = {k: n for n, k in enumerate(walk.district.households["id"])}
    s = list(walk.coverage.services).index("convenience_store")
    # the town's space is 2.75-2.85 km from the villages: 46-48 minutes on foot, 14 by e-bike (200 m/min)
    for v in ("V1", "V2"):
        assert not walk.covered_after[i[v], s] and ebike.covered_after[i[v], s]
    unc = walk.uncovered_table.set_index(["id", "service"])
    assert unc.loc[("V1", "convenience_store"), "nearest_eligible_min"] == pytest.approx(2760 / 60, abs=0.2)
    assert (ebike.uncovered_table["id"] != "V1").all() or "convenience_store" not in set(
        ebike.uncovered_table.loc[ebike.uncovered_table["id"] == "V1", "service"])


def test_the_village_rule_is_a_must_cover(tmp_path):
    sc = load_scenario(_case(tmp_path, "[villages]\nspeed_m_per_min = 60\nmin_population = 1000\n"))
    d, _ = validate(sc)
    must = dict(zip(d.households["id"], d.households["must_cover"]))
    assert must["V1"] == ("convenience_store",) and must["V2"] == () and must["T1"] == ()
    r = run(sc)
    assert r.result.termination.has_solution
    assert ("C2", "convenience_store") in r.plan  # only the village's own room reaches it on foot
    from solver.results.outputs import summary

    assert summary(r)["travel"]["villages"] == {"speed_m_per_min": 60.0, "min_population": 1000.0,
                                                "must_reach": ["convenience_store"], "villages": 2,
                                                "under_the_rule": 1}


def test_a_rule_that_cannot_hold_says_which_village_and_why(tmp_path):
    path = _case(tmp_path, "[villages]\nspeed_m_per_min = 60\n", room=False)
    res = runner.invoke(app, ["solve", str(path), "-o", str(tmp_path / "out")])
    assert res.exit_code == 3, res.output
    assert "village V1" in res.output and "1,500 people" in res.output
    assert "convenience_store within 15 min" in res.output
    assert "nearest eligible space 4" in res.output  # about 46 minutes on foot


def test_village_inputs_are_checked(tmp_path):
    with pytest.raises(InputError) as err:
        validate(load_scenario(_case(tmp_path / "a", "[villages]\nmust_reach = [\"convenience\"]\nspeed = 3\n",
                                     population="")))
    text = err.value.render()
    assert "villages.must_reach" in text and "convenience_store" in text and "villages.speed" in text
    with pytest.raises(InputError) as err:
        validate(load_scenario(_case(tmp_path / "b", population="")))
    assert "'population'" in err.value.render() and "a village needs its population" in err.value.render()
    bad = _case(tmp_path / "c")
    hh = pd.read_csv(bad.parent / "households.csv", dtype=str, keep_default_na=False)
    hh.loc[2, "kind"] = "hamlet"
    hh.to_csv(bad.parent / "households.csv", index=False)
    with pytest.raises(InputError, match="hamlet"):
        validate(load_scenario(bad))


def test_the_rural_fringe_is_deterministic_and_committed(tmp_path):
    from solver.synthetic.rural import FILES, build

    build(ROOT / "data/demo", tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (ROOT / "data/rural" / name).read_bytes(), name
    demo = pd.read_csv(ROOT / "data/demo/households.csv", dtype=str, keep_default_na=False)
    rural = pd.read_csv(ROOT / "data/rural/households.csv", dtype=str, keep_default_na=False)
    assert rural.iloc[: len(demo)][demo.columns.tolist()].equals(demo)  # the demo rows unchanged
    villages = rural[rural["kind"] == "village"]
    assert len(villages) == 9 and (villages["population"].astype(int) >= 1000).sum() == 6


def test_demo_rural_without_the_far_village_room_explains(tmp_path):
    what_if = tmp_path / "no_room.toml"
    what_if.write_text(f'extends = "{ROOT / "scenarios/demo_rural.toml"}"\nname = "no_room"\n'
                       '[candidates]\nexclude = ["CV06"]\n', encoding="utf-8")
    res = runner.invoke(app, ["solve", str(what_if), "-o", str(tmp_path / "out")])
    assert res.exit_code == 3, res.output
    assert "village V006 小务村 (1,050 people" in res.output


@pytest.mark.slow
def test_demo_rural_plan_reaches_every_big_village(tmp_path):
    out = tmp_path / "rural"
    res = runner.invoke(app, ["solve", str(ROOT / "scenarios/demo_rural.toml"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    hh = pd.read_csv(out / "households_coverage.csv", dtype={"id": str})
    src = pd.read_csv(ROOT / "data/rural/households.csv", dtype={"id": str})
    big = src[(src["kind"] == "village") & (src["population"] >= 1000)]["id"]
    assert (hh.set_index("id").loc[big, "after_convenience_store"] == 1).all()
    assert np.isin(["village_room"], pd.read_csv(out / "ranked_sites.csv")["space_type"]).all()
