"""Greedy construction of feasible plans, used as warm starts (solver hints).

``greedy_max_coverage`` is the cost-effectiveness greedy for budgeted maximum
coverage (Khuller, Moss & Naor 1999): repeatedly open the option with the
largest newly covered weight per extra yuan, where the extra yuan of an
option at an unopened space includes its conversion cost. It is lazy: gains
only fall as coverage grows, and an option's cost only falls when its space
opens, at which point the options of that space are re-queued. Must-cover
items and must-open services are satisfied first. The result is compared
with the best single option, as in the paper's (1 - 1/e)/2 guarantee.

``greedy_cover`` is Chvátal's greedy for weighted set covering followed by
removal of redundant options.

Combined formats (hosted services, shared fit-out; models/instance.py): the
heuristics and the local search (local_search.py) run on
:func:`conservative_instance`, the instance without the hosted services'
options and without the fit-out savings. A plan of it opens no hosted service
and its cost there is at least its true cost, so it is feasible for the real
instance (budget, street caps, hosts); the exact solve adds the combinations.
"""

from __future__ import annotations

import heapq

import numpy as np
from scipy.sparse import csc_matrix

from models.instance import Instance


class Prepared:
    """Per-instance structures the heuristics share (built once: column access, options by site)."""

    def __init__(self, inst: Instance):
        self.inst = inst
        self.cols: csc_matrix = inst.cover.tocsc()
        self.cols_f: csc_matrix = self.cols.astype(float)
        self.all_opts = np.arange(inst.n_options)
        self.by_site: list[np.ndarray] = np.split(
            np.argsort(inst.opt_site, kind="stable"),
            np.cumsum(np.bincount(inst.opt_site, minlength=inst.n_sites))[:-1])


class _State:
    """An incremental plan: options chosen, spaces open, spending, coverage."""

    def __init__(self, inst: Instance, prep: Prepared | None = None):
        self.inst = inst
        prep = prep if prep is not None else Prepared(inst)
        self.prep = prep
        self.cols: csc_matrix = prep.cols
        self.x = np.zeros(inst.n_options, dtype=bool)
        self.open = np.zeros(inst.n_sites, dtype=bool)
        self.area = np.zeros(inst.n_sites)
        self.spent = 0.0
        self.covered = np.zeros(inst.n_items, dtype=bool)
        n_groups = int(inst.site_group.max()) + 1 if inst.n_sites else 0
        self.g_sites = np.zeros(max(n_groups, 1), dtype=np.int64)
        self.g_spent = np.zeros(max(n_groups, 1))
        self.caps = {cap.group: cap for cap in inst.group_caps}
        self.opt_cost = inst.option_cost
        self.opt_area = inst.option_area
        self.by_site = prep.by_site

    @classmethod
    def of_plan(cls, inst: Instance, prep: Prepared, x: np.ndarray) -> _State:
        """The state after adding the options of plan ``x`` in index order (as ``add`` would, at once)."""
        st = cls(inst, prep)
        opts = np.flatnonzero(x)
        if len(opts) == 0:
            return st
        j = inst.opt_site[opts]
        first = np.zeros(len(opts), dtype=bool)
        first[np.unique(j, return_index=True)[1]] = True  # the option that opens its space
        extra = st.opt_cost[opts] + np.where(first, inst.site_cost[j], 0.0)
        st.x[opts] = True
        st.open[j] = True
        np.add.at(st.area, j, st.opt_area[opts])
        st.spent = sum(extra.tolist(), 0.0)  # (in order, as add() sums it)
        g = inst.site_group[j]
        np.add.at(st.g_spent, g, extra)
        np.add.at(st.g_sites, g[first], 1)
        st.covered = np.asarray(inst.cover @ st.x.astype(np.int64)).ravel() > 0
        return st

    def items(self, o: int) -> np.ndarray:
        return self.cols.indices[self.cols.indptr[o]:self.cols.indptr[o + 1]]

    def marginal_cost(self, o: int) -> float:
        j = self.inst.opt_site[o]
        return float(self.opt_cost[o] + (0.0 if self.open[j] else self.inst.site_cost[j]))

    def feasible(self, o: int) -> bool:
        inst = self.inst
        if self.x[o]:
            return False
        j = inst.opt_site[o]
        extra = self.marginal_cost(o)
        if inst.budget is not None and self.spent + extra > inst.budget * (1 + 1e-12) + 1e-9:
            return False
        if self.area[j] + self.opt_area[o] > inst.site_area[j] + 1e-9:
            return False
        cap = self.caps.get(int(inst.site_group[j]))
        if cap is not None:
            g = int(inst.site_group[j])
            if cap.max_sites is not None and not self.open[j] and self.g_sites[g] + 1 > cap.max_sites:
                return False
            if cap.max_cost is not None and self.g_spent[g] + extra > cap.max_cost + 1e-9:
                return False
        return True

    def gain(self, o: int, weight: np.ndarray) -> float:
        it = self.items(o)
        return float(weight[it][~self.covered[it]].sum())

    def add(self, o: int) -> bool:
        """Open option o; returns True when its space was newly opened."""
        inst = self.inst
        j = inst.opt_site[o]
        extra = self.marginal_cost(o)
        g = int(inst.site_group[j])
        newly = not self.open[j]
        self.x[o] = True
        self.spent += extra
        self.g_spent[g] += extra
        if newly:
            self.open[j] = True
            self.g_sites[g] += 1
        self.area[j] += self.opt_area[o]
        self.covered[self.items(o)] = True
        return newly


