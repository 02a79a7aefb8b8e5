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
"""

from __future__ import annotations

import numpy as np

from .instance import Instance
from .linear import LinearModel, RowBuilder
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
