"""The command line's front door: help texts, --version, light start-up, progress lines, --lang.

Help timings are measured by benchmarks/cli_timing.py, not here; these tests check what makes
help fast (no pandas, numpy or pydantic imported for it) and what it shows.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from factories import random_district, write_case
from typer.testing import CliRunner

from solver.cli.app import app
from solver.cli.progress import Progress

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")
runner = CliRunner()
COMMANDS = ["solve", "sweep", "report", "compare", "import-osm"]


def help_of(*cmd: str) -> str:
    result = runner.invoke(app, [*cmd, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    return ANSI.sub("", result.output)


@pytest.mark.parametrize("cmd", [[], *([c] for c in COMMANDS)])
def test_help_has_no_type_noise_and_plain_usage(cmd):
    text = help_of(*cmd)
    usage = text.splitlines()[0]
    assert usage.startswith("Usage: ")
    assert "{" not in usage and "}" not in usage, usage
    for noise in ("<bool>", "<list[str]>", "<int>", "<float>", "<str>", "Output folder ."):
        assert noise not in text, (noise, text)


def test_help_shows_defaults():
    solve = " ".join(help_of("solve").split())
    assert "[default: the scenario's output.dir, else out/<scenario name>]" in solve
    assert "[default: scenarios/demo.toml]" in solve
    assert "--set KEY=VALUE" in solve
    assert "[default: en]" in solve and "--lang" in solve
    assert "[default: scip]" in solve
    report = " ".join(help_of("report").split())
    assert "Usage: siting report [OPTIONS] RUN" in report or "report [OPTIONS] RUN" in report
    assert "[default: RUN/report]" in report
    assert "[default: maps]" in report
    compare = help_of("compare")
    assert "[OPTIONS] BEFORE AFTER" in compare
    sweep = " ".join(help_of("sweep").split())
    assert "[default: warm-start]" in sweep and "[default: out/<scenario name>-sweep]" in sweep


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert re.fullmatch(r"siting \S+\n", result.output), result.output


@pytest.mark.parametrize("cmd", [[], ["solve"], ["report"]])
def test_help_imports_nothing_heavy(cmd):
    """`siting ... --help` in a fresh process loads no pandas, numpy, scipy, pydantic or the solver."""
    code = ("import sys; sys.argv = ['siting', *sys.argv[1:]]\n"
            "from solver.cli.app import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'pandas', 'numpy', 'scipy', 'pydantic', 'ortools', 'matplotlib', 'geopandas'} "
            "or m.startswith(('solver.pipeline', 'solver.engine', 'solver.inputs.scenario', 'typer.rich_utils')))\n"
            "sys.stderr.write('HEAVY=' + ','.join(heavy))\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code, *cmd, "--help"], capture_output=True, text=True, env=env,
                          cwd=ROOT)
    assert "Usage:" in done.stdout
    assert done.stderr.strip().endswith("HEAVY="), done.stderr[-2000:]


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_progress_lines_with_elapsed_time_and_eta_when_not_a_terminal():
    out, clock = io.StringIO(), Clock()
    with Progress(False, stream=out, tty=False, clock=clock) as p:
        clock.t = 0.5
        p("load")
        clock.t = 2.0
        p("level 1/4: 1,000,000 yuan")
        clock.t = 12.0
        p("level 2/4: 2,000,000 yuan")  # 10 s per level, 3 levels to go
        clock.t = 32.0
        p("level 3/4: 3,000,000 yuan")  # 15 s per level, 2 to go
        clock.t = 40.0
    lines = out.getvalue().splitlines()
    assert lines == ["[    0.5 s] reading inputs",
                     "[    2.0 s] level 1/4: 1,000,000 yuan",
                     "[   12.0 s] level 2/4: 2,000,000 yuan (ETA 30 s)",
                     "[   32.0 s] level 3/4: 3,000,000 yuan (ETA 30 s)",
                     "[   40.0 s] done"]


def test_progress_in_chinese_and_quiet():
    out, clock = io.StringIO(), Clock()
    with Progress(False, lang="zh", stream=out, tty=False, clock=clock) as p:
        p("solve")
        clock.t = 90.0
        p("job 1/3")
        clock.t = 150.0
        p("job 2/3")
    assert out.getvalue().splitlines() == ["[    0.0 s] 求解", "[   90.0 s] 任务 1/3",
                                           "[  150.0 s] 任务 2/3 (预计剩余 2 min 00 s)", "[  150.0 s] 完成"]
    quiet = io.StringIO()
    with Progress(True, stream=quiet, tty=False) as p:
        p("solve")
    assert quiet.getvalue() == ""


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("front")
    tables = random_district(seed=7, n_households=60, n_candidates=10, n_existing=3, size_m=1500.0, spacing=150.0)
    return write_case(folder, tables, scenario="budget_yuan = 400_000", name="front")


def test_solve_logs_progress_to_stderr_and_quiet_prints_only_the_folder(case, tmp_path):
    result = runner.invoke(app, ["solve", str(case), "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    stages = re.findall(r"^\[\s*[\d.]+ s\] (.+)$", result.stderr, flags=re.M)
    assert stages[0] == "reading inputs" and "solving" in stages and stages[-1] == "done", result.stderr
    quiet = runner.invoke(app, ["solve", str(case), "--out", str(tmp_path / "b"), "--quiet"])
    assert quiet.exit_code == 0
    assert quiet.stdout == f"{tmp_path / 'b'}\n"
    assert "[" not in quiet.stderr


def test_solve_terminal_output_in_chinese(case, tmp_path):
    result = runner.invoke(app, ["solve", str(case), "--out", str(tmp_path / "zh"), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    text = ANSI.sub("", result.stdout)
    assert "覆盖情况" in text and "现状" in text and "规划后" in text
    assert "求解器" in text and "最优" in text
    assert "coverage (households" not in text and "optimal" not in text
    assert "[    0.0 s] 读取输入" in result.stderr or "读取输入" in result.stderr


def test_import_osm_summary_in_chinese(capsys):
    """import-osm's closing summary in the chosen language (the import itself: tests/test_osm_import.py)."""
    from types import SimpleNamespace

    from solver.cli.import_osm_cmd import _print

    summary = {"source": {"file": "x.osm.pbf"}, "crs": {"why": "EPSG:4548"},
               "network": {"nodes_written": 1200, "edges_written": 1500, "total_length_km": 80.5,
                           "segments_read": 3000, "parts_dropped": 2},
               "households": {"households_written": 5000, "demand_points_written": 300, "buildings": 280,
                              "landuse_areas": 20},
               "existing": {"found_per_service": {"vegetable": 3}},
               "candidates": {"found_per_space_type": {"vacated": 4, "park": 0}}, "left_out": {}}
    result = SimpleNamespace(summary=summary, out_dir=Path("data/x"), timings={"total": 3.0},
                             scenario=Path("data/x/scenario.toml"))
    _print(result, "zh")
    out = capsys.readouterr().out
    assert "步行路网：1,200个节点" in out and "居民：5,000户" in out and "腾退空间 4" in out
    assert "下一步：siting solve data/x/scenario.toml" in out and "walking network" not in out
    _print(result, "en")
    assert "walking network: 1,200 nodes" in capsys.readouterr().out


def test_python_dash_m_solver_is_the_siting_command(tmp_path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "solver", "--version"], capture_output=True, text=True,
                         cwd=tmp_path, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("siting ")
