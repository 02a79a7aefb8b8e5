"""The solver core for the general (district) max-coverage model: a strengthened LP root,
LP-guided rounding, reduced-cost fixing, then SCIP on what is left.

The model is models/mclp.py (knapsack budget over conversion + fit-out costs, areas, street
caps, must-open, must-cover). Its LP relaxation is weak where a space cannot hold all its
eligible services: x_o = A_j / (sum r_s) spreads the space over every service. The root adds,
for every space j with options O_j and every minimal cover C of its area row (a set of options
whose areas exceed A_j while every proper subset fits),

    sum_{o in C} x_o <= (|C| - 1) u_j                        (area cover inequalities)

valid for every plan: u_j = 0 closes every option of j (x_o <= u_j), and at most |C| - 1 of
C fit when j is open. A pair that does not fit together gives x_o + x_o' <= u_j.

Root (``solve_root``): the LP relaxation of the strengthened model without the cost term,
by HiGHS's interior point method without crossover (solver/engine/backends/highs_lp.py);
its bound is recomputed from the raw model at the LP's row duals (solver/engine/bounds.py), so
an inexact LP never gives an invalid bound.

Incumbent: the options the LP opens (x_o >= 1/2, largest first, while feasible), then the
greedy fill and the local search of solver/engine/local_search.py; the better of this and the
greedy warm start is kept.

Fixing: with L the root bound and d the reduced costs, a plan that opens option o (or
space j) covers at most L + d_o (L + d_u); below the incumbent's coverage z (z + delta
when cost ties are not broken) it cannot beat the incumbent, and x_o = 0 (u_j = 0) is fixed.
The incumbent's own options are never fixed. The rest is solved by SCIP (with the area
cover rows) from the incumbent, and the bound reported is

    min(L, L_B, max(bound of the rest, z)),

valid because a plan using a fixed option covers no more than z.

Lagrangian bound of the budget (``budget_relaxed_model``, ``lagrangian_bound``). For any price
mu >= 0 and any plan x within the budget (cost(x) <= B),

    coverage(x) <= coverage(x) + mu (B - cost(x)) <= mu B + max_{x' in X} [coverage(x') - mu cost(x')]  =: L_B(mu),

X: the plans without the budget row (areas, area covers, caps, must-open and must-cover kept). The
maximum is a MIP (the subproblem), and any bound on it from a solver's dual bound gives a valid L_B,
also one read while the solver runs (HiGHS's, reported as it improves: solve._budget_lagrangian).
At mu = the LP's budget dual it is far below the LP bound on the synthetic districts: the LP's gap
comes from the coverage rows, which the subproblem keeps integral, not from the knapsack
(benchmarks/README.md, "District core"); and the subproblem, without the one dense row that links
every space, is much easier for SCIP (its root LP in 3.8 s where the full model's takes 45 s at
50 streets). A subproblem plan x_mu within the budget is optimal among plans spending at most
cost(x_mu) (Everett 1963); one beyond it is cut down to the budget (``within_budget``).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy.sparse import csr_matrix, vstack

from models.instance import Instance
from models.linear import LinearModel
from models.lscp import build_cover
from models.mclp import build_max_coverage
from models.structure import cost_coefficients, plan_layout

from .backends.highs_lp import solve_mip, solve_relaxation_ipm
from .backends.pdlp_lp import solve_relaxation_pdlp
from .bounds import dual_bound
from .heuristics import Prepared, _greedy_fill, _State, greedy_max_coverage
from .local_search import improve

# Minimal covers of an area row are enumerated up to this many options (a space rarely holds more).
MAX_COVER_SIZE = 4
# The root runs on general (non-cardinality) instances with at least this many options.
ROOT_MIN_OPTIONS = 200
# Relative gap at which a support model stops: it is a heuristic, and HiGHS spent about half of its
# time proving a plan it had found (50 streets, 2 M yuan per street: 4.0 of 8.2 s).
SUPPORT_GAP = 1e-4
# HiGHS options of the support models: its root reduced-cost heuristic (a RENS on the reduced costs) repeats
# what the support model is; without it the first better plan came sooner on 13 of 16 synthetic districts
# and the model ended sooner on most (benchmarks/README.md, "District core").
SUPPORT_OPTIONS = {"mip_heuristic_run_root_reduced_cost": False}


def applies(inst: Instance) -> bool:
    """The district core is for general-shaped max-coverage instances of some size (combined formats,
    whose hosted services and shared fit-out its rounding does not model, keep the plain path)."""
    return inst.n_options >= ROOT_MIN_OPTIONS and not inst.is_cardinality() and not inst.has_combinations


def area_cover_rows(inst: Instance) -> tuple[csr_matrix, np.ndarray]:
    """The area cover inequalities  sum_C x_o - (|C| - 1) u_j <= 0  as (A, row_ub), over the plan
    variables of models/structure.py (x first, then u)."""
    layout = plan_layout(inst)
    order = np.argsort(inst.opt_site, kind="stable")
    starts = np.searchsorted(inst.opt_site[order], np.arange(inst.n_sites + 1))
    area = inst.option_area
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    n = 0
    for j in range(inst.n_sites):
        opts = order[starts[j]:starts[j + 1]]
        cap = float(inst.site_area[j])
        if len(opts) < 2 or not np.isfinite(cap) or area[opts].sum() <= cap + 1e-9:
            continue
        fits = opts[area[opts] <= cap + 1e-9]  # an option that never fits is closed by its area row
        for size in range(2, min(MAX_COVER_SIZE, len(fits)) + 1):
            for c in itertools.combinations(fits.tolist(), size):
                a = area[list(c)]
                total = float(a.sum())
                if total <= cap + 1e-9 or np.any(total - a > cap + 1e-9):
                    continue  # fits, or not minimal
                rows += [n] * (size + 1)
                cols += [*c, int(layout.site_var[j])]
                vals += [1.0] * size + [-(size - 1.0)]
                n += 1
    A = csr_matrix((vals, (rows, cols)), shape=(n, layout.n_plan_vars))
    return A, np.zeros(n)


def strengthened_model(inst: Instance, *, cheapest: bool) -> LinearModel:
    """models/mclp.py's model with the area cover rows appended (row block ``area_cover``)."""
    return with_area_covers(build_max_coverage(inst, cheapest=cheapest), inst)


