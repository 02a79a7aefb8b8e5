"""Exact reductions of a covering instance before it goes to a solver.

1. Items that no option reaches are removed (they can never be covered; the
   report lists them with the reason).
2. Items with identical coverage columns (the same set of options reaches
   them) are merged into one item whose weight is the sum (coverage-signature
   aggregation). A merged item is must-cover when any member is. With coverage
   targets per area (grade mode, fairness floors: models/grade.py) only items of
   the same area merge, so each target row keeps its own items (the merged y is
   the demand-weighted mean of the members' y: the rows and the objective keep
   their values).
3. Dominated sites are dropped. Site j is dominated by site j' when, for every
   service j can host, j' can host it too and reaches a superset of j's items;
   j' costs no more; j' can host all its eligible services at once (so moving
   j's services there never breaks an area limit); both are in the same street
   when street caps exist. Ties keep the lower index, so the relation is a strict
   order and every dropped site has an undropped dominator. Any plan using j
   becomes, by moving j's services to j', a plan at least as good: the
   reduction is exact (also for target rows, which only ask for more coverage).
   With combined formats it stays exact: j's hosted
   services move together with their hosts (j' offers all of j's services),
   and a shared fit-out saving depends on the pair of services, not the space;
   where j' already offers some of them, the duplicates close, which never
   raises the cost (each service's savings sum to at most its fit-out,
   models/instance.py).
4. In full-coverage mode, an item whose option set contains another item's
   option set is implied by that item and is dropped (row dominance).

All steps are sparse; the maps back to the original indices are returned.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.sparse import csr_matrix

from models.instance import Instance

from ..errors import DefectError


@dataclass(frozen=True, kw_only=True)
class Reduction:
    instance: Instance  # the reduced instance
    item_map: np.ndarray  # original item -> reduced item (-1: removed)
    option_keep: np.ndarray  # original option indices kept, in reduced order
    site_keep: np.ndarray  # original site indices kept
    sizes: dict[str, int]

    def expand_x(self, x_reduced: np.ndarray, n_options: int) -> np.ndarray:
        x = np.zeros(n_options, dtype=bool)
        x[self.option_keep[np.asarray(x_reduced, dtype=bool)]] = True
        return x


def _row_signatures(M: csr_matrix) -> np.ndarray:
    """Group index per row such that rows in a group have identical column sets (exact)."""
    n = M.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng(12345)
    r1 = rng.integers(1, 2**62, size=M.shape[1], dtype=np.int64).astype(np.uint64)
    r2 = rng.integers(1, 2**62, size=M.shape[1], dtype=np.uint64)
    row_of = np.repeat(np.arange(n), np.diff(M.indptr))
    h1 = np.zeros(n, dtype=np.uint64)
    h2 = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        np.add.at(h1, row_of, r1[M.indices])
        np.bitwise_xor.at(h2, row_of, r2[M.indices] * np.uint64(0x9E3779B97F4A7C15))
    nnz = np.diff(M.indptr).astype(np.uint64)
    keys = np.stack([h1, h2, nnz], axis=1)
    _, first, group = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    group = group.ravel()
    # Verify exactly: every row equals its group's representative row.
    rep = first[group]
    M = M.copy()
    M.sort_indices()
    lens = np.diff(M.indptr)
    if np.any(lens != lens[rep]):
        raise DefectError("item signature collision (length)")
    idx_self = M.indices
    starts_rep = np.repeat(M.indptr[rep], lens)
    pos = np.arange(len(idx_self)) - np.repeat(M.indptr[:-1], lens)
    if np.any(idx_self != M.indices[starts_rep + pos]):
        raise DefectError("item signature collision (columns)")
    # Relabel groups in order of first appearance, for determinism independent of hash values.
    order = np.argsort(first, kind="stable")
    relabel = np.empty_like(order)
    relabel[order] = np.arange(len(order))
    return relabel[group]


def aggregate_items(inst: Instance) -> tuple[Instance, np.ndarray]:
    """Merge items with identical option sets; drop items no option reaches."""
    C = inst.cover.tocsr()
    reach = np.diff(C.indptr) > 0
    item_map = np.full(inst.n_items, -1, dtype=np.int64)
    live = np.flatnonzero(reach)
    sub = C[live]
    group = _row_signatures(sub)
    if inst.item_area is not None and len(group):  # merge only within an area (target rows)
        _, first_of, group = np.unique(np.stack([group, inst.item_area[live]], axis=1), axis=0,
                                       return_index=True, return_inverse=True)
        group = group.ravel()
        relabel = np.empty(len(first_of), dtype=np.int64)
        relabel[np.argsort(first_of, kind="stable")] = np.arange(len(first_of))
        group = relabel[group]
    n_groups = int(group.max()) + 1 if len(group) else 0
    item_map[live] = group
    weight = np.bincount(group, weights=inst.item_weight[live], minlength=n_groups)
    must = np.zeros(n_groups, dtype=bool)
    np.logical_or.at(must, group, inst.item_must[live])
    # first member of each group (groups are numbered by first appearance)
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], np.arange(n_groups))
    first = order[starts]
    cover = sub[first]
    service = inst.item_service[live][first]
    out = replace(inst, item_weight=weight, item_service=service, item_must=must, cover=cover.tocsr(),
                  item_area=None if inst.item_area is None else inst.item_area[live][first],
                  item_demand=(None if inst.item_demand is None else
                               np.bincount(group, weights=inst.item_demand[live], minlength=n_groups)))
    return out, item_map


def _subset_pairs(C: csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (a, b), a != b, of columns of C with rows(a) subset-or-equal rows(b) (a non-empty)."""
    Cb = C.astype(bool).astype(np.int32)
    inter = (Cb.T @ Cb).tocoo()
    size = np.asarray(Cb.sum(axis=0)).ravel()
    a, b, v = inter.row, inter.col, inter.data
    keep = (a != b) & (v == size[a])
    return a[keep], b[keep]


