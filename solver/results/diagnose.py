"""Why a solve has no plan: the hard constraints that cannot be met together, in words.

Only hard constraints can make a max-coverage solve infeasible: must-cover
households, must-open services, street caps and the budget. The diagnosis
checks them in order:

1. must-cover households that no eligible space reaches within the threshold
   (listed with the nearest eligible space's walking time);
2. the least cost of meeting every must-cover household and must-open service
   (a full-coverage solve restricted to them) against the budget;
3. otherwise the street caps (or space areas) forbid it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.instance import Instance
from models.mode import Mode

from ..choices import Backend, Engine
from ..engine.result import SolveParameters
from ..inputs.scenario import Scenario
from ..inputs.tables import District
from ..travel.coverage import Coverage, Geometry, Items, nearest_distances


@dataclass(frozen=True, kw_only=True)
class Diagnosis:
    message: str
    unreachable_must: pd.DataFrame  # household id, service, nearest eligible minutes, threshold
    must_cost_yuan: float | None = None


def diagnose(*, scenario: Scenario, district: District, geometry: Geometry, coverage: Coverage, items: Items,
             budget: float | None, params: SolveParameters, backend: Backend, engine: Engine) -> Diagnosis:
    from ..engine.solve import solve_instance  # late import: solve imports nothing from here

    inst = items.instance
    hh = district.households
    reach = np.diff(inst.cover.tocsr().indptr) > 0
    bad = np.flatnonzero(inst.item_must & ~reach)
    empty = pd.DataFrame(columns=["id", "service", "nearest_eligible_min", "threshold_min"])
    if len(bad):
        _, per = nearest_distances(scenario, district, geometry, coverage)
        h_idx, s_idx = items.item_household[bad], items.item_service[bad]
        services = list(coverage.services)
        table = pd.DataFrame({
            "id": hh["id"].to_numpy()[h_idx], "service": [services[s] for s in s_idx],
            "nearest_eligible_min": np.round(per[h_idx, s_idx] / scenario.speed_m_per_min, 2),
            "threshold_min": [scenario.services[services[s]].threshold_min for s in s_idx],
        })
        rule = hh["village_rule"].to_numpy()[h_idx] if "village_rule" in hh else np.zeros(len(h_idx), dtype=bool)
        pop = hh["population"].to_numpy(dtype=float)[h_idx]
        names = hh["name"].astype(str).to_numpy()[h_idx]
        table["village_rule"] = rule
        shown = "; ".join(
            (f"village {r.id} {names[k]} ({pop[k]:,.0f} people, the village rule: {r.service} within "
             f"{r.threshold_min:g} min; nearest eligible space {r.nearest_eligible_min:g} min)" if rule[k] else
             f"{r.id} ({r.service}: nearest eligible space {r.nearest_eligible_min:g} min, "
             f"threshold {r.threshold_min:g} min)") for k, r in enumerate(table.head(10).itertuples()))
        more = f" and {len(table) - 10} more" if len(table) > 10 else ""
        return Diagnosis(message=f"{len(table)} must-cover (household, service) pair(s) cannot be reached by any "
                                 f"eligible space within the threshold: {shown}{more}", unreachable_must=table)
    if inst.item_must.any() or inst.must_open:
        keep = np.flatnonzero(inst.item_must)
        must_only = Instance(**{**inst.__dict__, "item_weight": inst.item_weight[keep],
                                "item_service": inst.item_service[keep], "item_must": inst.item_must[keep],
                                "cover": inst.cover.tocsr()[keep], "budget": None})
        res = solve_instance(must_only, mode=Mode.COVER, params=params, backend=backend, engine=engine)
        if res.cost is not None and budget is not None and res.cost > budget:
            proven = "at least" if res.termination.value == "optimal" else "about"
            return Diagnosis(message=f"meeting every must-cover household and must-open service costs {proven} "
                                     f"{res.cost:,.0f} yuan, more than the budget of {budget:,.0f} yuan",
                             unreachable_must=empty, must_cost_yuan=res.cost)
        if res.cost is None:
            return Diagnosis(message="the must-cover households and must-open services cannot all be met within "
                                     "the street caps and space areas", unreachable_must=empty)
    return Diagnosis(message="no plan meets the street caps, space areas, must-cover and must-open constraints "
                             "together within the budget", unreachable_must=empty)
