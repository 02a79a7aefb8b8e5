"""Lagrangian bound and reduced-cost fixing for the textbook MCLP (a budget of p sites).

The model (models/mclp.py, cardinality shape: every option its own site, one price):

    max  sum_k W_k y_k   s.t.  y_k <= sum_j a_kj x_j  (k),   sum_j x_j <= p,
                               x_j in {0,1},  0 <= y_k <= 1

Relaxing the coverage rows with multipliers lambda_k >= 0 gives, for every lambda,

    L(lambda) = sum_k max(0, W_k - lambda_k)  +  (sum of the p largest rho_j),
    rho_j     = sum_k a_kj lambda_k,

an upper bound on the coverage of every plan. The subproblem has the integrality
property, so at the LP duals lambda* (solver/engine/backends/highs_lp.py) L(lambda*) equals the
LP bound; any lambda stays valid however inaccurate the LP solve, because L is
recomputed here from the raw incidence.

Reduced-cost fixing (e.g. Galvão & ReVelle 1996; Cordeau, Furini & Ljubić 2019): let T
be the p sites with the largest rho and rho_(p) the smallest of them. A plan that opens
a site j outside T is bounded by the same relaxation with x_j = 1 forced,

    L_j = L(lambda) - rho_(p) + rho_j.

If L_j < z + delta (z: the incumbent's coverage, delta: the coverage granularity), no
plan opening j covers more than the incumbent, so x_j = 0 can be fixed. When ties in
coverage are broken by cost, fixing needs L_j < z (a plan opening j then covers strictly
less). The incumbent's own sites are never fixed, so it stays a plan of the reduced model.

When the LP does not solve within its time (the largest cities on a loaded machine),
``subgradient_bound`` minimises L(lambda) by projected subgradient steps (Held, Wolfe &
Crowder 1974; Polyak steps towards the incumbent's value) over 0 <= lambda <= W: every
iterate is a valid bound, the best one is kept, so the bound is never the trivial one.
"""


from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from models.instance import Instance
from models.mclp import build_max_coverage

from .backends.highs_lp import solve_relaxation

# The LP root runs on textbook-shaped instances with at least this many options after reduction
# (benchmarks/README.md, "Solver constants").
ROOT_MIN_OPTIONS = 300


def budget_sites(inst: Instance) -> int | None:
    """p, the number of sites the budget buys, for a cardinality-shaped instance (else None)."""
    if inst.budget is None or not inst.is_cardinality():
        return None
    unit = float(inst.site_cost[inst.opt_site[0]] + inst.option_cost[0])
    if unit <= 0:
        return None
    return int(np.floor(inst.budget / unit + 1e-9))


def applies(inst: Instance) -> bool:
    """The root bound is used for textbook-shaped max-coverage instances of some size."""
    p = budget_sites(inst)
    return (p is not None and 0 < p < inst.n_options and not inst.item_must.any()
            and inst.n_options >= ROOT_MIN_OPTIONS)


def lagrangian_value(inst: Instance, lam: np.ndarray, p: int) -> tuple[float, np.ndarray]:
    """L(lambda) and rho (per option) for multipliers ``lam`` >= 0 (one per item)."""
    lam = np.clip(np.asarray(lam, dtype=float), 0.0, None)
    rho = inst.cover.T.tocsr() @ lam
    top = np.sort(rho)[::-1][:p]
    return float(np.maximum(inst.item_weight - lam, 0.0).sum() + top.sum()), rho