def dominated_sites(inst: Instance, *, same_group_only: bool) -> np.ndarray:
    """Bool per site: dominated by another site (see module docstring, rule 3)."""
    n = inst.n_sites
    n_opts_at = np.bincount(inst.opt_site, minlength=n)
    need = np.bincount(inst.opt_site, weights=inst.option_area, minlength=n)
    roomy = need <= inst.site_area + 1e-9  # can host every eligible service at once
    # For each service, pairs of options whose columns are in subset relation; a site pair
    # (j, j') qualifies when this holds for every service of j.
    C = inst.cover.tocsc()
    pair_keys = []
    for s in range(inst.n_services):
        opts = np.flatnonzero(inst.opt_service == s)
        if len(opts) < 2:
            continue
        a, b = _subset_pairs(C[:, opts])
        pair_keys.append(inst.opt_site[opts[a]] * n + inst.opt_site[opts[b]])
    dominated = np.zeros(n, dtype=bool)
    if not pair_keys:
        return dominated
    keys, counts = np.unique(np.concatenate(pair_keys), return_counts=True)
    j, jp = keys // n, keys % n
    full = counts == n_opts_at[j]  # every service of j is matched at j'
    mutual = np.isin(jp * n + j, keys[full]) & (n_opts_at[jp] == n_opts_at[j])
    ok = full & roomy[jp] & (inst.site_cost[jp] <= inst.site_cost[j])
    if same_group_only:
        ok &= inst.site_group[jp] == inst.site_group[j]
    # A tie (each dominates the other, same cost, both roomy) keeps the lower index.
    tie = mutual & (inst.site_cost[jp] == inst.site_cost[j]) & roomy[j]
    ok &= ~tie | (jp < j)
    dominated[j[ok]] = True
    return dominated


