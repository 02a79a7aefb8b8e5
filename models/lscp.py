"""Minimum-cost full coverage (location set covering, LSCP), multi-service.

Every item k that some eligible option can reach must be covered; items no
option reaches are removed beforehand and reported with the reason.

    min   sum_j c_j u_j + sum_o f_s(o) x_o - sum_p d_p z_p    (z_p: shared fit-out, structure.py)
    s.t.  sum_o a_ko x_o >= 1                       for every coverable item k
          plan rows of models/structure.py          (linking, area, budget if
                                                     given, street caps, must-open,
                                                     hosted services, shared fit-out)
          x_o, u_j in {0,1}

With one service, unit costs and no areas this is the textbook LSCP
(Toregas et al. 1971): the fewest sites that cover every demand point.

The least cost at a coverage level (``build_least_cost_at_coverage``; cover mode's second stage
when space areas or street caps make full coverage impossible, solver/engine/most_coverage.py):
with z the coverage to reach (the most any plan reaches) and K a set of items to cover outright,

    min   (the cost above)
    s.t.  sum_o a_ko x_o >= 1                       for k in K (and the must-cover items)
          y_k - sum_o a_ko x_o <= 0                 for the other items, y_k in [0, 1]
          sum_k W_k y_k >= z                        (W_k: weight of item k, y_k = 1 on K)
          plan rows of models/structure.py

y_k may stay continuous: for fixed x, y_k = min(1, sum_o a_ko x_o) is feasible whenever any y is.
"""

from __future__ import annotations

import numpy as np

from .instance import Instance
from .linear import LinearModel, RowBuilder
from .mclp import _coverage_rows
from .structure import cost_coefficients, plan_layout, plan_rows


def build_cover(inst: Instance) -> LinearModel:
    layout = plan_layout(inst)
    n = layout.n_plan_vars
    rb = RowBuilder(n)
    C = inst.cover.tocoo()
    rb.add("cover", C.row, C.col, np.ones(C.nnz), np.ones(inst.n_items), np.full(inst.n_items, np.inf))
    plan_rows(inst, layout, rb, budget=inst.budget)
    A, rlb, rub = rb.build()
    c = cost_coefficients(inst, layout, n)
    return LinearModel(name="lscp_min_cost", objective=c, maximize=False, lb=np.zeros(n), ub=np.ones(n),
                       integer=np.ones(n, dtype=bool), A=A, row_lb=rlb, row_ub=rub,
                       blocks={"x": (0, layout.n_x), "u": (layout.n_x, layout.z0), "z": (layout.z0, n)},
                       row_blocks=rb.blocks)


def build_least_cost_at_coverage(inst: Instance, coverage: float, covered: np.ndarray) -> LinearModel:
    """The least-cost plan covering at least ``coverage`` (weighted), every item of ``covered`` (bool per
    item) and every must-cover item among them (module docstring); the variables of models/mclp.py's model."""
    covered = np.asarray(covered, dtype=bool)
    if covered.shape != (inst.n_items,):
        raise ValueError(f"covered must be a bool per item ({inst.n_items}); got shape {covered.shape}")
    layout = plan_layout(inst)
    y0 = layout.n_plan_vars
    n = y0 + inst.n_items
    rb = RowBuilder(n)
    _coverage_rows(inst, rb, y0)
    k = np.arange(inst.n_items)
    rb.add("coverage_level", np.zeros(inst.n_items), y0 + k, np.asarray(inst.item_weight, dtype=float),
           [coverage], [np.inf])
    plan_rows(inst, layout, rb, budget=inst.budget)
    A, rlb, rub = rb.build()
    lb = np.zeros(n)
    lb[y0 + np.flatnonzero(covered | inst.item_must)] = 1.0
    integer = np.zeros(n, dtype=bool)
    integer[:y0] = True
    return LinearModel(name="least_cost_at_coverage", objective=cost_coefficients(inst, layout, n), maximize=False,
                       lb=lb, ub=np.ones(n), integer=integer, A=A, row_lb=rlb, row_ub=rub,
                       blocks={"x": (0, layout.n_x), "u": (layout.n_x, layout.z0), "z": (layout.z0, y0),
                               "y": (y0, n)}, row_blocks=rb.blocks)
