"""Budgeted multi-service maximal covering location model (MCLP).

Sets: items k (a demand point, or a group of points with identical reach, for
one service s(k)), options o = (space j, service s) that are eligible, spaces j.

Data: a_ko = 1 when option o reaches item k within the threshold T_s(k) (the
sparse ``cover`` matrix); weight W_k = w_s * h_k (service weight x households);
conversion cost c_j, fit-out cost f_s, area A_j, area need r_s, budget B.

Variables: x_o in {0,1} (open option o), u_j in {0,1} (convert space j; equal
to x_o for a space with a single option), y_k in [0,1] (item k covered).

Lexicographic objective — the most coverage, then the least cost — in one solve:

    max   sum_k W_k y_k  -  eps * ( sum_j c_j u_j + sum_o f_s(o) x_o - sum_p d_p z_p )
    s.t.  y_k - sum_o a_ko x_o <= 0                 for every item k
          y_k = 1                                   for must-cover items
          plan rows of models/structure.py          (linking, area, budget,
                                                     street caps, must-open, hosted
                                                     services, shared fit-out z_p)

with eps = delta / (C + 1), where delta is the coverage granularity (coverage
values of two plans differ by 0 or at least delta: 1 for integer weights) and
C bounds any plan's cost (the budget, or the cost of opening everything). Any
cost difference is then worth less than delta, so no coverage is ever traded
for money, and among plans of maximal coverage the cheapest wins. A valid
bound on coverage is (best bound) + eps * C.

y_k may stay continuous: for fixed x the optimum sets
y_k = min(1, sum_o a_ko x_o), which is integral.
"""

from __future__ import annotations

import numpy as np

from .instance import Instance
from .linear import LinearModel, RowBuilder
from .structure import cost_coefficients, plan_layout, plan_rows


def _coverage_rows(inst: Instance, rb: RowBuilder, y0: int) -> None:
    C = inst.cover.tocoo()
    k = np.arange(inst.n_items)
    rows = np.concatenate([k, C.row])
    cols = np.concatenate([y0 + k, C.col])
    vals = np.concatenate([np.ones(inst.n_items), -np.ones(C.nnz)])
    rb.add("coverage", rows, cols, vals, np.full(inst.n_items, -np.inf), np.zeros(inst.n_items))


def build_max_coverage(inst: Instance, *, cheapest: bool = True) -> LinearModel:
    """Maximise weighted coverage (then, with ``cheapest``, minimise cost) within budget,
    area, caps and must-constraints."""
    layout = plan_layout(inst)
    y0 = layout.n_plan_vars
    n = y0 + inst.n_items
    rb = RowBuilder(n)
    _coverage_rows(inst, rb, y0)
    plan_rows(inst, layout, rb, budget=inst.budget)
    A, rlb, rub = rb.build()
    lb = np.zeros(n)
    lb[y0 + np.flatnonzero(inst.item_must)] = 1.0
    integer = np.zeros(n, dtype=bool)
    integer[:y0] = True
    c = np.zeros(n)
    c[y0:] = inst.item_weight
    if cheapest:
        c -= cost_weight(inst) * cost_coefficients(inst, layout, n)
    return LinearModel(name="mclp_max_coverage", objective=c, maximize=True, lb=lb, ub=np.ones(n),
                       integer=integer, A=A, row_lb=rlb, row_ub=rub,
                       blocks={"x": (0, layout.n_x), "u": (layout.n_x, layout.z0), "z": (layout.z0, y0),
                               "y": (y0, n)}, row_blocks=rb.blocks)


def coverage_bound(inst: Instance, raw_bound: float | None, *, cheapest: bool) -> float | None:
    """A solver's bound on the objective (coverage - eps * cost with ``cheapest``, else coverage) as a
    bound on coverage: + eps C, floored to the coverage granularity; None when there is none."""
    if raw_bound is None or not np.isfinite(raw_bound):
        return None
    if not cheapest:
        return float(raw_bound)
    return inst.floor_coverage(raw_bound + cost_weight(inst) * inst.max_spend())


def cost_weight(inst: Instance) -> float:
    """eps of the lexicographic objective: a cost difference never outweighs delta of coverage."""
    return inst.coverage_granularity() / (inst.max_spend() + 1.0)
