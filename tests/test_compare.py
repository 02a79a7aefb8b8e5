"""`siting compare` on two known runs: a base plan and the same district after a facility closes."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from factories import random_district, write_case
from typer.testing import CliRunner

from solver.cli.app import app
from solver.errors import InputError
from solver.inputs.scenario import load_scenario
from solver.pipeline import run
from solver.plans.compare import compare_runs, comparison_markdown, write_comparison
from solver.results.outputs import write_outputs

ANSI = re.compile(r"\x1b\[[0-9;]*m")
runner = CliRunner()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    tables = random_district(seed=41, n_households=150, n_candidates=20, n_existing=8)
    base = write_case(folder / "case", tables, scenario="budget_yuan = 600_000", network=False, name="base")
    # the what-if: two existing facilities close and the budget grows
    closed = list(tables["existing"]["id"][:2])
    kid = folder / "case" / "closed.toml"
    kid.write_text(f'extends = "scenario.toml"\nbudget_yuan = 900_000\n[existing]\nclose = {closed!r}\n'
                   .replace("'", '"'), encoding="utf-8")
    ra, rb = run(load_scenario(base)), run(load_scenario(kid))
    write_outputs(ra, folder / "out" / "base")
    write_outputs(rb, folder / "out" / "closed")
    return folder / "out" / "base", folder / "out" / "closed", ra, rb


def test_compare_known_runs(runs):
    a, b, ra, rb = runs
    c = compare_runs(a, b)
    assert c.cost_difference == pytest.approx(rb.result.cost - ra.result.cost)
    # coverage per street and service: both runs' figures, and the change
    for _, row in c.coverage.iterrows():
        ta = ra.coverage_table.set_index(["street", "service"]).loc[(row["street"], row["service"])]
        tb = rb.coverage_table.set_index(["street", "service"]).loc[(row["street"], row["service"])]
        assert row["covered_after_a"] == ta["covered_after"] and row["covered_after_b"] == tb["covered_after"]
        assert row["change_households"] == tb["covered_after"] - ta["covered_after"]
        assert row["covered_before_b"] <= row["covered_before_a"]  # facilities closed, none opened
    # spaces: added / removed / changed exactly as the two plans say
    pa, pb = {}, {}
    for cid, s in ra.plan:
        pa.setdefault(cid, set()).add(s)
    for cid, s in rb.plan:
        pb.setdefault(cid, set()).add(s)
    sites = c.sites.set_index("id")
    assert set(sites.index[sites["change"] == "added"]) == set(pb) - set(pa)
    assert set(sites.index[sites["change"] == "removed"]) == set(pa) - set(pb)
    assert set(sites.index[sites["change"] == "kept"]) == {k for k in set(pa) & set(pb) if pa[k] == pb[k]}
    # households gaining minus households losing = change of coverage, per service
    h = c.households
    all_rows = c.coverage[c.coverage["street"] == "ALL"].set_index("service")
    for s in c.services:
        gained = int(h.loc[(h["service"] == s) & (h["change"] == "gained"), "households"].sum())
        lost = int(h.loc[(h["service"] == s) & (h["change"] == "lost"), "households"].sum())
        assert gained - lost == all_rows.loc[s, "change_households"]
    assert (h["change"] == "lost").any() or (h["change"] == "gained").any()


def test_a_run_against_itself_changes_nothing(runs, tmp_path):
    a, _, ra, _ = runs
    c = compare_runs(a, a)
    assert c.cost_difference == 0 and len(c.households) == 0
    assert set(c.sites["change"]) <= {"kept"} and (c.coverage["change_households"] == 0).all()
    files = write_comparison(c, tmp_path / "cmp")
    assert {p.name for p in files} == {"comparison.md", "comparison.html", "coverage.csv", "sites.csv",
                                       "households.csv", "grades.csv"}


def test_compare_cli(runs, tmp_path):
    a, b, _, _ = runs
    r = runner.invoke(app, ["compare", str(a), str(b), "--out", str(tmp_path / "cmp")])
    assert r.exit_code == 0, r.output
    text = ANSI.sub("", r.output)
    assert f"# {a.name} -> {b.name}" in text and "cost (yuan)" in text
    table = pd.read_csv(tmp_path / "cmp" / "coverage.csv")
    assert {"street", "service", "covered_after_a", "covered_after_b", "change_households"} <= set(table.columns)
    # not run folders: one error naming every missing file, exit 1
    (tmp_path / "empty").mkdir()
    r = runner.invoke(app, ["compare", str(tmp_path / "empty"), str(tmp_path / "nope"), "--out", str(tmp_path / "c2")])
    assert r.exit_code == 1
    text = " ".join(ANSI.sub("", r.output).split())
    assert "summary.json: missing" in text and "households_coverage.csv: missing" in text
    assert f"{tmp_path / 'nope'}: run folder not found" in text
    assert not (tmp_path / "c2").exists()
    with pytest.raises(InputError):
        compare_runs(tmp_path / "empty", a)


def test_a_service_in_one_run_only(runs, tmp_path):
    a, _, ra, _ = runs
    sc = load_scenario(ra.scenario.path, overrides=["services.repair.enabled=false"])
    write_outputs(run(sc), tmp_path / "norepair")
    c = compare_runs(a, tmp_path / "norepair")
    assert c.only_a == ["repair"] and c.only_b == [] and "repair" not in c.services
    rep = c.coverage[(c.coverage["service"] == "repair") & (c.coverage["street"] == "ALL")].iloc[0]
    assert pd.isna(rep["covered_after_b"]) and not pd.isna(rep["covered_after_a"])
    assert set(c.households["service"]) <= set(c.services)


def test_effect_before_and_after_replanning_names_costs_and_grades(runs, tmp_path):
    """The closure's own effect (existing coverage, before re-planning) and the plans' (after); spaces with
    names and costs; every street's grade in both runs."""
    a, b, ra, rb = runs
    c = compare_runs(a, b)
    all_rows = c.coverage[c.coverage["street"] == "ALL"].set_index("service")
    for s in c.services:
        ta = ra.coverage_table.set_index(["street", "service"]).loc[("ALL", s)]
        tb = rb.coverage_table.set_index(["street", "service"]).loc[("ALL", s)]
        assert all_rows.loc[s, "change_before_households"] == tb["covered_before"] - ta["covered_before"]
    assert (all_rows["change_before_households"] <= 0).all()  # closing facilities never adds coverage
    assert (all_rows["change_before_households"] < 0).any()
    names = ra.district.candidates.set_index("id")["name"]
    md = comparison_markdown(c)
    for _, r in c.sites[c.sites["change"] != "kept"].iterrows():
        assert f"| {r['id']} | {names[r['id']]} |" in md
    added = c.sites[c.sites["change"] == "added"]
    costs = rb.ranked_table.set_index("id")["cost"]
    for _, r in added.iterrows():
        assert r["cost_b"] == pytest.approx(costs[r["id"]])
        assert f"{costs[r['id']]:,.0f}" in md
    streets = sorted(set(ra.district.households["street"]))
    assert list(c.grades["street"]) == streets + ["ALL"]
    assert set(c.grades["grade_after_b"]) <= {"below", "basic", "improved", "quality"}
    zh = comparison_markdown(c, lang="zh")
    assert "重新规划前的变化" in zh and "等级（现状→规划后）" in zh and "optimal" not in zh


def test_comparison_page_is_offline_and_maps_the_changes(runs, tmp_path):
    a, b, _, _ = runs
    c = compare_runs(a, b)
    write_comparison(c, tmp_path / "cmp", lang="zh")
    page = (tmp_path / "cmp" / "comparison.html").read_text(encoding="utf-8")
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    assert "<script" not in page and "<link" not in page
    assert page.count("<circle") >= len(c.b.households)
    n_sites = len(c.sites)
    assert page.count("<g><title>") == n_sites
    for what in ("added", "removed"):
        for cid in c.sites.loc[c.sites["change"] == what, "id"]:
            assert f"<title>{cid} " in page
    again = tmp_path / "again"
    write_comparison(compare_runs(a, b), again, lang="zh")
    assert (again / "comparison.html").read_bytes() == (tmp_path / "cmp" / "comparison.html").read_bytes()