def strengthened_cover(inst: Instance) -> LinearModel:
    """models/lscp.py's full-coverage model with the area cover rows appended (row block ``area_cover``):
    the same integer plans, a tighter LP (s20 full coverage: LP bound 44.04 -> 45.29 M yuan of 46.51 M)."""
    return with_area_covers(build_cover(inst), inst)


def with_area_covers(model: LinearModel, inst: Instance) -> LinearModel:
    """``model`` (plan variables of models/structure.py first) with the area cover rows of ``inst``."""
    A_c, ub = area_cover_rows(inst)
    if A_c.shape[0] == 0:
        return model
    extra = csr_matrix((A_c.data, A_c.indices, A_c.indptr), shape=(A_c.shape[0], model.n_vars))
    start = model.n_rows
    return replace(model, A=vstack([model.A, extra]).tocsr(),
                   row_lb=np.concatenate([model.row_lb, np.full(len(ub), -np.inf)]),
                   row_ub=np.concatenate([model.row_ub, ub]),
                   row_blocks={**model.row_blocks, "area_cover": (start, start + len(ub))})


@dataclass(frozen=True, kw_only=True)
class DistrictRoot:
    bound: float  # no plan covers more (weak duality at the LP duals, recomputed)
    lp_objective: float  # what HiGHS reported
    x_lp: np.ndarray  # LP values of the options
    option_with: np.ndarray  # per option: bound on the coverage of any plan that opens it
    site_with: np.ndarray  # per site: bound on the coverage of any plan that opens it (inf: no own variable)
    cover_rows: int
    wall_s: float
    solver: str
    budget_dual: float | None = None  # the LP's price of the budget row (yuan -> coverage), >= 0

    def proves(self, coverage: float, delta: float) -> bool:
        return self.bound < coverage + delta - 1e-9 * max(1.0, abs(coverage))

    def fixed_to_zero(self, inst: Instance, threshold: float, protect: np.ndarray) -> np.ndarray:
        """Bool per option: opening it (or its space) bounds coverage below ``threshold``."""
        tol = 1e-9 * max(1.0, abs(threshold))
        out = (self.option_with < threshold - tol) | (self.site_with[inst.opt_site] < threshold - tol)
        return out & ~np.asarray(protect, dtype=bool)


