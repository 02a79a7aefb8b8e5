"""Street windows: a plan improved one group of neighbouring streets at a time (fix-and-optimise).

For a window W (a set of streets) and the incumbent plan x, the window model is the district
model restricted to the options at sites of W and the options x opens elsewhere, every other
option fixed at 0:

    max  sum_k w_k y_k
    s.t. y_k <= sum_{o in W or x_o = 1} a_ko x_o,
         the budget, areas and area covers, street caps, must-open and must-cover rows of the
         district model over those options,

so its plans are the plans that agree with x outside W except that they may close options x
opens there: budget freed anywhere in the district can pay for options in W (the plans spend
all but a few thousand yuan of the budget, so a window that only reused its own spending could
hardly move). x restricted to those options is feasible in it (the start). A window is a street
and the streets that share the most reachable demand with it (the households options of both
reach) up to WINDOW_OPTIONS options of its own; the next seed is the street where the LP root's
values differ most from the plan (weighted by the demand the options reach), each street once
per round; rounds repeat while one improves the plan.

Each window model is solved by HiGHS (the support models' settings) within WINDOW_SECONDS: a
heuristic, the plans it keeps are checked on the whole instance.
"""

from __future__ import annotations

import threading
import time

import numpy as np
from scipy.sparse import csr_matrix

from models.instance import Instance

from .backends.highs_lp import solve_mip
from .district import SUPPORT_GAP, SUPPORT_OPTIONS, better, plan_vector, reach_value, strengthened_model
from .reduce import aggregate_items, keep_options

# Options of a window's own streets: up to this many (whole streets); with the plan's open options besides
# (about 300 on the full catalogue at 50 streets) its model solved in 0.1-0.6 s there (benchmarks/README.md).
WINDOW_OPTIONS = 400
# Seconds per window model at most.
WINDOW_SECONDS = 4.0


def street_links(inst: Instance) -> np.ndarray:
    """Streets x streets: the weight of the items options of both streets reach (dense, streets are few)."""
    C = inst.cover.tocsr()
    n_groups = int(inst.site_group.max(initial=-1)) + 1
    opt_street = inst.site_group[inst.opt_site]
    rows = np.repeat(np.arange(inst.n_items), np.diff(C.indptr))
    M = csr_matrix((np.ones(C.nnz), (rows, opt_street[C.indices])), shape=(inst.n_items, n_groups))
    M.data[:] = 1.0  # (duplicates summed: reached from the street at all)
    return np.asarray((M.T @ M.multiply(inst.item_weight[:, None]).tocsr()).todense())


def window_of(seed: int, links: np.ndarray, options_per_street: np.ndarray, *, max_options: int) -> np.ndarray:
    """The streets of the window around ``seed``: it and the streets most linked to it, while they fit."""
    streets = [seed]
    n = int(options_per_street[seed])
    for s in np.argsort(-links[seed], kind="stable").tolist():
        if s == seed or links[seed, s] <= 0:
            continue
        if n + options_per_street[s] > max_options:
            break
        streets.append(s)
        n += int(options_per_street[s])
    return np.asarray(streets)


def window_instance(inst: Instance, x: np.ndarray, streets: np.ndarray) -> tuple[Instance, np.ndarray]:
    """The window model's instance (module docstring) and the options of ``inst`` it keeps."""
    in_window = np.isin(inst.site_group[inst.opt_site], streets)
    sub, _, opts = keep_options(inst, in_window | x)
    sub, _ = aggregate_items(sub)  # (drops the items no kept option reaches)
    return sub, opts


def improve_by_windows(inst: Instance, x: np.ndarray, x_lp: np.ndarray, *, deadline: float, cheapest: bool,
                       stop: threading.Event | None = None, note=lambda coverage: None) -> np.ndarray:
    """``x`` improved window by window until ``deadline`` (perf_counter), ``stop`` is set, or a whole round
    of windows finds nothing; ``x_lp``: the LP root's option values; ``note(coverage)`` is told every
    improvement."""
    if inst.n_sites == 0:
        return x
    links = street_links(inst)
    n_streets = links.shape[0]
    opt_street = inst.site_group[inst.opt_site]
    per_street = np.bincount(opt_street, minlength=n_streets)
    value = reach_value(inst)
    improved_in_round = False
    seen = np.zeros(n_streets, dtype=bool)
    seen[per_street == 0] = True
    while time.perf_counter() < deadline - 0.5 and not (stop is not None and stop.is_set()):
        if seen.all():
            if not improved_in_round:
                break
            seen[:] = per_street == 0
            improved_in_round = False
        disagreement = np.bincount(opt_street, weights=np.abs(x_lp - x) * value, minlength=n_streets)
        disagreement[seen] = -1.0
        seed = int(np.argmax(disagreement))
        seen[seed] = True
        sub, opts = window_instance(inst, x, window_of(seed, links, per_street, max_options=WINDOW_OPTIONS))
        if sub.n_items == 0:
            continue
        model = strengthened_model(sub, cheapest=cheapest)
        sol = solve_mip(model, time_limit_s=min(WINDOW_SECONDS, deadline - time.perf_counter()),
                        relative_gap=SUPPORT_GAP, start=plan_vector(sub, x[opts]), stop=stop,
                        options=SUPPORT_OPTIONS)
        if sol.values is None:
            continue
        y = x.copy()
        y[opts] = model.block(sol.values, "x") > 0.5
        if better(inst, y, x) and not inst.feasibility_problems(y):
            x = y
            improved_in_round = True
            note(inst.coverage_value(x))
    return x
