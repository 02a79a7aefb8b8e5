"""Grades, grade targets and fairness floors of a run, for summary.json and the checker.

    street_grades(run)        {street: {before, after}}: the grade of each street before and after the plan
    target_record(run)        grade mode: the target, the areas met, and for each unmet area the service that
                              stops it, the best percentage reachable and why
    fairness_record(run)      fairness floors / max-min: the floors, the worst street, what fairness cost
    grade_claims(run)         what the checker (solver/results/check.py) re-derives from the input tables

Grades come from the one rule definition (solver/inputs/grades.py GradeRules.grade) on the
coverage per service of each area, counted in each service's demand (households by default;
population or elderly for a service weighted so: solver/travel/targets.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from models.mode import Mode

from ..inputs.catalogue import eligible
from ..inputs.grades import LEVELS
from ..inputs.policy import target_pcts
from ..inputs.scenario import Scenario
from ..inputs.tables import District
from ..travel.coverage import Coverage, Geometry, Items, _nearest
from ..travel.targets import areas, demand_matrix


@dataclass(frozen=True, kw_only=True)
class GradeClaims:
    """What a run claims about grades and floors, for the independent checker to re-derive."""

    scope: str  # "street" | "community"
    grades_after: dict[str, str | None]  # area -> grade key after the plan
    target: str | None = None  # grade mode: the areas in ``met`` reach this grade
    met: tuple[str, ...] = ()
    floors: dict[str, float] = field(default_factory=dict)  # service -> min % in every street (met ones)
    floor_rows: tuple[tuple[str, str], ...] = ()  # (street, service) claimed at or above its floor


def area_pcts(scenario: Scenario, district: District, services: list[str], covered: np.ndarray,
              scope: str) -> dict[str, dict[str, float] | None]:
    """Area -> service -> coverage % in the service's demand (None: no demand at all)."""
    labels, area_of = areas(district, scope)
    demand = demand_matrix(scenario, district, tuple(services))
    n = len(labels)
    out: dict[str, dict[str, float] | None] = {}
    totals = np.column_stack([np.bincount(area_of, weights=demand[:, s], minlength=n) for s in range(len(services))])
    cov = np.column_stack([np.bincount(area_of, weights=demand[:, s] * covered[:, s], minlength=n)
                           for s in range(len(services))])
    hh_total = np.bincount(area_of, weights=district.households["households"].to_numpy(dtype=float), minlength=n)
    for a, name in enumerate(labels):
        if hh_total[a] <= 0:
            out[name] = None
            continue
        out[name] = {key: (100.0 * cov[a, s] / totals[a, s] if totals[a, s] > 0 else 100.0)
                     for s, key in enumerate(services)}
    return out


def _grade_key(rules, pct) -> str | None:
    g = rules.grade(pct)
    return None if g is None else g.key


def area_grades(scenario: Scenario, district: District, coverage: Coverage, after: np.ndarray | None,
                scope: str = "street") -> dict[str, dict[str, str | None]]:
    services = list(coverage.services)
    before = area_pcts(scenario, district, services, coverage.covered_before, scope)
    aft = area_pcts(scenario, district, services, coverage.covered_before if after is None else after, scope)
    return {a: {"before": _grade_key(scenario.grades, before[a]), "after": _grade_key(scenario.grades, aft[a])}
            for a in before}


def street_grades(run) -> dict[str, dict[str, str | None]]:
    return area_grades(run.scenario, run.district, run.coverage, run.covered_after, "street")


def grade_counts(grades: dict[str, dict[str, str | None]], which: str = "after") -> dict[str, int]:
    """Number of areas at each grade (below, basic, improved, quality); areas without households left out."""
    out = {k: 0 for k in ("below", "basic", "improved", "quality")}
    for g in grades.values():
        key = g[which]
        if key is not None:
            out[key] += 1
    return out


