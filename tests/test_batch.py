"""`siting batch`: a city round on Dask distributed (a 2-worker LocalCluster), against serial runs.

Tiny seeded districts (tests/factories.py), small time limits. The Dask tests share one cluster.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import cloudpickle
import pandas as pd
import pytest
from factories import random_district, write_case
from typer.testing import CliRunner

from solver.cli.app import app
from solver.errors import InputError
from solver.pipeline import RunOptions, load, run
from solver.plans.batch import (
    ERROR,
    FAILED,
    OK,
    RESUMED,
    plan_batch,
    reuses_preparation,
    run_batch,
    run_task,
    write_batch,
)
from solver.plans.manifest import read_manifest
from solver.results.outputs import write_outputs

runner = CliRunner()
OPTIONS = RunOptions(time_limit_s=30.0, threads=1)


def make_city(root: Path, *, bad: bool = False) -> Path:
    """Two tiny districts (a budget-only what-if and a table what-if of the first), and with ``bad``
    a third whose households table has a negative count; returns the manifest."""
    a = write_case(root / "a", random_district(seed=1, n_households=120, n_candidates=20),
                   scenario="budget_yuan = 600_000", name="a")
    write_case(root / "b", random_district(seed=2, n_households=100, n_candidates=18),
               scenario="budget_yuan = 500_000", name="b")
    (a.parent / "cheap.toml").write_text('extends = "scenario.toml"\nname = "a_cheap"\nbudget_yuan = 300_000\n',
                                         encoding="utf-8")
    (a.parent / "closed.toml").write_text('extends = "scenario.toml"\nname = "a_closed"\n[existing]\nclose = ["E00"]\n',
                                          encoding="utf-8")
    districts = ('[[districts]]\nscenario = "a/scenario.toml"\nwhatifs = ["a/cheap.toml", "a/closed.toml"]\n\n'
                 '[[districts]]\nscenario = "b/scenario.toml"\nbudgets = [200_000, 400_000]\n')
    if bad:
        tables = random_district(seed=3, n_households=60, n_candidates=10)
        tables["households"].loc[4, "households"] = -5
        write_case(root / "c", tables, scenario="budget_yuan = 500_000", name="c")
        districts += '\n[[districts]]\nscenario = "c/scenario.toml"\n'
    path = root / "manifest.toml"
    path.write_text('name = "t"\n[runs]\nbudgets = [300_000, 800_000]\nmodes = ["max_coverage", "cover"]\n'
                    '[solve]\ntime_limit_s = 30\nthreads = 1\n\n' + districts, encoding="utf-8")
    return path


def strip_timings(summary: dict) -> dict:
    summary = json.loads(json.dumps(summary))
    summary.pop("timings_s", None)
    summary["result"].pop("solve_wall_s", None)
    for s in summary["result"]["stages"]:
        s.pop("wall_s", None)
    return summary


def assert_same_folder(a: Path, b: Path) -> None:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        if rel.name == "summary.json":
            sa = json.loads((a / rel).read_text(encoding="utf-8"))
            sb = json.loads((b / rel).read_text(encoding="utf-8"))
            assert strip_timings(sa) == strip_timings(sb), rel
        else:
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def assert_equals_serial(plan, tmp: Path) -> int:
    """Every solved run's folder against `siting solve` of the same scenario (solver.pipeline.run)."""
    n = 0
    for g in plan.groups:
        for spec, sc in g.runs:
            if not spec.folder.exists():  # a run that failed on bad input
                with pytest.raises(InputError):
                    run(load(sc.path))
                continue
            fresh = load(sc.path)
            serial = run(fresh, options=RunOptions(mode=spec.mode, budget_yuan=spec.budget, time_limit_s=30.0,
                                                   threads=1))
            out = tmp / "serial" / spec.label
            write_outputs(serial, out)
            assert_same_folder(spec.folder, out)
            n += 1
    return n


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    import logging

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                       silence_logs=logging.CRITICAL)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_batch_on_two_workers_equals_serial_runs_and_reports_a_bad_district(tmp_path, client):
    manifest = read_manifest(make_city(tmp_path / "city", bad=True))
    plan = plan_batch(manifest, tmp_path / "out", OPTIONS)
    result = run_batch(plan, client=client)
    write_batch(result)
    rows = {r["folder"]: r for r in result.rows}
    # a: 3 scenarios x (2 budgets + cover); b: 2 budgets + cover; c: 3 runs, failed on its table
    assert len(rows) == 9 + 3 + 3
    bad = [r for r in result.rows if r["district"] == "c"]
    assert [r["outcome"] for r in bad] == [FAILED] * 3
    assert all("households" in r["message"] and "-5" in r["message"] for r in bad)
    good = [r for r in result.rows if r["district"] != "c"]
    assert all(r["outcome"] == OK and r["status"] == "optimal" for r in good)
    assert result.exit_code == 1
    # the budget-only what-if used a's preparation; the one that closes a facility was prepared anew
    assert {r["prepared"] for r in good if r["scenario"] == "a_cheap"} == {"reused: a"}
    assert {r["prepared"] for r in good if r["scenario"] == "a_closed"} == {"own"}
    assert len(plan.groups) == 4  # a, a_closed, b, c (whose table problem shows when it is prepared)
    assert {r["worker"] for r in good} <= {str(w) for w in client.scheduler_info()["workers"].values()
                                           for w in [w["name"]]}
    assert assert_equals_serial(plan, tmp_path) == 12
    table = pd.read_csv(tmp_path / "out" / "batch.csv")
    assert list(table["outcome"]) == [r["outcome"] for r in result.rows]
    city = pd.read_csv(tmp_path / "out" / "city_summary.csv")
    assert len(city) == 12 * 4  # one row per solved run and service
    assert "## c" in (tmp_path / "out" / "city.md").read_text(encoding="utf-8")


