"""Toy instances whose optimum is known on paper (tests/data/toy_cases.json explains each)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from factories import X0, Y0, write_case

from solver.inputs.presets import preset
from solver.inputs.scenario import load_scenario
from solver.pipeline import RunOptions, run

CASES = json.loads((Path(__file__).parent / "data" / "toy_cases.json").read_text(encoding="utf-8"))["cases"]


def toy_scenario(case: dict, folder: Path) -> Path:
    hh = pd.DataFrame({
        "id": [f"H{k}" for k in range(len(case["households"]))],
        "x": [X0 + h[0] for h in case["households"]], "y": [Y0 + h[1] for h in case["households"]],
        "households": [h[2] for h in case["households"]], "street": "甲街道", "community": "一社区",
    })
    sp = case["spaces"]
    cand = pd.DataFrame({
        "id": [s["id"] for s in sp], "name": [s["id"] for s in sp],
        "x": [X0 + s["x"] for s in sp], "y": [Y0 + s["y"] for s in sp],
        "space_type": [s["type"] for s in sp], "area_m2": [s["area"] for s in sp],
        "floor": [s["floor"] for s in sp], "conversion_cost": [s["cost"] for s in sp],
        "street": "甲街道", "gas": [s["gas"] for s in sp],
    })
    lines = [f"budget_yuan = {case['budget']}", "[walking]", "detour_factor = 1.0"]
    for key in preset("basic4").specs:
        lines.append(f"[services.{key}]")
        if key in case["services"]:
            lines += [f"{k} = {v}" for k, v in case["services"][key].items()]
        else:
            lines.append("enabled = false")
    return write_case(folder, {"households": hh, "candidates": cand}, scenario="\n".join(lines), network=False,
                      name=case["name"])


@pytest.mark.parametrize("backend", ["ortools", "pulp"])
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_toy_optimum(case, backend, tmp_path):
    sc = load_scenario(toy_scenario(case, tmp_path))
    result = run(sc, options=RunOptions(backend=backend))
    res = result.result
    exp = case["expected"]
    assert res.termination.value == "optimal"
    assert res.cost == pytest.approx(exp["cost"])
    cov = result.coverage_table[result.coverage_table["street"] == "ALL"].set_index("service")
    if "covered" in exp:
        for key, value in exp["covered"].items():
            assert int(cov.loc[key, "covered_after"]) == value, key
    if "covered_total" in exp:
        assert int(cov["covered_after"].sum()) == exp["covered_total"]
    if "plan" in exp:
        assert sorted(result.plan) == sorted(tuple(p) for p in exp["plan"])
    for key, reason in exp.get("uncovered_reason", {}).items():
        unc = result.uncovered_table[result.uncovered_table["service"] == key]
        assert len(unc) and set(unc["reason"]) == {reason}
    # the independent checker ran and agrees with the claimed coverage
    assert result.check is not None
    for key in sc.services:
        assert result.check.covered_after[key] == int(cov.loc[key, "covered_after"])
