"""The independent checker: recompute a plan's coverage and cost from the inputs.

It shares nothing with the model pipeline beyond the validated input tables
and the scenario: it builds its own adjacency lists from the raw edge table,
snaps points with its own KD-tree, runs its own (pure Python, heap-based)
Dijkstra from every opened space and every existing facility, re-evaluates the
space-type rules (re-applying the space types' water / frontage defaults where the
table is silent), and re-adds the costs. The pipeline's claims (households covered
per service, cost, feasibility) must agree, or :class:`CheckError`.

A pair lying within 1 mm of a threshold may fall either side depending on the
order of floating-point additions; the checker therefore computes coverage at
the threshold -1 mm and +1 mm and accepts any claim between the two.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from ..errors import CheckError
from ..inputs.catalogue import ineligibility_reason
from ..inputs.grades import Grade
from ..inputs.scenario import Scenario
from ..inputs.tables import District

EPS_M = 1e-3


@dataclass(frozen=True, kw_only=True)
class CheckReport:
    """What the checker recomputed."""

    cost: float
    covered_before: dict[str, int]  # households covered by existing facilities, per service
    covered_after: dict[str, int]  # (interval midpoint is not used: low bound)
    covered_after_high: dict[str, int]
    total_households: int
    violations: list[str] = field(default_factory=list)


class _Walk:
    """Adjacency lists and snapping built from the raw tables (independent of solver.travel.network)."""

    def __init__(self, scenario: Scenario, district: District):
        self.scenario = scenario
        self.district = district
        hh = district.households
        edges = district.edges
        if district.nodes is None or edges is None:
            self.adj = None
            self.hh_xy = np.column_stack([hh["x"].to_numpy(), hh["y"].to_numpy()])
            self.hh_tree = cKDTree(self.hh_xy)
            return
        ids = district.nodes["id"].tolist()
        pos = {nid: k for k, nid in enumerate(ids)}
        adj: list[list[tuple[int, float]]] = [[] for _ in ids]
        for u, v, w in zip(edges["u"], edges["v"], edges["length_m"]):
            a, b = pos[u], pos[v]
            adj[a].append((b, float(w)))
            adj[b].append((a, float(w)))
        self.adj = adj
        tree = cKDTree(np.column_stack([district.nodes["x"].to_numpy(), district.nodes["y"].to_numpy()]))
        self.node_tree = tree
        d, n = tree.query(np.column_stack([hh["x"].to_numpy(), hh["y"].to_numpy()]))
        self.hh_node, self.hh_access = n, d
        self.hh_at_node: dict[int, list[int]] = defaultdict(list)
        for i, node in enumerate(n.tolist()):
            self.hh_at_node[node].append(i)

    def within(self, x: float, y: float, limit_m: float) -> tuple[np.ndarray, np.ndarray]:
        """Households that reach point (x, y) within ``limit_m`` walking-equivalent metres: a village travels
        at [villages] speed_m_per_min, so its distance counts speed_walking / speed_village per metre."""
        hh = self.district.households
        vspeed = self.scenario.villages.speed_m_per_min
        if vspeed is None or "kind" not in hh or not (hh["kind"] == "village").any():
            return self.households_within(x, y, limit_m)
        factor = np.where(hh["kind"].to_numpy() == "village", self.scenario.speed_m_per_min / vspeed, 1.0)
        idx, d = self.households_within(x, y, limit_m / float(factor.min()))
        d = d * factor[idx]
        ok = d <= limit_m
        return idx[ok], d[ok]

    def households_within(self, x: float, y: float, limit_m: float) -> tuple[np.ndarray, np.ndarray]:
        """Households reachable from point (x, y) and their walking distances (<= limit_m)."""
        if self.adj is None:
            det = self.scenario.detour_factor
            idx = np.array(self.hh_tree.query_ball_point([x, y], r=limit_m / det + 1e-9), dtype=np.int64)
            d = np.hypot(self.hh_xy[idx, 0] - x, self.hh_xy[idx, 1] - y) * det
            ok = d <= limit_m
            return idx[ok], d[ok]
        a, start = self.node_tree.query([x, y])
        best: dict[int, float] = {}
        heap = [(float(a), int(start))]
        while heap:
            d, node = heapq.heappop(heap)
            if node in best:
                continue
            best[node] = d
            for nb, w in self.adj[node]:
                nd = d + w
                if nd <= limit_m and nb not in best:
                    heapq.heappush(heap, (nd, nb))
        out_i, out_d = [], []
        for node, d in best.items():
            for i in self.hh_at_node.get(node, ()):
                total = d + self.hh_access[i]
                if total <= limit_m:
                    out_i.append(i)
                    out_d.append(total)
        return np.array(out_i, dtype=np.int64), np.array(out_d, dtype=float)


def _attribute(scenario: Scenario, row, attr: str) -> bool:
    """A space's water / frontage: the table's value, else the scenario's space-type default (re-derived here)."""
    if row[f"{attr}_source"] == "table":
        return bool(row[attr])
    default = getattr(scenario.space_defaults[row["space_type"]], attr)
    return int(row["floor"]) == 1 if default == "ground_floor" else default is True