def _kill_own_worker_once(prep, spec, scenario, options, target):
    """Fault injection: the first run to start kills its own worker process in the middle of writing its
    folder (a partial temporary folder is left behind); every later call runs normally."""
    marker = spec.folder.parents[3] / "killed.marker"
    if spec.mode == "max_coverage" and not marker.exists():
        marker.write_text(str(os.getpid()), encoding="utf-8")
        from solver.folders import staged_folder

        with staged_folder(spec.folder) as tmp:
            (tmp / "ranked_sites.csv").write_text("rank,id\n1,", encoding="utf-8")
            os.kill(os.getpid(), signal.SIGKILL)
    return run_task(prep, spec, scenario, options, target)


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_nothing(tmp_path, client):
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test module
    manifest = read_manifest(make_city(tmp_path / "city"))
    plan = plan_batch(manifest, tmp_path / "out", OPTIONS)
    (tmp_path / "out").mkdir()
    result = run_batch(plan, client=client, run_fn=_kill_own_worker_once)
    marker = tmp_path / "out" / "killed.marker"
    assert marker.exists()  # a worker was killed, and its nanny started a new process
    assert int(marker.read_text(encoding="utf-8")) not in set(client.run(os.getpid).values())
    assert [r["outcome"] for r in result.rows] == [OK] * 12, [r["message"] for r in result.rows if r["outcome"] != OK]
    assert not [p for p in (tmp_path / "out" / "runs").rglob(".*")]  # no partial or temporary folder left
    assert assert_equals_serial(plan, tmp_path) == 12


def test_resume_skips_complete_runs_and_reruns_changed_inputs(tmp_path):
    path = make_city(tmp_path / "city")
    manifest = read_manifest(path)
    out = tmp_path / "out"
    first = run_batch(plan_batch(manifest, out, OPTIONS))
    assert [r["outcome"] for r in first.rows] == [OK] * 12
    again = run_batch(plan_batch(manifest, out, OPTIONS), resume=True)
    assert [r["outcome"] for r in again.rows] == [RESUMED] * 12
    keep = ["district", "scenario", "mode", "budget_yuan", "status", "cost_yuan", "coverage_after_pct", "grade_after"]
    assert [{k: r[k] for k in keep} for r in again.rows] == [{k: r[k] for k in keep} for r in first.rows]
    # b's table changes, one of a's folders is lost, a time limit changes for nobody: only those rerun
    hh = tmp_path / "city" / "b" / "households.csv"
    frame = pd.read_csv(hh)
    frame.loc[0, "households"] += 1
    frame.to_csv(hh, index=False)
    lost = out / "runs" / "a" / "a" / "cover"
    import shutil

    shutil.rmtree(lost)
    third = run_batch(plan_batch(manifest, out, OPTIONS), resume=True)
    rerun = {r["folder"] for r in third.rows if r["outcome"] == OK}
    assert rerun == {"b/b/budget_200000", "b/b/budget_400000", "b/b/cover", "a/a/cover"}
    # other solve options are other runs
    fourth = run_batch(plan_batch(manifest, out, RunOptions(time_limit_s=20.0, threads=1)), resume=True)
    assert {r["outcome"] for r in fourth.rows} == {OK}


def test_what_if_reuse_rules(tmp_path):
    path = make_city(tmp_path / "city")
    base = load(path.parent / "a" / "scenario.toml")
    assert reuses_preparation(base, load(path.parent / "a" / "cheap.toml"))
    assert not reuses_preparation(base, load(path.parent / "a" / "closed.toml"))
    (path.parent / "a" / "slow.toml").write_text('extends = "scenario.toml"\nname = "slow"\n[walking]\n'
                                                 'speed_m_per_min = 50\n', encoding="utf-8")
    assert not reuses_preparation(base, load(path.parent / "a" / "slow.toml"))


