"""Evaluation without a plan: the present state of a district graded on a date.

    run = evaluate(scenario, as_of=parse_as_of("2026Q3"))   the existing facilities alone, no solve
    write_evaluation(run, folder)                            the files of a run folder

The one preparation path (solver.pipeline.validate, then coverage) with the scenario's
``as_of`` date (solver/inputs/dates.py: which dated existing facilities count), and no
solve: the "plan" is empty, so every table of a run folder (coverage.csv,
households_coverage.csv, uncovered.csv, sites.csv, existing.csv, summary.json) describes
the existing facilities, ``after`` equals ``before``, and ``siting report`` (grades per
street and community, evaluation.csv, report.html) reads the folder like any run's. The
empty plan still goes through the independent checker (``must_cover`` flags are a rule for
plans and are not checked without one), which recomputes every
household's coverage from the raw tables. summary.json says ``parameters.mode =
"evaluate"``, ``result.status = "evaluation"`` and keeps ``evaluation`` (the as-of date)
and ``existing_dates`` (how many rows counted, not yet opened, closed).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from models.mode import Mode

from ..choices import Backend, Engine
from ..engine.result import SolveParameters, Termination
from ..engine.solve import PlanResult
from ..inputs.dates import AsOf
from ..inputs.scenario import Scenario
from ..pipeline import validate
from ..results.outputs import summary, write_files
from ..results.run import ProgressFn, Run, complete_run, timed
from ..travel.coverage import build_items, compute_coverage

STATUS = "evaluation"


def evaluate(scenario: Scenario, *, as_of: AsOf | None = None, progress: ProgressFn | None = None) -> Run:
    """The district graded from its existing facilities on ``as_of`` (default: the scenario's ``as_of``)."""
    if as_of is not None:
        scenario = replace(scenario, as_of=as_of)
    timings: dict[str, float] = {}
    district, geometry = validate(scenario, timings=timings, progress=progress)
    hh = district.households
    must = int(sum(len(m) for m in hh["must_cover"]))
    # must_cover is a rule for plans: without a plan, the pairs not covered are listed in uncovered.csv
    district = replace(district, households=hh.assign(must_cover=[()] * len(hh)))
    with timed(timings, "coverage", progress):
        coverage = compute_coverage(scenario, district, geometry)
        items = build_items(scenario, district, coverage, budget=None)
    empty = PlanResult(termination=Termination.OPTIMAL, mode=Mode.MAX_COVERAGE,
                       x=np.zeros(items.instance.n_options, dtype=bool), coverage=0.0, cost=0.0, best_bound=None,
                       wall_s=0.0, stages=[], sizes={}, solver="none (evaluation)",
                       message="no plan: the existing facilities alone")
    run = complete_run(scenario=scenario, district=district, geometry=geometry, coverage=coverage, items=items,
                       mode=Mode.MAX_COVERAGE, budget=None, params=SolveParameters(), backend=Backend.ORTOOLS,
                       engine=Engine.SCIP, result=empty, check=True, timings=timings, progress=progress)
    unc = run.uncovered_table
    if len(unc):  # "budget" would say a plan chose elsewhere: there is no plan
        unc = unc.assign(reason=unc["reason"].replace({"budget": "no_plan"}))
        run.uncovered_table = unc
    if must:
        run.notes.append(f"{must} must-cover (household, service) pairs are a rule for plans, not checked "
                         "without one: those not covered are in uncovered.csv")
    return run


def evaluation_summary(run: Run) -> dict:
    """summary.json of an evaluation: a run's summary without a solve, with the as-of date."""
    out = summary(run)
    sc = run.scenario
    out["parameters"]["mode"] = "evaluate"
    out["parameters"]["budget_yuan"] = None
    for key in ("backend", "engine", "time_limit_s", "relative_gap", "threads", "seed"):
        out["parameters"].pop(key, None)
    out["result"] = {"status": STATUS, "message": run.result.message, "objective": None,
                     "objective_sense": "none (no plan)", "best_bound": None, "gap": None, "weighted_coverage": None,
                     "cost_yuan": 0.0, "spaces_opened": 0, "services_opened": 0, "stages": []}
    out["reduction"] = {}
    out["evaluation"] = {"as_of": None if sc.as_of is None else sc.as_of.label,
                         "date": None if sc.as_of is None else sc.as_of.iso,
                         "existing_facilities": len(run.district.existing)}
    return out


def write_evaluation(run: Run, folder: Path) -> None:
    """The run folder's files of an evaluation into ``folder`` (a staged, empty folder)."""
    write_files(run, Path(folder), summary_doc=evaluation_summary(run))
