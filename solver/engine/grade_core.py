"""The solver core for grade mode at district scale: the least-cost plan under which every target
row holds (models/grade.py), by an LP root, a deficit greedy, a support model and HiGHS's
branch-and-cut on the whole model.

Root (``grade_root``): the LP relaxation of models/grade.py's model with district.py's area cover
rows, by HiGHS's interior point method without crossover. Its bound is recomputed from the row
duals (solver/engine/bounds.py, on the model negated into a maximisation), so an inexact LP gives
a weaker bound, never an invalid one: no plan costs less than L.

Incumbent (``deficit_greedy``): with need_r the demand row r still lacks, an option's gain is

    g(o) = sum_r min(need_r, demand of the uncovered items of row r that o reaches),

and options are opened by  g(o) / (marginal cost)  x (PRIOR + x_lp(o))  while a row lacks demand
(after the must-cover items and must-open services), lazily: gains only fall as the plan grows, and
an option's cost only falls when its space opens, when that space's options are re-scored. Then
options are dropped, dearest first, while every row and constraint still holds (``trim``). The
cheaper of this and targets.trimmed_cover is kept.

Support model (``support_plan``): the same model on the options the LP opens (x_lp > 0) and the
incumbent's, items merged (RENS-like, Berthold 2014), by HiGHS to a relative gap of SUPPORT_GAP.

Rest: HiGHS's branch-and-cut on the whole strengthened model from the best plan, for the time left;
the cost bound is max(L, HiGHS's bound). HiGHS, not SCIP, because on this model it found the better
plans and bounds in the same time (benchmarks/README.md, "Grade core").
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from models.grade import build_grade
from models.instance import Instance, target_matrix
from models.linear import LinearModel

from . import district
from .backends.highs_lp import solve_mip, solve_relaxation_ipm
from .bounds import dual_bound
from .heuristics import Prepared, _greedy_fill, _State
from .outcome import StageReport
from .reduce import aggregate_items, keep_options
from .result import Termination

# Greedy score: gain per yuan times (PRIOR + x_lp): the LP's choice leads, the greedy's ratio decides
# among options the LP leaves at 0 (s20-d1 grade target: 22.3 M yuan at 0.3 against 22.9 M at 0.01
# and 24.0 M without the LP).
PRIOR = 0.3
# Of the time left: the most the LP root and the support model may take.
ROOT_SHARE = 0.5
SUPPORT_SHARE = 0.3
SUPPORT_GAP = district.SUPPORT_GAP


def applies(inst: Instance) -> bool:
    """Grade-mode instances of district shape and size (combined formats keep the plain path: the
    greedy does not model hosted services or shared fit-out)."""
    return district.applies(inst)


def strengthened_grade(inst: Instance) -> LinearModel:
    """models/grade.py's model with the area cover rows appended (district.with_area_covers)."""
    return district.with_area_covers(build_grade(inst), inst)


@dataclass(frozen=True, kw_only=True)
class GradeRoot:
    bound: float  # no plan costs less (in the model's unit, cost / gamma)
    x_lp: np.ndarray  # LP values of the options
    wall_s: float
    solver: str = "highs-ipm, no crossover (highspy)"


def grade_root(inst: Instance, *, time_limit_s: float, model: LinearModel | None = None) -> GradeRoot | None:
    """The strengthened LP relaxation (``model``: strengthened_grade(inst), when already built) and its valid
    bound; None when the LP gave no duals."""
    t0 = time.perf_counter()
    model = strengthened_grade(inst) if model is None else model
    neg = replace(model, objective=-model.objective, maximize=True)
    lp = solve_relaxation_ipm(neg, time_limit_s=time_limit_s)
    if lp.row_dual is None or lp.values is None:
        return None
    bound = -dual_bound(neg, lp.row_dual).bound
    return GradeRoot(bound=float(bound), x_lp=np.clip(model.block(lp.values, "x"), 0.0, 1.0),
                     wall_s=time.perf_counter() - t0)