def _reasons(scenario: Scenario, district: District, geometry: Geometry, coverage: Coverage, items,
             members: np.ndarray, s: int) -> dict[str, float]:
    """The demand of an area (households ``members``) that no plan can cover for service s, by reason:
    ``unreachable`` (no candidate space within the threshold), ``not_eligible`` (spaces within reach, none
    may host the service: type, floor, gas, water, frontage), ``area`` (allowed spaces within reach are too
    small for it)."""
    key = coverage.services[s]
    demand = demand_matrix(scenario, district, (key,))[:, 0]
    coverable = np.zeros(len(district.households), dtype=bool)
    inst = items.instance
    reach = np.diff(inst.cover.tocsr().indptr) > 0
    m = (items.item_service == s) & reach
    coverable[items.item_household[m]] = True
    todo = members & ~coverage.covered_before[:, s] & ~coverable & (demand > 0)
    if not todo.any():
        return {}
    cand = district.candidates
    hh = district.households
    svc = scenario.services[key]
    allowed = np.array([eligible(svc, space_type=t, floor=int(f), gas=g, water=bool(w), frontage=bool(fr))
                        for t, f, g, w, fr in zip(cand["space_type"], cand["floor"], cand["gas"], cand["water"],
                                                  cand["frontage"])], dtype=bool)
    lim = coverage.limit_m[s] + 1e-9
    d_any = _nearest(geometry, scenario, cand, np.ones(len(cand), dtype=bool), hh)
    d_allowed = _nearest(geometry, scenario, cand, allowed, hh)
    why = np.where(d_any > lim, "unreachable", np.where(d_allowed > lim, "not_eligible", "area"))
    out: dict[str, float] = {}
    for r in ("unreachable", "not_eligible", "area"):
        v = float(demand[todo & (why == r)].sum())
        if v > 0:
            out[r] = v
    return out


REASON_TEXT = {"unreachable": "no candidate space within {t:g} min",
               "not_eligible": "spaces within {t:g} min may not host it (space type, floor, gas, water, frontage)",
               "area": "the spaces within {t:g} min that may host it are too small"}


def target_record(run) -> dict | None:
    """summary.json ``grade_target`` of a grade-mode run."""
    if run.mode is not Mode.GRADE:
        return None
    sc = run.scenario
    scope = sc.policy.scope
    services = list(run.coverage.services)
    need = target_pcts(sc.grades, sc.policy.target)
    after = run.covered_after if run.covered_after is not None else run.coverage.covered_before
    pa = area_pcts(sc, run.district, services, after, scope)
    labels, area_of = areas(run.district, scope)
    inst = run.items.instance
    t = inst.targets
    met, unmet = [], {}
    for a, name in enumerate(labels):
        p = pa[name]
        if p is None:
            continue
        short = [k for k, req in need.items() if p[k] + 1e-9 < req]
        if not short:
            met.append(name)
            continue
        stops = []
        blocked = t is not None and bool(np.any((t.area == a) & ~t.reachable()))  # no plan reaches the target
        for k in short:
            s = services.index(k)
            best = None
            if t is not None:
                row = np.flatnonzero((t.area == a) & (t.service == s))
                if len(row):
                    r = row[0]
                    best = 100.0 * t.reach[r] / t.total[r] if t.total[r] > 0 else 100.0
            entry: dict = {"service": k, "required_pct": need[k], "pct_after": round(p[k], 3),
                           "best_reachable_pct": None if best is None else round(best, 3)}
            if best is not None and best + 1e-9 < need[k]:
                why = _reasons(sc, run.district, run.geometry, run.coverage, run.items, area_of == a, s)
                thr = sc.services[k].threshold_min
                entry["why"] = {r: {"demand": v, "text": REASON_TEXT[r].format(t=thr)} for r, v in why.items()}
            else:
                entry["why"] = ("reachable, but not planned for: another service stops this area" if blocked else
                                "reachable alone, but not together with the other areas' targets (space areas, "
                                "street caps)" if run.result.message else
                                "not reached within the time limit" if run.result.termination.value != "optimal"
                                else "reachable alone")
            stops.append(entry)
        # the services that stop the area first (no plan reaches them), then the others
        stops.sort(key=lambda e: isinstance(e["why"], str))
        unmet[name] = stops
    res = run.result
    return {"target": sc.policy.target, "scope": scope, "rules_pct": need,
            "areas": len(met) + len(unmet), "met": met, "unmet": unmet,
            "least_cost_yuan": res.cost, "proven_least": res.termination.value == "optimal",
            "cost_bound_yuan": res.best_bound,
            "note": ("least cost at which every area that can reach the target does (grade mode: "
                     "models/grade.py); unmet areas cannot reach it with any plan" if not res.message else res.message)}


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