def solve_root(inst: Instance, *, time_limit_s: float) -> DistrictRoot | None:
    """The strengthened LP relaxation (coverage only) and its valid bound; None if the LP gave no duals."""

    t0 = time.perf_counter()
    model = strengthened_model(inst, cheapest=False)
    lp = solve_relaxation_ipm(model, time_limit_s=time_limit_s)
    if lp.row_dual is None or lp.values is None:
        return None  # (a stopped IPM's duals still give a valid, weaker, bound)
    db = dual_bound(model, lp.row_dual)
    forced = db.forced_bound(model.lb, model.ub)
    # only the move 0 -> 1 matters for fixing to 0: variables whose reduced cost is negative
    with_var = np.where(db.reduced < 0, forced, db.bound)
    layout = plan_layout(inst)
    site_with = np.full(inst.n_sites, np.inf)
    has = layout.site_var >= 0
    site_with[has] = with_var[layout.site_var[has]]
    start, stop = model.row_blocks.get("area_cover", (0, 0))
    lp_value = np.nan if lp.objective is None else lp.objective
    b = model.row_blocks.get("budget")
    mu = None if b is None else float(max(0.0, np.nan_to_num(lp.row_dual[b[0]])))
    return DistrictRoot(bound=db.bound, lp_objective=lp_value, x_lp=model.block(lp.values, "x"),
                        option_with=with_var[:inst.n_options], site_with=site_with, cover_rows=stop - start,
                        wall_s=time.perf_counter() - t0, solver="highs-ipm, no crossover (highspy)", budget_dual=mu)


def rounded_plan(inst: Instance, x_lp: np.ndarray, *, prep: Prepared | None = None,
                 threshold: float = 0.5) -> np.ndarray | None:
    """The options the LP opens (x_lp >= threshold, largest first, while feasible), filled greedily
    and improved by local search; None when that plan misses a must-open service or must-cover item."""
    prep = prep if prep is not None else Prepared(inst)
    st = _State(inst, prep)
    order = np.argsort(-np.asarray(x_lp), kind="stable")
    for o in order[np.asarray(x_lp)[order] >= threshold].tolist():
        if st.feasible(o):
            st.add(o)
    _greedy_fill(st, inst.item_weight, prep.all_opts)
    if inst.feasibility_problems(st.x):
        return None
    x = improve(inst, st.x, prep=prep)
    return None if inst.feasibility_problems(x) else x


def budget_relaxed_model(inst: Instance, mu: float) -> LinearModel:
    """The Lagrangian subproblem of the budget (module docstring):  max coverage(x) - mu cost(x)  over the
    plans of ``inst`` without its budget row (areas, caps, must-open, must-cover and the area cover rows
    kept); the same variables as :func:`strengthened_model`."""
    if mu < 0:
        raise ValueError("the budget's multiplier must be >= 0")
    free = replace(inst, budget=None)
    model = strengthened_model(free, cheapest=False)
    c = cost_coefficients(free, plan_layout(free), model.n_vars)
    return replace(model, name="mclp_budget_lagrangian", objective=model.objective - mu * c)


def budget_price(inst: Instance) -> float | None:
    """The budget's price for the Lagrangian subproblem before the LP root is solved: the budget row's dual
    of the strengthened LP after PRICE_ITERATIONS of PDLP (solver/engine/backends/pdlp_lp.py). Any price
    gives a valid bound; this one's is as good as the root's where it was measured (module docstring of
    pdlp_lp). None without a budget or duals."""
    if inst.budget is None:
        return None
    model = strengthened_model(inst, cheapest=False)
    lp = solve_relaxation_pdlp(model, iterations=PRICE_ITERATIONS)
    b = model.row_blocks.get("budget")
    if lp.row_dual is None or b is None:
        return None
    return float(max(0.0, lp.row_dual[b[0]]))


