"""Coverage targets per area: grade mode (least cost), fairness floors and max-min (max coverage).

Sets and data as in models/mclp.py, and: areas a (streets, or communities), each item
k in one area a(k); d_k the demand of item k (households by default, or population /
elderly residents for a service weighted so); for a target row r = (area a, service s):
H_r the area's demand for s, b_r the demand already covered by existing facilities,
p_r the required percentage (Instance.targets, models/instance.py AreaTargets).

Target row (a grade's rule, or a fairness floor):

    b_r + sum_{k: a(k) = a, s(k) = s} d_k y_k >= p_r / 100 * H_r
    i.e. sum_k d_k y_k >= need_r = ceil(p_r H_r / 100 - b_r)    (ceil when every d_k is whole)

A grade holds when the rule of every lower grade holds too, so the rows of target g
take, per (area, service), the largest percentage any level <= g asks of a group
holding s. Rows with need_r <= 0 hold already and are left out.

Grade mode (build_grade) — the least-cost plan meeting every row:

    min   ( sum_j c_j u_j + sum_o f_s(o) x_o ) / gamma
    s.t.  y_k - sum_o a_ko x_o <= 0, target rows, plan rows (models/structure.py),
          y_k = 1 for must-cover items

with gamma the cost granularity (the gcd of whole-yuan costs): the objective is then a
whole number, which lets the solver round its bound up (a coverage tie-break term in the
objective would break that integrality and, tried on the demo, made the proof several
times slower). Ties between plans of equal cost are broken by the solver, deterministic
for a fixed seed and thread count.

When the rows cannot hold together (space areas, street caps), build_grade_most_areas
meets as many areas as possible, then at least cost: z_a in {0,1} per area,

    sum_k d_k y_k - need_r z_a(r) >= 0 for every row r;
    max  M sum_a z_a - cost / gamma,   M = floor(max spend / gamma) + 1

(one met area is worth more than any cost difference).

Fairness floors in max-coverage mode (build_max_coverage_floors): models/mclp.py's
model plus the target rows (p_r = the floor). Max-min (build_max_min), lifting the
worst (area, service) first, on the share of what can be reached (R_r = b_r + the
demand some option reaches; rows with R_r = 0 are left out, so a street nobody can
reach does not pin the level):

    max  t   s.t.  sum_k d_k y_k - (R_r / 100) t >= -b_r,  0 <= t <= 100,  the MCLP rows

then the MCLP with floors p_r = t* on R_r (the plan of stage 1 is feasible there):
max-min, then max total coverage, then least cost — lexicographic and exact.

y_k stays continuous: for fixed x, y_k = min(1, sum_o a_ko x_o) is optimal and
integral in every one of these models (the target rows only want y larger).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.sparse import coo_matrix, vstack

from .instance import AreaTargets, Instance, target_matrix
from .linear import LinearModel, RowBuilder
from .mclp import _coverage_rows, build_max_coverage
from .structure import cost_coefficients, plan_layout, plan_rows


def _live_rows(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """(row indices with need > 0, their needs)."""
    t = inst.targets
    if t is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    need = t.need(inst.demand_integral())
    live = np.flatnonzero(need > 0)
    return live, need[live]


def _target_rows(inst: Instance, rb: RowBuilder, y0: int, *, z0: int | None = None,
                 area_var: np.ndarray | None = None) -> None:
    live, need = _live_rows(inst)
    if not len(live):
        return
    T = target_matrix(inst)[live].tocoo()
    rows, cols, vals = T.row, y0 + T.col, T.data
    if z0 is not None and area_var is not None:
        r = np.arange(len(live))
        rows = np.concatenate([rows, r])
        cols = np.concatenate([cols, z0 + area_var[live]])
        vals = np.concatenate([vals, -need])
        rb.add("targets", rows, cols, vals, np.zeros(len(live)), np.full(len(live), np.inf))
    else:
        rb.add("targets", rows, cols, vals, need, np.full(len(live), np.inf))


def build_grade(inst: Instance) -> LinearModel:
    """Least cost such that every target row holds (then the most weighted coverage)."""
    layout = plan_layout(inst)
    y0 = layout.n_plan_vars
    n = y0 + inst.n_items
    rb = RowBuilder(n)
    _coverage_rows(inst, rb, y0)
    _target_rows(inst, rb, y0)
    plan_rows(inst, layout, rb, budget=inst.budget)
    A, rlb, rub = rb.build()
    c = cost_coefficients(inst, layout, n) / inst.cost_granularity()
    integer = np.zeros(n, dtype=bool)
    integer[:y0] = True
    lb = np.zeros(n)
    lb[y0 + np.flatnonzero(inst.item_must)] = 1.0  # must-cover households stay hard constraints
    return LinearModel(name="grade_min_cost", objective=c, maximize=False, lb=lb, ub=np.ones(n),
                       integer=integer, A=A, row_lb=rlb, row_ub=rub,
                       blocks={"x": (0, layout.n_x), "u": (layout.n_x, y0), "y": (y0, n)}, row_blocks=rb.blocks)


def target_areas(inst: Instance) -> np.ndarray:
    """The areas that have a live target row, sorted."""
    live, _ = _live_rows(inst)
    t = inst.targets
    return np.unique(t.area[live]) if t is not None else np.zeros(0, dtype=np.int64)


def build_grade_most_areas(inst: Instance) -> LinearModel:
    """As many areas as possible meet all their rows; then least cost; then most coverage."""
    layout = plan_layout(inst)
    y0 = layout.n_plan_vars
    areas = target_areas(inst)
    z0 = y0 + inst.n_items
    n = z0 + len(areas)
    t = inst.targets
    assert t is not None
    area_var = np.searchsorted(areas, t.area)
    rb = RowBuilder(n)
    _coverage_rows(inst, rb, y0)
    _target_rows(inst, rb, y0, z0=z0, area_var=area_var)
    plan_rows(inst, layout, rb, budget=inst.budget)
    A, rlb, rub = rb.build()
    gamma = inst.cost_granularity()
    c = -cost_coefficients(inst, layout, n) / gamma
    c[z0:] = np.floor(inst.max_spend() / gamma) + 1.0
    integer = np.zeros(n, dtype=bool)
    integer[:y0] = True
    integer[z0:] = True
    lb = np.zeros(n)
    lb[y0 + np.flatnonzero(inst.item_must)] = 1.0
    return LinearModel(name="grade_most_areas", objective=c, maximize=True, lb=lb, ub=np.ones(n),
                       integer=integer, A=A, row_lb=rlb, row_ub=rub,
                       blocks={"x": (0, layout.n_x), "u": (layout.n_x, y0), "y": (y0, z0), "z": (z0, n)},
                       row_blocks=rb.blocks)


def _append_rows(model: LinearModel, rows: coo_matrix, lb: np.ndarray, ub: np.ndarray, name: str) -> LinearModel:
    start = model.n_rows
    A = vstack([model.A, rows.tocsr()]).tocsr()
    return replace(model, A=A, row_lb=np.concatenate([model.row_lb, lb]), row_ub=np.concatenate([model.row_ub, ub]),
                   row_blocks={**model.row_blocks, name: (start, start + rows.shape[0])})


def build_max_coverage_floors(inst: Instance) -> LinearModel:
    """models/mclp.py's model (most coverage, then least cost) with the target rows as floors."""
    model = build_max_coverage(inst, cheapest=True)
    live, need = _live_rows(inst)
    if not len(live):
        return model
    y0, _ = model.blocks["y"]
    T = target_matrix(inst)[live].tocoo()
    rows = coo_matrix((T.data, (T.row, y0 + T.col)), shape=(len(live), model.n_vars))
    return replace(_append_rows(model, rows, need, np.full(len(live), np.inf), "floors"), name="mclp_floors")


