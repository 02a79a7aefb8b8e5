"""Run benchmark jobs in subprocesses: isolation, a hard wall-clock limit and peak memory per job.

Each job is ``python -m benchmarks.worker`` in a new session (process group), so
a peer that hangs (or the CBC process it started) can be killed as a group. The
peak resident memory of a job is the ``ru_maxrss`` that ``os.wait4`` returns for
that child (it includes the children the worker waited for, e.g. CBC).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def hard_timeout(time_limit: float, solver: str, *, solves: int = 1) -> float:
    """Wall-clock seconds after which a job is killed (its own limit plus room to build and check);
    ``solves``: the number of time-limited solves in the job (a budget sweep: levels + 1)."""
    if solver == "spopt":
        return 2.0 * time_limit + 180.0
    return 1.5 * time_limit * solves + 120.0 + (60.0 if solves > 1 else 0.0)


def run_job(spec: dict, *, timeout: float, workdir: Path | None = None) -> dict:
    """Run one job; always returns a result dict (status ``killed`` or ``error`` on failure)."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-job-", dir=workdir))
    spec_path, out_path, log_path = tmp / "spec.json", tmp / "out.json", tmp / "log.txt"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.setdefault("OMP_NUM_THREADS", str(spec.get("threads", 2)))
    t0 = time.perf_counter()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "benchmarks.worker", str(spec_path), str(out_path)],
                                cwd=str(REPO_ROOT), env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        killed = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > timeout:
                killed = True
                try:
                    os.killpg(proc.pid, signal.SIGKILL)  # the job's own process group only
                except ProcessLookupError:
                    pass
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if killed:
        # Reap what is left of the group (e.g. a CBC process) without waiting on it.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    result: dict
    if not killed and out_path.exists():
        result = json.loads(out_path.read_text(encoding="utf-8"))
    elif killed:
        result = {"status": "killed", "detail": {"message": f"killed after {timeout:.0f} s wall clock"}}
    else:
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-1500:]
        result = {"status": "error", "detail": {"message": f"worker exited {proc.returncode}", "log": tail}}
    result["peak_rss_mb"] = usage.ru_maxrss / 1024.0
    result["job_wall_s"] = wall
    for f in (spec_path, out_path, log_path):
        f.unlink(missing_ok=True)
    tmp.rmdir()
    return result
