"""Grades in a budget sweep: streets per grade at every level, and the least budget for the target.

    grade_columns(table, runs, full, scenario, district)   sweep.csv: streets_below / _basic / _improved / _quality
    target_run(prepared, scenario, ...)                    the grade-mode run: its cost IS the least budget at which
                                                           every street that can reach the target does (solved
                                                           exactly by grade mode, not read off the curve)
"""

from __future__ import annotations

import pandas as pd

from models.mode import Mode

from ..inputs.policy import target_problem
from ..results.grading import area_grades, grade_counts, target_record
from ..results.run import Run
from ..travel.targets import with_targets

GRADE_KEYS = ("below", "basic", "improved", "quality")


def grade_columns(table: pd.DataFrame, runs: dict[str, Run | None], full: Run) -> pd.DataFrame:
    """``table`` with the number of streets at each grade after each level's plan (the existing
    facilities alone on the first row)."""
    out = table.copy()
    counts: dict[str, list[int | None]] = {k: [] for k in GRADE_KEYS}
    for label in out["level"]:
        run = full if label == "full_coverage" else runs.get(label)
        if label == "existing":
            after = None
        elif run is None or run.covered_after is None:
            for k in GRADE_KEYS:
                counts[k].append(None)
            continue
        else:
            after = run.covered_after
        g = grade_counts(area_grades(full.scenario, full.district, full.coverage, after, "street"))
        for k in GRADE_KEYS:
            counts[k].append(g[k])
    for k in GRADE_KEYS:
        out[f"streets_{k}"] = pd.array(counts[k], dtype="Int64")
    return out


def target_run(prepared, *, params, backend, engine, check: bool = True) -> Run | None:
    """The grade-mode run on the sweep's prepared inputs (target and scope: the scenario's policy)."""
    from ..engine.solve import solve_instance

    sc = prepared.scenario
    if target_problem(sc.grades, sc.policy.target):
        return None  # the target needs a service group the scenario does not have (sweep.md says so)
    items = with_targets(sc, prepared.district, prepared.coverage, prepared.items, mode=Mode.GRADE)
    res = solve_instance(items.instance, mode=Mode.GRADE, params=params, backend=backend, engine=engine)
    return prepared.complete(res, mode=Mode.GRADE, budget=None, params=params, backend=backend, engine=engine,
                             items=items, check=check)


def target_markdown(run: Run) -> str:
    rec = target_record(run)
    if rec is None:
        return ""
    res = run.result
    if res.cost is None:
        return f"Grade target {rec['target']} per {rec['scope']}: no plan ({res.termination.value}). {res.message}"
    proof = "proven least" if rec["proven_least"] else f"not proven least: bound {res.best_bound:,.0f}"
    text = (f"**Least budget at which every {rec['scope']} that can reach {rec['target']} does: "
            f"{res.cost:,.0f} yuan** (grade mode, {proof}; {len(rec['met'])} of {rec['areas']} met; "
            "folder grade_target/).")
    if rec["unmet"]:
        text += " Cannot reach it with any plan: " + "; ".join(
            f"{a} ({', '.join(e['service'] for e in stops)})" for a, stops in rec["unmet"].items()) + "."
    return text