def _pairs(run, x: np.ndarray | None) -> int | None:
    """Households x services covered by plan ``x`` (before + plan), the sweep's total_households unit."""
    if x is None:
        return None
    after = covered_after_plan(run.coverage, run.items, x)
    h = run.district.households["households"].to_numpy(dtype=np.int64)
    return int((h[:, None] * after).sum())


def fairness_record(run) -> dict | None:
    """summary.json ``fairness``: the floors asked, the worst street, what fairness cost."""
    fair = run.scenario.policy.fairness
    if fair is None or run.mode is not Mode.MAX_COVERAGE:
        return None
    sc = run.scenario
    services = list(run.coverage.services)
    after = run.covered_after if run.covered_after is not None else run.coverage.covered_before
    pa = area_pcts(sc, run.district, services, after, "street")
    d = run.result.details
    free_x = d.get("unconstrained_x")
    with_pairs = _pairs(run, run.result.x)
    free_pairs = _pairs(run, free_x)
    worst = None
    keys = list(fair.floors) or list(fair.services or services)
    for street, p in pa.items():
        if p is None:
            continue
        for k in keys:
            if worst is None or p[k] < worst[2]:
                worst = (street, k, p[k])
    out = {**fair.to_dict(),
           "worst": None if worst is None else {"street": worst[0], "service": worst[1], "pct": round(worst[2], 3)},
           "weighted_coverage": run.result.coverage,
           "unconstrained_weighted_coverage": d.get("unconstrained_coverage"),
           "unconstrained_status": d.get("unconstrained_status"),
           "households_covered": with_pairs, "unconstrained_households_covered": free_pairs,
           "households_given_up": None if with_pairs is None or free_pairs is None else free_pairs - with_pairs,
           "unconstrained_cost_yuan": d.get("unconstrained_cost")}
    for k in ("max_min_level_pct", "max_min_bound_pct", "max_min_status", "floors_lowered", "floors_least_cost"):
        if k in d:
            out[k] = d[k]
    if fair.floors:
        below = [{"street": st, "service": k, "pct": round(p[k], 3), "floor": v}
                 for st, p in pa.items() if p is not None for k, v in fair.floors.items() if p[k] + 1e-9 < v]
        out["below_floor"] = below
    return out


def met_areas(scenario: Scenario, district: District, services: list[str], covered: np.ndarray) -> list[str]:
    """The areas (of the policy's scope) whose coverage meets every percentage the target asks."""
    level = LEVELS.index(scenario.policy.target) + 1
    pa = area_pcts(scenario, district, services, covered, scenario.policy.scope)
    return [a for a, p in pa.items() if p is not None and (scenario.grades.grade(p) or 0) >= level]


def grade_claims(scenario: Scenario, district: District, coverage: Coverage, mode: Mode,
                 after: np.ndarray | None) -> GradeClaims | None:
    """The grade / floor claims of a run (None without a plan)."""
    if after is None:
        return None
    sc = scenario
    services = list(coverage.services)
    scope = sc.policy.scope if mode is Mode.GRADE else "street"
    grades = area_grades(sc, district, coverage, after, scope)
    after_keys = {a: g["after"] for a, g in grades.items()}
    if mode is Mode.GRADE:
        return GradeClaims(scope=scope, grades_after=after_keys, target=sc.policy.target,
                           met=tuple(met_areas(sc, district, services, after)))
    fair = sc.policy.fairness
    if mode is Mode.MAX_COVERAGE and fair is not None and fair.floors:
        pa = area_pcts(sc, district, services, after, "street")
        rows = tuple((st, k) for st, p in pa.items() if p is not None for k, v in fair.floors.items()
                     if p[k] + 1e-9 >= v)
        return GradeClaims(scope=scope, grades_after=after_keys, floors=dict(fair.floors), floor_rows=rows)
    return GradeClaims(scope=scope, grades_after=after_keys)
