"""Budget sweeps: the coverage-vs-budget curve, the plan at every level, and what changes between levels.

    sweep(scenario, budgets=[1e6, 2e6, 5e6, 1e7], options=RunOptions(...)) -> Sweep
    write_sweep(result, out_dir) -> files

Work shared across levels: the tables, the walking network, the coverage
relation, the model instance and its exact reduction are built once (the
reduction does not depend on the budget: it merges identical items and drops
dominated spaces, which are budget-free relations). Levels are solved from
the lowest budget up; each solve is handed the plan of the level below as its
starting plan (it stays feasible when the budget grows), and every level's
plan goes through the independent checker.

Reuse that is exact, not heuristic: the minimum-cost full-coverage plan (cost
C*) is solved first. Each level's model differs from the no-budget model only
by the budget row, so its feasible plans are a subset of the no-budget
model's; a plan optimal for the no-budget model that fits within budget B is
therefore optimal at B. The full-coverage plan is that plan (it covers every
coverable item; among such plans it is the cheapest) when every item has a
positive weight, or when the full-coverage solve fell back to "cover the most
that can be covered, at least cost". So every level with B >= C* takes it
without another solve — and C* is the budget at which coverage stops growing.

Plans at neighbouring levels are optimal for their own budget, so they need
not be nested: a site chosen at 2 million may give way to a better-placed one
at 5 million. The sweep reports, per pair of neighbouring levels, the spaces
added, removed and whose services change, and which spaces are chosen at the
lowest level and kept at every level above ("spend first on these").

With ``nested=True`` the sweep also solves a nested build-up path: level 1 is
the optimal plan of the lowest budget, and each next level is the best plan
(most coverage, then least cost) that keeps every (space, service) of the level
below — the same model with those x_o fixed to 1 (exact on the reduced
instance: a forced option is a kept option, and the dominance argument of the
reduction still holds with it forced). The households given up against the
unconstrained optimum at each level (the price of nesting) are reported.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from models.instance import Instance
from models.mclp import build_max_coverage
from models.mode import Mode

from ..choices import Backend, Engine
from ..engine.backends import solve_linear
from ..engine.guard import guard_plan
from ..engine.reduce import Reduction, reduce_instance
from ..engine.result import SolveParameters, Termination
from ..engine.solve import PlanResult, StageReport, full_vector, solve_instance
from ..folders import staged_folder, write_csv
from ..inputs.labels import sweep_label
from ..inputs.scenario import Scenario, describe_changes
from ..inputs.tables import District
from ..pipeline import RunOptions, prepare, solve_backend, solve_parameters
from ..plain import json_default
from ..results.grading import target_record
from ..results.outputs import summary as run_summary
from ..results.outputs import write_outputs
from ..results.run import ProgressFn, Run
from ..travel.coverage import Items
from .compare import services_by_site
from .grade_levels import grade_columns, target_markdown, target_run

PER_YUAN = 10_000.0  # marginal households are quoted per this many extra yuan


@dataclass(frozen=True, kw_only=True)
class SweepLevel:
    """One budget level: its whole run (plan, coverage, check) and how it was obtained."""

    label: str
    budget: float
    run: Run
    how: str  # "solved" | "solved, warm-started from the level below" | "reused: ..."
    wall_s: float


@dataclass(frozen=True, kw_only=True)
class Sweep:
    scenario: Scenario
    district: District
    levels: list[SweepLevel]
    full: Run  # the minimum-cost full-coverage run
    full_reached: bool  # every coverable (household, service) pair can be covered together
    table: pd.DataFrame  # the coverage-vs-budget table (first row: existing facilities only)
    changes: pd.DataFrame  # per pair of neighbouring levels: spaces added / removed / changed
    sites: pd.DataFrame  # every space chosen at some level, with its services per level
    spend_first: list[str]  # ids chosen at the lowest level and kept at every level above
    reduction: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)
    nested: list[SweepLevel] | None = None  # the nested build-up path (nested=True)
    grade_target: Run | None = None  # the least budget for the grade target (solver/plans/grade_levels.py)

    @property
    def full_coverage_budget(self) -> float | None:
        """The budget from which coverage stops growing (min cost of full coverage), when known."""
        res = self.full.result
        return res.cost if res.termination is Termination.OPTIMAL and res.cost is not None else None


def budget_levels(*, budgets: Sequence[float] | None = None, start: float | None = None,
                  stop: float | None = None, steps: int | None = None) -> list[float]:
    """The budget levels, ascending and distinct: a list, or ``steps`` evenly spaced from start to stop.

    Raises ValueError with a message naming the option at fault.
    """
    if budgets is not None and (start is not None or stop is not None or steps is not None):
        raise ValueError("give either --budgets or --from/--to/--steps, not both")
    if budgets is None:
        if start is None or stop is None or steps is None:
            raise ValueError("give --budgets A,B,... or all of --from, --to and --steps")
        if steps < 2:
            raise ValueError(f"--steps must be >= 2; got {steps}")
        if not (math.isfinite(start) and math.isfinite(stop)) or start < 0 or stop <= start:
            raise ValueError(f"need 0 <= --from < --to; got --from {start:g} --to {stop:g}")
        budgets = [float(v) for v in np.linspace(start, stop, steps)]
    out = []
    for b in budgets:
        if not math.isfinite(b) or b < 0:
            raise ValueError(f"budgets must be finite and >= 0; got {b:g}")
        out.append(float(b))
    if not out:
        raise ValueError("no budget level given")
    return sorted(set(out))


def parse_budgets(text: str) -> list[float]:
    """``'1e6,2e6, 5_000_000'`` -> [1e6, 2e6, 5e6]; ValueError naming the bad entry."""
    out = []
    for part in text.replace("，", ",").split(","):
        part = part.strip().replace("_", "")
        if not part:
            continue
        try:
            out.append(float(part))
        except ValueError:
            raise ValueError(f"not a number: {part!r} (write budgets in yuan, e.g. 1e6,2e6,5e6)") from None
    return out


def _label(k: int, budget: float) -> str:
    return f"{k + 1:02d}_{budget:.0f}"


def _reusable(full: PlanResult, inst) -> bool:
    """Whether the full-coverage plan is optimal for the no-budget max-coverage model (module docstring)."""
    if full.termination is not Termination.OPTIMAL or full.x is None:
        return False
    return bool(full.message) or bool(np.all(inst.item_weight > 0))


def _bounds_from_above(results: list[PlanResult]) -> list[PlanResult]:
    """Each level's bound tightened by the bounds of the levels above it (results in ascending budget).

    A plan within budget B is within every budget B' > B, so a bound on the coverage at B' bounds
    the coverage at B too: bound(B) <= min over B' >= B of bound(B'). A level whose plan meets the
    tightened bound has the most coverage its budget allows (gap 0); its status stays as solved,
    since the cost tie-break among such plans is not proven by it. Results are returned
    unchanged (the same object) where nothing tightens.
    """
    out: list[PlanResult] = []
    best: float | None = None
    for res in reversed(results):
        bound = res.best_bound
        if res.termination is Termination.INFEASIBLE:
            out.append(res)
            continue
        if best is not None and res.coverage is not None and (bound is None or best < bound):
            res = replace(res, best_bound=max(best, res.coverage))
            bound = res.best_bound
        if bound is not None and np.isfinite(bound):
            best = bound if best is None else min(best, bound)
        out.append(res)
    return out[::-1]


def _solve_nested(r, keep: np.ndarray, *, params: SolveParameters, backend: Backend, engine: Engine,
                  sizes: dict) -> tuple[np.ndarray, PlanResult]:
    """The best plan of reduced instance ``r`` that opens every option in ``keep`` (reduced x).

    Returns (x in r's options, result); the kept plan itself is feasible, so a solve stopped
    at a limit without a better plan returns it (status feasible)."""
    model = build_max_coverage(r, cheapest=True)
    start, _ = model.blocks["x"]
    lb = model.lb.copy()
    lb[start + np.flatnonzero(keep)] = 1.0
    model = replace(model, lb=lb)
    res = solve_linear(model, params, backend=backend, engine=engine,
                       hint=full_vector(r, keep, with_items=True))
    term = res.termination
    if term.has_solution and res.values is not None:
        x = model.block(res.values, "x") > 0.5
        if r.coverage_value(keep) > r.coverage_value(x):
            x, term = keep.copy(), Termination.FEASIBLE
    else:
        x, term = keep.copy(), Termination.FEASIBLE
    cov = r.coverage_value(x)
    stage = StageReport(name="nested_max_coverage_then_least_cost", termination=term, objective=cov,
                        best_bound=cov if term is Termination.OPTIMAL else None, wall_s=res.wall_s, solver=res.solver)
    return x, PlanResult(termination=term, mode=Mode.MAX_COVERAGE, x=None, coverage=cov, cost=r.plan_cost(x),
                         best_bound=stage.best_bound, wall_s=res.wall_s, stages=[stage], sizes=dict(sizes),
                         solver=res.solver)


def solve_level(base: Instance, red: Reduction, budget: float, full_res: PlanResult, *, reusable: bool,
                params: SolveParameters, backend: Backend, engine: Engine | str, label: str,
                hint: np.ndarray | None = None) -> tuple[PlanResult, str]:
    """One budget level's plan (per option of ``base``) and how it was made: the minimum-cost
    full-coverage plan where it fits the budget and is ``reusable`` (module docstring), no plan where
    must-cover households are out of reach, else a solve of the reduced instance ``red`` from ``hint``
    (a plan of the reduced instance, e.g. the level below's). Used by the serial sweep and by
    sweep --workers (solver/plans/sweep_tasks.py)."""
    inst = replace(base, budget=budget)
    if reusable and full_res.x is not None and full_res.cost is not None and full_res.cost <= budget:
        cov = inst.coverage_value(full_res.x)
        return (PlanResult(termination=Termination.OPTIMAL, mode=Mode.MAX_COVERAGE, x=full_res.x, coverage=cov,
                           cost=inst.plan_cost(full_res.x), best_bound=cov, wall_s=0.0, stages=[],
                           sizes=dict(red.sizes), solver=full_res.solver,
                           message=(f"the minimum-cost full-coverage plan ({full_res.cost:,.0f} yuan) fits "
                                    "this budget: it is optimal here without another solve")),
                "reused: minimum-cost full-coverage plan")
    unreachable_must = int(np.sum(base.item_must & (red.item_map == -1)))
    if unreachable_must:
        return (PlanResult(termination=Termination.INFEASIBLE, mode=Mode.MAX_COVERAGE, x=None, coverage=None,
                           cost=None, best_bound=None, wall_s=0.0, stages=[], sizes=dict(red.sizes), solver="",
                           message=f"{unreachable_must} must-cover item(s) cannot be reached by any option"),
                "not solved: must-cover households out of reach")
    r = solve_instance(replace(red.instance, budget=budget), mode=Mode.MAX_COVERAGE, params=params,
                       backend=backend, engine=engine, reduce=False, hint_x=hint)
    x = None if r.x is None else red.expand_x(r.x, base.n_options)
    if x is not None:
        guard_plan(inst, x, where=f"sweep level {label}")
    res = replace(r, x=x, sizes=dict(red.sizes), coverage=None if x is None else inst.coverage_value(x),
                  cost=None if x is None else inst.plan_cost(x))
    return res, "solved, warm-started from the level below" if hint is not None else "solved"


def sweep(scenario: Scenario, *, budgets: Sequence[float], options: RunOptions = RunOptions(),
          warm_start: bool = True, nested: bool = False, progress: ProgressFn | None = None) -> Sweep:
    """Solve ``scenario`` at every budget level (max-coverage mode) and at full coverage;
    with ``nested``, also the nested build-up path (module docstring)."""
    budgets = budget_levels(budgets=list(budgets))
    t_all = time.perf_counter()
    timings: dict[str, float] = {}
    params = solve_parameters(scenario, options)
    backend = solve_backend(scenario, options)

    def say(text: str) -> None:
        if progress is not None:
            progress(text)

    t = time.perf_counter()
    prepared = prepare(scenario, budget=None, progress=progress)
    district, items = prepared.district, prepared.items
    base = items.instance
    red = reduce_instance(base, cover_mode=False)  # budget-free: computed once for every level
    timings["prepare"] = time.perf_counter() - t

    def finish(result: PlanResult, mode: Mode, budget: float | None, level_items: Items) -> Run:
        return prepared.complete(result, mode=mode, budget=budget, params=params, backend=backend,
                                 engine=options.engine, items=level_items, check=options.check)

    t = time.perf_counter()
    say("minimum-cost full coverage")
    full_res = solve_instance(base, mode=Mode.COVER, params=params, backend=backend, engine=options.engine)
    full = finish(full_res, Mode.COVER, None, items)
    timings["full_coverage"] = time.perf_counter() - t
    reusable = _reusable(full_res, base)

    solved: list[tuple[str, float, PlanResult, str, float]] = []  # label, budget, result, how, seconds
    prev_x: np.ndarray | None = None
    for k, budget in enumerate(budgets):
        t = time.perf_counter()
        label = _label(k, budget)
        say(f"level {k + 1}/{len(budgets)}: {budget:,.0f} yuan")
        hint = prev_x[red.option_keep] if (warm_start and prev_x is not None) else None
        res, how = solve_level(base, red, budget, full_res, reusable=reusable, params=params, backend=backend,
                               engine=options.engine, label=label, hint=hint)
        solved.append((label, budget, res, how, time.perf_counter() - t))
        if res.x is not None:
            prev_x = res.x
    levels: list[SweepLevel] = []
    for (label, budget, res, how, seconds), tight in zip(solved, _bounds_from_above([s[2] for s in solved])):
        t = time.perf_counter()
        if tight is not res:
            how += "; coverage bound from a higher level"
        level_items = replace(items, instance=replace(base, budget=budget))
        run = finish(tight, Mode.MAX_COVERAGE, budget, level_items)
        levels.append(SweepLevel(label=label, budget=budget, run=run, how=how,
                                 wall_s=seconds + time.perf_counter() - t))
    timings["levels"] = sum(lv.wall_s for lv in levels)
    path: list[SweepLevel] | None = None
    if nested:
        path = []
        keep = None  # reduced x of the level below
        for k, lv in enumerate(levels):
            t = time.perf_counter()
            say(f"nested level {k + 1}/{len(levels)}: {lv.budget:,.0f} yuan")
            res = lv.run.result
            if keep is None:
                if res.x is None:
                    continue  # the path starts at the first level with a plan
                path.append(replace(lv, how="optimal plan of the lowest budget (start of the path)"))
                keep = res.x[red.option_keep]
                continue
            inst = replace(base, budget=lv.budget)
            xr, r = _solve_nested(replace(red.instance, budget=lv.budget), keep, params=params, backend=backend,
                                  engine=options.engine, sizes=red.sizes)
            x = red.expand_x(xr, base.n_options)
            guard_plan(inst, x, where=f"sweep nested level {lv.label}")
            r = replace(r, x=x, coverage=inst.coverage_value(x), cost=inst.plan_cost(x),
                        message=f"keeps every (space, service) of level {path[-1].label}")
            run = finish(r, Mode.MAX_COVERAGE, lv.budget, replace(items, instance=inst))
            path.append(SweepLevel(label=lv.label, budget=lv.budget, run=run,
                                   how=f"nested: keeps level {path[-1].label}", wall_s=time.perf_counter() - t))
            keep = xr
        timings["nested"] = sum(lv.wall_s for lv in path[1:])
    t = time.perf_counter()
    say("grade target: least cost")
    target = target_run(prepared, params=params, backend=backend, engine=options.engine, check=options.check)
    timings["grade_target"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t_all
    table = coverage_table(levels, full, district, nested=path)
    table = grade_columns(table, {lv.label: lv.run for lv in levels}, full)
    changes, sites, first = plan_changes(levels, district)
    return Sweep(scenario=scenario, district=district, levels=levels, full=full,
                 full_reached=full_res.termination is Termination.OPTIMAL and not full_res.message,
                 table=table, changes=changes, sites=sites, spend_first=first, reduction=dict(red.sizes),
                 timings={k: round(v, 4) for k, v in timings.items()}, nested=path, grade_target=target)


# ------------------------------------------------------------------------------------------
# tables


def _row(label: str, budget: float, run: Run | None, district: District, services: list[str],
         covered: np.ndarray, status: str, cost: float | None) -> dict:
    h = district.households["households"].to_numpy(dtype=np.int64)
    total = int(h.sum())
    row = {"level": label, "budget_yuan": budget, "status": status,
           "cost_yuan": cost, "spaces": None, "services_opened": None}
    if run is not None and run.result.x is not None:
        row["spaces"] = len({c for c, _ in run.plan})
        row["services_opened"] = len(run.plan)
    pairs = 0
    for s, key in enumerate(services):
        n = int(h[covered[:, s]].sum())
        pairs += n
        row[f"{key}_households"] = n
        row[f"{key}_pct"] = round(100.0 * n / total, 3) if total else 0.0
    row["total_households"] = pairs  # (household, service) pairs covered, summed over services
    row["total_pct"] = round(100.0 * pairs / (total * len(services)), 3) if total and services else 0.0
    row["weighted_coverage"] = None if run is None else run.result.coverage
    return row


def coverage_table(levels: list[SweepLevel], full: Run, district: District, *,
                   nested: list[SweepLevel] | None = None) -> pd.DataFrame:
    """Coverage per service and in total at each level; the first row is the existing facilities
    alone (budget 0), the last the minimum-cost full-coverage plan. With a nested path: its
    cost and total coverage per level, and the households it gives up against the optimum."""
    cov = full.coverage
    services = list(cov.services)
    rows = [_row("existing", 0.0, None, district, services, cov.covered_before, "existing facilities only", 0.0)]
    for lv in levels:
        res = lv.run.result
        after = lv.run.covered_after if lv.run.covered_after is not None else cov.covered_before
        rows.append(_row(lv.label, lv.budget, lv.run, district, services, after, res.termination.value, res.cost))
    table = pd.DataFrame(rows)
    pairs = table["total_households"].to_numpy(dtype=float)
    budget = table["budget_yuan"].to_numpy(dtype=float)
    marginal = [None]
    for k in range(1, len(table)):
        db = budget[k] - budget[k - 1]
        marginal.append(round((pairs[k] - pairs[k - 1]) / (db / PER_YUAN), 3) if db > 0 else None)
    table["marginal_households_per_10k_yuan"] = marginal
    fres = full.result
    if fres.x is not None and fres.cost is not None and full.covered_after is not None:
        frow = _row("full_coverage", float(fres.cost), full, district, services, full.covered_after,
                    fres.termination.value, fres.cost)
        frow["marginal_households_per_10k_yuan"] = None
        table = pd.concat([table, pd.DataFrame([frow])], ignore_index=True)
    if nested is not None:
        h = district.households["households"].to_numpy(dtype=np.int64)
        n_pairs = int(h.sum()) * len(services)
        by_label = {lv.label: lv for lv in nested}
        cost: list[float | None] = []
        nested_pairs: list[int | None] = []
        pct: list[float | None] = []
        given_up: list[int | None] = []
        for _, row in table.iterrows():
            nlv = by_label.get(row["level"])
            if nlv is None or nlv.run.covered_after is None:
                for column in (cost, nested_pairs, pct, given_up):
                    column.append(None)
                continue
            p = int((h[:, None] * nlv.run.covered_after).sum())
            cost.append(nlv.run.result.cost)
            nested_pairs.append(p)
            pct.append(round(100.0 * p / n_pairs, 3) if n_pairs else 0.0)
            given_up.append(int(row["total_households"]) - p)
        table["nested_cost_yuan"] = cost
        table["nested_total_households"] = nested_pairs
        table["nested_total_pct"] = pct
        table["nested_gives_up_households"] = given_up
    return table


def plan_changes(levels: list[SweepLevel], district: District) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Spaces added / removed / changed between neighbouring levels; every chosen space per level;
    the spaces chosen at the lowest level and kept at every level above."""
    cand = district.candidates.set_index("id")
    plans = [services_by_site(lv.run.plan) if lv.run.result.x is not None else None for lv in levels]
    rows = []
    for k in range(1, len(levels)):
        a, b = plans[k - 1], plans[k]
        if a is None or b is None:
            continue
        for cid in sorted(set(a) | set(b)):
            sa, sb = a.get(cid, ()), b.get(cid, ())
            if sa == sb:
                continue
            change = ("added" if not sa else "removed" if not sb else
                      "services added" if set(sa) <= set(sb) else "services changed")
            rows.append({"from_level": levels[k - 1].label, "to_level": levels[k].label, "id": cid,
                         "name": cand.loc[cid, "name"], "street": cand.loc[cid, "street"], "change": change,
                         "services_before": ";".join(sa), "services_after": ";".join(sb)})
    changes = pd.DataFrame(rows, columns=["from_level", "to_level", "id", "name", "street", "change",
                                          "services_before", "services_after"])
    chosen = sorted({c for p in plans if p for c in p})
    site_rows = []
    for cid in chosen:
        row = {"id": cid, "name": cand.loc[cid, "name"], "street": cand.loc[cid, "street"],
               "space_type": cand.loc[cid, "space_type"]}
        present = []
        for lv, p in zip(levels, plans):
            row[f"level_{lv.label}"] = "" if p is None else ";".join(p.get(cid, ()))
            present.append(p is not None and cid in p)
        first = present.index(True)
        row["first_level"] = levels[first].label
        row["kept_at_every_higher_level"] = all(present[first:])
        site_rows.append(row)
    sites = pd.DataFrame(site_rows)
    first_plan = next((k for k, p in enumerate(plans) if p), None)
    spend_first: list[str] = []
    if first_plan is not None:
        order = list(levels[first_plan].run.ranked_table["id"])  # build order of the lowest level's plan
        spend_first = [c for c in order if all(p is None or c in p for p in plans[first_plan:])]
    if len(sites):
        sites["spend_first"] = sites["id"].isin(spend_first)
        sites = sites.sort_values(["first_level", "id"], kind="stable").reset_index(drop=True)
    return changes, sites, spend_first


# ------------------------------------------------------------------------------------------
# report and files


def sweep_markdown(sw: Sweep, *, lang: str = "en") -> str:
    """sweep.md in ``lang`` (labels: solver/inputs/labels.py, SWEEP_LABELS)."""
    def W(key: str, **values) -> str:  # noqa: N802 - the label lookup
        return sweep_label(key, lang, **values)

    def svc(key: str) -> str:
        s = sw.scenario.services.get(key)
        return key if s is None or lang != "zh" else (s.name_zh or key)

    def named(ids: Sequence[str]) -> str:
        names = sw.district.candidates.set_index("id")["name"]
        return W("list_sep").join(f"{c} {names.get(c, '')}".strip() for c in ids)

    services = list(sw.full.coverage.services)
    t = sw.table
    lines = [f"# {W('title', name=sw.scenario.title(lang)[0])}", ""]
    head = [W("budget"), W("status"), W("cost"), W("spaces")] + [W("service_pct", service=svc(s)) for s in services] + [
        W("total_pct"), W("marginal"), W("changes_below")]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join(["---"] * len(head)) + "|")
    by_to = sw.changes.groupby("to_level")["change"].value_counts() if len(sw.changes) else None
    for _, r in t.iterrows():
        if r["level"] == "existing":
            budget = W("existing_row")
        elif r["level"] == "full_coverage":
            budget = W("full_row", v=f"{r['budget_yuan']:,.0f}")
        else:
            budget = f"{r['budget_yuan']:,.0f}"
        change = ""
        if r["level"] not in ("existing", "full_coverage", t["level"].iloc[1]):
            if by_to is not None and r["level"] in by_to.index.get_level_values(0):
                c = by_to.loc[r["level"]]
                change = W("list_sep").join(W("change_count", n=n, what=W(what)) for what, n in c.items())
                if not any(w in c.index for w in ("removed", "services changed")):
                    change += " " + W("nested")
            elif r["status"] in ("optimal", "feasible"):
                change = W("same_plan")
        m = r["marginal_households_per_10k_yuan"]
        cells = [budget, W(str(r["status"])), "" if pd.isna(r["cost_yuan"]) else f"{r['cost_yuan']:,.0f}",
                 "" if pd.isna(r["spaces"]) else f"{int(r['spaces'])}"]
        cells += [f"{r[f'{s}_pct']:.1f}" for s in services]
        cells += [f"{r['total_pct']:.1f}", "" if m is None or pd.isna(m) else f"{m:.1f}", change]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(W("totals_note"))
    lines.append("")
    fres = sw.full.result
    if sw.full_reached:
        lines.append(W("full_reached", v=f"{fres.cost:,.0f}", status=W(fres.termination.value)))
    elif fres.x is not None:
        lines.append(W("full_unreachable", message=fres.message, v=f"{fres.cost:,.0f}"))
    else:
        lines.append(W("no_full", status=W(fres.termination.value), message=fres.message))
    unc = sw.full.uncovered_table
    if len(unc):
        n = int(unc.loc[unc["reason"].isin(["unreachable", "not_eligible"]), "households"].sum())
        if n:
            lines.append(W("never_covered", n=f"{n:,}"))
    lines.append("")
    if sw.grade_target is not None:
        lines.append(target_markdown(sw.grade_target))
        lines.append("")
    if sw.spend_first:
        lines.append(W("spend_first", n=len(sw.spend_first), list=named(sw.spend_first)))
    else:
        lines.append(W("no_spend_first"))
    if sw.nested:
        lines.append("")
        lines.append(W("nested_title"))
        lines.append("")
        lines.append(f"| {W('budget')} | {W('status')} | {W('cost')} | {W('spaces')} | {W('total_pct')} | "
                     f"{W('optimal_total_pct')} | {W('given_up')} |")
        lines.append("|---|---|---|---|---|---|---|")
        rows = t.set_index("level")
        for lv in sw.nested:
            r = rows.loc[lv.label]
            res = lv.run.result
            lines.append(f"| {lv.budget:,.0f} | {W(res.termination.value)} | {res.cost:,.0f} | "
                         f"{len({c for c, _ in lv.run.plan})} | {r['nested_total_pct']:.1f} | {r['total_pct']:.1f} | "
                         f"{int(r['nested_gives_up_households']):,} |")
    lines.append("")
    lines.append(W("not_nested_note"))
    if len(sw.changes):
        lines.append("")
        lines.append(W("changes_title"))
        for (a, b), part in sw.changes.groupby(["from_level", "to_level"], sort=False):
            removed = part.loc[part["change"] == "removed", "id"].tolist()
            changed = part.loc[part["change"] == "services changed", "id"].tolist()
            added = part.loc[part["change"] == "added", "id"].tolist()
            bits = [W("n_added", n=len(added))]
            if removed:
                bits.append(W("removed_list", list=named(removed)))
            if changed:
                bits.append(W("changed_list", list=named(changed)))
            lines.append(f"- {a} -> {b}: " + "; ".join(bits))
    return "\n".join(lines) + "\n"


def plot_curve(sw: Sweep, path: Path, *, lang: str = "en") -> None:
    """Coverage (%) against budget: per service and in total, levels marked, full-coverage budget shown
    (solver/plans/sweep_plot.py)."""
    from .sweep_plot import plot_curve as draw

    draw(sw, path, lang=lang)


def sweep_summary(sw: Sweep) -> dict:
    fres = sw.full.result
    return {
        "scenario": {"name": sw.scenario.name, "file": None if sw.scenario.path is None else str(sw.scenario.path),
                     "description": sw.scenario.description, "changes": describe_changes(sw.scenario)},
        "inputs": run_summary(sw.full)["inputs"],
        "levels": [{"level": lv.label, "budget_yuan": lv.budget, "status": lv.run.result.termination.value,
                    "how": lv.how, "cost_yuan": lv.run.result.cost, "weighted_coverage": lv.run.result.coverage,
                    "best_bound": lv.run.result.best_bound, "gap": lv.run.result.gap,
                    "message": lv.run.result.message, "check_agrees": lv.run.check is not None,
                    "folder": f"levels/{lv.label}"} for lv in sw.levels],
        "full_coverage": {"reached": sw.full_reached, "status": fres.termination.value, "cost_yuan": fres.cost,
                          "message": fres.message, "check_agrees": sw.full.check is not None,
                          "folder": "full_coverage"},
        "spend_first": sw.spend_first,
        "grade_target": None if sw.grade_target is None else {
            **(target_record(sw.grade_target) or {}), "status": sw.grade_target.result.termination.value,
            "check_agrees": sw.grade_target.check is not None, "folder": "grade_target"},
        "nested_path": None if sw.nested is None else [
            {"level": lv.label, "budget_yuan": lv.budget, "status": lv.run.result.termination.value, "how": lv.how,
             "cost_yuan": lv.run.result.cost, "weighted_coverage": lv.run.result.coverage,
             "check_agrees": lv.run.check is not None, "folder": f"nested/{lv.label}"} for lv in sw.nested],
        "nested": bool(not sw.changes["change"].isin(["removed", "services changed"]).any()),
        "reduction": sw.reduction,
        "timings_s": {**sw.timings, **{f"level.{lv.label}": round(lv.wall_s, 4) for lv in sw.levels}},
    }


def write_sweep(sw: Sweep, out_dir: Path, *, lang: str = "en") -> list[Path]:
    """Write the sweep into ``out_dir`` (replaced atomically): the table, plot, report and every plan;
    what people read (sweep.md, sweep.png, sweep.csv's headers) in ``lang``."""
    from .sweep_plot import sweep_csv_frame

    out_dir = Path(out_dir)
    names = {k: s.name_zh for k, s in sw.scenario.services.items()}
    with staged_folder(out_dir) as tmp:
        write_csv(sweep_csv_frame(sw.table, list(sw.full.coverage.services), names, lang), tmp / "sweep.csv")
        write_csv(sw.changes, tmp / "changes.csv")
        write_csv(sw.sites, tmp / "sites_by_level.csv")
        (tmp / "sweep.md").write_text(sweep_markdown(sw, lang=lang), encoding="utf-8")
        plot_curve(sw, tmp / "sweep.png", lang=lang)
        (tmp / "levels").mkdir()
        for lv in sw.levels:
            write_outputs(lv.run, tmp / "levels" / lv.label)
        write_outputs(sw.full, tmp / "full_coverage")
        if sw.grade_target is not None:
            write_outputs(sw.grade_target, tmp / "grade_target")
        if sw.nested:
            (tmp / "nested").mkdir()
            for lv in sw.nested:
                write_outputs(lv.run, tmp / "nested" / lv.label)
        with open(tmp / "summary.json", "w", encoding="utf-8") as fh:
            json.dump(sweep_summary(sw), fh, ensure_ascii=False, indent=2, default=json_default)
    return sorted(p for p in out_dir.rglob("*") if p.is_file())