def max_min_rows(inst: Instance) -> np.ndarray:
    """Target rows that take part in max-min: something can be reached (R_r > 0)."""
    t = inst.targets
    if t is None:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(t.reach > 0)


def build_max_min(inst: Instance) -> LinearModel:
    """Stage 1 of max-min: the largest t such that every (area, service) reaches t % of what it can."""
    model = build_max_coverage(inst, cheapest=False)
    y0, y1 = model.blocks["y"]
    n = model.n_vars + 1
    t_var = model.n_vars
    t = inst.targets
    assert t is not None
    rows_in = max_min_rows(inst)
    T = target_matrix(inst)[rows_in].tocoo()
    r = np.arange(len(rows_in))
    rows = np.concatenate([T.row, r])
    cols = np.concatenate([y0 + T.col, np.full(len(r), t_var)])
    vals = np.concatenate([T.data, -t.reach[rows_in] / 100.0])
    A = model.A.tocoo()
    A = coo_matrix((A.data, (A.row, A.col)), shape=(model.n_rows, n))
    base = replace(model, objective=np.concatenate([np.zeros(model.n_vars), [1.0]]),
                   lb=np.concatenate([model.lb, [0.0]]), ub=np.concatenate([model.ub, [100.0]]),
                   integer=np.concatenate([model.integer, [False]]), A=A.tocsr(),
                   blocks={**model.blocks, "t": (t_var, n)}, name="max_min", objective_offset=0.0)
    extra = coo_matrix((vals, (rows, cols)), shape=(len(rows_in), n))
    return _append_rows(base, extra, -t.before[rows_in], np.full(len(rows_in), np.inf), "max_min")


def max_min_level(inst: Instance, x: np.ndarray) -> float:
    """min over max-min rows of 100 * covered / R_r for plan x (100 when there is no row)."""
    t = inst.targets
    rows_in = max_min_rows(inst)
    if t is None or not len(rows_in):
        return 100.0
    cov = inst.target_coverage(x)[rows_in]
    return float(np.min(100.0 * cov / t.reach[rows_in]))


def floors_at(inst: Instance, level: float) -> Instance:
    """The instance whose floors are ``level`` % of what each max-min row can reach (stage 2)."""
    t = inst.targets
    assert t is not None
    rows_in = max_min_rows(inst)
    sub = t.subset(rows_in)
    # floors on R_r: need = level/100 * R_r - b_r; written as pct of total so AreaTargets.need applies
    pct = np.where(sub.total > 0, level * sub.reach / np.maximum(sub.total, 1e-300), 0.0)
    return replace(inst, targets=replace(sub, pct=pct), max_min=False)


__all__ = ["AreaTargets", "build_grade", "build_grade_most_areas", "build_max_coverage_floors", "build_max_min",
           "floors_at", "max_min_level", "max_min_rows",
           "target_areas"]