class _Deficits:
    """Each item's target row and demand, and the demand each row still lacks under a plan."""

    def __init__(self, inst: Instance):
        T = target_matrix(inst).tocsc()
        self.row = np.full(inst.n_items, -1, dtype=np.int64)
        self.demand = np.zeros(inst.n_items)
        has = np.diff(T.indptr) > 0  # an item counts towards at most one row (its area and service)
        self.row[has] = T.indices[T.indptr[:-1][has]]
        self.demand[has] = T.data[T.indptr[:-1][has]]
        assert inst.targets is not None
        self.n_rows = inst.targets.n_rows
        self.need = inst.targets.need(inst.demand_integral())

    def lacking(self, covered: np.ndarray) -> np.ndarray:
        got = covered & (self.row >= 0)
        have = np.bincount(self.row[got], weights=self.demand[got], minlength=self.n_rows)
        return np.maximum(self.need - have, 0.0)

    def gain(self, items: np.ndarray, covered: np.ndarray, lacking: np.ndarray) -> float:
        it = items[~covered[items] & (self.row[items] >= 0)]
        if len(it) == 0:
            return 0.0
        rows, at = np.unique(self.row[it], return_inverse=True)
        added = np.bincount(at, weights=self.demand[it])
        return float(np.minimum(added, lacking[rows]).sum())


def deficit_greedy(inst: Instance, prior: np.ndarray | None = None) -> np.ndarray | None:
    """A plan meeting every target row (module docstring), trimmed; None when the greedy finds none."""
    prep = Prepared(inst)
    st = _State(inst, prep)
    all_opts = np.arange(inst.n_options)
    if inst.item_must.any():  # must-cover items first: Chvátal's rule on them
        _greedy_fill(st, inst.item_must.astype(float), all_opts,
                     stop_when=lambda: bool(st.covered[inst.item_must].all()))
        if not st.covered[inst.item_must].all():
            return None
    for s, count in sorted(inst.must_open.items()):
        opts_s = all_opts[inst.opt_service == s]
        for o in sorted(opts_s.tolist(), key=lambda o: (st.marginal_cost(o), o)):
            if int(st.x[opts_s].sum()) >= count:
                break
            if st.feasible(o):
                st.add(o)
        if int(st.x[opts_s].sum()) < count:
            return None
    d = _Deficits(inst)
    lacking = [d.lacking(st.covered)]

    def gain(items: np.ndarray) -> float:
        return d.gain(items, st.covered, lacking[0])

    def after_add(o: int) -> None:
        lacking[0] = d.lacking(st.covered)

    _fill(st, gain, all_opts, done=lambda: bool(lacking[0].max(initial=0.0) <= 0.0), prior=prior,
          after_add=after_add)
    if lacking[0].max(initial=0.0) > 0.0:
        return None
    return trim(inst, st.x)


def _fill(st: _State, gain, candidates: np.ndarray, *, done, prior: np.ndarray | None,
          after_add=lambda o: None) -> None:
    """Lazy greedy by gain(items) per marginal cost (times ``prior`` when given) until ``done()``."""
    inst = st.inst
    weight = np.ones(inst.n_options) if prior is None else np.asarray(prior, dtype=float)

    def score(o: int) -> float:
        g = gain(st.items(o))
        if g <= 0:
            return 0.0
        cost = st.marginal_cost(o)
        return weight[o] * (g / cost if cost > 0 else np.inf)

    heap = [(-score(o), o) for o in candidates.tolist() if not st.x[o]]
    heap = [h for h in heap if h[0] < 0]
    heapq.heapify(heap)
    while heap and not done():
        neg, o = heapq.heappop(heap)
        if st.x[o] or not st.feasible(o):
            continue  # areas and caps only tighten
        s = score(o)
        if s <= 0:
            continue
        if heap and s < -heap[0][0]:
            heapq.heappush(heap, (-s, o))
            continue
        newly = st.add(o)
        after_add(o)
        if newly:  # the space's other options became cheaper
            for o2 in st.by_site[inst.opt_site[o]].tolist():
                if not st.x[o2]:
                    s2 = score(o2)
                    if s2 > 0:
                        heapq.heappush(heap, (-s2, o2))


def meets(inst: Instance, x: np.ndarray) -> bool:
    """Every target row holds and the plan keeps every constraint."""
    return bool(inst.targets_met(x).all()) and not inst.feasibility_problems(x)


def trim(inst: Instance, x: np.ndarray, holds: Callable[[np.ndarray], bool] | None = None) -> np.ndarray:
    """``x`` with options dropped, dearest first (by opening cost: its space's conversion plus its
    fit-out), while ``holds(x)`` (default: every row and constraint holds, ``meets``)."""
    holds = holds or (lambda y: meets(inst, y))
    x = np.asarray(x, dtype=bool).copy()
    for o in sorted(np.flatnonzero(x).tolist(), key=lambda o: (-inst.opening_cost[o], -o)):
        x[o] = False
        if not holds(x):
            x[o] = True
    return x


