"""Per-street and per-community evaluation of a plan.

For the district, each street (街道) and each community (社区): households,
households reaching each service before (existing facilities only) and after
the plan, coverage %, the "有没有" checklist (does everyone / someone / no one
reach the service), the grade before and after (:mod:`solver.inputs.grades`),
what the next grade still needs, and the spaces the plan converts there.

Streets are ranked by grade after the plan, then by average coverage after
the plan (households reaching a service, summed over services, divided by
households x services), then by the lowest coverage of any service, then by
name: a deterministic order.

Everything is computed from ``households_coverage.csv`` (one row per demand
point with 0/1 ``before_<s>`` and ``after_<s>``); the street totals equal
``coverage.csv`` (the tests check it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..inputs.grades import Grade, GradeRules, Shortfall

CHECK_ALL, CHECK_PART, CHECK_NONE = "all", "part", "none"


@dataclass(frozen=True, kw_only=True)
class AreaEvaluation:
    """The district, one street or one community."""

    level: str  # "district" | "street" | "community"
    street: str  # "" for the district
    community: str  # "" unless a community
    households: int
    buildings: int
    covered_before: dict[str, int]
    covered_after: dict[str, int]
    grade_before: Grade | None  # None: no households
    grade_after: Grade | None
    next_grade: Grade | None  # the grade above grade_after (None at the top or without households)
    next_needs: tuple[Shortfall, ...]  # what next_grade still needs
    sites: int  # spaces the plan converts in this area
    cost: float  # their cost (yuan)
    rank: int | None = None  # streets: rank in the district

    def pct_before(self, service: str) -> float | None:
        return _pct(self.covered_before[service], self.households)

    def pct_after(self, service: str) -> float | None:
        return _pct(self.covered_after[service], self.households)

    def pcts(self, *, after: bool) -> dict[str, float] | None:
        if self.households <= 0:
            return None
        cov = self.covered_after if after else self.covered_before
        return {s: 100.0 * c / self.households for s, c in cov.items()}

    def avg_pct(self, *, after: bool) -> float | None:
        if self.households <= 0 or not self.covered_after:
            return None
        cov = self.covered_after if after else self.covered_before
        return 100.0 * sum(cov.values()) / (self.households * len(cov))

    def checklist(self, service: str, *, after: bool = True) -> str:
        """The "有没有" mark: every household reaches it, some do, or none does."""
        n = (self.covered_after if after else self.covered_before)[service]
        if self.households > 0 and n >= self.households:
            return CHECK_ALL
        return CHECK_PART if n > 0 else CHECK_NONE

    @property
    def key(self) -> str:
        return {"district": "", "street": self.street}.get(self.level, f"{self.street}/{self.community}")


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    services: tuple[str, ...]
    rules: GradeRules
    district: AreaEvaluation
    streets: tuple[AreaEvaluation, ...]  # ranked
    communities: tuple[AreaEvaluation, ...]  # by street (in rank order), then community name

    def street(self, name: str) -> AreaEvaluation:
        return next(s for s in self.streets if s.street == name)

    def communities_of(self, street: str) -> list[AreaEvaluation]:
        return [c for c in self.communities if c.street == street]


def _pct(n: int, total: int) -> float | None:
    return None if total <= 0 else 100.0 * n / total


def _area(level: str, street: str, community: str, part: pd.DataFrame, services: tuple[str, ...],
          rules: GradeRules, sites: pd.DataFrame) -> AreaEvaluation:
    weight = part["households"].to_numpy(dtype=np.int64)
    households = int(weight.sum())
    before = {s: int(weight @ (part[f"before_{s}"].to_numpy(dtype=np.int64) > 0)) for s in services}
    after = {s: int(weight @ (part[f"after_{s}"].to_numpy(dtype=np.int64) > 0)) for s in services}
    pb = None if households <= 0 else {s: 100.0 * v / households for s, v in before.items()}
    pa = None if households <= 0 else {s: 100.0 * v / households for s, v in after.items()}
    step = rules.next_step(pa)
    return AreaEvaluation(level=level, street=street, community=community, households=households,
                          buildings=len(part), covered_before=before, covered_after=after,
                          grade_before=rules.grade(pb), grade_after=rules.grade(pa),
                          next_grade=None if step is None else step[0],
                          next_needs=() if step is None else tuple(step[1]),
                          sites=len(sites), cost=float(sites["cost"].sum()) if len(sites) else 0.0)


def _sort_key(a: AreaEvaluation):
    pa = a.pcts(after=True)
    return (-(a.grade_after if a.grade_after is not None else -1), -(a.avg_pct(after=True) or 0.0),
            -(min(pa.values()) if pa else 0.0), a.street)


def evaluate(households: pd.DataFrame, *, services: tuple[str, ...] | list[str], rules: GradeRules,
             ranked: pd.DataFrame | None = None) -> Evaluation:
    """Evaluate the district, its streets and communities.

    ``households`` has ``street``, ``community``, ``households`` and 0/1
    ``before_<s>``/``after_<s>`` columns (households_coverage.csv);
    ``ranked`` the chosen spaces with ``street``, ``community`` and ``cost``.
    """
    services = tuple(services)
    hh = households.copy()
    hh["street"] = hh["street"].astype(str)
    hh["community"] = hh["community"].astype(str)
    if ranked is None or not len(ranked):
        ranked = pd.DataFrame({"street": pd.Series(dtype=str), "community": pd.Series(dtype=str),
                               "cost": pd.Series(dtype=float)})
    rk = ranked.assign(street=ranked["street"].astype(str), community=ranked["community"].astype(str))
    district = _area("district", "", "", hh, services, rules, rk)
    streets = [_area("street", str(st), "", part, services, rules, rk[rk["street"] == st])
               for st, part in hh.groupby("street", sort=True)]
    streets.sort(key=_sort_key)
    streets = [_with_rank(a, k) for k, a in enumerate(streets, start=1)]
    order = {a.street: k for k, a in enumerate(streets)}
    communities = [_area("community", str(st), str(cm), part, services, rules,
                         rk[(rk["street"] == st) & (rk["community"] == cm)])
                   for (st, cm), part in hh.groupby(["street", "community"], sort=True)]
    communities.sort(key=lambda a: (order[a.street], a.community))
    return Evaluation(services=services, rules=rules, district=district, streets=tuple(streets),
                      communities=tuple(communities))


def _with_rank(a: AreaEvaluation, rank: int) -> AreaEvaluation:
    from dataclasses import replace

    return replace(a, rank=rank)


def evaluation_frame(ev: Evaluation) -> pd.DataFrame:
    """One row per area (district, streets in rank order, communities): machine-readable keys."""
    rows = []
    for a in (ev.district, *ev.streets, *ev.communities):
        row = {"level": a.level, "street": a.street, "community": a.community,
               "street_order": a.rank if a.rank is not None else "", "households": a.households,
               "buildings": a.buildings,
               "grade_before": "" if a.grade_before is None else a.grade_before.key,
               "grade_after": "" if a.grade_after is None else a.grade_after.key,
               "avg_pct_before": _round(a.avg_pct(after=False)), "avg_pct_after": _round(a.avg_pct(after=True))}
        for s in ev.services:
            row[f"covered_before_{s}"] = a.covered_before[s]
            row[f"covered_after_{s}"] = a.covered_after[s]
            row[f"pct_before_{s}"] = _round(a.pct_before(s))
            row[f"pct_after_{s}"] = _round(a.pct_after(s))
        row["sites"] = a.sites
        row["cost"] = a.cost
        rows.append(row)
    return pd.DataFrame(rows)


def _round(v: float | None):
    return "" if v is None else round(v, 3)