def _ratio(gain: float, cost: float) -> float:
    return gain / cost if cost > 0 else (np.inf if gain > 0 else 0.0)


def _greedy_fill(state: _State, weight: np.ndarray, candidates: np.ndarray, *, stop_when=None) -> None:
    """Lazy greedy by gain per marginal cost over ``candidates`` (option indices)."""
    inst = state.inst
    allowed = np.zeros(inst.n_options, dtype=bool)
    allowed[candidates] = True
    allowed &= ~state.x
    # Initial gains and costs in one sparse product; options that cannot be afforded
    # now never become affordable (spending only grows), except when their space opens.
    gains = state.cols.T @ (weight * ~state.covered)
    cost = state.opt_cost + np.where(state.open[inst.opt_site], 0.0, inst.site_cost[inst.opt_site])
    if inst.budget is not None:
        allowed &= state.spent + cost <= inst.budget * (1 + 1e-12) + 1e-9 + np.where(
            state.open[inst.opt_site], 0.0, inst.site_cost[inst.opt_site])
    live = np.flatnonzero(allowed & (gains > 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(cost[live] > 0, gains[live] / np.where(cost[live] > 0, cost[live], 1.0), np.inf)
    heap: list[tuple[float, float, int]] = list(zip((-ratio).tolist(), (-gains[live]).tolist(), live.tolist()))
    heapq.heapify(heap)

    def push(o: int) -> None:
        g = state.gain(o, weight)
        if g > 0:
            heapq.heappush(heap, (-_ratio(g, state.marginal_cost(o)), -g, int(o)))

    while heap:
        if stop_when is not None and stop_when():
            return
        neg_r, neg_g, o = heapq.heappop(heap)
        if state.x[o] or not state.feasible(o):
            continue  # budget, area and caps only tighten; re-queued if its space opens
        g = state.gain(o, weight)
        if g <= 0:
            continue
        r = _ratio(g, state.marginal_cost(o))
        if heap and (r, g) < (-heap[0][0], -heap[0][1]):
            heapq.heappush(heap, (-r, -g, o))
            continue
        if state.add(o):
            j = inst.opt_site[o]
            for o2 in state.by_site[j]:
                if allowed[o2] and not state.x[o2]:
                    push(int(o2))


def greedy_max_coverage(inst: Instance, prep: Prepared | None = None) -> np.ndarray | None:
    """A feasible option selection (bool per option), or None when the greedy cannot satisfy
    the must-cover items or must-open services."""
    prep = prep if prep is not None else Prepared(inst)
    state = _State(inst, prep)
    all_opts = np.arange(inst.n_options)
    if inst.item_must.any():
        must_w = inst.item_must.astype(float)
        _greedy_fill(state, must_w, all_opts, stop_when=lambda: bool(state.covered[inst.item_must].all()))
        if not state.covered[inst.item_must].all():
            return None
    for s, need in sorted(inst.must_open.items()):
        opts_s = all_opts[inst.opt_service == s]
        while int(state.x[opts_s].sum()) < need:
            best, best_key = -1, None
            for o in opts_s:
                if state.feasible(o):
                    key = (_ratio(state.gain(o, inst.item_weight) + 1e-9, state.marginal_cost(o)), -o)
                    if best_key is None or key > best_key:
                        best, best_key = int(o), key
            if best < 0:
                return None
            state.add(best)
    _greedy_fill(state, inst.item_weight, all_opts)
    x = state.x
    # Compare with the best single affordable option (the guarantee's second arm).
    if not inst.item_must.any() and not inst.must_open:
        single = _State(inst, prep)
        best_o, best_g = -1, inst.coverage_value(x)
        for o in all_opts.tolist():
            if single.feasible(o):
                g = single.gain(o, inst.item_weight)
                if g > best_g:
                    best_o, best_g = int(o), g
        if best_o >= 0:
            single.add(best_o)
            _greedy_fill(single, inst.item_weight, all_opts)
            if inst.coverage_value(single.x) > inst.coverage_value(x):
                x = single.x
    return x


def greedy_cover(inst: Instance) -> np.ndarray | None:
    """A selection covering every reachable item (Chvátal's greedy + redundancy removal), or None."""
    state = _State(inst)
    reachable = np.diff(inst.cover.tocsr().indptr) > 0
    ones = reachable.astype(float)
    all_opts = np.arange(inst.n_options)
    for s, need in sorted(inst.must_open.items()):
        opts_s = all_opts[inst.opt_service == s]
        order = sorted(opts_s, key=lambda o: (-_ratio(state.gain(o, ones) + 1e-9, state.marginal_cost(o)), o))
        for o in order:
            if int(state.x[opts_s].sum()) >= need:
                break
            if state.feasible(o):
                state.add(o)
    _greedy_fill(state, ones, all_opts, stop_when=lambda: bool(state.covered[reachable].all()))
    if not state.covered[reachable].all():
        return None
    x = state.x.copy()
    # Drop redundant options, most expensive first.
    count = np.asarray(inst.cover @ x.astype(np.int64)).ravel()
    chosen = np.flatnonzero(x)
    cols = state.cols
    for o in sorted(chosen, key=lambda o: (-state.opt_cost[o] - inst.site_cost[inst.opt_site[o]], -o)):
        it = cols.indices[cols.indptr[o]:cols.indptr[o + 1]]
        s = inst.opt_service[o]
        if s in inst.must_open and int(x[inst.opt_service == s].sum()) <= inst.must_open[s]:
            continue
        if np.all(count[it] >= 2):
            x[o] = False
            count[it] -= 1
    if inst.feasibility_problems(x):
        return None
    return x


def conservative_instance(inst: Instance) -> tuple[Instance, np.ndarray]:
    """The instance without hosted services' options and fit-out savings (module docstring), and the
    options of ``inst`` it keeps (its option k is option ``opts[k]`` of ``inst``)."""
    from dataclasses import replace

    from .reduce import keep_options

    plain = replace(inst, service_hosts={}, shared_fit_out={})
    hosted = np.isin(inst.opt_service, sorted(inst.service_hosts))
    sub, _, opts = keep_options(plain, ~hosted)
    return sub, opts
