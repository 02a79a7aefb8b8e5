"""Wall time of `siting --help` (and every subcommand's --help) in fresh processes.

    python -m benchmarks.cli_timing [--repeats 7] [--tree DIR ...] [--before COMMIT]

Each measurement starts a new interpreter that runs what the `siting` console script runs
(``from solver.cli.app import main; main()``) with PYTHONPATH set to a source tree, so two
trees are timed side by side in the same run. ``--before COMMIT`` exports that commit of this
repository (``git archive``) to a temporary folder and times it beside the working tree; the
table gives the median and the spread (min-max) of the wall times in milliseconds, the median
CPU time (user + system, which the machine's load barely changes), and the
bare interpreter start (``python -c pass``) as the floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ([], ["solve"], ["sweep"], ["report"], ["compare"], ["import-osm"])
RUN = "import sys; sys.argv[0] = 'siting'; from solver.cli.app import main; main()"


def wall_ms(args: list[str], tree: Path | None) -> tuple[float, float]:
    """(wall, user + system CPU) milliseconds of one fresh process. CPU time barely moves with the
    machine's load; wall time is what a user waits."""
    env = dict(os.environ, COLUMNS="100")
    env.pop("PYTHONPATH", None)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    t = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=tempfile.gettempdir())
    _, status, usage = os.wait4(proc.pid, 0)
    ms = 1000 * (time.perf_counter() - t)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode})")
    return ms, 1000 * (usage.ru_utime + usage.ru_stime)


def export_commit(commit: str, into: Path) -> Path:
    """The files of ``commit`` (this repository) in ``into``."""
    data = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", commit], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.cli_timing", description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=7, help="fresh processes per command and tree (default 7)")
    ap.add_argument("--tree", type=Path, action="append", default=None,
                    help="source tree to time (repeatable; default: this repository)")
    ap.add_argument("--before", default=None, help="also time this commit of the repository (e.g. fa7d56c)")
    ap.add_argument("--commands", default="all", help="'root' for `siting --help` only, or 'all' (default)")
    args = ap.parse_args(argv)
    trees: list[tuple[str, Path]] = [(str(t), t.resolve()) for t in (args.tree or [REPO_ROOT])]
    with tempfile.TemporaryDirectory() as tmp:
        if args.before:
            trees.insert(0, (args.before, export_commit(args.before, Path(tmp))))
        commands = COMMANDS[:1] if args.commands == "root" else COMMANDS
        rows: list[tuple[str, str, list[tuple[float, float]]]] = []
        floor = [wall_ms([sys.executable, "-c", "pass"], None) for _ in range(args.repeats)]
        rows.append(("(python -c pass)", "-", floor))
        # interleave trees and repeats so that load changes hit every tree alike
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(args.repeats):
            for cmd in commands:
                for name, tree in trees:
                    label = "siting " + " ".join([*cmd, "--help"])
                    times.setdefault((label, name), []).append(
                        wall_ms([sys.executable, "-c", RUN, *cmd, "--help"], tree))
        rows += [(label, name, ts) for (label, name), ts in times.items()]
    print(f"wall time of fresh processes, ms (median, min-max of {args.repeats}); python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cpus, load {os.getloadavg()[0]:.2f}")
    print()
    print("| command | tree | wall ms, median | wall ms, min-max | CPU ms, median |")
    print("|---|---|---:|---:|---:|")
    for label, name, ts in rows:
        wall = [w for w, _ in ts]
        cpu = [c for _, c in ts]
        print(f"| `{label}` | {name} | {statistics.median(wall):.0f} | {min(wall):.0f}-{max(wall):.0f} | "
              f"{statistics.median(cpu):.0f} |")


if __name__ == "__main__":
    main()
