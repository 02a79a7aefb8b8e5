"""One district-family job, in the worker process: ours, a plain peer, or ours' budget sweep.

* ``ours``: the product path end to end, ``solver.pipeline.run`` on the case's scenario
  (load -> network -> coverage -> model instance -> solve_instance -> independent
  check -> ranking), mode and time limit as the case says. Its trace is
  ``PlanResult.trace`` (the engine's gap-vs-time events) when the engine has one; else
  the warm start's value (after reduction + heuristic) and the final result.
* ``scip`` / ``highs``: the same ``solver.pipeline.prepare`` (not in their solve
  time), then the unreduced district model of ``models/`` solved plainly
  (benchmarks/peers.py); the plan goes through the same independent check
  (``Prepared.complete``, outside the timed part).
* ``ours`` on a sweep case: ``solver.plans.sweep.sweep`` over the case's budget levels
  (prepare once, full coverage, every level warm-started from the one below), timed
  without the per-level checks, which run afterwards.

Every result carries the trace (``events``: [t, objective, bound], seconds from the
start of the solve) and ``tol``, the difference in objective below which two values
count as equal (the coverage granularity in max-coverage mode: the model's objective
is coverage - eps x cost with eps x cost below it).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from .reference import Case
from .traces import thin

STATUS = {"optimal": "optimal", "feasible": "time_limit", "no_solution": "no_solution", "infeasible": "infeasible"}


def _skip_if_catalogue(exc: Exception) -> dict | None:
    """A scenario rejected only because it names a catalogue preset this solver does not have yet."""
    problems = getattr(exc, "problems", None) or []
    if problems and all("catalogue" in str(p) for p in problems):
        return {"status": "skipped", "note": f"skipped: the scenario's catalogue is not supported here: {exc}"}
    return None


def run(case: Case, solver: str, *, scenario: str, time_limit: float, threads: int) -> dict:
    from solver.errors import InputError
    from solver.inputs.scenario import load_scenario

    t0 = time.perf_counter()
    try:
        sc = load_scenario(scenario)
    except InputError as exc:
        skipped = _skip_if_catalogue(exc)
        if skipped is None:
            raise
        return skipped
    read_s = time.perf_counter() - t0
    if case.source["kind"] == "sweep":
        return _sweep(case, sc, time_limit=time_limit, threads=threads, read_s=read_s)
    if solver == "ours":
        return _ours(case, sc, time_limit=time_limit, threads=threads, read_s=read_s)
    return _peer(case, sc, solver, time_limit=time_limit, read_s=read_s)


def _sizes(inst) -> dict:
    return {"n_customers": int(inst.n_items), "n_sites": int(inst.n_options), "nnz": int(inst.cover.nnz)}


def _tol(inst, mode) -> float:
    from models.mode import Mode

    return float(inst.coverage_granularity()) if mode is Mode.MAX_COVERAGE else 0.0


def _times(timings: dict, read_s: float) -> dict:
    """The preparation's time columns: read (scenario + tables), cover (network + coverage), model
    (the model instance), and their sum ``prepare_s``."""
    out = {"read_s": read_s + timings.get("load", 0.0),
           "cover_s": timings.get("network", 0.0) + timings.get("coverage", 0.0),
           "model_s": timings.get("model", 0.0)}
    out["prepare_s"] = out["read_s"] + out["cover_s"] + out["model_s"]
    return out


def ours_events(res) -> tuple[list, str]:
    """The engine's trace (``PlanResult.trace``), or what the result itself tells."""
    trace = getattr(res, "trace", None) or ()
    if trace:
        return [(float(e.t_s), e.objective, e.bound) for e in trace], "engine trace"
    ev = []
    if res.heuristic_value is not None:
        t_h = float(res.timings.get("reduce", 0.0) + res.timings.get("heuristic", 0.0))
        ev.append((t_h, float(res.heuristic_value), None))
    ev.append((float(res.wall_s), res.objective, res.best_bound))
    return ev, "warm start + final result only (the engine reports no trace)"