def _shared_saving(scenario: Scenario, keys: list[str]) -> float:
    """Fit-out saved by the pairs of services opened together in one space (each pair once)."""
    here = set(keys)
    pairs = {(min(k, o), max(k, o)): d for k in here for o, d in scenario.services[k].shared_fit_out if o in here}
    return float(sum(pairs.values()))


def check_plan(scenario: Scenario, district: District, plan: list[tuple[str, str]], *,
               claimed_after: dict[str, int] | None = None, claimed_cost: float | None = None,
               budget: float | None = None, grade_claims=None) -> CheckReport:
    """Recompute ``plan`` (a list of (candidate id, service key)) from the inputs.

    ``grade_claims`` (solver/results/grading.py GradeClaims): the grades after the plan, the
    areas claimed to meet a grade target, the (street, service) pairs claimed at their
    fairness floor; each is re-derived here from the household table (the demand column of
    each service) and the recomputed coverage, with the grade rules (solver/inputs/grades.py).
    Raises CheckError when the plan breaks a rule or disagrees with the claims.
    """
    walk = _Walk(scenario, district)
    hh = district.households
    cand = district.candidates.set_index("id")
    h = hh["households"].to_numpy(dtype=np.int64)
    violations: list[str] = []
    services = list(scenario.services)
    speed = scenario.speed_m_per_min

    # Cost and rules.
    cost = 0.0
    by_space: dict[str, list[str]] = defaultdict(list)
    for cid, key in plan:
        by_space[cid].append(key)
    for cid, keys in by_space.items():
        if cid not in cand.index:
            violations.append(f"space {cid} is not a candidate")
            continue
        row = cand.loc[cid]
        if len(set(keys)) != len(keys):
            violations.append(f"space {cid}: a service opened twice")
        cost += float(row["conversion_cost"])
        need = 0.0
        for key in keys:
            svc = scenario.services[key]
            cost += svc.fit_out_cost
            need += svc.area_m2
            why = ineligibility_reason(svc, space_type=row["space_type"], floor=int(row["floor"]), gas=row["gas"],
                                       water=_attribute(scenario, row, "water"),
                                       frontage=_attribute(scenario, row, "frontage"))
            if why:
                violations.append(f"space {cid}: {key} not allowed ({why})")
        if need > float(row["area_m2"]) + 1e-9:
            violations.append(f"space {cid}: services need {need:g} m2 > {float(row['area_m2']):g} m2")
        cost -= _shared_saving(scenario, keys)
        for key in keys:  # a hosted service (X+早餐) needs one of its hosts in the same space
            hosts = scenario.services[key].requires
            if hosts and not set(hosts) & set(keys):
                violations.append(f"space {cid}: {key} opens without any of {', '.join(hosts)}")
    if budget is not None and cost > budget + 1e-6:
        violations.append(f"cost {cost:,.0f} exceeds the budget {budget:,.0f}")
    known = [c for c in by_space if c in cand.index]
    for street in sorted(set(cand.loc[known, "street"])):
        cap = scenario.cap_for(street)
        if cap is None:
            continue
        spaces = [c for c in known if cand.loc[c, "street"] == street]
        spend = sum(float(cand.loc[c, "conversion_cost"]) + sum(scenario.services[k].fit_out_cost
                                                                for k in by_space[c])
                    - _shared_saving(scenario, by_space[c]) for c in spaces)
        if cap.max_sites is not None and len(spaces) > cap.max_sites:
            violations.append(f"street {street}: {len(spaces)} spaces > cap {cap.max_sites}")
        if cap.max_yuan is not None and spend > cap.max_yuan + 1e-6:
            violations.append(f"street {street}: spend {spend:,.0f} > cap {cap.max_yuan:,.0f}")
    for key, need in scenario.must_open.items():
        have = sum(1 for _, k in plan if k == key)
        if have < need:
            violations.append(f"service {key}: {have} opened < {need} required")

    # Coverage, per service, at threshold -/+ 1 mm.
    before_lo, after_lo, after_hi, before_hi = {}, {}, {}, {}
    ex = district.existing
    cov_sets: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for key in services:
        limit = speed * scenario.services[key].threshold_min
        lo = np.zeros(len(hh), dtype=bool)
        hi = np.zeros(len(hh), dtype=bool)
        for x, y in zip(ex.loc[ex["service"] == key, "x"], ex.loc[ex["service"] == key, "y"]):
            idx, d = walk.within(float(x), float(y), limit + EPS_M)
            hi[idx] = True
            lo[idx[d <= limit - EPS_M]] = True
        before_lo[key], before_hi[key] = int(h[lo].sum()), int(h[hi].sum())
        for cid, keys in by_space.items():
            if key not in keys or cid not in cand.index:
                continue
            idx, d = walk.within(float(cand.loc[cid, "x"]), float(cand.loc[cid, "y"]), limit + EPS_M)
            hi[idx] = True
            lo[idx[d <= limit - EPS_M]] = True
        after_lo[key], after_hi[key] = int(h[lo].sum()), int(h[hi].sum())
        cov_sets[key] = (lo, hi)
    # Must-cover households.
    for i, keys in enumerate(hh["must_cover"]):
        for key in keys:
            if not cov_sets[key][1][i]:
                violations.append(f"household {hh['id'].iat[i]}: must be covered for {key} but is not")
    if claimed_after is not None:
        for key in services:
            c = claimed_after.get(key)
            if c is None or not (after_lo[key] <= c <= after_hi[key]):
                violations.append(f"{key}: pipeline claims {c} households covered, checker finds "
                                  f"{after_lo[key]}..{after_hi[key]}")
    if grade_claims is not None:
        violations += _grade_violations(scenario, district, cov_sets, grade_claims)
    if claimed_cost is not None and abs(claimed_cost - cost) > 1e-6 * max(1.0, cost):
        violations.append(f"pipeline claims cost {claimed_cost:,.2f}, checker finds {cost:,.2f}")
    report = CheckReport(cost=cost, covered_before=before_lo, covered_after=after_lo,
                         covered_after_high=after_hi, total_households=int(h.sum()), violations=violations)
    if violations:
        raise CheckError("independent check failed:\n  - " + "\n  - ".join(violations[:50]))
    return report


