"""`siting evaluate`: the present state graded on a date, from dated existing facilities (issue 16 item 3)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from factories import random_district, write_case
from typer.testing import CliRunner

from solver.cli.app import app
from solver.errors import InputError
from solver.inputs.dates import existing_on, parse_as_of, parse_date, parse_dates
from solver.inputs.scenario import load_scenario
from solver.plans.evaluate import evaluate
from solver.report.rundata import read_run

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def test_dates_and_quarters():
    assert parse_date("2025Q1") == np.datetime64("2025-01-01")
    assert parse_date("2025-q4") == np.datetime64("2025-10-01")
    assert parse_date("２０２５Ｑ２") == np.datetime64("2025-04-01")  # full-width
    assert parse_date("2025-02-30") is None and parse_date("Q3") is None and parse_date("1800Q1") is None
    a = parse_as_of("2026q3")
    assert a is not None and a.label == "2026Q3" and a.iso == "2026-09-30"
    assert parse_as_of("2024Q4").iso == "2024-12-31" and parse_as_of("2024Q1").iso == "2024-03-31"
    assert parse_as_of("2026-05-17").iso == "2026-05-17" and parse_as_of("soon") is None
    values, bad = parse_dates(np.array(["", "2025Q2", "nope", "2025-06-30"], dtype=object))
    assert bad.tolist() == [False, False, True, False]
    assert np.isnat(values[0]) and values[1] == np.datetime64("2025-04-01")


def _district(tmp_path: Path, opened: list[str], closed: list[str], scenario: str = "") -> Path:
    tables = random_district(seed=5, n_households=60, n_candidates=10, n_existing=len(opened), size_m=1500)
    tables["existing"] = tables["existing"].assign(opened=opened, closed=closed)
    return write_case(tmp_path, tables, scenario=scenario)


def test_the_counting_rule_on_quarter_ends(tmp_path):
    # opened during 2026Q1 counts from 2026Q1; closed during 2026Q2 no longer counts in 2026Q2
    path = _district(tmp_path, opened=["", "2026Q1", "2025-01-10", "", "2026-03-31", "2026-04-01"],
                     closed=["", "", "2026Q2", "2026-07-01", "", ""])
    sc = load_scenario(path)
    from solver.pipeline import validate

    def counted(q: str) -> list[str]:
        d, _ = validate(sc.__class__(**{**sc.__dict__, "as_of": parse_as_of(q)}))
        return sorted(d.existing["id"])

    assert counted("2025Q4") == ["E00", "E02", "E03"]
    assert counted("2026Q1") == ["E00", "E01", "E02", "E03", "E04"]
    assert counted("2026Q2") == ["E00", "E01", "E03", "E04", "E05"]  # E02 closed 2026-04-01; E03 on 07-01
    assert counted("2026Q3") == ["E00", "E01", "E04", "E05"]
    d, _ = validate(sc)  # no as-of: every row without a closed date, with a warning that says so
    assert sorted(d.existing["id"]) == ["E00", "E01", "E04", "E05"]
    assert any("no as-of date was given" in str(w) for w in d.warnings)
    assert d.dated is not None and d.dated["closed"] == 2


def test_bad_dates_are_listed_with_row_field_and_value(tmp_path):
    path = _district(tmp_path, opened=["2025Q5", "2026Q2", "", "yesterday"], closed=["", "2026Q1", "2026Q2", ""])
    with pytest.raises(InputError) as err:
        from solver.pipeline import validate

        validate(load_scenario(path))
    text = err.value.render()
    assert "existing.csv" in text and "'opened'" in text and "2025Q5" in text and "yesterday" in text
    assert "must be later than opened (2026Q2)" in text and "'closed'" in text
    res = runner.invoke(app, ["evaluate", str(path), "--as-of", "2026Q1", "-o", str(tmp_path / "ev")])
    assert res.exit_code == 1 and "2025Q5" in res.output and not (tmp_path / "ev").exists()
    res = runner.invoke(app, ["evaluate", str(path), "--as-of", "2026Q7", "-o", str(tmp_path / "ev")])
    assert res.exit_code == 2 and "--as-of" in res.output


def test_scenario_as_of_key(tmp_path):
    path = _district(tmp_path, opened=["", "2026Q1"], closed=["", ""], scenario='as_of = "2025Q4"')
    assert load_scenario(path).as_of.iso == "2025-12-31"
    bad = _district(tmp_path / "b", opened=["", ""], closed=["", ""], scenario='as_of = "next year"')
    with pytest.raises(InputError, match="as_of"):
        load_scenario(bad)


def _expected_counted(csv: Path, as_of: str) -> set[str]:
    """The rule computed independently from the raw CSV (pandas dates, quarters by hand)."""
    ex = pd.read_csv(csv, dtype=str, keep_default_na=False)
    end = pd.Period(as_of, freq="Q").end_time.normalize()

    def day(v: str):
        return pd.Period(v, freq="Q").start_time if "Q" in v else pd.Timestamp(v)

    keep = set()
    for _, r in ex.iterrows():
        if (not r["opened"] or day(r["opened"]) <= end) and (not r["closed"] or day(r["closed"]) > end):
            keep.add(r["id"])
    return keep


def test_evaluate_the_dated_demo_writes_a_run_folder_the_report_reads(tmp_path):
    dated = ROOT / "data/demo/existing_dated.csv"
    plain = pd.read_csv(ROOT / "data/demo/existing.csv", dtype=str)
    assert pd.read_csv(dated, dtype=str)[plain.columns.tolist()].equals(plain)  # the same rows, dates added
    out = tmp_path / "ev"
    res = runner.invoke(app, ["evaluate", str(ROOT / "scenarios/demo_dated.toml"), "--as-of", "2026Q2",
                              "-o", str(out), "--lang", "zh"])
    assert res.exit_code == 0, res.output
    ex = pd.read_csv(out / "existing.csv", dtype=str, keep_default_na=False)
    assert set(ex["id"]) == _expected_counted(dated, "2026Q2")
    sm = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert sm["result"]["status"] == "evaluation" and sm["parameters"]["mode"] == "evaluate"
    assert sm["evaluation"]["as_of"] == "2026Q2" and sm["existing_dates"]["counted"] == len(ex)
    assert (pd.read_csv(out / "plan.csv").empty)
    cov = pd.read_csv(out / "coverage.csv")
    assert (cov["covered_before"] == cov["covered_after"]).all()
    run = read_run(out)  # what `siting report` reads
    ev = pd.read_csv(out / "report/evaluation.csv", keep_default_na=False)
    assert set(ev["level"]) == {"district", "street", "community"}
    assert (ev["grade_before"] == ev["grade_after"]).all() and (ev["grade_before"] != "").all()
    assert "现状" in (out / "report/report.html").read_text(encoding="utf-8")
    assert set(run.streets) == set(ev.loc[ev["level"] == "street", "street"])
    assert runner.invoke(app, ["report", str(out), "--no-maps", "-q"]).exit_code == 0


def test_evaluation_equals_the_runs_before_state(tmp_path):
    """A solve from the same date starts from exactly the coverage the evaluation reports."""
    path = _district(tmp_path, opened=["", "2026Q1", "", "2026Q3", "", ""], closed=["", "", "2026Q2", "", "", ""],
                     scenario="budget_yuan = 300000")
    sc = load_scenario(path)
    from dataclasses import replace

    from solver.pipeline import run as solve

    for q in ("2025Q4", "2026Q2", "2026Q3"):
        sq = replace(sc, as_of=parse_as_of(q))
        ev = evaluate(sq)
        r = solve(sq)
        assert (ev.coverage.covered_before == r.coverage.covered_before).all()
        assert ev.check is not None and ev.plan == []
    early, late = evaluate(sc, as_of=parse_as_of("2025Q4")), evaluate(sc, as_of=parse_as_of("2026Q3"))
    assert len(early.district.existing) == 4 and len(late.district.existing) == 5


def test_existing_on_without_dates_is_unchanged(tmp_path):
    tables = random_district(seed=5, n_households=30, n_candidates=5, n_existing=3, size_m=1000)
    sc = load_scenario(write_case(tmp_path, tables))
    from solver.pipeline import validate

    d, _ = validate(sc)
    assert existing_on(d, None, file="existing.csv") is d
    d2 = existing_on(d, parse_as_of("2026Q1"), file="existing.csv")
    assert len(d2.existing) == 3 and any("no row has an opened or closed date" in str(w) for w in d2.warnings)


def test_bad_input_is_exit_1_when_started_with_sigint_ignored(tmp_path):
    """Started in the background of a script (or by nohup), SIGINT is ignored: bad input is still exit 1,
    not a defect (the InputError, a ValueError, once hit the handler's own `except ValueError`)."""
    import signal
    import subprocess
    import sys

    path = _district(tmp_path, opened=["2025Q5", ""], closed=["", ""])
    cmd = [sys.executable, "-c", "from solver.cli.app import main; main()", "evaluate", str(path),
           "-o", str(tmp_path / "e")]
    res = subprocess.run(cmd,
                         capture_output=True, text=True, cwd=ROOT, timeout=120,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert res.returncode == 1, res.stderr[-1500:]
    assert "2025Q5" in res.stderr
