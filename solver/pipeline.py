"""The whole run, stage by stage: scenario -> tables -> network -> coverage -> solve -> check -> rank.

Each stage is a plain function of the previous stages' outputs; :func:`run`
chains them, times them, and returns a :class:`Run` that report writers and
the CLI read. Bad input raises InputError before anything is solved; an
infeasible or time-limited solve is a status in the result.
"""

from __future__ import annotations

import dataclasses
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from .results.check import CheckReport, check_plan
from .results.diagnose import diagnose
from .travel.coverage import (Coverage, Geometry, Items, build_geometry, build_items, compute_coverage,
                       nearest_distances)
from .results.rank import RankedSite, rank_plan, ranked_table
from .choices import Backend, Engine
from .engine.result import SolveParameters, Termination
from models.mode import Mode
from .inputs.scenario import Scenario
from .engine.solve import PlanResult, solve_instance
from .inputs.tables import District
from .inputs.loading import load_inputs

ProgressFn = Callable[[str], None]


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    """Choices for one run; ``None`` means: take it from the scenario."""

    mode: Mode | None = None
    budget_yuan: float | None = None
    backend: Backend | None = None
    engine: Engine = Engine.SCIP
    time_limit_s: float | None = None
    relative_gap: float | None = None
    threads: int | None = None
    check: bool = True

    def __post_init__(self) -> None:
        # names given as text ("pulp", "cover") become the enums; an unknown name is a ValueError
        if self.mode is not None:
            object.__setattr__(self, "mode", Mode(self.mode))
        if self.backend is not None:
            object.__setattr__(self, "backend", Backend(self.backend))
        object.__setattr__(self, "engine", Engine(self.engine))


@dataclass(kw_only=True)
class Run:
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


@contextmanager
def _timed(timings: dict[str, float], name: str, progress: ProgressFn | None):
    if progress is not None:
        progress(name)
    t = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - t, 4)


def covered_after_plan(coverage: Coverage, items: Items, x: np.ndarray) -> np.ndarray:
    """Households x services: covered before, or reached by an opened option."""
    after = coverage.covered_before.copy()
    opened = np.zeros(coverage.eligible.shape, dtype=bool)
    opened[items.option_candidate[x], items.option_service[x]] = True
    r = coverage.reach
    for s in range(len(coverage.services)):
        ok = opened[r.src, s] & (r.dist_m <= coverage.limit_m[s])
        after[r.dst[ok], s] = True
    return after


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
    together with the rest).
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
    chosen_elsewhere = "budget" if mode is Mode.MAX_COVERAGE else "capacity"
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


def run(scenario: Scenario, *, options: RunOptions = RunOptions(), progress: ProgressFn | None = None) -> Run:
    timings: dict[str, float] = {}
    mode = options.mode or scenario.mode
    budget = options.budget_yuan if options.budget_yuan is not None else scenario.budget_yuan
    if mode is Mode.COVER:
        budget = None  # full coverage asks what it costs; a budget does not bound it
    if mode is Mode.MAX_COVERAGE and budget is None:
        from .errors import InputError, Problem

        raise InputError([Problem(file=str(scenario.path), field="budget_yuan",
                                  rule="mode 'max_coverage' needs a budget", show_value=False)])
    backend = options.backend or scenario.solve.backend
    params = SolveParameters(
        time_limit_s=options.time_limit_s or scenario.solve.time_limit_s,
        relative_gap=scenario.solve.relative_gap if options.relative_gap is None else options.relative_gap,
        threads=options.threads or scenario.solve.threads, seed=scenario.solve.seed,
    )
    with _timed(timings, "load", progress):
        district = load_inputs(scenario)  # the tables, with a what-if scenario's changes applied
    with _timed(timings, "network", progress):
        geometry = build_geometry(scenario, district)
    with _timed(timings, "coverage", progress):
        coverage = compute_coverage(scenario, district, geometry)
    with _timed(timings, "model", progress):
        items = build_items(scenario, district, coverage, budget=budget)
    with _timed(timings, "solve", progress):
        result = solve_instance(items.instance, mode=mode, params=params, backend=backend, engine=options.engine)
    return complete_run(scenario=scenario, district=district, geometry=geometry, coverage=coverage, items=items,
                        mode=mode, budget=budget, params=params, backend=backend, engine=options.engine,
                        result=result, check=options.check, timings=timings, progress=progress)


def complete_run(*, scenario: Scenario, district: District, geometry: Geometry, coverage: Coverage, items: Items,
                 mode: Mode, budget: float | None, params: SolveParameters, backend: Backend, engine: Engine,
                 result: PlanResult, check: bool = True, timings: dict[str, float] | None = None,
                 progress: ProgressFn | None = None) -> Run:
    """The stages after the solve: independent check, ranking, coverage per street, uncovered pairs.

    Shared by :func:`run` and by callers that solve several times on the same
    prepared inputs (budget sweeps).
    """
    timings = {} if timings is None else timings
    if result.termination is Termination.INFEASIBLE:
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
            with _timed(timings, "check", progress):
                claimed = {key: int(h[after[:, s]].sum()) for s, key in enumerate(services)}
                report = check_plan(scenario, district, plan, claimed_after=claimed, claimed_cost=result.cost,
                                    budget=budget)
        with _timed(timings, "rank", progress):
            ranked = rank_plan(items, x, h)
    table = ranked_table(ranked, candidates=district.candidates, services=services,
                         covered_before_pairs=before_pairs, total_pairs=total_pairs)
    with _timed(timings, "uncovered", progress):
        cov_table = coverage_by_street(district, services, coverage.covered_before, after)
        unc = uncovered_households(scenario, district, geometry, coverage,
                                   after if after is not None else coverage.covered_before, mode=mode)
    return Run(scenario=scenario, district=district, geometry=geometry, coverage=coverage, items=items,
               mode=mode, budget=budget, params=params, backend=backend, engine=engine, result=result,
               plan=plan, covered_after=after, check=report, ranked=ranked, ranked_table=table,
               coverage_table=cov_table, uncovered_table=unc, timings=timings)
