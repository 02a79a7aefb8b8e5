"""Grade targets and fairness, measured (issue 15): one run, every figure side by side.

    python -m benchmarks.grades [--districts demo,s20] [--catalogues basic4,tongzhou2022] [--time-limit 120]

Per district and catalogue: the least cost of full coverage (``--mode cover``), the least cost of
基础型 (basic) in every street (``--mode grade``), and at a budget (demo 5 M yuan, the 20-street
district 1 M per street) the max-coverage optimum without fairness, with floors
(``[fairness] min_street_pct = 85``) and with max-min: status, gap, cost, streets at basic or above,
households covered ((household, service) pairs), solve wall time. The 20-street district is the
benchmark cache's ``s20-d1`` (benchmarks/districts.py), built when missing. Times on a shared
machine are indicative.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _scenario(district: str, catalogue: str, cache: Path):
    from solver.pipeline import load

    if district == "demo":
        path = REPO / "scenarios" / "demo.toml"
        budget = 5e6
    else:
        from .districts import ensure_district

        n = int(district[1:])
        folder, _ = ensure_district({"district": f"s{n}-d1", "generator": "synthetic", "seed": 20261122,
                                     "n_streets": n, "density": 1.0}, cache)
        path = folder / "scenario.toml"
        budget = 1e6 * n
    over = [] if catalogue == "basic4" else [f'catalogue="{catalogue}"']
    return load(path, overrides=over), budget


def _row(label: str, run, seconds: float) -> dict:
    import numpy as np

    from solver.results.grading import street_grades

    res = run.result
    grades = street_grades(run)
    at_basic = sum(1 for g in grades.values() if g["after"] in ("basic", "improved", "quality"))
    h = run.district.households["households"].to_numpy(dtype=np.int64)
    after = run.covered_after if run.covered_after is not None else run.coverage.covered_before
    return {"run": label, "status": res.termination.value, "gap": res.gap, "cost": res.cost,
            "basic_streets": f"{at_basic}/{len(grades)}", "pairs": int((h[:, None] * after).sum()),
            "wall_s": seconds, "message": res.message}


def measure(district: str, catalogue: str, *, time_limit: float, cache: Path) -> list[dict]:
    from dataclasses import replace

    from models.mode import Mode
    from solver.inputs.policy import Fairness
    from solver.pipeline import RunOptions, run

    sc, budget = _scenario(district, catalogue, cache)
    rows = []
    opts = RunOptions(time_limit_s=time_limit, relative_gap=0.0)
    for label, mode, scen, b in (
            ("full coverage (cover)", Mode.COVER, sc, None),
            ("basic in every street (grade)", Mode.GRADE, sc, None),
            (f"max coverage {budget / 1e6:g}M, floors 85%", Mode.MAX_COVERAGE,
             replace(sc, policy=replace(sc.policy, fairness=Fairness(floors=dict.fromkeys(sc.services, 85.0)))),
             budget),
            (f"max coverage {budget / 1e6:g}M, max-min", Mode.MAX_COVERAGE,
             replace(sc, policy=replace(sc.policy, fairness=Fairness(max_min=True))), budget)):
        t = time.perf_counter()
        r = run(scen, options=replace(opts, mode=mode, budget_yuan=b))
        row = _row(label, r, time.perf_counter() - t)
        d = r.result.details
        if "unconstrained_x" in d:
            from solver.results.grading import fairness_record

            fr = fairness_record(r) or {}
            row["free_pairs"] = fr.get("unconstrained_households_covered")
            row["given_up"] = fr.get("households_given_up")
            row["free_status"] = d.get("unconstrained_status")
            row["floors_least_cost"] = d.get("floors_least_cost")
            row["max_min_level"] = d.get("max_min_level_pct")
        rows.append(row)
        print(f"{district} {catalogue}: {row}", flush=True)
    return rows


def markdown(results: dict) -> str:
    lines = ["| district | catalogue | run | status (gap) | cost (yuan) | streets >= basic | pairs covered | "
             "fairness gives up (pairs) | wall (s) |", "|---|---|---|---|---|---|---|---|---|"]
    for (district, catalogue), rows in results.items():
        for r in rows:
            gap = "" if r["gap"] is None else f" ({100 * r['gap']:.2f} %)"
            cost = "-" if r["cost"] is None else f"{r['cost']:,.0f}"
            if r.get("floors_least_cost"):
                cost += f" (floors need {r['floors_least_cost']:,.0f})"
            given = "" if r.get("given_up") is None else f"{r['given_up']:,} of {r['free_pairs']:,}"
            if r.get("max_min_level") is not None:
                given += f"; worst at {r['max_min_level']:.1f} % of reach"
            lines.append(f"| {district} | {catalogue} | {r['run']} | {r['status']}{gap} | {cost} | "
                         f"{r['basic_streets']} | {r['pairs']:,} | {given} | {r['wall_s']:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--districts", default="demo,s20")
    ap.add_argument("--catalogues", default="basic4,tongzhou2022")
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--cache", type=Path, default=REPO / "benchmarks" / "results" / "cache" / "districts")
    args = ap.parse_args(argv)
    results = {}
    for district in args.districts.split(","):
        for catalogue in args.catalogues.split(","):
            results[(district, catalogue)] = measure(district, catalogue, time_limit=args.time_limit,
                                                     cache=args.cache)
    print(markdown(results))


if __name__ == "__main__":
    main()