@dataclass(frozen=True, kw_only=True)
class RootLP:
    """The LP root of a textbook-shaped instance: Lagrangian bound at the LP duals."""

    p: int  # sites the budget buys
    bound: float  # L(lambda*): no plan covers more
    lp_objective: float  # the LP value HiGHS reported (L is recomputed, not read off)
    rho: np.ndarray  # rho_j per option at lambda*
    x_lp: np.ndarray  # the LP's site values (for rounding)
    wall_s: float
    solver: str

    def proves(self, coverage: float, delta: float) -> bool:
        """No plan covers ``coverage`` + delta or more: a plan covering ``coverage`` is optimal."""
        return self.bound < coverage + delta - 1e-9 * max(1.0, abs(coverage))

    def fixed_to_zero(self, threshold: float, protect: np.ndarray) -> np.ndarray:
        """Bool per option: L_j < threshold, so x_j = 0 can be fixed; ``protect``ed options never are."""
        order = np.argsort(-self.rho, kind="stable")
        in_top = np.zeros(len(self.rho), dtype=bool)
        in_top[order[:self.p]] = True
        with_j = self.bound - self.rho[order[self.p - 1]] + self.rho
        tol = 1e-9 * max(1.0, abs(threshold))
        return (with_j < threshold - tol) & ~in_top & ~np.asarray(protect, dtype=bool)


def solve_root(inst: Instance, *, time_limit_s: float) -> RootLP | None:
    """LP relaxation in HiGHS and the Lagrangian bound at its duals (None if the LP did not solve)."""
    import scipy

    t0 = time.perf_counter()
    p = budget_sites(inst)
    if p is None:
        raise ValueError("solve_root needs a cardinality-shaped instance with a budget")
    model = build_max_coverage(inst, cheapest=False)
    lp = solve_relaxation(model, time_limit_s=time_limit_s)
    if not lp.optimal or lp.values is None or lp.row_dual is None or lp.objective is None:
        return None
    start, stop = model.row_blocks["coverage"]
    bound, rho = lagrangian_value(inst, np.minimum(lp.row_dual[start:stop], inst.item_weight), p)
    return RootLP(p=p, bound=bound, lp_objective=float(lp.objective), rho=rho, x_lp=model.block(lp.values, "x"),
                  wall_s=time.perf_counter() - t0, solver=f"highs-ipm (scipy {scipy.__version__})")


def subgradient_bound(inst: Instance, *, target: float, deadline: float, iterations: int = 2000) -> float:
    """min over the iterates lambda of L(lambda): an upper bound on every plan's coverage.

    Projected subgradient descent on L over 0 <= lambda_k <= W_k, from the best lambda_k = c W_k / |N(k)|
    on a grid of c, with Polyak steps theta (L - target) / |g|^2 (``target``: an incumbent's coverage),
    theta halved after 20 steps without a better bound. Stops after ``iterations`` steps or
    at ``deadline`` (time.perf_counter()).
    """
    p = budget_sites(inst)
    if p is None:
        raise ValueError("subgradient_bound needs a cardinality-shaped instance with a budget")
    w = np.asarray(inst.item_weight, dtype=float)
    rows = inst.cover.tocsr()
    cols = inst.cover.T.tocsr()
    degree = np.maximum(np.diff(rows.indptr), 1)
    best = float(np.clip(w, 0.0, None).sum())
    lam = np.zeros_like(w)
    for c in np.geomspace(0.01, 100.0, 25):  # the best start on the ray lambda = c W / |N(k)|
        trial = np.minimum(w, c * w / degree)
        value, _ = lagrangian_value(inst, trial, p)
        if value < best:
            best, lam = value, trial
    theta, stale = 1.0, 0
    for _ in range(iterations):
        if time.perf_counter() > deadline:
            break
        rho = cols @ lam
        top = np.argpartition(-rho, p - 1)[:p]
        value = float(np.maximum(w - lam, 0.0).sum() + rho[top].sum())
        if value < best - 1e-9 * max(1.0, best):
            best, stale = value, 0
        else:
            stale += 1
            if stale >= 20:
                theta, stale = theta / 2, 0
                if theta < 1e-4:
                    break
        # dL/dlambda_k = (k's sites among the top p) - [lambda_k < W_k]
        g = np.asarray(rows[:, top].sum(axis=1)).ravel() - (lam < w)
        norm = float(g @ g)
        if norm == 0.0:
            break
        lam = np.clip(lam - theta * max(value - target, 0.0) / norm * g, 0.0, w)
    return best
