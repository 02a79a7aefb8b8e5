"""`siting solve` with bad input and bad usage: exit codes, messages, no traceback, nothing written.

Bad input exits 1 with every problem on stderr; usage errors exit 2. Neither
creates the output folder nor touches an existing one, and the input files are
byte-identical afterwards.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from factories import X0, Y0, random_district, write_case
from typer.testing import CliRunner

from solver.cli.app import app

ANSI = re.compile(r"\x1b\[[0-9;]*m")
runner = CliRunner()


def small() -> dict[str, pd.DataFrame]:
    return random_district(seed=5, n_households=10, n_candidates=6, n_existing=4, size_m=1000.0, spacing=250.0)


def put(frame: pd.DataFrame, i: int, col: str, value) -> pd.DataFrame:
    frame = frame.copy()
    frame[col] = frame[col].astype(object)
    frame.loc[i, col] = value
    return frame


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (relative path -> digest)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def solve(*args: str):
    result = runner.invoke(app, ["solve", *map(str, args)])
    result.clean_stderr = ANSI.sub("", result.stderr)
    result.clean_output = ANSI.sub("", result.output)
    # usage errors come in a box that wraps lines: flatten it to compare text
    result.flat_output = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.clean_output).split())
    return result


def assert_clean_failure(result, code: int) -> None:
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit)  # no other exception escaped
    assert "Traceback" not in result.output


def test_every_problem_at_once_exit_1_nothing_written(tmp_path):
    """Several broken rows in several files and a broken scenario key: one error listing them all."""
    t = small()
    t["households"] = put(put(t["households"], 1, "households", -2), 4, "x", "abc")
    cand = put(t["candidates"], 0, "floor", 0)
    cand = put(cand, 2, "space_type", "basement")
    cand = put(cand, 3, "area_m2", "")
    cand = put(cand, 5, "id", cand.loc[4, "id"])
    t["candidates"] = cand
    t["existing"] = put(t["existing"], 2, "service", "pharmcy")
    case = tmp_path / "case"
    path = write_case(case, t, network=False, scenario="budget_yuan = 1e6\nbudjet = 5\n"
                                                       "[services.repair]\nthreshold_min = -5")
    before = snapshot(case)
    out = tmp_path / "out"
    result = solve(path, "--out", out)
    assert_clean_failure(result, 1)
    err = result.clean_stderr
    assert err.startswith("error: 9 input problems found:\n")
    lines = [ln[4:] for ln in err.splitlines()[1:]]
    assert lines[0].startswith(f"{path}, field 'budjet': unknown key (did you mean 'budget_yuan'?)")
    assert lines[1:] == [
        f"{path}, field 'services.repair.threshold_min': must be > 0; got -5",
        "households.csv, row 3, field 'households': must be >= 0; got '-2'",
        "households.csv, row 6, field 'x': must be a finite number; got 'abc'",
        "candidates.csv, row 2, field 'floor': floor 0 does not exist: use 1 for the ground floor, -1 for B1; "
        "got '0'",
        "candidates.csv, row 4, field 'space_type': unknown value; must be one of: vacated, underground, "
        "boiler_room, bike_shed, old_factory, transit, park, other, village_room, coop; got 'basement'",
        "candidates.csv, row 5, field 'area_m2': must not be empty; got ''",
        f"candidates.csv, row 7, field 'id': duplicate id (first on row 6); got '{cand.loc[4, 'id']}'",
        "existing.csv, row 4, field 'service': unknown service (did you mean 'pharmacy'?); known: vegetable, "
        "breakfast, repair, pharmacy; got 'pharmcy'",
    ]
    assert result.stdout == ""
    assert not out.exists()
    assert snapshot(case) == before  # inputs byte-identical, nothing added beside them


def test_bad_input_leaves_an_earlier_output_folder_untouched(tmp_path):
    t = small()
    case = tmp_path / "case"
    path = write_case(case, t, network=False)
    out = tmp_path / "out"
    ok = solve(path, "--out", out, "--quiet")
    assert ok.exit_code == 0, ok.output
    assert (out / "summary.json").is_file()
    earlier = snapshot(out)
    put(t["candidates"], 1, "area_m2", -3).to_csv(case / "candidates.csv", index=False)
    inputs = snapshot(case)
    result = solve(path, "--out", out)
    assert_clean_failure(result, 1)
    assert "candidates.csv, row 3, field 'area_m2': must be > 0; got '-3'" in result.clean_stderr
    assert snapshot(out) == earlier
    assert snapshot(case) == inputs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case", "out"]  # no stray temporary folders


def test_default_output_folder_is_not_created_on_bad_input(tmp_path, monkeypatch):
    t = small()
    t["households"] = put(t["households"], 0, "households", "lots")
    path = write_case(tmp_path / "case", t, network=False)
    monkeypatch.chdir(tmp_path)
    result = solve(path)
    assert_clean_failure(result, 1)
    assert "households.csv, row 2, field 'households': must be a finite number; got 'lots'" in result.clean_stderr
    assert not (tmp_path / "out").exists()


def test_a_candidate_no_household_reaches_is_left_out_with_the_reason(tmp_path):
    """A candidate on a network island could serve nobody: a warning, the run goes on without it, and
    left_out.csv and summary.json say why (it never stops the run)."""
    t = small()
    t["network_nodes"] = pd.concat([t["network_nodes"], pd.DataFrame(
        {"id": ["I1", "I2"], "x": [X0 + 4000, X0 + 4100], "y": [Y0 + 4000, Y0 + 4000]})], ignore_index=True)
    t["network_edges"] = pd.concat([t["network_edges"], pd.DataFrame(
        {"u": ["I1"], "v": ["I2"], "length_m": [100.0]})], ignore_index=True)
    t["candidates"] = put(put(t["candidates"], 1, "x", X0 + 4000), 1, "y", Y0 + 4020)
    case = tmp_path / "case"
    path = write_case(case, t)
    before = snapshot(case)
    out = tmp_path / "out"
    result = solve(path, "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    assert ("warning: candidates.csv, row 3, field 'x,y': 'C001' is left out: it snaps to node 'I1' on a separate "
            "piece of the walking network (2 nodes) that no household reaches") in result.clean_stderr
    left = pd.read_csv(out / "left_out.csv")
    assert left.to_dict("records") == [{"table": "candidates", "file": "candidates.csv", "row": 3, "id": "C001",
                                        "reason": "on a separate piece of the walking network (2 nodes, from node "
                                                  "'I1') that no household reaches"}]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["left_out"][0]["id"] == "C001"
    assert any("'C001' is left out" in w for w in summary["warnings"])
    assert "C001" not in set(pd.read_csv(out / "sites.csv")["id"])
    assert summary["inputs"]["candidates"] == len(t["candidates"]) - 1
    assert snapshot(case) == before


def test_table_and_network_problems_are_reported_together(tmp_path):
    """A broken cell and a point far from the network: one error lists both (the network is checked on the
    rows without problems, not only after the tables are fixed)."""
    t = small()
    t["households"] = put(t["households"], 2, "households", -1)
    t["candidates"] = put(t["candidates"], 3, "x", X0 + 3000)
    path = write_case(tmp_path / "case", t)
    result = solve(path, "--out", tmp_path / "out")
    assert_clean_failure(result, 1)
    err = result.clean_stderr
    assert "households.csv, row 4, field 'households': must be >= 0; got '-1'" in err
    assert "candidates.csv, row 5, field 'x,y': 'C003' must lie within walking.max_snap_m = 500 m" in err
    assert not (tmp_path / "out").exists()


def test_scenario_table_and_network_problems_are_reported_together(tmp_path):
    """A bad scenario key, a broken cell and a point far from the network: one error lists all three."""
    t = small()
    t["households"] = put(t["households"], 2, "households", -1)
    t["candidates"] = put(t["candidates"], 3, "x", X0 + 3000)
    path = write_case(tmp_path / "case", t, scenario="budget_yuan = -5")
    result = solve(path, "--out", tmp_path / "out")
    assert_clean_failure(result, 1)
    err = result.clean_stderr
    assert "field 'budget_yuan': must be >= 0; got -5" in err
    assert "households.csv, row 4, field 'households': must be >= 0; got '-1'" in err
    assert "candidates.csv, row 5, field 'x,y': 'C003' must lie within walking.max_snap_m = 500 m" in err


def test_toml_syntax_error_through_the_cli(tmp_path):
    path = write_case(tmp_path, small(), network=False)
    path.write_text(path.read_text(encoding="utf-8") + "[walking\n", encoding="utf-8")
    result = solve(path, "--out", tmp_path / "out")
    assert_clean_failure(result, 1)
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert f"{path}, line {n}, column 9: not valid TOML" in result.clean_stderr
    assert not (tmp_path / "out").exists()


def test_missing_scenario_file(tmp_path):
    result = solve(tmp_path / "nope.toml", "--out", tmp_path / "out")
    assert_clean_failure(result, 1)
    assert result.clean_stderr == f"error: 1 input problem found:\n  - {tmp_path / 'nope.toml'}: scenario file " \
                                  "not found\n"


def test_values_that_look_like_markup_are_printed_as_they_are(tmp_path):
    t = small()
    t["existing"] = put(put(t["existing"], 0, "service", "[/]"), 1, "service", "[bold]x")
    path = write_case(tmp_path, t, network=False)
    result = solve(path, "--out", tmp_path / "out")
    assert_clean_failure(result, 1)
    assert "row 2, field 'service': unknown service; known: vegetable, breakfast, repair, pharmacy; got '[/]'" \
        in result.clean_stderr
    assert "got '[bold]x'" in result.clean_stderr


@pytest.mark.parametrize("args, where", [
    (["--gap", "5"], "--gap"),
    (["--engine", "gurobi"], "--engine"),
    (["--budget", "-1"], "--budget"),
    (["--threads", "0"], "--threads"),
    (["--time-limit", "0"], "--time-limit"),
    (["--mode", "maximize"], "--mode"),
])
def test_usage_errors_exit_2(tmp_path, args, where):
    case = tmp_path / "case"
    path = write_case(case, small(), network=False)
    before = snapshot(case)
    result = solve(path, "--out", tmp_path / "out", *args)
    assert_clean_failure(result, 2)
    assert where in result.flat_output
    assert not (tmp_path / "out").exists()
    assert snapshot(case) == before


def test_output_folder_that_holds_the_inputs_is_refused(tmp_path):
    case = tmp_path / "case"
    path = write_case(case, small(), network=False)
    before = snapshot(case)
    for out in (case, tmp_path):
        result = solve(path, "--out", out)
        assert_clean_failure(result, 2)
        assert "would replace the folder that holds the input" in result.flat_output
        assert snapshot(case) == before


def test_output_folder_that_is_not_an_earlier_output_is_refused(tmp_path):
    path = write_case(tmp_path / "case", small(), network=False)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "plan.docx").write_bytes(b"not ours")
    result = solve(path, "--out", notes)
    assert_clean_failure(result, 2)
    assert "exists and is not an output folder of an earlier run" in result.flat_output
    assert snapshot(notes) == {"plan.docx": hashlib.sha256(b"not ours").hexdigest()}
    a_file = tmp_path / "out.txt"
    a_file.write_text("x")
    result = solve(path, "--out", a_file)
    assert_clean_failure(result, 2)
    assert "is a file, not a folder" in result.flat_output
    assert a_file.read_text() == "x"