def useless_options(inst: Instance) -> np.ndarray:
    """Bool per option: reaches no item, serves no must-open service and hosts no service
    (a host option may reach nothing new and still carry a hosted one: X+早餐)."""
    empty = np.diff(inst.cover.tocsc().indptr) == 0
    hosts = {h for hs in inst.service_hosts.values() for h in hs}
    protected = np.isin(inst.opt_service, list(inst.must_open) + sorted(hosts))
    return empty & ~protected


def keep_options(inst: Instance, keep_opt: np.ndarray) -> tuple[Instance, np.ndarray, np.ndarray]:
    """Keep the given options and the sites that still have one; returns (instance, sites, options)."""
    keep_opts = np.flatnonzero(keep_opt)
    keep_sites = np.unique(inst.opt_site[keep_opts])
    new_site = np.full(inst.n_sites, -1)
    new_site[keep_sites] = np.arange(len(keep_sites))
    out = replace(
        inst, site_cost=inst.site_cost[keep_sites], site_area=inst.site_area[keep_sites],
        site_group=inst.site_group[keep_sites], opt_site=new_site[inst.opt_site[keep_opts]],
        opt_service=inst.opt_service[keep_opts], cover=inst.cover.tocsc()[:, keep_opts].tocsr(),
    )
    return out, keep_sites, keep_opts


def implied_items(inst: Instance) -> np.ndarray:
    """Bool per item: its option set contains another item's (so covering that one covers it)."""
    C = inst.cover.tocsr()
    if C.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    # supersets: pairs (a, b) with opts(a) subset opts(b); then b is implied by a.
    a, b = _subset_pairs(C.T.tocsr())
    implied = np.zeros(C.shape[0], dtype=bool)
    sizes = np.diff(C.indptr)
    # identical rows do not occur after aggregation; strict subsets only.
    strict = sizes[a] < sizes[b]
    implied[b[strict]] = True
    return implied


def reduce_instance(inst: Instance, *, cover_mode: bool) -> Reduction:
    """Apply the exact reductions; ``cover_mode`` enables row dominance (rule 4)."""
    sizes = {"items_before": inst.n_items, "sites_before": inst.n_sites, "options_before": inst.n_options,
             "nonzeros_before": int(inst.cover.nnz)}
    agg, item_map = aggregate_items(inst)
    sizes["items_aggregated"] = agg.n_items
    useful, sites1, opts1 = keep_options(agg, ~useless_options(agg))
    drop = dominated_sites(useful, same_group_only=bool(useful.group_caps))
    # Sites offering a must-open service stay: moving services between sites could
    # lower the number of sites that offer it.
    for s in useful.must_open:
        drop[useful.opt_site[useful.opt_service == s]] = False
    red, sites2, opts2 = keep_options(useful, ~drop[useful.opt_site])
    keep_sites, keep_opts = sites1[sites2], opts1[opts2]
    # Dropping options can make more items identical: aggregate once more.
    red, second = aggregate_items(red)
    mapped = item_map >= 0
    item_map[mapped] = second[item_map[mapped]]
    if cover_mode:
        implied = implied_items(red) & ~red.item_must
        if implied.any():
            keep_items = np.flatnonzero(~implied)
            new_index = np.full(red.n_items, -1)
            new_index[keep_items] = np.arange(len(keep_items))
            red = replace(
                red, item_weight=red.item_weight[keep_items], item_service=red.item_service[keep_items],
                item_must=red.item_must[keep_items], cover=red.cover[keep_items],
                item_area=None if red.item_area is None else red.item_area[keep_items],
                item_demand=None if red.item_demand is None else red.item_demand[keep_items],
            )
            # implied items are covered whenever their dominator is; map them to -2
            mapped = item_map >= 0
            item_map = item_map.copy()
            item_map[mapped] = np.where(new_index[item_map[mapped]] >= 0, new_index[item_map[mapped]], -2)
    sizes.update(items_after=red.n_items, sites_after=red.n_sites, options_after=red.n_options,
                 nonzeros_after=int(red.cover.nnz))
    return Reduction(instance=red, item_map=item_map, option_keep=keep_opts, site_keep=keep_sites,
                     sizes=sizes)