def lagrangian_bound(inst: Instance, mu: float, sub_bound: float | None) -> float | None:
    """mu B + (a bound on the subproblem's optimum): no plan within the budget covers more."""
    if sub_bound is None or not np.isfinite(sub_bound) or inst.budget is None:
        return None
    return float(mu * inst.budget + sub_bound)


def reach_value(inst: Instance) -> np.ndarray:
    """Per option: the weight of the items it reaches (what it covers alone)."""
    return np.asarray(inst.cover.T @ np.asarray(inst.item_weight, dtype=float)).ravel()


def within_budget(inst: Instance, x: np.ndarray, *, prep: Prepared | None = None) -> np.ndarray | None:
    """A plan from ``x`` (e.g. the Lagrangian subproblem's, which may spend more than the budget): its
    options by coverage per yuan while they fit, then the greedy fill and the local search; None when
    that plan misses a must-open service or must-cover item."""
    x = np.asarray(x, dtype=bool)
    density = reach_value(inst) / np.maximum(inst.opening_cost, 1.0)
    score = np.where(x, 0.5 + 0.5 * density / max(float(density.max(initial=0.0)), 1e-12), 0.0)
    return rounded_plan(inst, score, prep=prep, threshold=0.5)


def support_plan(inst: Instance, root: DistrictRoot, incumbent: np.ndarray, *, time_limit_s: float,
                 cheapest: bool, neighbourhood: float, stop: threading.Event | None = None,
                 found: Callable[[np.ndarray], None] = lambda x: None) -> np.ndarray | None:
    """The best plan that uses only options the LP opens (x_lp > 0), the incumbent uses, or whose
    forced bound is within ``neighbourhood`` of the gap from the root bound (the LP is degenerate: many
    options have reduced cost 0 or near it): a small model (RENS-like, Berthold 2014) solved by
    HiGHS within ``time_limit_s`` (or until ``stop`` is set) to a relative gap of SUPPORT_GAP; None if
    none found. ``found(x)`` is told every feasible plan HiGHS finds on the way."""
    from .reduce import aggregate_items, keep_options

    slack = neighbourhood * max(0.0, root.bound - inst.coverage_value(incumbent))
    keep = (root.x_lp > 1e-6) | incumbent | (root.option_with >= root.bound - slack)
    sub, _, opts = keep_options(inst, keep)
    sub, _ = aggregate_items(sub)  # the same options, far fewer items
    model = strengthened_model(sub, cheapest=cheapest)

    def plan(values: np.ndarray) -> np.ndarray | None:
        x = np.zeros(inst.n_options, dtype=bool)
        x[opts] = model.block(values, "x") > 0.5
        return None if inst.feasibility_problems(x) else x

    def on_plan(values: np.ndarray) -> None:
        x = plan(values)
        if x is not None:
            found(x)

    sol = solve_mip(model, time_limit_s=time_limit_s, relative_gap=SUPPORT_GAP,
                    start=plan_vector(sub, incumbent[opts]), stop=stop, on_plan=on_plan, options=SUPPORT_OPTIONS)
    return None if sol.values is None else plan(sol.values)


def plan_vector(inst: Instance, x: np.ndarray) -> np.ndarray:
    """Values of the variables (x, u, y) of models/mclp.py for the option selection ``x``."""
    layout = plan_layout(inst)
    open_site = np.zeros(inst.n_sites, dtype=bool)
    open_site[inst.opt_site[x]] = True
    return np.concatenate([x.astype(float), open_site[layout.u_sites].astype(float),
                           inst.covered_items(x).astype(float)])


def greedy_plan(inst: Instance, prep: Prepared) -> np.ndarray | None:
    """The greedy warm start improved by local search (solver/engine/heuristics.py, local_search.py)."""
    x = greedy_max_coverage(inst, prep)
    return None if x is None else improve(inst, x, prep=prep)


