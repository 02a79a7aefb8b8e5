"""The plan structure shared by every formulation: which spaces open which services.

Variables: x_o in {0,1} for each option o = (site j, service s) and u_j in
{0,1} for each site j that has two or more options. A site with a single
option needs no u_j of its own: "site j is open" is then x_o itself, which
removes a variable and a linking row per site (the pure MCLP has no u at all).

Rows (all formulations):

    x_o - u_j <= 0                                   linking (sites with u_j)
    sum_{o at j} r_s(o) x_o - A_j u_j <= 0            area (一店多能), only where the
                                                       eligible services could exceed A_j
    sum_j c_j u_j + sum_o f_s(o) x_o <= B             budget, when given
    per street g with a cap:  sum_{j in g} u_j <= n_g,
                              sum_{j in g} (c_j u_j + sum_{o at j} f_o x_o) <= B_g
    sum_{o: s(o) = s} x_o >= m_s                      services that must open
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

    @property
    def n_plan_vars(self) -> int:
        return self.n_x + len(self.u_sites)


def plan_layout(inst: Instance) -> Layout:
    n_opts_at = np.bincount(inst.opt_site, minlength=inst.n_sites)
    u_sites = np.flatnonzero(n_opts_at >= 2)
    site_var = np.full(inst.n_sites, -1, dtype=np.int64)
    single = n_opts_at == 1
    # the option index of each single-option site
    site_var[inst.opt_site[single[inst.opt_site]]] = np.flatnonzero(single[inst.opt_site])
    site_var[u_sites] = inst.n_options + np.arange(len(u_sites))
    return Layout(n_x=inst.n_options, u_sites=u_sites, site_var=site_var)


def cost_coefficients(inst: Instance, layout: Layout, n_vars: int) -> np.ndarray:
    """Cost of each variable: fit-out on x, conversion on the site variable."""
    c = np.zeros(n_vars)
    c[: layout.n_x] = inst.option_cost
    has = layout.site_var >= 0
    np.add.at(c, layout.site_var[has], inst.site_cost[has])
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
    cost = cost_coefficients(inst, layout, n_vars)
    if budget is not None:
        nz = np.flatnonzero(cost)
        rb.add("budget", np.zeros(len(nz)), nz, cost[nz], [-np.inf], [budget])
    # street caps
    site_of_var = np.full(n_vars, -1)
    site_of_var[: layout.n_x] = inst.opt_site
    site_of_var[layout.n_x: layout.n_plan_vars] = layout.u_sites
    for cap in inst.group_caps:
        in_group = inst.site_group == cap.group
        if cap.max_sites is not None:
            sv = layout.site_var[in_group & (layout.site_var >= 0)]
            rb.add(f"cap_sites_{cap.group}", np.zeros(len(sv)), sv, np.ones(len(sv)), [-np.inf],
                   [cap.max_sites])
        if cap.max_cost is not None:
            vs = np.flatnonzero((site_of_var >= 0) & in_group[np.maximum(site_of_var, 0)] & (cost > 0))
            rb.add(f"cap_cost_{cap.group}", np.zeros(len(vs)), vs, cost[vs], [-np.inf], [cap.max_cost])
    for s, need_s in sorted(inst.must_open.items()):
        o = opts[inst.opt_service == s]
        rb.add(f"must_open_{s}", np.zeros(len(o)), o, np.ones(len(o)), [need_s], [np.inf])
