"""Villages: rural demand points, their travel speed, and the village rule (通州: every administrative
village of 1,000+ people gets a convenience point).

A households row with ``kind = village`` is an administrative village (one demand point; its
``households`` count and, for the rule, its ``population``). The scenario's ``[villages]`` table::

    [villages]
    speed_m_per_min = 200          # rural travel (e-bike); default: the walking speed
    min_population = 1000          # the rule applies to villages of at least this many people
    must_reach = ["convenience_store"]   # services every such village must reach within the threshold

Travel: a village reaches a space when distance / speed_village <= threshold, i.e. when
distance * (speed_walking / speed_village) <= speed_walking * threshold. The coverage works in
these walking-equivalent metres (:func:`travel_factors`: the factor per demand point, 1 for urban
rows), so every threshold, table and report reads in minutes as before (solver/travel/coverage.py,
and the independent checker applies the same factor on its own distances).

The rule: every village with population >= min_population gets each ``must_reach`` service as a
must-cover (household, service) pair (the mechanism of the ``must_cover`` column): the plan must
reach it, and when no plan can, the run says which village, its population, the nearest eligible
space in minutes and the threshold (solver/results/diagnose.py). A village of that size without a
``population`` is an input problem (row, field). ``must_reach`` defaults to ``["convenience_store"]``
when the catalogue has that service enabled, else to nothing, with a warning when villages exist.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..errors import Problem, Problems, did_you_mean
from . import ranges
from .values import ranged, unknown_keys

KINDS = ("urban", "village")
VILLAGE_KEYS = {"speed_m_per_min", "min_population", "must_reach"}
DEFAULT_SERVICE = "convenience_store"


@dataclass(frozen=True, kw_only=True)
class VillageRules:
    speed_m_per_min: float | None = None  # None: the walking speed
    min_population: float = 1000.0
    must_reach: tuple[str, ...] | None = None  # None: convenience_store if enabled, else none

    def services(self, enabled: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        if self.must_reach is not None:
            return self.must_reach
        return (DEFAULT_SERVICE,) if DEFAULT_SERVICE in enabled else ()

    def to_dict(self, enabled: tuple[str, ...] | list[str]) -> dict:
        return {"speed_m_per_min": self.speed_m_per_min, "min_population": self.min_population,
                "must_reach": list(self.services(enabled))}


def parse_villages(raw: Any, problems: Problems, file: str, services: tuple[str, ...]) -> VillageRules:
    """The scenario's ``[villages]`` table (every problem recorded)."""
    if raw is None:
        return VillageRules()
    if not isinstance(raw, dict):
        problems.add(file, "must be a table with speed_m_per_min, min_population, must_reach", field="villages",
                     value=raw)
        return VillageRules()
    unknown_keys(problems, file, "villages.", raw, VILLAGE_KEYS)
    speed = raw.get("speed_m_per_min")
    if speed is not None:
        speed = ranged(problems, file, "villages.speed_m_per_min", speed, ranges.SPEED_M_PER_MIN)
    pop = ranged(problems, file, "villages.min_population", raw.get("min_population", 1000), ranges.PEOPLE)
    must = raw.get("must_reach")
    if must is not None:
        if not isinstance(must, list) or not all(isinstance(s, str) for s in must):
            problems.add(file, "must be a list of service keys", field="villages.must_reach", value=must)
            must = None
        else:
            for s in must:
                if s not in services:
                    problems.add(file, f"unknown or disabled service{did_you_mean(s, list(services))}; enabled: "
                                 f"{', '.join(services)}", field="villages.must_reach", value=s)
            must = tuple(s for s in must if s in services)
    return VillageRules(speed_m_per_min=None if speed is None else float(speed),
                        min_population=1000.0 if pop is None else float(pop), must_reach=must)


def travel_factors(households, walking_speed: float, rules: VillageRules) -> np.ndarray:
    """Per demand point: walking-equivalent metres per metre (1 for urban rows; v_walk / v_village for villages)."""
    factor = np.ones(len(households))
    if rules.speed_m_per_min is not None and "kind" in households:
        factor[(households["kind"] == "village").to_numpy()] = walking_speed / rules.speed_m_per_min
    return factor


def apply_village_rule(district, rules: VillageRules, services: tuple[str, ...], *, file: str):
    """The district with the rule's must-cover pairs added to the villages it concerns, and the problems
    (a village of unknown population) and warnings (villages but no service to reach)."""
    hh = district.households
    problems = Problems()
    if "kind" not in hh or not (hh["kind"] == "village").any():
        return district, problems
    village = (hh["kind"] == "village").to_numpy()
    must = rules.services(services)
    warnings = list(district.warnings)
    if not must:
        warnings.append(Problem(file=file, field="kind", show_value=False,
                                rule=f"{int(village.sum())} villages but no village rule: the catalogue has no "
                                f"'{DEFAULT_SERVICE}' and [villages] must_reach names no service"))
        return replace(district, warnings=tuple(warnings)), problems
    pop = hh["population"].to_numpy(dtype=float)
    unknown = village & ~np.isfinite(pop)
    for k in np.flatnonzero(unknown):
        problems.add(file, f"a village needs its population for the village rule (>= {rules.min_population:,.0f} "
                     f"people must reach {', '.join(must)})", field="population", row=int(hh["src_row"].iat[k]),
                     value="")
    big = village & np.isfinite(pop) & (pop >= rules.min_population)
    cover = list(hh["must_cover"])
    for k in np.flatnonzero(big):
        cover[k] = tuple(dict.fromkeys((*cover[k], *must)))
    out = hh.copy()
    out["must_cover"] = cover
    out["village_rule"] = big
    return replace(district, households=out, warnings=tuple(warnings)), problems
