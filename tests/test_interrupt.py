"""Ctrl-C: exit 130 and nothing written as a result, wherever it lands.

SCIP catches Ctrl-C itself while it solves and returns its plan as if a limit had been hit;
the backend tells and raises, so an interrupted plan is never written as an ordinary
result. Real signals are sent to a real ``siting`` process (a small wrapper re-enables
SIGINT, which a shell ignores in background jobs such as CI's, and notes when the stage
to interrupt has begun); the in-process tests cover the CLI's handling.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from factories import random_district, write_case
from typer.testing import CliRunner

from solver.cli.app import app
from solver.engine.backends import ortools_backend as ob
from solver.engine.result import SolveParameters

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

WRAPPER = textwrap.dedent("""
    import pathlib, signal, sys, time
    signal.signal(signal.SIGINT, signal.default_int_handler)  # a background job starts with SIGINT ignored
    marker, stage = pathlib.Path(sys.argv[1]), sys.argv[2]
    if stage == "solve":
        import solver.engine.backends.ortools_backend as ob
        real = ob._solve_interruptibly
        def spy(sol, helper):
            marker.write_text("solving")
            real(sol, helper)
        ob._solve_interruptibly = spy
    elif stage == "pulp":
        import solver.engine.backends.pulp_backend as pb
        real = pb.solve
        def spy(*args, **kwargs):
            marker.write_text("solving")
            return real(*args, **kwargs)
        pb.solve = spy
    else:
        import solver.inputs.loading as loading
        real = loading.check_inputs
        def slow(scenario):
            marker.write_text("loading")
            time.sleep(30)
            return real(scenario)
        loading.check_inputs = slow
    from solver.cli.app import main
    sys.argv = ["siting", *sys.argv[3:]]
    main()
""")


def interrupt(tmp_path: Path, stage: str, *args: str, after_s: float = 1.0, timeout_s: float = 240.0):
    """Run ``siting *args``, send SIGINT ``after_s`` after ``stage`` began; (exit code, stderr)."""
    wrapper = tmp_path / "wrapper.py"
    wrapper.write_text(WRAPPER, encoding="utf-8")
    marker = tmp_path / "marker"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(wrapper), str(marker), stage, *args], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while not marker.exists():
        if proc.poll() is not None or time.monotonic() - t0 > timeout_s:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"the stage {stage!r} never began:\n{out}\n{err}")
        time.sleep(0.05)
    time.sleep(after_s)
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the process did not stop after Ctrl-C")
    return proc.returncode, err


def big_case(folder: Path) -> Path:
    """A 20-street synthetic district whose proven-optimal solve takes SCIP tens of seconds."""
    from solver.synthetic import generate_district, write_district

    write_district(generate_district(seed=3, n_streets=20), folder / "data")
    lines = [f'{k} = "data/{k}.csv"' for k in ("households", "candidates", "existing", "network_nodes",
                                                 "network_edges")]
    costs = "\n".join(f"{t} = 150_000" for t in ("vacated", "underground", "boiler_room", "bike_shed",
                                                  "old_factory", "transit", "park", "other"))
    path = folder / "big.toml"
    path.write_text('name = "big"\ncrs = "EPSG:4548"\nbudget_yuan = 20_000_000\n[data]\n' + "\n".join(lines)
                    + f"\n[walking]\nmax_snap_m = 300\n[conversion_cost_default]\n{costs}\n"
                    "[solve]\ntime_limit_s = 200\n", encoding="utf-8")
    return path


def nothing_written(tmp_path: Path, out: Path) -> None:
    assert not out.exists()
    assert not [p for p in tmp_path.rglob("*") if ".tmp-" in p.name or ".old-" in p.name]


@pytest.mark.slow
def test_ctrl_c_during_the_scip_solve_exits_130_and_writes_nothing(tmp_path):
    path = big_case(tmp_path)
    code, err = interrupt(tmp_path, "solve", "solve", str(path), "--out", "out")
    assert code == 130, err
    assert "interrupted (Ctrl-C): stopped; nothing was written" in err
    assert "Traceback" not in err
    nothing_written(tmp_path, tmp_path / "out")


@pytest.mark.slow
def test_ctrl_c_during_a_cbc_solve_exits_130_and_writes_nothing(tmp_path):
    """PuLP's CBC runs as a child process; a SIGINT sent to siting alone stops it too."""
    path = big_case(tmp_path)
    code, err = interrupt(tmp_path, "pulp", "solve", str(path), "--backend", "pulp", "--out", "out", after_s=3.0)
    assert code == 130, err
    assert "interrupted (Ctrl-C): stopped; nothing was written" in err
    nothing_written(tmp_path, tmp_path / "out")