def test_cli_batch_in_process_and_its_files(tmp_path):
    path = make_city(tmp_path / "city", bad=True)
    out = tmp_path / "out"
    r = runner.invoke(app, ["batch", str(path), "--out", str(out), "--workers", "0"])
    assert r.exit_code == 1, r.output  # some runs failed on bad input; the rest are done
    assert "[15/15]" in r.output
    rows = pd.read_csv(out / "batch.csv")
    assert (rows["outcome"] == "failed").sum() == 3 and (rows["outcome"] == "solved").sum() == 12
    assert json.loads((out / "batch.json").read_text(encoding="utf-8"))["exit_code"] == 1
    r = runner.invoke(app, ["batch", str(path), "--out", str(out), "--workers", "0", "--resume", "--quiet"])
    assert r.exit_code == 1 and r.output.strip() == str(out)
    assert (pd.read_csv(out / "batch.csv")["outcome"] == "resumed").sum() == 12


@pytest.mark.parametrize("args, message", [
    (["--workers", "-1"], "must be >= 0"),
    (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "either --workers"),
    (["--time-limit", "0"], "must be > 0"),
])
def test_cli_usage_errors(tmp_path, args, message):
    path = make_city(tmp_path / "city")
    r = runner.invoke(app, ["batch", str(path), "--out", str(tmp_path / "out"), *args])
    assert r.exit_code == 2
    assert message in r.output


def test_cli_refuses_a_folder_that_is_not_a_batch(tmp_path):
    path = make_city(tmp_path / "city")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine", encoding="utf-8")
    r = runner.invoke(app, ["batch", str(path), "--out", str(tmp_path / "busy"), "--workers", "0"])
    assert r.exit_code == 2 and "batch.json" in r.output
    assert (tmp_path / "busy" / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_manifest_problems_are_listed_at_once(tmp_path):
    path = make_city(tmp_path / "city")
    path.write_text('name = "t"\ncolour = 1\n[runs]\nbudgets = [-1]\nmodes = ["maxcov"]\n'
                    '[[districts]]\nscenario = "nowhere.toml"\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_manifest(path)
    text = info.value.render()
    for part in ("colour", "runs.budgets", "maxcov", "nowhere.toml"):
        assert part in text
    r = runner.invoke(app, ["batch", str(path), "--workers", "0"])
    assert r.exit_code == 1 and "nowhere.toml" in r.output, r.output


def test_a_what_if_must_extend_its_district(tmp_path):
    path = make_city(tmp_path / "city")
    text = path.read_text(encoding="utf-8").replace('whatifs = ["a/cheap.toml", "a/closed.toml"]',
                                                    'whatifs = ["b/scenario.toml"]')
    path.write_text(text, encoding="utf-8")
    plan = plan_batch(read_manifest(path), tmp_path / "out", OPTIONS)
    failed = [r for r in plan.failed if r["district"] == "a"]
    assert failed and all("must extend its scenario" in r["message"] for r in failed)
    assert {r["outcome"] for r in plan.failed} == {FAILED}
    assert ERROR not in {r["outcome"] for r in plan.failed}


def test_sweep_levels_as_dask_tasks_match_the_serial_sweep(tmp_path, client):
    from solver.plans.sweep import sweep
    from solver.plans.sweep_tasks import sweep_on_dask

    path = make_city(tmp_path / "city")
    sc = load(path.parent / "a" / "scenario.toml")
    budgets = [200_000, 500_000, 50_000_000]
    serial = sweep(sc, budgets=budgets, options=OPTIONS)
    tasks = sweep_on_dask(sc, budgets=budgets, options=OPTIONS, client=client)
    cols = ["level", "budget_yuan", "status", "total_households", "cost_yuan"]
    pd.testing.assert_frame_equal(serial.table[cols], tasks.table[cols])
    assert all(lv.run.check is not None for lv in tasks.levels)  # every plan checked independently
    assert tasks.levels[-1].how.startswith("reused")  # above the full-coverage cost: no solve


def test_cli_sweep_nested_is_not_offered_on_workers(tmp_path):
    path = make_city(tmp_path / "city")
    r = runner.invoke(app, ["sweep", str(path.parent / "a" / "scenario.toml"), "--budgets", "1e5,2e5", "--nested",
                            "--workers", "2", "--out", str(tmp_path / "sw")])
    assert r.exit_code == 2 and "sequential" in r.output


def test_input_errors_exit_1_when_sigint_is_ignored(tmp_path):
    """A process started with SIGINT ignored (a background job, nohup): bad input is still exit 1, not 4
    (solver/cli/common.py sigint_interrupts)."""
    path = tmp_path / "m.toml"
    path.write_text('[[districts]]\nscenario = "nowhere.toml"\n', encoding="utf-8")
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        r = runner.invoke(app, ["batch", str(path), "--workers", "0"])
    finally:
        signal.signal(signal.SIGINT, old)
    assert r.exit_code == 1 and "nowhere.toml" in r.output, r.output