def _grade_violations(scenario: Scenario, district: District, cov_sets: dict[str, tuple[np.ndarray, np.ndarray]],
                      claims) -> list[str]:
    """Grades, grade targets and floors re-derived from the household table and the recomputed coverage."""
    hh = district.households
    if claims.scope == "community":
        names = [f"{a}/{b}" for a, b in zip(hh["street"], hh["community"])]
    else:
        names = [str(a) for a in hh["street"]]
    h = hh["households"].to_numpy(dtype=float)
    members: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        members.setdefault(name, []).append(i)
    out: list[str] = []
    for name, idx_list in sorted(members.items()):
        idx = np.array(idx_list, dtype=np.int64)
        if h[idx].sum() <= 0:
            continue
        pct_lo, pct_hi = {}, {}
        for key, svc in scenario.services.items():
            d = np.nan_to_num(np.asarray(hh[svc.demand], dtype=float)[idx]) if svc.demand in hh else h[idx]
            total = d.sum()
            lo, hi = cov_sets[key]
            pct_lo[key] = 100.0 * d[lo[idx]].sum() / total if total > 0 else 100.0
            pct_hi[key] = 100.0 * d[hi[idx]].sum() / total if total > 0 else 100.0
        g_lo, g_hi = scenario.grades.grade(pct_lo), scenario.grades.grade(pct_hi)
        claimed = claims.grades_after.get(name, "missing")
        keys = ([g.key for g in Grade if g_lo <= g <= g_hi] if g_lo is not None and g_hi is not None
                else [None])
        if claimed not in keys:
            out.append(f"{claims.scope} {name}: claimed grade {claimed}, checker finds "
                       f"{g_lo.key if g_lo is not None else None}..{g_hi.key if g_hi is not None else None}")
        if claims.target is not None and name in claims.met:
            level = ("basic", "improved", "quality").index(claims.target) + 1
            if g_hi is None or g_hi < level:
                out.append(f"{claims.scope} {name}: claimed to reach {claims.target}, checker finds "
                           f"{g_hi.key if g_hi is not None else None}")
        if claims.floors:
            for key, floor in claims.floors.items():
                if (name, key) in claims.floor_rows and pct_hi[key] + 1e-9 < floor:
                    out.append(f"street {name}: {key} claimed at its floor {floor:g}%, checker finds "
                               f"{pct_hi[key]:.3f}%")
    for name in claims.met:
        if name not in members:
            out.append(f"{claims.scope} {name}: claimed to reach the target but has no households")
    return out