def _ours(case: Case, sc, *, time_limit: float, threads: int, read_s: float) -> dict:
    from models.mode import Mode
    from solver.errors import CheckError
    from solver.pipeline import RunOptions
    from solver.pipeline import run as run_pipeline

    mode = Mode(case.source["mode"])
    opts = RunOptions(mode=mode, time_limit_s=time_limit, relative_gap=0.0, threads=threads)
    try:
        r = run_pipeline(sc, options=opts)
    except CheckError as exc:  # the independent checker disagreed: a defect, reported as such
        return {"status": "error", "detail": {"message": f"CheckError: {exc}"}}
    res = r.result
    inst = r.items.instance
    events, kind = ours_events(res)
    t = r.timings
    objective = None if res.x is None else (float(res.coverage) if mode is Mode.MAX_COVERAGE else float(res.cost))
    complete = None
    if mode is Mode.COVER and res.x is not None:  # False: full coverage is impossible, the plan covers the most
        complete = not bool(np.any(~inst.covered_items(res.x) & (np.diff(inst.cover.indptr) > 0)))
    return {
        "status": STATUS.get(res.termination.value, res.termination.value), "objective": objective,
        "bound": None if res.best_bound is None else float(res.best_bound),
        **_times(t, read_s), "solve_s": float(t.get("solve", res.wall_s)),
        "check_s": float(t.get("check", 0.0) + t.get("rank", 0.0) + t.get("uncovered", 0.0)),
        **_sizes(inst), "x": None, "events": thin(events, maximize=mode is Mode.MAX_COVERAGE),
        "tol": _tol(inst, mode), "plan_problem": "", "cover_complete": complete,
        "detail": {"solver": res.solver, "trace": kind, "wall_s": round(res.wall_s, 4),
                   "timings": {k: round(v, 4) for k, v in res.timings.items()},
                   "sizes": {k: int(v) for k, v in res.sizes.items()}, "cost": res.cost,
                   "budget": r.budget, "households": int(r.district.households["households"].sum()),
                   "demand_points": len(r.district.households), "candidates": len(r.district.candidates),
                   "services": len(r.coverage.services), "checked": r.check is not None,
                   **({"message": res.message} if res.message else {})},
    }


def coverable(inst):
    """The instance without the items no option reaches (the textbook LSCP covers the coverable ones)."""
    keep = np.diff(inst.cover.indptr) > 0
    if keep.all():
        return inst
    return replace(inst, cover=inst.cover[keep], item_weight=inst.item_weight[keep],
                   item_service=inst.item_service[keep], item_must=inst.item_must[keep])


def _peer(case: Case, sc, solver: str, *, time_limit: float, read_s: float) -> dict:
    from models.grade import build_grade
    from models.lscp import build_cover
    from models.mclp import build_max_coverage, cost_weight
    from models.mode import Mode
    from solver.choices import Backend, Engine
    from solver.engine.result import SolveParameters, Termination
    from solver.engine.solve import PlanResult
    from solver.engine.targets import reachable_rows
    from solver.errors import CheckError
    from solver.pipeline import prepare
    from solver.travel.targets import with_targets

    from .peers import solve_plain_highs, solve_plain_scip

    mode = Mode(case.source["mode"])
    budget = sc.budget_yuan if mode is Mode.MAX_COVERAGE else None
    prepared = prepare(sc, budget=budget)
    items = prepared.items
    if mode is Mode.GRADE:
        items = with_targets(sc, prepared.district, prepared.coverage, items, mode=Mode.GRADE)
    inst = items.instance
    if mode is Mode.COVER:
        model = build_cover(coverable(inst))
    elif mode is Mode.GRADE:
        model = build_grade(reachable_rows(inst))
    else:
        model = build_max_coverage(inst, cheapest=True)
    solve = solve_plain_scip if solver == "scip" else solve_plain_highs
    with tempfile.TemporaryDirectory(prefix="bench-log-") as tmp:
        log_path = Path(tmp) / "solver.log"
        out = solve(model, time_limit=time_limit, log_path=log_path)
        log_tail = log_path.read_text(encoding="utf-8", errors="replace")[-1500:]
    x = None if out["values"] is None else model.block(out["values"], "x") > 0.5
    bound = out["bound"]
    if bound is not None and mode is Mode.MAX_COVERAGE:
        bound += cost_weight(inst) * inst.max_spend()  # a bound on coverage (models/mclp.py)
    if bound is not None and mode is Mode.GRADE:
        bound *= inst.cost_granularity()  # the model's objective is cost / gamma (models/grade.py)
    term = {"optimal": Termination.OPTIMAL, "time_limit": Termination.FEASIBLE,
            "infeasible": Termination.INFEASIBLE}.get(out["status"], Termination.NO_SOLUTION)
    problem = ""
    objective = None
    check_s = 0.0
    if x is not None:
        problems = inst.feasibility_problems(x)
        if mode is Mode.COVER:
            missed = int(np.sum(~inst.covered_items(x) & (np.diff(inst.cover.indptr) > 0)))
            if missed:
                problems.append(f"{missed} coverable items left uncovered")
        if mode is Mode.GRADE and not reachable_rows(inst).targets_met(x).all():
            problems.append("a street that can reach the target does not")
        objective = float(inst.coverage_value(x)) if mode is Mode.MAX_COVERAGE else float(inst.plan_cost(x))
        result = PlanResult(termination=term, mode=mode, x=x, coverage=inst.coverage_value(x),
                            cost=inst.plan_cost(x), best_bound=bound, wall_s=out["solve_s"], stages=[],
                            sizes={}, solver=out["solver"])
        t = time.perf_counter()
        try:
            prepared.complete(result, mode=mode, budget=budget, params=SolveParameters(time_limit_s=time_limit),
                              backend=Backend.ORTOOLS, engine=Engine.SCIP, check=True, items=items)
        except CheckError as exc:
            problems.append(f"independent check: {exc}")
        check_s = time.perf_counter() - t
        problem = "; ".join(problems[:5])
    return {
        "status": out["status"], "objective": objective, "bound": bound, **_times(prepared.timings, read_s),
        "solve_s": out["solve_s"], "check_s": check_s, **_sizes(inst), "x": None,
        "events": thin(out["events"], maximize=mode is Mode.MAX_COVERAGE),
        "tol": _tol(inst, mode), "plan_problem": problem,
        "detail": {"solver": out["solver"], "model": {"vars": model.n_vars, "rows": model.n_rows,
                                                      "nonzeros": int(model.A.nnz)},
                   **({"message": out["message"]} if out["message"] else {}),
                   **({"log_tail": log_tail} if out["status"] in ("error", "no_solution") else {})},
    }


