"""The plan structure shared by every formulation: which spaces open which services.

Variables: x_o in {0,1} for each option o = (site j, service s), u_j in
{0,1} for each site j that has two or more options, and z_p in {0,1} for each
pair p = (o, o') of options in one space whose services share fit-out. A site with a single
option needs no u_j of its own: "site j is open" is then x_o itself, which
removes a variable and a linking row per site (the pure MCLP has no u at all).

Rows (all formulations):

    x_o - u_j <= 0                                   linking (sites with u_j)
    sum_{o at j} r_s(o) x_o - A_j u_j <= 0            area (一店多能), only where the
                                                       eligible services could exceed A_j
    sum_j c_j u_j + sum_o f_s(o) x_o - sum_p d_p z_p <= B      budget, when given
    per street g with a cap:  sum_{j in g} u_j <= n_g,
                              sum_{j in g} (c_j u_j + sum_{o at j} f_o x_o - sum_{p at j} d_p z_p) <= B_g
    sum_{o: s(o) = s} x_o >= m_s                      services that must open
    x_{j,s'} - sum_{s in H(s')} x_{j,s} <= 0          hosted services (X+早餐: breakfast only
                                                       beside a vegetable shop or convenience store)
    z_p - x_o <= 0,  z_p - x_o' <= 0                  shared fit-out of pair p = (o, o'), saving d_p

The cost of a plan is the cost expression above (also the objective of the
cost-minimising models). For a fixed x the best z is z_p = x_o x_o' (a larger
saving never hurts: every row holding z has it with a cost sign), so the
model prices a combination exactly: a plan x is feasible iff its true cost
(Instance.plan_cost) fits, and the least-cost z gives that cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .instance import Instance
from .linear import RowBuilder


@dataclass(frozen=True, kw_only=True)
class Layout:
    """Where the plan variables sit: x first (one per option), then u (multi-option sites)."""

    n_x: int
    u_sites: np.ndarray  # sites with their own u variable
    site_var: np.ndarray  # variable that says "site j is open" (-1: site has no option)
    # shared fit-out pairs, one z variable each (after u): the two options and the saving
    z_pairs: tuple[np.ndarray, np.ndarray, np.ndarray] = (np.zeros(0, dtype=np.int64),
                                                          np.zeros(0, dtype=np.int64), np.zeros(0))

    @property
    def n_z(self) -> int:
        return len(self.z_pairs[0])

    @property
    def z0(self) -> int:
        return self.n_x + len(self.u_sites)

    @property
    def n_plan_vars(self) -> int:
        return self.n_x + len(self.u_sites) + self.n_z


def plan_layout(inst: Instance) -> Layout:
    n_opts_at = np.bincount(inst.opt_site, minlength=inst.n_sites)
    u_sites = np.flatnonzero(n_opts_at >= 2)
    site_var = np.full(inst.n_sites, -1, dtype=np.int64)
    single = n_opts_at == 1
    # the option index of each single-option site
    site_var[inst.opt_site[single[inst.opt_site]]] = np.flatnonzero(single[inst.opt_site])
    site_var[u_sites] = inst.n_options + np.arange(len(u_sites))
    return Layout(n_x=inst.n_options, u_sites=u_sites, site_var=site_var, z_pairs=inst.shared_pairs())


def plan_values(inst: Instance, layout: Layout, x: np.ndarray) -> np.ndarray:
    """The plan variables (x, u, z) of an option selection x."""
    x = np.asarray(x, dtype=bool)
    open_site = np.zeros(inst.n_sites, dtype=bool)
    open_site[inst.opt_site[x]] = True
    o1, o2, _ = layout.z_pairs
    return np.concatenate([x.astype(float), open_site[layout.u_sites].astype(float), (x[o1] & x[o2]).astype(float)])


def cost_coefficients(inst: Instance, layout: Layout, n_vars: int) -> np.ndarray:
    """Cost of each variable: fit-out on x, conversion on the site variable."""
    c = np.zeros(n_vars)
    c[: layout.n_x] = inst.option_cost
    has = layout.site_var >= 0
    np.add.at(c, layout.site_var[has], inst.site_cost[has])
    c[layout.z0: layout.z0 + layout.n_z] = -layout.z_pairs[2]
    return c


def plan_rows(inst: Instance, layout: Layout, rb: RowBuilder, *, budget: float | None) -> None:
    """Add the linking, area, budget, street-cap and must-open rows."""
    n_vars = rb.n_vars
    opts = np.arange(inst.n_options)
    # linking x_o - u_j <= 0 for sites with u
    has_u = np.zeros(inst.n_sites, dtype=bool)
    has_u[layout.u_sites] = True
    link = opts[has_u[inst.opt_site]]
    k = np.arange(len(link))
    rb.add("link", np.concatenate([k, k]), np.concatenate([link, layout.site_var[inst.opt_site[link]]]),
           np.concatenate([np.ones(len(link)), -np.ones(len(link))]),
           np.full(len(link), -np.inf), np.zeros(len(link)))
    # area, only where the eligible services could exceed the space (for a single-option
    # site the row reads (r_s - A_j) x_o <= 0: the option cannot open if it does not fit)
    need = np.bincount(inst.opt_site, weights=inst.option_area, minlength=inst.n_sites)
    tight = np.flatnonzero(need > inst.site_area + 1e-9)
    if len(tight):
        row_of = np.full(inst.n_sites, -1)
        row_of[tight] = np.arange(len(tight))
        o = opts[row_of[inst.opt_site] >= 0]
        rows = np.concatenate([row_of[inst.opt_site[o]], np.arange(len(tight))])
        cols = np.concatenate([o, layout.site_var[tight]])
        vals = np.concatenate([inst.option_area[o], -inst.site_area[tight]])
        rb.add("area", rows, cols, vals, np.full(len(tight), -np.inf), np.zeros(len(tight)))
    # combined formats: hosted services, shared fit-out
    if inst.service_hosts:
        hosted, lh, lo = inst.host_links()
        row = np.full(inst.n_options, -1)
        row[hosted] = np.arange(len(hosted))
        rb.add("hosts", np.concatenate([np.arange(len(hosted)), row[lh]]), np.concatenate([hosted, lo]),
               np.concatenate([np.ones(len(hosted)), -np.ones(len(lh))]), np.full(len(hosted), -np.inf),
               np.zeros(len(hosted)))
    if layout.n_z:
        o1, o2, _ = layout.z_pairs
        z = layout.z0 + np.arange(layout.n_z)
        k = np.arange(2 * layout.n_z)
        rb.add("shared_fit_out", np.concatenate([k, k]), np.concatenate([z, z, o1, o2]),
               np.concatenate([np.ones(2 * layout.n_z), -np.ones(2 * layout.n_z)]),
               np.full(2 * layout.n_z, -np.inf), np.zeros(2 * layout.n_z))
    cost = cost_coefficients(inst, layout, n_vars)
    if budget is not None:
        nz = np.flatnonzero(cost)
        rb.add("budget", np.zeros(len(nz)), nz, cost[nz], [-np.inf], [budget])
    # street caps
    site_of_var = np.full(n_vars, -1)
    site_of_var[: layout.n_x] = inst.opt_site
    site_of_var[layout.n_x: layout.z0] = layout.u_sites
    site_of_var[layout.z0: layout.n_plan_vars] = inst.opt_site[layout.z_pairs[0]]
    for cap in inst.group_caps:
        in_group = inst.site_group == cap.group
        if cap.max_sites is not None:
            sv = layout.site_var[in_group & (layout.site_var >= 0)]
            rb.add(f"cap_sites_{cap.group}", np.zeros(len(sv)), sv, np.ones(len(sv)), [-np.inf],
                   [cap.max_sites])
        if cap.max_cost is not None:
            vs = np.flatnonzero((site_of_var >= 0) & in_group[np.maximum(site_of_var, 0)] & (cost != 0))
            rb.add(f"cap_cost_{cap.group}", np.zeros(len(vs)), vs, cost[vs], [-np.inf], [cap.max_cost])
    for s, need_s in sorted(inst.must_open.items()):
        o = opts[inst.opt_service == s]
        rb.add(f"must_open_{s}", np.zeros(len(o)), o, np.ones(len(o)), [need_s], [np.inf])
