"""Demand per service and the coverage targets per area of grade mode and fairness (models/grade.py).

    demand_matrix(scenario, district)            households x services: what each service's coverage counts
    demand_problems(scenario, district)          a weighting column missing or with empty cells: input problems
    areas(district, scope)                       the streets (or communities) and each household's area
    with_targets(scenario, district, coverage, items, mode=...)   the instance with its target rows

Target rows (area a, service s): H = sum of the area's demand, b = the demand existing
facilities cover, R = b + the demand of the area's items some option reaches, p = the
required percentage: for grade mode the largest percentage any level up to the target asks
of s (solver/inputs/policy.py target_pcts, from the one GradeRules definition); for floors
``[fairness] min_street_pct``; for max-min every (street, service) of ``[fairness] services``.
Areas without demand for a service get no row (an area without households has no grade).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from models.instance import AreaTargets
from models.mode import Mode

from ..errors import Problems
from ..inputs.policy import target_pcts
from ..inputs.scenario import Scenario
from ..inputs.tables import District


def demand_matrix(scenario: Scenario, district: District, services: tuple[str, ...] | None = None) -> np.ndarray:
    """Households x services (float): the household table's column each service counts."""
    hh = district.households
    keys = tuple(scenario.services) if services is None else services
    out = np.zeros((len(hh), len(keys)))
    for s, key in enumerate(keys):
        col = scenario.services[key].demand
        out[:, s] = pd.to_numeric(hh[col], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    return out


def uses_demand_weighting(scenario: Scenario) -> bool:
    return any(svc.demand != "households" for svc in scenario.services.values())


def demand_problems(scenario: Scenario, district: District) -> Problems:
    """A service counting population or elderly needs that column, with no empty cell."""
    problems = Problems()
    hh = district.households
    file = district.sources["households"].name if "households" in district.sources else "households"
    by_col: dict[str, list[str]] = {}
    for key, svc in scenario.services.items():
        if svc.demand != "households":
            by_col.setdefault(svc.demand, []).append(key)
    for col, keys in sorted(by_col.items()):
        values = pd.to_numeric(hh[col], errors="coerce") if col in hh else pd.Series(np.nan, index=hh.index)
        empty = values.isna().to_numpy()
        who = ", ".join(f"services.{k}.demand" for k in keys)
        if empty.all():
            problems.add(file, f"column '{col}' is needed ({who} = \"{col}\") but is missing or empty",
                         field=col, show_value=False)
        elif empty.any():
            rows = hh["src_row"].to_numpy()[empty] if "src_row" in hh else np.flatnonzero(empty) + 2
            shown = ", ".join(str(int(r)) for r in rows[:5]) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
            problems.add(file, f"column '{col}' has empty cells in rows {shown}, but {who} = \"{col}\" counts it",
                         field=col, show_value=False)
    return problems


def areas(district: District, scope: str) -> tuple[tuple[str, ...], np.ndarray]:
    """The areas (street names, or 'street/community') in order, and each household's area index."""
    hh = district.households
    if scope == "community":
        names = (hh["street"].astype(str) + "/" + hh["community"].astype(str)).to_numpy()
    else:
        names = hh["street"].astype(str).to_numpy()
    labels = tuple(sorted(set(names)))
    return labels, pd.Index(labels).get_indexer(names).astype(np.int64)


def _rows(inst, demand: np.ndarray, before: np.ndarray, area_of: np.ndarray, item_area: np.ndarray,
          pct_by_service: dict[int, float], n_areas: int) -> AreaTargets:
    """Rows for every area and every service in ``pct_by_service`` with demand > 0."""
    reach_item = np.diff(inst.cover.tocsr().indptr) > 0
    d_item = inst.item_demand
    ta, ts, tot, bef, rea, pct = [], [], [], [], [], []
    for s, p in sorted(pct_by_service.items()):
        total = np.bincount(area_of, weights=demand[:, s], minlength=n_areas)
        b = np.bincount(area_of, weights=demand[:, s] * before[:, s], minlength=n_areas)
        m = (inst.item_service == s) & reach_item
        r = b + np.bincount(item_area[m], weights=d_item[m], minlength=n_areas)
        for a in np.flatnonzero(total > 0):
            ta.append(a)
            ts.append(s)
            tot.append(total[a])
            bef.append(b[a])
            rea.append(r[a])
            pct.append(p)
    return AreaTargets(area=np.array(ta, dtype=np.int64), service=np.array(ts, dtype=np.int64),
                       total=np.array(tot, dtype=float), before=np.array(bef, dtype=float),
                       reach=np.array(rea, dtype=float), pct=np.array(pct, dtype=float))


def target_percentages(scenario: Scenario, mode: Mode) -> dict[str, float]:
    """Service -> required % of the rows this run adds (empty: no rows)."""
    pol = scenario.policy
    if mode is Mode.GRADE:
        return target_pcts(scenario.grades, pol.target)
    fair = pol.fairness
    if mode is Mode.MAX_COVERAGE and fair is not None:
        if fair.max_min:
            return dict.fromkeys(fair.services or tuple(scenario.services), 0.0)
        return dict(fair.floors)
    return {}


def with_targets(scenario: Scenario, district: District, coverage, items, *, mode: Mode):
    """``items`` whose instance carries the target rows of ``mode`` (grade mode, or floors / max-min in
    max-coverage mode with [fairness]); unchanged when the run has none."""
    pcts = target_percentages(scenario, mode)
    if not pcts:
        return items
    scope = scenario.policy.scope if mode is Mode.GRADE else "street"
    labels, area_of = areas(district, scope)
    services = list(coverage.services)
    inst = items.instance
    demand = demand_matrix(scenario, district, tuple(services))
    item_area = area_of[items.item_household]
    inst = replace(inst, item_area=item_area, item_demand=demand[items.item_household, items.item_service])
    rows = _rows(inst, demand, coverage.covered_before, area_of, item_area,
                 {services.index(k): p for k, p in pcts.items()}, len(labels))
    fair = scenario.policy.fairness
    inst = replace(inst, targets=rows, max_min=bool(mode is Mode.MAX_COVERAGE and fair is not None and fair.max_min))
    return replace(items, instance=inst)