def better(inst: Instance, a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Plan a beats plan b: more coverage, then less cost (None loses)."""
    if a is None:
        return False
    if b is None:
        return True
    ca, cb = inst.coverage_value(a), inst.coverage_value(b)
    return ca > cb if ca != cb else inst.plan_cost(a) < inst.plan_cost(b)


@dataclass(frozen=True, kw_only=True)
class Outcome:
    x: np.ndarray | None
    proven: bool  # the root proves x optimal (nothing left for a solver)
    bound: float | None  # root bound on coverage, floored to the granularity
    root: DistrictRoot | None


def improve_by_support(inst: Instance, root: DistrictRoot, x: np.ndarray, *, steps, cheapest: bool, remaining,
                       note=lambda coverage: None, stop: threading.Event | None = None) -> np.ndarray:
    """``x`` improved by the support models of ``steps`` (share of the remaining time, neighbourhood),
    each from the best plan so far, until ``stop`` is set; ``note(coverage)`` is told every improvement."""
    best = [x]

    def found(y: np.ndarray) -> None:  # (HiGHS's plans as it finds them: the trace has them when found)
        if better(inst, y, best[0]):
            best[0] = y
            note(inst.coverage_value(y))

    for share, hood in steps:
        if stop is not None and stop.is_set():
            break
        y = support_plan(inst, root, best[0], time_limit_s=remaining(share), cheapest=cheapest, neighbourhood=hood,
                         stop=stop, found=found)
        if y is not None:
            found(y)
    return best[0]


# PDLP iterations for the budget's early price (budget_price): 3,000 took 7.7 s on the full catalogue at 50
# streets and gave the price within 0.2 % of the root's (benchmarks/README.md).
PRICE_ITERATIONS = 3000
# Share of the remaining time for the LP root.
ROOT_SHARE = 0.7
# The support models: (share of the remaining time, neighbourhood): the LP's support first, then
# also the options whose forced bound is within 5 % of the gap left by the first.
SUPPORT_STEPS = ((0.6, 0.0), (0.25, 0.05))


def root_and_incumbent(inst: Instance, hint_x: np.ndarray | None, *, cheapest: bool, remaining,
                       sizes: dict, timings: dict, note=lambda objective, bound: None,
                       steps: tuple[tuple[float, float], ...] = SUPPORT_STEPS,
                       pending: Callable[[], np.ndarray | None] | None = None,
                       after_root: Callable[[DistrictRoot, np.ndarray | None], None] | None = None) -> Outcome:
    """LP root, rounding and support models (``steps``: share of the remaining time, neighbourhood); the
    caller fixes options at its incumbent (``DistrictRoot.fixed_to_zero``) and solves the rest.

    ``hint_x`` is a plan to start from (None: the LP's rounding, or the greedy when that fails), or
    ``pending()`` returns it once the LP is solved (computed meanwhile in another thread);
    ``note(objective, bound)`` is told every improvement; ``after_root(root, hint_x)`` is called once the
    LP is solved, before the rounding (e.g. to start work that needs only the root and a plan)."""
    t = time.perf_counter()
    root = solve_root(inst, time_limit_s=remaining(ROOT_SHARE))
    timings["lp_root"] = time.perf_counter() - t
    if pending is not None:
        hint_x = pending()
    if root is None:
        return Outcome(x=hint_x if hint_x is not None else greedy_plan(inst, Prepared(inst)), proven=False,
                       bound=None, root=None)
    sizes["root_cover_rows"] = root.cover_rows
    delta = inst.coverage_granularity()
    bound = inst.floor_coverage(root.bound)
    note(None if hint_x is None else inst.coverage_value(hint_x), bound)
    if after_root is not None:
        after_root(root, hint_x)
    t = time.perf_counter()
    prep = Prepared(inst)
    x = hint_x
    rounded = rounded_plan(inst, root.x_lp, prep=prep)
    if rounded is None and x is None:
        x = greedy_plan(inst, prep)
    if better(inst, rounded, x):
        x = rounded
    if x is not None:
        note(inst.coverage_value(x), bound)
    timings["rounding"] = time.perf_counter() - t
    if x is not None and (cheapest or not root.proves(inst.coverage_value(x), delta)):
        t = time.perf_counter()
        x = improve_by_support(inst, root, x, steps=steps, cheapest=cheapest, remaining=remaining,
                               note=lambda z: note(z, bound))
        timings["support"] = time.perf_counter() - t
    if x is None:
        return Outcome(x=None, proven=False, bound=bound, root=root)
    return Outcome(x=x, proven=root.proves(inst.coverage_value(x), delta) and not cheapest, bound=bound, root=root)
