"""A solved plan made a run: the independent check, the build order, coverage per street, the uncovered pairs.

    complete_run(scenario=..., district=..., ..., result=plan_result) -> Run

The :class:`Run` is what the output writers, the sweep and the CLI read.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models.mode import Mode

from ..choices import Backend, Engine
from ..engine.result import SolveParameters, Termination
from ..engine.solve import PlanResult
from ..inputs.scenario import Scenario
from ..inputs.tables import District
from ..travel.coverage import Coverage, Geometry, Items, nearest_distances
from .check import CheckReport, check_plan
from .diagnose import diagnose
from .grading import covered_after_plan, grade_claims
from .onsite import attributes_in_use, joined, plan_assumptions, run_notes
from .rank import RankedSite, rank_plan, ranked_table

ProgressFn = Callable[[str], None]


@dataclass(kw_only=True)
class Run:
    """One solved scenario: its inputs, the plan, the check and the tables the outputs are made of."""

    scenario: Scenario
    district: District
    geometry: Geometry
    coverage: Coverage
    items: Items
    mode: Mode
    budget: float | None
    params: SolveParameters
    backend: Backend
    engine: Engine
    result: PlanResult
    plan: list[tuple[str, str]]  # (candidate id, service key)
    covered_after: np.ndarray | None  # households x services
    check: CheckReport | None
    ranked: list[RankedSite]
    ranked_table: pd.DataFrame
    coverage_table: pd.DataFrame
    uncovered_table: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # warnings about the catalogue (solver/results/onsite.py)


@contextmanager
def timed(timings: dict[str, float], name: str, progress: ProgressFn | None) -> Iterator[None]:
    """Time the block as ``timings[name]`` (seconds), announcing ``name`` to ``progress`` first."""
    if progress is not None:
        progress(name)
    t = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - t, 4)


def coverage_by_street(district: District, services: list[str], before: np.ndarray,
                       after: np.ndarray | None) -> pd.DataFrame:
    hh = district.households
    h = hh["households"].to_numpy(dtype=np.int64)
    streets = sorted(set(hh["street"]))
    rows = []
    for street in streets + ["ALL"]:
        mask = np.ones(len(hh), dtype=bool) if street == "ALL" else (hh["street"] == street).to_numpy()
        total = int(h[mask].sum())
        for s, key in enumerate(services):
            b = int(h[mask & before[:, s]].sum())
            a = int(h[mask & after[:, s]].sum()) if after is not None else b
            rows.append({"street": street, "service": key, "households": total, "covered_before": b,
                         "covered_after": a,
                         "pct_before": round(100.0 * b / total, 3) if total else 0.0,
                         "pct_after": round(100.0 * a / total, 3) if total else 0.0})
    return pd.DataFrame(rows)


def uncovered_households(scenario: Scenario, district: District, geometry: Geometry, coverage: Coverage,
                         after: np.ndarray, *, mode: Mode) -> pd.DataFrame:
    """(household, service) pairs not covered after the plan, with the nearest space and why.

    Reasons: ``unreachable`` (no candidate space within the threshold), ``not_eligible``
    (spaces within reach, none allowed to host the service), ``budget`` (an eligible
    space is within reach but the budget went elsewhere; includes area and street caps),
    ``capacity`` (full-coverage mode: space areas or street caps forbid covering it
    together with the rest), ``beyond_target`` (grade mode: the street meets its target, or
    cannot, without it).
    """
    hh = district.households
    h = hh["households"].to_numpy(dtype=np.int64)
    services = list(coverage.services)
    todo = (h[:, None] > 0) & ~after
    if not todo.any():
        return pd.DataFrame(columns=["id", "street", "community", "service", "households",
                                     "nearest_candidate_min", "nearest_eligible_min", "threshold_min", "reason"])
    any_d, per = nearest_distances(scenario, district, geometry, coverage)
    speed = scenario.speed_m_per_min
    i_idx, s_idx = np.nonzero(todo)
    lim = coverage.limit_m[s_idx]
    d_any = any_d[i_idx]
    d_el = per[i_idx, s_idx]
    chosen_elsewhere = {Mode.MAX_COVERAGE: "budget", Mode.GRADE: "beyond_target"}.get(mode, "capacity")
    reason = np.where(d_el <= lim + 1e-9, chosen_elsewhere,
                      np.where(d_any <= lim + 1e-9, "not_eligible", "unreachable"))
    return pd.DataFrame({
        "id": hh["id"].to_numpy()[i_idx], "street": hh["street"].to_numpy()[i_idx],
        "community": hh["community"].to_numpy()[i_idx], "service": np.array(services, dtype=object)[s_idx],
        "households": h[i_idx],
        "nearest_candidate_min": np.round(d_any / speed, 2),
        "nearest_eligible_min": np.round(d_el / speed, 2),
        "threshold_min": [scenario.services[services[s]].threshold_min for s in s_idx],
        "reason": reason,
    })


def complete_run(*, scenario: Scenario, district: District, geometry: Geometry, coverage: Coverage, items: Items,
                 mode: Mode, budget: float | None, params: SolveParameters, backend: Backend, engine: Engine,
                 result: PlanResult, check: bool = True, timings: dict[str, float] | None = None,
                 progress: ProgressFn | None = None) -> Run:
    """The stages after the solve: independent check, ranking, coverage per street, uncovered pairs.

    Shared by solver.pipeline.run and by callers that solve several times on the same
    prepared inputs (budget sweeps); an infeasible result gets the diagnosis as its message.
    """
    timings = {} if timings is None else timings
    if result.termination is Termination.INFEASIBLE and "floors_least_cost" not in result.details:
        why = diagnose(scenario=scenario, district=district, geometry=geometry, coverage=coverage, items=items,
                       budget=budget, params=params, backend=backend, engine=engine)
        result = dataclasses.replace(result, message=why.message)
    services = list(coverage.services)
    plan: list[tuple[str, str]] = []
    after = None
    report = None
    ranked: list[RankedSite] = []
    h = district.households["households"].to_numpy(dtype=np.int64)
    before_pairs = int((h[:, None] * coverage.covered_before).sum())
    total_pairs = int(h.sum()) * len(services)
    if result.x is not None:
        x = result.x
        cand_ids = district.candidates["id"].to_numpy()
        plan = [(str(cand_ids[items.option_candidate[o]]), services[items.option_service[o]])
                for o in np.flatnonzero(x)]
        after = covered_after_plan(coverage, items, x)
        if check:
            with timed(timings, "check", progress):
                claimed = {key: int(h[after[:, s]].sum()) for s, key in enumerate(services)}
                report = check_plan(scenario, district, plan, claimed_after=claimed, claimed_cost=result.cost,
                                    budget=budget,
                                    grade_claims=grade_claims(scenario, district, coverage, mode, after))
        with timed(timings, "rank", progress):
            ranked = rank_plan(items, x, h)
    table = ranked_table(ranked, candidates=district.candidates, services=services,
                         covered_before_pairs=before_pairs, total_pairs=total_pairs)
    if attributes_in_use(scenario):
        assumed = plan_assumptions(scenario, district.candidates, plan)
        table.insert(table.columns.get_loc("cumulative_coverage_pct") + 1, "check_on_site",
                     [joined(assumed.get(c, ())) for c in table["id"]])
    with timed(timings, "uncovered", progress):
        cov_table = coverage_by_street(district, services, coverage.covered_before, after)
        unc = uncovered_households(scenario, district, geometry, coverage,
                                   after if after is not None else coverage.covered_before, mode=mode)
    return Run(scenario=scenario, district=district, geometry=geometry, coverage=coverage, items=items,
               mode=mode, budget=budget, params=params, backend=backend, engine=engine, result=result,
               plan=plan, covered_after=after, check=report, ranked=ranked, ranked_table=table,
               coverage_table=cov_table, uncovered_table=unc, timings=timings,
               notes=run_notes(scenario, district, np.asarray(coverage.eligible.any(axis=0))))