def support_plan(inst: Instance, root: GradeRoot, x: np.ndarray, *, time_limit_s: float) -> np.ndarray | None:
    """The least-cost plan among the options the LP opens and ``x``'s (module docstring); None if
    HiGHS found none that meets every row."""
    keep = (root.x_lp > 1e-6) | x
    sub, _, opts = keep_options(inst, keep)
    sub, _ = aggregate_items(sub)  # the same options and rows, fewer items
    model = strengthened_grade(sub)
    sol = solve_mip(model, time_limit_s=time_limit_s, relative_gap=SUPPORT_GAP,
                    start=district.plan_vector(sub, x[opts]))
    if sol.values is None:
        return None
    y = np.zeros(inst.n_options, dtype=bool)
    y[opts] = model.block(sol.values, "x") > 0.5
    return y if meets(inst, y) else None


def cheaper(inst: Instance, a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Plan a costs less than plan b (None loses)."""
    if a is None:
        return False
    return b is None or inst.plan_cost(a) < inst.plan_cost(b)


def solve(inst: Instance, hint_x: np.ndarray | None, *, deadline: float, relative_gap: float = 0.0,
          reserve_s: float = 1.0, stages: list[StageReport],
          note=lambda cost, bound: None) -> tuple[np.ndarray, Termination, float] | None:
    """The plan, its status and the cost bound (model units, cost / gamma) of the grade core, or None
    when it has no plan to start from (no LP, or no plan meeting the rows: the caller's plain path
    then decides, e.g. that the rows cannot hold together). ``note(cost, bound)`` (yuan; None: not
    known yet) is told every better plan and bound as they come. ``relative_gap``: where HiGHS may stop."""
    gamma = inst.cost_granularity()

    def remaining(share: float = 1.0) -> float:
        return max(1.0, (deadline - time.perf_counter() - reserve_s) * share)

    def yuan(bound: float) -> float:  # the objective is cost / gamma, a whole number
        return float(np.ceil(bound - 1e-6) * gamma)

    model = strengthened_grade(inst)
    root = grade_root(inst, time_limit_s=remaining(ROOT_SHARE), model=model)
    if root is None:
        return None
    note(None, yuan(root.bound))
    greedy = deficit_greedy(inst, PRIOR + root.x_lp)
    start = hint_x if cheaper(inst, hint_x, greedy) else greedy
    if start is None:
        return None
    x: np.ndarray = start
    note(inst.plan_cost(x), None)
    stages.append(StageReport(name="grade_root", termination=Termination.FEASIBLE, objective=None,
                              best_bound=root.bound, wall_s=root.wall_s, solver=root.solver))
    t = time.perf_counter()
    y = support_plan(inst, root, x, time_limit_s=remaining(SUPPORT_SHARE))
    if y is not None and cheaper(inst, y, x):
        x = y
        note(inst.plan_cost(x), None)
    stages.append(StageReport(name="grade_support", termination=Termination.FEASIBLE,
                              objective=inst.plan_cost(x) / gamma, best_bound=None, wall_s=time.perf_counter() - t,
                              solver="highs branch-and-cut (highspy)"))

    def on_plan(values: np.ndarray) -> None:  # HiGHS's plans: their cost is the model's objective x gamma
        note(float(np.round(model.objective_value(values))) * gamma, None)

    sol = solve_mip(model, time_limit_s=remaining(), relative_gap=relative_gap, start=district.plan_vector(inst, x),
                    on_plan=on_plan, on_bound=lambda b: note(None, yuan(max(root.bound, b))))
    if sol.values is not None:
        last = model.block(sol.values, "x") > 0.5
        if meets(inst, last) and cheaper(inst, last, x):
            x = last
    bound = max(root.bound, sol.bound if sol.bound is not None else -np.inf)
    term = Termination.OPTIMAL if sol.optimal else Termination.FEASIBLE
    stages.append(StageReport(name="grade_min_cost", termination=term, objective=inst.plan_cost(x) / gamma,
                              best_bound=bound, wall_s=sol.wall_s, solver=sol.solver))
    return x, term, bound
