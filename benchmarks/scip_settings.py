"""Which SCIP settings for the textbook (cardinality) shape: the measurement behind SCIP_SETTINGS.

    python -m benchmarks.scip_settings [--instances DIR] [--repeats N]

Solves eight mid-size public rows (SJC818, BDS 10^4-10^5 x 100, Beasley B700) with the
project's own ``solve_instance`` exactly as the benchmark does, replacing only
``SCIP_SETTINGS["cardinality"]`` and ``["cardinality_proof"]`` by each variant (the last
row, "as shipped", keeps both: the proof settings for models of at most
``solve.PROOF_MAX_OPTIONS`` options), and prints a Markdown table of the
median seconds per row. Every solve must end proven optimal at the reference value
(an AssertionError otherwise), so a faster setting cannot trade away correctness.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from solver.engine.backends.ortools_backend import (
    SCIP_DEPTH_FIRST,
    SCIP_HEURISTICS_OFF,
    SCIP_NO_CONFLICT_ANALYSIS,
    SCIP_NO_CUT_ROUNDS,
    SCIP_PSEUDOCOST_BRANCHING,
    SCIP_SETTINGS,
    SCIP_STEEPEST_EDGE,
)

from .instances import read_instance
from .reference import load_reference

ROWS = (("SJC/SJC818.txt", 800.0, 10), ("SJC/SJC818.txt", 1200.0, 4), ("BDS/BDS10000C.txt", 6.25, 10),
        ("BDS/BDS10000D.txt", 4.75, 15), ("BDS/BDS10000B.txt", 5.5, 10), ("BDS/BDS100000A.txt", 6.0, 10),
        ("Beasley/B700.txt", 15.0, 10), ("BDS/BDS10000C.txt", 4.0, 20))
_PS, _NC, _SE = SCIP_PSEUDOCOST_BRANCHING, SCIP_NO_CUT_ROUNDS, SCIP_STEEPEST_EDGE
_ALL = _PS + _NC + _SE + SCIP_DEPTH_FIRST + SCIP_HEURISTICS_OFF + SCIP_NO_CONFLICT_ANALYSIS
# name -> (SCIP_SETTINGS["cardinality"], SCIP_SETTINGS["cardinality_proof"])
VARIANTS = {name: (s, s) for name, s in {
    "defaults": "", "pscost": _PS, "no cuts": _NC, "pscost + no cuts": _PS + _NC,
    "pscost + no cuts + steepest edge": _PS + _NC + _SE,
    "... + depth-first, no heuristics, no conflicts": _ALL}.items()}
VARIANTS["as shipped"] = (SCIP_SETTINGS["cardinality"], SCIP_SETTINGS["cardinality_proof"])


def main(argv: list[str] | None = None) -> int:
    from models.instance import pure_instance
    from models.mode import Mode
    from solver.engine.backends import ortools_backend
    from solver.engine.result import SolveParameters, Termination
    from solver.engine.solve import solve_instance

    from .__main__ import DEFAULT_INSTANCES

    ap = argparse.ArgumentParser(prog="python -m benchmarks.scip_settings", description=__doc__.split("\n")[0])
    ap.add_argument("--instances", type=Path, default=DEFAULT_INSTANCES)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args(argv)
    optimum = {(r.file, r.radius, r.p): r.objective for r in load_reference(args.instances)
               if r.problem == "MCLP" and r.rule == "le" and r.status == "optimal"}
    cases = []
    for file, radius, p in ROWS:
        bench = read_instance(args.instances / file)
        cases.append((f"{Path(file).stem} r{radius:g} p{p}", optimum[(file, radius, p)],
                      pure_instance(bench.coverage(radius, "le"), bench.demand, p=p)))
    print("| settings | " + " | ".join(c[0] for c in cases) + " | total |")
    print("|---" * (len(cases) + 2) + "|")
    saved = dict(ortools_backend.SCIP_SETTINGS)
    try:
        for name, (settings, proof) in VARIANTS.items():
            ortools_backend.SCIP_SETTINGS["cardinality"] = settings
            ortools_backend.SCIP_SETTINGS["cardinality_proof"] = proof
            cells, total = [], 0.0
            for _, best, inst in cases:
                times = []
                for _ in range(args.repeats):
                    t0 = time.perf_counter()
                    res = solve_instance(inst, mode=Mode.MAX_COVERAGE, cheapest=False,
                                         params=SolveParameters(time_limit_s=60, relative_gap=0.0, threads=2))
                    times.append(time.perf_counter() - t0)
                    assert res.termination is Termination.OPTIMAL and abs(res.coverage - best) < 1e-6 * best
                med = statistics.median(times)
                total += med
                cells.append(f"{med:.2f}")
            print(f"| {name} | " + " | ".join(cells) + f" | {total:.1f} |", flush=True)
    finally:
        ortools_backend.SCIP_SETTINGS.update(saved)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
