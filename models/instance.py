"""The solver-neutral covering instance every formulation is built from.

Indices: sites j (candidate spaces), services s, options o = eligible pairs
(j, s), demand items k = (demand point or merged group of points, service)
pairs still to be covered. ``cover`` is the sparse item x option incidence
a_ko = 1 when option o reaches item k within the service's threshold.

The pure single-service MCLP/LSCP of the literature is the special case of
one service, unit site costs, no fit-out cost, no areas and budget = p.

Combined formats (一店多能, "X+早餐"), both optional:

* ``service_hosts``: s' -> H(s'), the services that host s'. An option (j, s') may
  open only beside an open option (j, s) with s in H(s') in the same space:
  x_{j,s'} <= sum_{s in H(s')} x_{j,s}.
* ``shared_fit_out``: (s, s') -> d_{ss'} >= 0 yuan saved when both open in the same
  space (a shared counter, kitchen or fit-out). The plan's cost is
  sum_j c_j u_j + sum_o f_o x_o - sum_{j, (s,s')} d_{ss'} x_{j,s} x_{j,s'}.
  Every service's discounts sum to at most its fit-out cost,
  sum_{s': (s,s') paired} d_{ss'} <= f_s, so closing an option never raises a plan's
  cost (heuristics and reductions rely on it); the constructor checks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix


@dataclass(frozen=True, kw_only=True)
class GroupCap:
    """A cap on the sites of one group (a street): number of sites and/or spending."""

    group: int
    max_sites: int | None = None
    max_cost: float | None = None


@dataclass(frozen=True, kw_only=True)
class AreaTargets:
    """Coverage rows per (area, service), the rows of grade mode and of fairness floors (models/grade.py).

    Row r asks that area a_r reach pct_r % of its demand for service s_r:
    before_r + sum_{k: area(k) = a_r, s(k) = s_r} d_k y_k >= pct_r / 100 * total_r.
    ``reach`` is what any plan can reach at most (before + the demand of items some option reaches).
    """

    area: np.ndarray  # per row: area (street or community) index
    service: np.ndarray  # per row: service index
    total: np.ndarray  # per row: the area's demand for the service (H_a, in the service's demand unit)
    before: np.ndarray  # per row: demand already covered by existing facilities
    reach: np.ndarray  # per row: before + demand some option reaches
    pct: np.ndarray  # per row: required percentage

    @property
    def n_rows(self) -> int:
        return len(self.area)

    def need(self, integral: bool) -> np.ndarray:
        """Demand the plan must add per row (ceil'd when demands are whole numbers)."""
        raw = self.pct / 100.0 * self.total - self.before
        return np.ceil(raw - 1e-9) if integral else raw - 1e-9 * np.maximum(1.0, self.total)

    def reachable(self) -> np.ndarray:
        """Bool per row: the row can hold (opening every option reaches enough)."""
        return self.reach + 1e-9 * np.maximum(1.0, self.total) >= self.pct / 100.0 * self.total

    def subset(self, keep: np.ndarray) -> AreaTargets:
        return AreaTargets(area=self.area[keep], service=self.service[keep], total=self.total[keep],
                           before=self.before[keep], reach=self.reach[keep], pct=self.pct[keep])


@dataclass(frozen=True, kw_only=True)
class Instance:
    site_cost: np.ndarray  # c_j, conversion cost (>= 0)
    site_area: np.ndarray  # A_j (np.inf = no area limit)
    site_group: np.ndarray  # street index of site j (for caps), int
    service_cost: np.ndarray  # f_s, fit-out cost per service (>= 0)
    service_area: np.ndarray  # r_s, area a service needs
    opt_site: np.ndarray  # site of option o
    opt_service: np.ndarray  # service of option o
    item_weight: np.ndarray  # objective weight of item k (w_s * households)
    item_service: np.ndarray  # service of item k
    item_must: np.ndarray  # bool: item k must be covered (hard constraint)
    cover: csr_matrix  # items x options, a_ko in {0, 1}
    budget: float | None = None
    group_caps: tuple[GroupCap, ...] = ()
    must_open: dict[int, int] = field(default_factory=dict)  # service -> minimum number of options
    service_hosts: dict[int, tuple[int, ...]] = field(default_factory=dict)  # s' -> services hosting it
    shared_fit_out: dict[tuple[int, int], float] = field(default_factory=dict)  # (s, s'), s < s' -> d
    # coverage targets per area (grade mode, fairness floors: models/grade.py); items keep their area
    item_area: np.ndarray | None = None  # area index of item k (-1: none); merged only within an area
    item_demand: np.ndarray | None = None  # d_k, the demand target rows count (default: item_weight)
    targets: AreaTargets | None = None
    max_min: bool = False  # max coverage: lift the worst (area, service) first (models/grade.py)

    def __post_init__(self) -> None:
        for (a, b), d in self.shared_fit_out.items():
            if not (a < b and d >= 0):
                raise ValueError(f"shared_fit_out needs (s, s') with s < s' and a discount >= 0; got {(a, b)}: {d}")
        if self.shared_fit_out:
            total = np.zeros(self.n_services)
            for (a, b), d in self.shared_fit_out.items():
                total[a] += d
                total[b] += d
            over = np.flatnonzero(total > self.service_cost + 1e-9)
            if len(over):
                raise ValueError(f"shared fit-out discounts of service {int(over[0])} sum to "
                                 f"{total[over[0]]:g} > its fit-out cost {self.service_cost[over[0]]:g}")
        for s, hosts in self.service_hosts.items():
            if s in hosts:
                raise ValueError(f"service {s} cannot host itself")

    @property
    def has_combinations(self) -> bool:
        return bool(self.service_hosts or self.shared_fit_out)

    def _option_at(self, sites: np.ndarray, service: int) -> np.ndarray:
        """The option (j, service) for each site j of ``sites`` (-1 where j cannot host it)."""
        mine = np.flatnonzero(self.opt_service == service)
        order = np.argsort(self.opt_site[mine], kind="stable")
        keys = self.opt_site[mine][order]
        pos = np.searchsorted(keys, sites)
        ok = (pos < len(keys)) & (keys[np.minimum(pos, max(len(keys) - 1, 0))] == sites) if len(keys) else \
            np.zeros(len(sites), dtype=bool)
        out = np.full(len(sites), -1, dtype=np.int64)
        out[ok] = mine[order[pos[ok]]]
        return out

    def shared_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(o1, o2, d): every pair of options in one space whose services share fit-out, with the saving."""
        o1, o2, dd = [], [], []
        for (a, b), d in sorted(self.shared_fit_out.items()):
            if d <= 0:
                continue
            oa = np.flatnonzero(self.opt_service == a)
            ob = self._option_at(self.opt_site[oa], b)
            ok = ob >= 0
            o1.append(oa[ok])
            o2.append(ob[ok])
            dd.append(np.full(int(ok.sum()), float(d)))
        if not o1:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(o1), np.concatenate(o2), np.concatenate(dd)

    def host_links(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(hosted, link_hosted, link_host): every option of a hosted service, and the (hosted option,
        host option in the same space) pairs; a hosted option without any link can never open."""
        hosted, lh, lo = [], [], []
        for s, hosts in sorted(self.service_hosts.items()):
            opts = np.flatnonzero(self.opt_service == s)
            hosted.append(opts)
            for h in hosts:
                oh = self._option_at(self.opt_site[opts], h)
                ok = oh >= 0
                lh.append(opts[ok])
                lo.append(oh[ok])
        return _cat(hosted), _cat(lh), _cat(lo)

    def unhosted(self, x: np.ndarray) -> np.ndarray:
        """Bool per option: open, of a hosted service, with no host open in its space."""
        x = np.asarray(x, dtype=bool)
        out = np.zeros(self.n_options, dtype=bool)
        if not self.service_hosts:
            return out
        hosted, lh, lo = self.host_links()
        has = np.zeros(self.n_options, dtype=bool)
        has[lh[x[lo]]] = True
        out[hosted] = x[hosted] & ~has[hosted]
        return out

    @property
    def demand(self) -> np.ndarray:
        """d_k: what target rows count (households, population or elderly; default the weights)."""
        return self.item_weight if self.item_demand is None else self.item_demand

    def demand_integral(self) -> bool:
        d = self.demand
        return bool(np.all(np.abs(d - np.round(d)) <= 1e-9))

    def target_coverage(self, x: np.ndarray) -> np.ndarray:
        """Per target row: before + demand covered by plan ``x`` (for checks and reports)."""
        t = self.targets
        if t is None:
            return np.zeros(0)
        return t.before + target_matrix(self) @ self.covered_items(x).astype(float)

    def targets_met(self, x: np.ndarray) -> np.ndarray:
        """Bool per target row: plan ``x`` meets it (with the rows' own rounding)."""
        t = self.targets
        if t is None:
            return np.zeros(0, dtype=bool)
        return self.target_coverage(x) - t.before >= t.need(self.demand_integral()) - 1e-6

    def cost_granularity(self) -> float:
        """gamma > 0 such that two plans' costs differ by 0 or by at least gamma: the greatest common
        divisor of whole-yuan costs (e.g. 1,000 when every cost is a multiple of 1,000), else 10^-k."""
        c = np.concatenate([np.asarray(self.site_cost, dtype=float), np.asarray(self.service_cost, dtype=float)])
        c = c[c > 0]
        if len(c) == 0:
            return 1.0
        if np.all(c == np.round(c)) and c.max() < 2**62:
            return float(np.gcd.reduce(c.astype(np.int64)))
        for k in range(7):
            scaled = c * 10.0**k
            if np.all(np.abs(scaled - np.round(scaled)) <= 1e-9 * np.maximum(1.0, scaled)):
                return 10.0**-k
        return float(c.min()) * 1e-6

    @property
    def n_sites(self) -> int:
        return len(self.site_cost)

    @property
    def n_options(self) -> int:
        return len(self.opt_site)

    @property
    def n_items(self) -> int:
        return len(self.item_weight)

    @property
    def n_services(self) -> int:
        return len(self.service_cost)

    @property
    def option_cost(self) -> np.ndarray:
        """Fit-out cost of each option."""
        return self.service_cost[self.opt_service]

    @property
    def option_area(self) -> np.ndarray:
        return self.service_area[self.opt_service]

    @property
    def opening_cost(self) -> np.ndarray:
        """Cost of each option opened alone: its space's conversion plus its fit-out."""
        return self.site_cost[self.opt_site] + self.option_cost

    def max_spend(self) -> float:
        """An upper bound on any plan's cost: the budget, or the cost of opening everything."""
        everything = float(self.site_cost.sum() + self.option_cost.sum())
        return min(everything, self.budget) if self.budget is not None else everything

    def coverage_granularity(self) -> float:
        """delta > 0 such that two plans' coverage values differ by 0 or by at least delta.

        Weights that are integer multiples of 10^-k (k <= 6) give delta = 10^-k. For other
        real weights no such delta exists in general; a millionth of the smallest weight is
        used, and the cost tie-break is then only approximate.
        """
        w = np.asarray(self.item_weight, dtype=float)
        w = w[w > 0]
        if len(w) == 0:
            return 1.0
        for k in range(7):
            scaled = w * 10.0**k
            if np.all(np.abs(scaled - np.round(scaled)) <= 1e-9 * np.maximum(1.0, scaled)):
                return 10.0**-k
        return float(w.min()) * 1e-6

    def floor_coverage(self, value: float) -> float:
        """``value`` (a bound on coverage) rounded down to a multiple of the coverage granularity: no plan's
        coverage lies between the two (the 1e-6 absorbs a solver's rounding just below a multiple)."""
        delta = self.coverage_granularity()
        return float(np.floor(value / delta + 1e-6) * delta)

    def is_cardinality(self) -> bool:
        """True when the budget only counts options: the textbook shape (a budget of p sites).

        Every option is its own site and costs the same (conversion + fit-out), nothing
        limits areas, and there are no street caps or must-open services; the budget row
        is then sum_o x_o <= p up to a factor, with no knapsack structure to cut on.
        """
        if self.group_caps or self.must_open or self.n_options == 0 or self.has_combinations:
            return False
        if len(np.unique(self.opt_site)) != self.n_options:
            return False
        unit = self.opening_cost
        if not np.all(unit == unit[0]):
            return False
        return bool(np.all(self.option_area <= self.site_area[self.opt_site]))

    def plan_cost(self, x: np.ndarray) -> float:
        """Total cost of an option selection ``x`` (bool per option), shared fit-out deducted."""
        u = np.zeros(self.n_sites, dtype=bool)
        u[self.opt_site[x]] = True
        cost = float(self.site_cost[u].sum() + self.option_cost[x].sum())
        if self.shared_fit_out:
            o1, o2, d = self.shared_pairs()
            cost -= float(d[x[o1] & x[o2]].sum())
        return cost

    def site_spend(self, x: np.ndarray) -> np.ndarray:
        """Per site: conversion + fit-out of its open options, shared fit-out deducted."""
        u = np.zeros(self.n_sites, dtype=bool)
        u[self.opt_site[x]] = True
        spend = self.site_cost * u + np.bincount(self.opt_site[x], weights=self.option_cost[x],
                                                 minlength=self.n_sites)
        if self.shared_fit_out:
            o1, o2, d = self.shared_pairs()
            both = x[o1] & x[o2]
            spend -= np.bincount(self.opt_site[o1[both]], weights=d[both], minlength=self.n_sites)
        return spend

    def covered_items(self, x: np.ndarray) -> np.ndarray:
        """Bool per item: reached by at least one selected option."""
        return (self.cover @ x.astype(np.int64)) > 0

    def coverage_value(self, x: np.ndarray) -> float:
        return float(self.item_weight[self.covered_items(x)].sum())

    def feasibility_problems(self, x: np.ndarray, *, tol: float = 1e-6) -> list[str]:
        """Constraint violations of an option selection (empty list = feasible)."""
        out: list[str] = []
        u = np.zeros(self.n_sites, dtype=bool)
        u[self.opt_site[x]] = True
        used_area = np.bincount(self.opt_site[x], weights=self.option_area[x], minlength=self.n_sites)
        over = np.flatnonzero(used_area > self.site_area + tol)
        out += [f"site {j}: area {used_area[j]:g} > {self.site_area[j]:g}" for j in over]
        cost = self.plan_cost(x)
        if self.budget is not None and cost > self.budget * (1 + 1e-9) + tol:
            out.append(f"cost {cost:,.0f} > budget {self.budget:,.0f}")
        site_spend = self.site_spend(x)
        for cap in self.group_caps:
            in_group = self.site_group == cap.group
            if cap.max_sites is not None and int(u[in_group].sum()) > cap.max_sites:
                out.append(f"group {cap.group}: {int(u[in_group].sum())} sites > {cap.max_sites}")
            if cap.max_cost is not None and site_spend[in_group].sum() > cap.max_cost + tol:
                out.append(f"group {cap.group}: spend {site_spend[in_group].sum():,.0f} > {cap.max_cost:,.0f}")
        for s, need in self.must_open.items():
            have = int(x[self.opt_service == s].sum())
            if have < need:
                out.append(f"service {s}: {have} sites opened < {need} required")
        alone = np.flatnonzero(self.unhosted(x))
        out += [f"option {o} (service {self.opt_service[o]}) open without a host service in site "
                f"{self.opt_site[o]}" for o in alone[:20]]
        missing = np.flatnonzero(self.item_must & ~self.covered_items(x))
        out += [f"must-cover item {k} not covered" for k in missing[:20]]
        return out


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def target_matrix(inst: Instance) -> csr_matrix:
    """Target rows x items: d_k where item k counts towards row r (same area, same service)."""
    t = inst.targets
    n_items = inst.n_items
    if t is None or inst.item_area is None:
        return csr_matrix((0 if t is None else t.n_rows, n_items))
    n_s = max(inst.n_services, 1)
    row_key = t.area.astype(np.int64) * n_s + t.service.astype(np.int64)
    order = np.argsort(row_key, kind="stable")
    item_key = inst.item_area.astype(np.int64) * n_s + inst.item_service.astype(np.int64)
    pos = np.searchsorted(row_key[order], item_key)
    pos = np.minimum(pos, max(len(order) - 1, 0))
    ok = (inst.item_area >= 0) & (len(order) > 0)
    if len(order):
        ok &= row_key[order][pos] == item_key
    k = np.flatnonzero(ok)
    rows = order[pos[k]] if len(order) else np.zeros(0, dtype=np.int64)
    return csr_matrix((inst.demand[k].astype(float), (rows, k)), shape=(t.n_rows, n_items))


def pure_instance(cover: csr_matrix, demand: np.ndarray, *, p: int | None) -> Instance:
    """The textbook single-service instance: customers x sites incidence, unit site costs, budget p.

    ``p=None`` gives the LSCP (cover every coverable customer with the fewest sites).
    """
    cover = csr_matrix(cover)
    n_items, n_sites = cover.shape
    return Instance(
        site_cost=np.ones(n_sites), site_area=np.full(n_sites, np.inf),
        site_group=np.zeros(n_sites, dtype=np.int64), service_cost=np.zeros(1), service_area=np.zeros(1),
        opt_site=np.arange(n_sites, dtype=np.int64), opt_service=np.zeros(n_sites, dtype=np.int64),
        item_weight=np.asarray(demand, dtype=float), item_service=np.zeros(n_items, dtype=np.int64),
        item_must=np.zeros(n_items, dtype=bool), cover=cover, budget=None if p is None else float(p),
    )