@pytest.mark.slow
def test_ctrl_c_during_a_sweep_exits_130_and_writes_nothing(tmp_path):
    path = big_case(tmp_path)
    code, err = interrupt(tmp_path, "solve", "sweep", str(path), "--budgets", "1e7,2e7", "--out", "sw", after_s=1.5)
    assert code == 130, err
    assert "Traceback" not in err
    nothing_written(tmp_path, tmp_path / "sw")


def test_ctrl_c_while_reading_the_inputs_exits_130(tmp_path):
    t = random_district(seed=5, n_households=10, n_candidates=6, n_existing=4, size_m=1000.0, spacing=250.0)
    path = write_case(tmp_path / "case", t)
    code, err = interrupt(tmp_path, "load", "solve", str(path), "--out", "out", after_s=0.5)
    assert code == 130, err
    assert "interrupted (Ctrl-C)" in err and "Traceback" not in err
    nothing_written(tmp_path, tmp_path / "out")


def test_keyboard_interrupt_inside_a_command_is_exit_130_in_process(tmp_path, monkeypatch):
    """The CLI's own handling: a KeyboardInterrupt from the solve leaves no output folder."""
    import solver.pipeline as pipeline

    t = random_district(seed=5, n_households=10, n_candidates=6, n_existing=4, size_m=1000.0, spacing=250.0)
    path = write_case(tmp_path / "case", t)

    def stop(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "run", stop)
    result = runner.invoke(app, ["solve", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 130
    assert "nothing was written" in result.stderr
    nothing_written(tmp_path, tmp_path / "out")


def test_an_interrupt_while_the_folder_is_written_leaves_the_earlier_folder(tmp_path, monkeypatch):
    """Ctrl-C while the files are written: the earlier output stays whole, no temporary folder is left."""
    import solver.results.outputs as outputs

    t = random_district(seed=5, n_households=10, n_candidates=6, n_existing=4, size_m=1000.0, spacing=250.0)
    path = write_case(tmp_path / "case", t)
    out = tmp_path / "out"
    assert runner.invoke(app, ["solve", str(path), "--out", str(out), "-q"]).exit_code == 0
    before = sorted(p.name for p in out.rglob("*"))
    real = outputs.write_csv

    def interrupted_write(frame, file):
        if file.name == "coverage.csv":
            raise KeyboardInterrupt
        real(frame, file)

    monkeypatch.setattr(outputs, "write_csv", interrupted_write)
    result = runner.invoke(app, ["solve", str(path), "--out", str(out), "-q"])
    assert result.exit_code == 130
    assert sorted(p.name for p in out.rglob("*")) == before
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name or ".old-" in p.name]


@pytest.mark.parametrize(("status", "wall", "gap", "expected"), [
    ("FEASIBLE", 3.0, 0.02, True),  # stopped early, gap not reached: Ctrl-C
    ("NOT_SOLVED", 3.0, None, True),
    ("FEASIBLE", 59.9, 0.02, False),  # the time limit
    ("FEASIBLE", 3.0, 0.0, False),  # the gap reached
    ("OPTIMAL", 3.0, 0.0, False),
    ("INFEASIBLE", 3.0, None, False),
])
def test_scip_interrupt_is_told_from_a_limit(status, wall, gap, expected):
    params = SolveParameters(time_limit_s=60.0, relative_gap=0.0)
    assert ob._interrupted(ob.Engine.SCIP, getattr(ob.mbh.SolveStatus, status), params, wall, gap) is expected
