"""Which SCIP settings for each model shape: the measurement behind SCIP_SETTINGS.

    python -m benchmarks.scip_settings [--instances DIR] [--repeats N]
    python -m benchmarks.scip_settings --shape district [--repeats N] [--cache DIR]

Textbook (cardinality) shape: solves eight mid-size public rows (SJC818, BDS 10^4-10^5 x 100,
Beasley B700) with the project's own ``solve_instance`` exactly as the benchmark does, replacing
only ``SCIP_SETTINGS["cardinality"]`` and ``["cardinality_proof"]`` by each variant (the last
row, "as shipped", keeps both: the proof settings for models of at most
``solve.PROOF_MAX_OPTIONS`` options), and prints a Markdown table of the
median seconds per row. Every solve must end proven optimal at the reference value
(an AssertionError otherwise), so a faster setting cannot trade away correctness.

District shape: solves synthetic districts (benchmarks/districts.py; 20 and 30 streets, four
seeds, 0.5-2 million yuan per street) end to end with ``solve_instance`` (2 threads, 120 s),
replacing only ``SCIP_SETTINGS["district"]`` (SCIP on what the district core leaves, from its
plan), once per SCIP seed (``--repeats``: seeds 0, 1, ...). It prints the seconds of every
solve (a solve not proven within the limit counted at its time, marked), their sum and the
geometric mean of the per-solve ratio to SCIP's defaults. The proven solves of a case must agree on
its coverage, and no plan may cover more (an AssertionError otherwise).
"""

from __future__ import annotations

import argparse
import math
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
# (streets, density, generator seed or None for the default, million yuan per street)
DISTRICT_ROWS = ((20, 1, None, 0.5), (20, 1, None, 1.0), (20, 1, None, 2.0), (20, 1, 11, 1.0), (20, 1, 11, 2.0),
                 (20, 1, 12, 1.0), (30, 1, 14, 1.0))
DISTRICT_LIMIT_S = 120.0
DISTRICT_VARIANTS = {"defaults": "", "as shipped": SCIP_SETTINGS["district"]}


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
    ap.add_argument("--shape", choices=("cardinality", "district"), default="cardinality")
    ap.add_argument("--cache", type=Path, default=None, help="district data folder (default: the suite's cache)")
    args = ap.parse_args(argv)
    if args.shape == "district":
        return district_settings(repeats=max(1, args.repeats), cache=args.cache)
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


def _district_instances(cache: Path | None) -> list[tuple[str, object]]:
    from solver.pipeline import load, prepare

    from .__main__ import REPO_ROOT
    from .districts import BASIC, case_scenario, default_cache, district_case, ensure_district

    out = []
    for streets, density, seed, level in DISTRICT_ROWS:
        case = district_case(streets, density, BASIC, "max_coverage", level_m=level, seed=seed)
        folder, _ = ensure_district(case.source, cache or default_cache(REPO_ROOT))
        sc = load(case_scenario(case, folder))
        prepared = prepare(sc, budget=sc.budget_yuan)  # the case's budget, as the suite's jobs read it
        out.append((case.case_id.removeprefix("district/").replace("/basic4/", " "), prepared.items.instance))
    return out


def district_settings(*, repeats: int, cache: Path | None) -> int:
    """The district shape (module docstring): a Markdown table of seconds per solve and variant."""
    from models.mode import Mode
    from solver.engine.backends import ortools_backend
    from solver.engine.result import SolveParameters, Termination
    from solver.engine.solve import solve_instance

    cases = _district_instances(cache)
    seconds: dict[str, list[float]] = {name: [] for name in DISTRICT_VARIANTS}
    proven: dict[str, list[bool]] = {name: [] for name in DISTRICT_VARIANTS}
    best: dict[str, float] = {}  # the proven coverage of each case
    labels = [f"{label} s{seed}" for label, _ in cases for seed in range(repeats)]
    print("| settings | " + " | ".join(labels) + " | total | geometric mean vs defaults |")
    print("|---" * (len(labels) + 3) + "|")
    saved = dict(ortools_backend.SCIP_SETTINGS)
    try:
        for name, settings in DISTRICT_VARIANTS.items():
            ortools_backend.SCIP_SETTINGS["district"] = settings
            for label, inst in cases:
                for seed in range(repeats):
                    t0 = time.perf_counter()
                    res = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=SolveParameters(
                        time_limit_s=DISTRICT_LIMIT_S, relative_gap=0.0, threads=2, seed=seed))
                    seconds[name].append(time.perf_counter() - t0)
                    proven[name].append(res.termination is Termination.OPTIMAL)
                    assert res.coverage is not None, f"{label} seed {seed}: no plan"
                    if proven[name][-1]:
                        assert best.setdefault(label, res.coverage) == res.coverage, f"{label}: two optima"
                    else:
                        assert res.coverage <= best.get(label, res.coverage), f"{label}: above the optimum"
            ratios = [b / a for a, b in zip(seconds["defaults"], seconds[name])]
            mean = math.exp(sum(math.log(v) for v in ratios) / len(ratios))
            print(f"| {name} | " + " | ".join(f"{v:.1f}" + ("" if ok else "*") for v, ok in zip(seconds[name],
                                                                                            proven[name]))
                  + f" | {sum(seconds[name]):.1f} | {mean:.2f} |", flush=True)
        print(f"\n(* not proven within the {DISTRICT_LIMIT_S:g}-s limit; counted at the time it stopped)")
    finally:
        ortools_backend.SCIP_SETTINGS.update(saved)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
