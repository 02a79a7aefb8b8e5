"""The whole run, stage by stage: scenario -> tables -> network -> coverage -> solve -> check -> rank.

    district, geometry = validate(scenario)            every input problem at once (tables, network)
    prepared = prepare(scenario)                       tables -> network -> coverage -> model instance
    params = solve_parameters(scenario, options)       the one builder of the solve's parameters
    run(scenario, options=RunOptions(...)) -> Run      prepare + solve + complete_run
    run_tables(households=df, candidates=df, crs=...)  the same, with the tables as data frames

Each stage is a plain function of the previous stages' outputs. :func:`prepare` is
the one preparation path, shared by :func:`run` and the budget sweep
(solver/plans/sweep.py). Bad input raises InputError before anything is solved; an
infeasible or time-limited solve is a status in the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from models.mode import Mode

from .choices import Backend, Engine
from .engine.result import SolveParameters
from .engine.solve import PlanResult, solve_instance
from .errors import DefectError, InputError, Problem, Problems, UsageError
from .inputs import ranges
from .inputs.consistency import must_open_problems, street_warnings
from .inputs.dates import existing_on
from .inputs.frames import load_frames
from .inputs.loading import check_inputs
from .inputs.scenario import Scenario, load_scenario
from .inputs.tables import District
from .inputs.villages import apply_village_rule
from .results.run import ProgressFn, Run, complete_run, timed
from .travel.coverage import Coverage, Geometry, Items, build_items, check_geometry, check_network, compute_coverage
from .travel.targets import demand_problems, with_targets


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
    target: str | None = None  # grade mode: basic | improved | quality (solver/inputs/policy.py)
    grade_scope: str | None = None  # grade mode: street | community

    def __post_init__(self) -> None:
        # names given as text ("pulp", "cover") become the enums; an unknown name is a ValueError
        if self.mode is not None:
            object.__setattr__(self, "mode", Mode(self.mode))
        if self.backend is not None:
            object.__setattr__(self, "backend", Backend(self.backend))
        object.__setattr__(self, "engine", Engine(self.engine))
        for name, rng in (("budget_yuan", ranges.BUDGET_YUAN), ("time_limit_s", ranges.TIME_LIMIT_S),
                          ("relative_gap", ranges.GAP), ("threads", ranges.THREADS)):
            value = getattr(self, name)
            why = None if value is None else rng.problem(value)
            if why:  # the scenario's ranges (solver/inputs/ranges.py)
                raise UsageError(f"RunOptions.{name} {why}; got {value!r}")
        from .inputs.policy import SCOPES, TARGETS

        for name, allowed in (("target", TARGETS), ("grade_scope", SCOPES)):
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise UsageError(f"RunOptions.{name} must be one of: {', '.join(allowed)}; got {value!r}")


@dataclass(frozen=True, kw_only=True)
class Prepared:
    """A scenario's inputs made ready to solve: the validated tables, the walking network,
    the coverage relation and the model instance (whose budget is the one asked for)."""

    scenario: Scenario
    district: District
    geometry: Geometry
    coverage: Coverage
    items: Items
    timings: dict[str, float] = field(default_factory=dict)

    def complete(self, result: PlanResult, *, mode: Mode, budget: float | None, params: SolveParameters,
                 backend: Backend, engine: Engine, items: Items | None = None, check: bool = True,
                 timings: dict[str, float] | None = None, progress: ProgressFn | None = None) -> Run:
        """The run of a plan solved on these inputs (``items``: the instance it was solved on, when
        not this one, e.g. with another budget)."""
        return complete_run(scenario=self.scenario, district=self.district, geometry=self.geometry,
                            coverage=self.coverage, items=self.items if items is None else items, mode=mode,
                            budget=budget, params=params, backend=backend, engine=engine, result=result,
                            check=check, timings=timings, progress=progress)


def prepare(scenario: Scenario, *, budget: float | None = None, district: District | None = None,
            progress: ProgressFn | None = None) -> Prepared:
    """Tables -> network -> coverage -> model instance, each stage timed (``Prepared.timings``).

    The tables are read from the scenario's files (with a what-if scenario's changes applied)
    unless ``district`` gives them already validated (data frames: solver.pipeline.run_tables).
    """
    timings: dict[str, float] = {}
    district, geometry = validate(scenario, district=district, timings=timings, progress=progress)
    with timed(timings, "coverage", progress):
        coverage = compute_coverage(scenario, district, geometry)
    with timed(timings, "model", progress):
        items = build_items(scenario, district, coverage, budget=budget)
    return Prepared(scenario=scenario, district=district, geometry=geometry, coverage=coverage, items=items,
                    timings=timings)


def validate(scenario: Scenario, *, district: District | None = None, timings: dict[str, float] | None = None,
             progress: ProgressFn | None = None) -> tuple[District, Geometry]:
    """The one validation pass before anything is solved: the tables (with a what-if's changes), the
    checks across tables and scenario, and the walking network's snapping, every problem at once.

    Table problems do not stop the network's checks: they run on the rows without problems, so
    that one InputError lists what is wrong everywhere. Returns the district (points that no
    household can reach over the network left out, ``District.left_out``; every warning in
    ``District.warnings``) and its walking geometry.
    """
    timings = {} if timings is None else timings
    problems = Problems()
    if district is None:
        with timed(timings, "load", progress):
            district, found = check_inputs(scenario)
        problems.extend(found)
    if district is None:
        problems.raise_if_any()
        raise DefectError("the tables were not read, yet no problem was reported")
    district = existing_on(district, scenario.as_of, file=_existing_name(scenario, district))
    src = district.sources.get("households")
    district, found = apply_village_rule(district, scenario.villages, tuple(scenario.services),
                                         file=src.name if src is not None else "households")
    problems.extend(found)
    warnings = [*district.warnings, *street_warnings(district)]
    problems.extend(must_open_problems(scenario, district))
    with timed(timings, "network", progress):
        checked = check_geometry(scenario, district)
    problems.extend(checked.problems)
    problems.extend(demand_problems(scenario, district))  # a weighting column missing or with empty cells
    problems.raise_if_any()
    district = replace(checked.district, warnings=tuple(warnings) + checked.warnings)
    return district, checked.geometry


def _existing_name(scenario: Scenario, district: District) -> str:
    src = district.sources.get("existing")
    return src.name if src is not None else str(scenario.existing or "existing")


def network_problems(district: District, max_snap_m: float) -> Problems:
    """The walking network's snapping problems on a district of usable rows: what
    ``load_scenario(..., later_checks=network_problems)`` adds when the scenario itself has problems."""
    return check_network(district, max_snap_m=max_snap_m).problems


def load(path: str | Path, *, overrides: Sequence[str] = ()) -> Scenario:
    """:func:`solver.inputs.scenario.load_scenario`, whose InputError also lists the network's problems
    when the scenario itself has problems (every stage's problems at once, where they can be found)."""
    return load_scenario(path, overrides=overrides, later_checks=network_problems)


def solve_parameters(scenario: Scenario, options: RunOptions) -> SolveParameters:
    """The solve's parameters: each option given, else the scenario's [solve] value."""
    return SolveParameters(
        time_limit_s=options.time_limit_s or scenario.solve.time_limit_s,
        relative_gap=scenario.solve.relative_gap if options.relative_gap is None else options.relative_gap,
        threads=options.threads or scenario.solve.threads, seed=scenario.solve.seed,
    )


def solve_backend(scenario: Scenario, options: RunOptions) -> Backend:
    """The backend: the option given, else the scenario's [solve] backend."""
    return options.backend or scenario.solve.backend


def run(scenario: Scenario, *, options: RunOptions = RunOptions(), progress: ProgressFn | None = None) -> Run:
    """Solve ``scenario``: prepare, solve, check, rank (see :class:`Run`)."""
    return _run(scenario, options=options, progress=progress)


def run_tables(*, households: pd.DataFrame, candidates: pd.DataFrame, existing: pd.DataFrame | None = None,
               network_nodes: pd.DataFrame | None = None, network_edges: pd.DataFrame | None = None, crs: str,
               budget_yuan: float | None = None, mode: Mode | str | None = None,
               services: dict[str, dict[str, Any]] | None = None, walking: dict[str, float] | None = None,
               options: RunOptions = RunOptions(), progress: ProgressFn | None = None, **scenario: Any) -> Run:
    """:func:`run` with the tables given as pandas DataFrames or GeoDataFrames instead of files.

    ``crs`` is the CRS of every frame's coordinates (a GeoDataFrame's own CRS must equal it);
    ``services`` overrides or adds services like a scenario's [services] table, ``walking`` is
    its [walking] table, and any other scenario key (``street_caps``, ``must_open``,
    ``conversion_cost_default``, ``solve``, ``grades``, ``name``, ...) may be given too. The
    frames go through the same validation as files, every problem at once, each naming the
    frame and the row by its index label (solver/inputs/frames.py).
    """
    timings: dict[str, float] = {}
    with timed(timings, "load", progress):
        sc, district = load_frames(households=households, candidates=candidates, existing=existing,
                                   network_nodes=network_nodes, network_edges=network_edges, crs=crs,
                                   budget_yuan=budget_yuan, mode=mode, services=services, walking=walking,
                                   **scenario)
    return _run(sc, options=options, progress=progress, district=district, timings=timings)


def _run(scenario: Scenario, *, options: RunOptions, progress: ProgressFn | None,
         district: District | None = None, timings: dict[str, float] | None = None) -> Run:
    mode = options.mode or scenario.mode
    scenario = with_policy_options(scenario, options, mode)
    budget = run_budget(scenario, options, mode)
    prepared = prepare(scenario, budget=budget, district=district, progress=progress)
    return solve_prepared(prepared, options, progress=progress, timings=timings)


def run_budget(scenario: Scenario, options: RunOptions, mode: Mode) -> float | None:
    """The budget a run in ``mode`` solves with (None for cover and grade; InputError when max_coverage
    has none)."""
    budget = options.budget_yuan if options.budget_yuan is not None else scenario.budget_yuan
    if mode in (Mode.COVER, Mode.GRADE):
        budget = None  # full coverage / a grade asks what it costs; a budget does not bound it
    if mode is Mode.MAX_COVERAGE and budget is None:
        raise InputError([Problem(file=scenario.source, field="budget_yuan",
                                  rule="mode 'max_coverage' needs a budget", show_value=False)])
    return budget


def solve_prepared(prepared: Prepared, options: RunOptions = RunOptions(), *, progress: ProgressFn | None = None,
                   timings: dict[str, float] | None = None) -> Run:
    """The stages after :func:`prepare`: the run's mode, budget and policy options, the grade / fairness
    target rows, the solve, the independent check and the ranking. ``prepared`` may have been made with
    another budget (or none): a city batch prepares a district once for all of its runs."""
    mode = options.mode or prepared.scenario.mode
    scenario = with_policy_options(prepared.scenario, options, mode)
    prepared = replace(prepared, scenario=scenario)
    budget = run_budget(scenario, options, mode)
    backend = solve_backend(scenario, options)
    params = solve_parameters(scenario, options)
    timings = {**(timings or {}), **prepared.timings}
    items = prepared.items
    if items.instance.budget != budget:
        items = replace(items, instance=replace(items.instance, budget=budget))
    items = with_targets(scenario, prepared.district, prepared.coverage, items, mode=mode)
    with timed(timings, "solve", progress):
        result = solve_instance(items.instance, mode=mode, params=params, backend=backend,
                                engine=options.engine)
    return prepared.complete(result, mode=mode, budget=budget, params=params, backend=backend, items=items,
                             engine=options.engine, check=options.check, timings=timings, progress=progress)


def with_policy_options(scenario: Scenario, options: RunOptions, mode: Mode) -> Scenario:
    """The scenario with the run's target / scope options; an unreachable target is an input problem."""
    from .inputs.policy import target_problem

    policy = replace(scenario.policy, target=options.target or scenario.policy.target,
                     scope=options.grade_scope or scenario.policy.scope)
    scenario = replace(scenario, policy=policy)
    if mode is Mode.GRADE:
        why = target_problem(scenario.grades, policy.target)
        if why:
            raise InputError([Problem(file=scenario.source, field="target", rule=why, value=policy.target)])
    return scenario
