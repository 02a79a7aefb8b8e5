"""First run after an install against later runs: what numba's compilation costs a user.

    python -m benchmarks.first_run [--city NewYork] [--p 50] [--time-limit 20] [--runs 2]

Runs one Máximo row (by default NewYork p = 50, 20 s, the row of issue 14 item 4) in fresh
processes that share an empty numba cache (NUMBA_CACHE_DIR set to a new temporary folder):
the first process finds no compiled search, as after ``pip install .``; the later ones load
what the first one cached. The compilation goes on in a separate process after a first run
shorter than it (solver/engine/warmup.py); the script waits until the cache is written
before the later runs and prints how long after the first run's end that was. Each process
reads the instance and builds the coverage first (untimed), then times ``solve_instance``
alone. It prints one line per run and the difference between the first run and the median
of the later ones (target: at most 5 s).
The solve compiles the search in a background thread while the LP root runs
(solver/engine/warmup.py); the line says how long that took and whether the search ran.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _child(city: str, p: int, time_limit: float, instances: Path) -> dict:
    from models.instance import pure_instance
    from models.mode import Mode
    from solver.engine import warmup
    from solver.engine.result import SolveParameters
    from solver.engine.solve import solve_instance

    from .instances import read_instance
    from .reference import MAXIMO_RADIUS_M

    inst = read_instance(instances / "Maximo" / f"{city}.txt", family="Maximo")
    pi = pure_instance(inst.coverage(MAXIMO_RADIUS_M[city], "le"), inst.demand, p=p)
    t = time.perf_counter()
    res = solve_instance(pi, mode=Mode.MAX_COVERAGE, params=SolveParameters(time_limit_s=time_limit), cheapest=False)
    solve_s = time.perf_counter() - t
    return {"solve_s": solve_s, "termination": res.termination.value, "coverage": res.coverage,
            "bound": res.best_bound, "gap": res.gap, "warm_up": warmup.info(),
            "searched": "search_rounds" in res.sizes, "search_skipped": bool(res.sizes.get("search_skipped")),
            "timings": {k: round(v, 2) for k, v in res.timings.items()}}


def _wait_for_cache(env: dict, limit_s: float = 600.0) -> float | None:
    """Seconds until numba's cache (NUMBA_CACHE_DIR of ``env``) holds the compiled search; None at the limit."""
    t = time.perf_counter()
    probe = [sys.executable, "-c", "from solver.engine import warmup; print(warmup.cache_is_warm())"]
    while time.perf_counter() - t < limit_s:
        out = subprocess.run(probe, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
        if out.stdout.strip().endswith("True"):
            return time.perf_counter() - t
        time.sleep(2.0)
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.first_run", description=__doc__.split("\n")[0])
    ap.add_argument("--city", default="NewYork", choices=("NewYork", "Bronx", "SanFrancisco", "Kings"))
    ap.add_argument("--p", type=int, default=50)
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--runs", type=int, default=2, help="processes in all, the first with the empty cache (>= 2)")
    ap.add_argument("--instances", type=Path, default=REPO_ROOT.parent / "shared" / "mclp-instances")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.city, args.p, args.time_limit, args.instances)))
        return 0
    if args.runs < 2:
        ap.error("--runs must be at least 2")
    if not (args.instances / "Maximo" / f"{args.city}.txt").exists():
        print(f"instance not found: {args.instances / 'Maximo' / (args.city + '.txt')} (use --instances DIR)",
              file=sys.stderr)
        return 2
    results = []
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for k in range(args.runs):
            if k == 1:
                waited = _wait_for_cache(env)
                print(f"the cache was written {waited:.1f} s after the first run ended" if waited is not None
                      else "the cache was still not written 600 s after the first run ended")
            cmd = [sys.executable, "-m", "benchmarks.first_run", "--child", "--city", args.city, "--p", str(args.p),
                   "--time-limit", str(args.time_limit), "--instances", str(args.instances)]
            out = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
            if out.returncode != 0:
                print(out.stderr, file=sys.stderr)
                return 1
            r = json.loads(out.stdout.strip().splitlines()[-1])
            results.append(r)
            what = "first run (empty numba cache)" if k == 0 else "later run (cache from the first)"
            wu = r["warm_up"].get("seconds")
            state = r["warm_up"].get("cache", "?")
            print(f"{what}: solve {r['solve_s']:.2f} s on a {args.time_limit:g}-s limit, {r['termination']}, "
                  f"coverage {r['coverage']:,.0f}, gap {100 * (r['gap'] or 0):.3f} %; numba cache {state}, "
                  f"compile/load {'not done by the end of the solve' if wu is None else f'{wu:.1f} s'}; "
                  f"search {'ran' if r['searched'] else 'skipped'}; timings {r['timings']}")
    later = statistics.median(r["solve_s"] for r in results[1:])
    diff = results[0]["solve_s"] - later
    print(f"{args.city} p = {args.p}, {args.time_limit:g} s: first run {results[0]['solve_s']:.2f} s, later runs "
          f"(median of {len(results) - 1}) {later:.2f} s: the first is {diff:+.2f} s slower "
          f"(target: at most 5 s) -> {'met' if diff <= 5.0 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