def _sweep(case: Case, sc, *, time_limit: float, threads: int, read_s: float) -> dict:
    from solver.errors import CheckError
    from solver.pipeline import RunOptions
    from solver.plans.sweep import sweep
    from solver.results.check import check_plan

    from .districts import sweep_budgets

    budgets = sweep_budgets(case.source)
    opts = RunOptions(time_limit_s=time_limit, relative_gap=0.0, threads=threads, check=False)
    t0 = time.perf_counter()
    sw = sweep(sc, budgets=budgets, options=opts)
    sweep_s = time.perf_counter() - t0
    # The independent check of every level, outside the timed part.
    t1 = time.perf_counter()
    problems = []
    h = sw.district.households["households"].to_numpy(dtype=np.int64)
    runs = [(lvl.label, lvl.budget, lvl.run) for lvl in sw.levels] + [("full_coverage", None, sw.full)]
    for label, budget, r in runs:
        if r.result.x is None or r.covered_after is None:
            continue
        claimed = {key: int(h[r.covered_after[:, s]].sum()) for s, key in enumerate(r.coverage.services)}
        try:
            check_plan(sc, sw.district, r.plan, claimed_after=claimed, claimed_cost=r.result.cost, budget=budget)
        except CheckError as exc:
            problems.append(f"{label}: {exc}")
    check_s = time.perf_counter() - t1
    levels = [{"label": lvl.label, "budget": lvl.budget, "how": lvl.how, "wall_s": round(lvl.wall_s, 3),
               "status": lvl.run.result.termination.value, "coverage": lvl.run.result.coverage,
               "gap": lvl.run.result.gap} for lvl in sw.levels]
    gaps = [lv["gap"] for lv in levels if lv["gap"] is not None]
    all_opt = all(lv["status"] == "optimal" for lv in levels) and sw.full.result.termination.value == "optimal"
    no_plan = [lv["label"] for lv in levels if lv["coverage"] is None]
    inst = sw.full.items.instance
    prep = float(sw.timings.get("prepare", 0.0))
    return {
        "status": "no_solution" if no_plan else ("optimal" if all_opt else "time_limit"),
        "objective": None, "bound": None, "read_s": read_s, "cover_s": 0.0, "model_s": prep,
        "prepare_s": read_s + prep, "solve_s": sweep_s - prep, "check_s": check_s, **_sizes(inst), "x": None,
        "events": [], "tol": 0.0, "plan_problem": "; ".join(problems[:5]),
        "detail": {"sweep_s": sweep_s, "prepare_s": prep, "levels": levels, "max_gap": max(gaps) if gaps else None,
                   "full_coverage": {"status": sw.full.result.termination.value, "cost": sw.full.result.cost,
                                     "wall_s": round(float(sw.timings.get("full_coverage", 0.0)), 3)},
                   "n_levels": len(levels), "budgets": budgets, "partner": case.source.get("partner"),
                   **({"levels_without_plan": no_plan} if no_plan else {})},
    }
