"""Iterated local search for the textbook MCLP (choose p sites, maximise covered weight).

    plan = iterated_local_search(inst, x, work=..., seed=0)

The swap local search of solver/engine/local_search.py scores every swap with sparse matrix
products (general plans: services, prices, areas, street caps); one pass over the
Máximo SanFrancisco instance costs tens of milliseconds, so only a hundred tabu moves
fit in a warm start. This module is the same neighbourhood for the cardinality shape
only (every option its own site, one price, a budget of p sites, no must-cover items),
compiled with numba and run thousands of times from perturbed plans.

Local search (vertex substitution, Teitz & Bart 1968; scores as in Resende & Werneck
2007). With c_i the number of open sites covering customer i and, when c_i = 1, o(i) the
site covering it, the coverage change of closing open site r and opening closed site j is

    delta(r, j) = gain(j) - loss(r) + extra(j, r)
    gain(j)     = sum_{i in N(j), c_i = 0} w_i
    loss(r)     = sum_{i : c_i = 1, o(i) = r} w_i
    extra(j, r) = sum_{i in N(j), c_i = 1, o(i) = r} w_i

gain, loss and once(j) = sum_{i in N(j), c_i = 1} w_i are kept current as sites open and
close: a flip touches only the customers of that site (and their sites). o(i) is read
off the sum of the indices of the open sites covering i (exact while c_i = 1). The best
swap is searched with two bounds, delta(r, j) <= gain(j) (as extra(j, r) <= loss(r)) and
delta(r, j) <= gain(j) + once(j) - min_r loss(r); only sites passing both get their p
swaps scored, from their own customers in O(|N(j)| + p). The descent applies the best
improving swap until none improves.

Iterated local search (Lourenço, Martin & Stützle 2003) with the shaking schedule of
variable neighbourhood search (Hansen & Mladenović 1997, which they applied to the
p-median): each round replaces k random open sites, each by a random closed site covering
one of its customers, and descends. k starts at 1, grows by one after every round that
does not beat the current plan and returns to 1 after one that does (or after K =
min(MAX_KICK, max(2, p / 5))). A plan covering at least as much as the current one is
accepted (plateaus are crossed), else the current plan is restored; after STALL rounds
without a new best plan the search restarts from the best. The effort is counted in work
units (coverage nonzeros and score entries touched), never in seconds, and the random
numbers come from ``seed``, so the result is deterministic.

With ``threads`` > 1 the search runs that many times at once from the same plan, with seeds
seed, seed + 1, ..., and keeps the best plan (ties go to the lowest seed). The compiled
search releases the GIL, so on two cores the second run costs no wall time. All runs end
when the first one stops by its own rules (budget, target or stall) at work W, and each
counts as of W: its best plan among those found with at most W units. Every run is
deterministic up to W and none reads another's plans, so the result does not depend on
the threads' timing, and a run that stalls early does not keep the others going. Independent
seeds differ much more than longer runs do (benchmarks/README.md, "Parallel seeds").
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numba import njit

from models.instance import Instance

from ..errors import DefectError

# Work units (coverage nonzeros and scores touched) per second on the development machine
# (benchmarks/README.md, "Solver constants").
WORK_PER_SECOND = 450_000_000
DEFAULT_WORK = 10 * WORK_PER_SECOND
# Rounds without a new best plan before the search gives up: at least this many per open
# site, and at least twice the rounds it took to find the best plan so far.
MIN_ROUNDS_PER_SITE = 20
STALL = 200  # rounds without a new best plan before restarting from the best
MAX_KICK = 20  # sites replaced per round: up to min(MAX_KICK, max(2, p // 5))


@njit(cache=True, nogil=True)
def _touch(r_ptr, r_idx, w, cnt, owner, gain, once, loss, i, sign):
    """Add (sign = 1) or remove (sign = -1) customer i's share of the move scores."""
    c = cnt[i]
    if c > 1:
        return 0
    v = sign * w[i]
    if c == 0:
        for t in range(r_ptr[i], r_ptr[i + 1]):
            gain[r_idx[t]] += v
    else:
        loss[owner[i]] += v
        for t in range(r_ptr[i], r_ptr[i + 1]):
            once[r_idx[t]] += v
    return r_ptr[i + 1] - r_ptr[i]


@njit(cache=True, nogil=True)
def _flip(c_ptr, c_idx, r_ptr, r_idx, w, cnt, owner, gain, once, loss, is_open, site, sign):
    """Open (sign = 1) or close (sign = -1) ``site``, keeping the scores current.

    Returns (coverage change, work)."""
    d = 0.0
    work = 0
    for t in range(c_ptr[site], c_ptr[site + 1]):
        i = c_idx[t]
        work += _touch(r_ptr, r_idx, w, cnt, owner, gain, once, loss, i, -1)
        if sign > 0 and cnt[i] == 0:
            d += w[i]
        cnt[i] += sign
        owner[i] += sign * site
        if sign < 0 and cnt[i] == 0:
            d -= w[i]
        work += _touch(r_ptr, r_idx, w, cnt, owner, gain, once, loss, i, 1)
    is_open[site] = sign > 0
    return d, work + c_ptr[site + 1] - c_ptr[site]


@njit(cache=True, nogil=True)
def _best_swap(c_ptr, c_idx, w, cnt, owner, gain, once, loss, is_open, opened, extra, ub, tol):
    """The best improving swap (slot k of ``opened`` out, site j in) as (delta, k, j, work);
    k = -1 when none improves. Two bounds on delta(r, j) pass most sites over without
    scoring their p swaps. ``extra`` (zeros) and ``ub`` are per-site scratch arrays."""
    p = len(opened)
    min_loss = np.inf
    for k in range(p):
        if loss[opened[k]] < min_loss:
            min_loss = loss[opened[k]]
    # extra(j, r) <= loss(r) (r's customers covered once that j also covers), so
    # delta(r, j) <= gain(j); and extra(j, r) <= once(j). The site with the largest bound is
    # scored first, then every other site whose bound beats the best swap found so far.
    n = len(gain)
    top, top_u = -1, tol
    for j in range(n):
        u = -np.inf
        if not is_open[j]:
            u = min(gain[j], gain[j] + once[j] - min_loss)
            if u > top_u:
                top, top_u = j, u
        ub[j] = u
    best, best_k, best_j = tol, -1, -1
    work = n
    if top < 0:
        return best, best_k, best_j, work
    for q in range(-1, n):
        j = top if q < 0 else q
        if ub[j] <= best or (q >= 0 and j == top):
            continue
        for t in range(c_ptr[j], c_ptr[j + 1]):
            i = c_idx[t]
            if cnt[i] == 1:
                extra[owner[i]] += w[i]
        for k in range(p):
            r = opened[k]
            d = gain[j] - loss[r] + extra[r]
            if d > best:
                best, best_k, best_j = d, k, j
        for t in range(c_ptr[j], c_ptr[j + 1]):
            i = c_idx[t]
            if cnt[i] == 1:
                extra[owner[i]] = 0.0
        work += 2 * (c_ptr[j + 1] - c_ptr[j]) + p
    return best, best_k, best_j, work


@njit(cache=True, nogil=True)
def _grow(a, n):
    """``a`` with room for at least n + 1 rows (doubling)."""
    if n < a.shape[0]:
        return a
    out = np.empty((2 * a.shape[0],) + a.shape[1:], a.dtype)
    out[:n] = a[:n]
    return out


@njit(cache=True, nogil=True)
def _ils(c_ptr, c_idx, r_ptr, r_idx, w, n_sites, start, work_limit, min_rounds, stall, max_kick, seed, target, tol,
         stops, me, halt):
    """One run. ``stops`` is shared by the runs going at once: each writes at ``stops[me]`` the
    work at which it stops by its own rules, and stops early once its work reaches the smallest
    entry (the caller takes every run's best plan as of that work, so timing never matters).
    ``halt[0]`` != 0 (set by the caller's clock) stops the run after its round, as a stop by
    its own rules at the work reached.
    Returns the end-of-round work of every round, and every new best plan with its work."""
    np.random.seed(seed)
    p = len(start)
    n_items = len(w)
    cnt = np.zeros(n_items, np.int64)
    owner = np.zeros(n_items, np.int64)
    gain = np.zeros(n_sites)
    once = np.zeros(n_sites)
    loss = np.zeros(n_sites)
    extra = np.zeros(n_sites)
    ub = np.empty(n_sites)
    is_open = np.zeros(n_sites, np.bool_)
    for i in range(n_items):
        _touch(r_ptr, r_idx, w, cnt, owner, gain, once, loss, i, 1)
    opened = start.copy()
    value = 0.0
    work = 0
    for k in range(p):
        d, wk = _flip(c_ptr, c_idx, r_ptr, r_idx, w, cnt, owner, gain, once, loss, is_open, opened[k], 1)
        value += d
        work += wk
    round_work = np.empty(64, np.int64)
    best_plans = np.empty((8, p), np.int64)
    best_values = np.empty(8)
    best_work = np.empty(8, np.int64)
    n_best = 0  # best_plans[n_best - 1] is the best plan so far
    best_value = -np.inf
    cur, cur_value = opened.copy(), -np.inf
    since = 0
    rounds = 0
    at_best = 0
    kick = 1
    while True:
        if rounds > 0:  # the first round is the descent from the start alone
            if not (work < work_limit and best_value < target - tol and halt[0] == 0
                    and rounds - at_best <= max(min_rounds, 2 * at_best)):
                stops[me] = work
                break
            if work >= stops.min():
                break
            for _ in range(kick):
                k = np.random.randint(p)
                r = opened[k]
                if c_ptr[r + 1] == c_ptr[r]:
                    continue
                i = c_idx[c_ptr[r] + np.random.randint(c_ptr[r + 1] - c_ptr[r])]
                j = r_idx[r_ptr[i] + np.random.randint(r_ptr[i + 1] - r_ptr[i])]
                if is_open[j]:
                    continue
                d1, w1 = _flip(c_ptr, c_idx, r_ptr, r_idx, w, cnt, owner, gain, once, loss, is_open, r, -1)
                d2, w2 = _flip(c_ptr, c_idx, r_ptr, r_idx, w, cnt, owner, gain, once, loss, is_open, j, 1)
                opened[k] = j
                value += d1 + d2
                work += w1 + w2
        while True:  # descent: best improving swap until none
            d, k, j, wk = _best_swap(c_ptr, c_idx, w, cnt, owner, gain, once, loss, is_open, opened, extra, ub, tol)
            work += wk
            if k < 0:
                break
            d1, w1 = _flip(c_ptr, c_idx, r_ptr, r_idx, w, cnt, owner, gain, once, loss, is_open, opened[k], -1)
            d2, w2 = _flip(c_ptr, c_idx, r_ptr, r_idx, w, cnt, owner, gain, once, loss, is_open, j, 1)
            opened[k] = j
            value += d1 + d2
            work += w1 + w2
        since += 1
        rounds += 1
        if value > best_value + tol:
            best_value, since, at_best = value, 0, rounds
            best_plans = _grow(best_plans, n_best)
            best_values = _grow(best_values, n_best)
            best_work = _grow(best_work, n_best)
            best_plans[n_best] = opened
            best_values[n_best] = value
            best_work[n_best] = work
            n_best += 1
        kick = 1 if value > cur_value + tol or kick >= max_kick else kick + 1
        if value >= cur_value - tol:
            cur, cur_value = opened.copy(), value
        else:
            restart = since >= stall
            back = best_plans[n_best - 1] if restart else cur
            for k in range(p):
                if opened[k] != back[k]:
                    d, wk = _flip(c_ptr, c_idx, r_ptr, r_idx, w, cnt, owner, gain, once, loss, is_open, opened[k], -1)
                    work += wk
            for k in range(p):
                if opened[k] != back[k]:
                    d, wk = _flip(c_ptr, c_idx, r_ptr, r_idx, w, cnt, owner, gain, once, loss, is_open, back[k], 1)
                    work += wk
                    opened[k] = back[k]
            if restart:
                cur, cur_value, since = best_plans[n_best - 1].copy(), best_value, 0
            value = cur_value
        round_work = _grow(round_work, rounds - 1)
        round_work[rounds - 1] = work
    return round_work[:rounds], best_plans[:n_best], best_values[:n_best], best_work[:n_best]


def applies(inst: Instance) -> bool:
    """Textbook shape (Instance.is_cardinality: every option its own site, one price) with a
    budget and no must-cover items."""
    return inst.is_cardinality() and inst.budget is not None and not inst.item_must.any()


@dataclass(frozen=True, kw_only=True)
class SearchResult:
    x: np.ndarray  # bool per option: the best plan met (never worse than the start)
    coverage: float  # its weighted coverage, recomputed from the instance
    rounds: int  # perturb-and-descend rounds run, summed over the runs
    work: int  # work units spent, summed over the runs
    seed: int  # the seed of the run whose plan this is
    halted: bool = False  # the clock (``seconds``) stopped the runs before their own rules did


def iterated_local_search(inst: Instance, x: np.ndarray, *, work: int = DEFAULT_WORK,
                          min_rounds: int | None = None, seed: int = 0, target: float = np.inf,
                          threads: int = 1, seconds: float | None = None) -> SearchResult:
    """Improve the plan ``x`` (a bool per option; its size is kept) by the iterated local search.

    Each run stops after ``work`` units, once a plan covers ``target`` (e.g. a proven bound),
    or when the rounds since the last new best plan exceed both ``min_rounds`` (default
    MIN_ROUNDS_PER_SITE per open site) and twice the rounds it took to find that plan (a
    start that is already optimal costs about ``min_rounds`` rounds). ``threads`` runs
    (seeds seed, seed + 1, ...) go at once; the best plan is returned, the lowest seed on ties.
    """
    if not applies(inst):
        raise ValueError("iterated_local_search needs a textbook-shaped instance (see solver/engine/ils.py)")
    x = np.asarray(x, dtype=bool)
    if x.shape != (inst.n_options,):
        raise ValueError(f"x must be a bool per option ({inst.n_options}); got shape {x.shape}")
    if threads < 1:
        raise ValueError(f"threads must be at least 1; got {threads}")
    start = np.flatnonzero(x).astype(np.int64)
    if len(start) == 0 or len(start) >= inst.n_options:
        return SearchResult(x=x.copy(), coverage=inst.coverage_value(x), rounds=0, work=0, seed=seed)
    if min_rounds is None:
        min_rounds = MIN_ROUNDS_PER_SITE * len(start)
    rows, cols = inst.cover.tocsr(), inst.cover.tocsc()
    w = np.asarray(inst.item_weight, dtype=float)
    tol = 1e-9 * max(1.0, float(np.abs(w).sum()))
    arrays = (cols.indptr.astype(np.int64), cols.indices.astype(np.int64),
              rows.indptr.astype(np.int64), rows.indices.astype(np.int64), w)
    kick = min(MAX_KICK, max(2, len(start) // 5))

    stops = np.full(threads, np.iinfo(np.int64).max, dtype=np.int64)
    halt = np.zeros(1, dtype=np.int64)

    def run(k: int):
        return _ils(*arrays, inst.n_options, start, int(work), int(min_rounds), STALL, kick, seed + k, float(target),
                    tol, stops, k, halt)

    clock = None
    if seconds is not None:
        clock = threading.Timer(max(0.0, float(seconds)), halt.fill, args=(1,))
        clock.daemon = True
        clock.start()
    try:
        if threads == 1:
            runs = [run(0)]
        else:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                runs = list(pool.map(run, range(threads)))
    finally:
        if clock is not None:
            clock.cancel()
    # Every run as of the work at which the first one stopped by its own rules.
    until = int(stops.min())
    rounds = spent = 0
    top, best, k_best = -np.inf, None, 0
    for k, (round_work, plans, values, at_work) in enumerate(runs):
        done = int(np.searchsorted(round_work, until, side="right"))
        rounds += done
        spent += int(round_work[done - 1]) if done else 0
        kept = int(np.searchsorted(at_work, until, side="right"))
        if kept and values[kept - 1] > top + tol:
            top, best, k_best = float(values[kept - 1]), plans[kept - 1], k
    out = np.zeros(inst.n_options, dtype=bool)
    out[best] = True
    coverage = inst.coverage_value(out)
    if abs(coverage - top) > 1e-6 * max(1.0, abs(coverage)):
        raise DefectError(f"iterated local search tracked coverage {top} but its plan covers {coverage}")
    if int(out.sum()) != len(start) or coverage < inst.coverage_value(x):
        raise DefectError("iterated local search lost a site or coverage")
    return SearchResult(x=out, coverage=coverage, rounds=rounds, work=spent, seed=seed + k_best,
                        halted=bool(halt[0]))


def warm_up() -> None:
    """Compile the search (or load it from numba's cache) by running it on a tiny instance, with
    the argument types of a real call; solver/engine/warmup.py runs this in a background thread."""
    from scipy.sparse import csr_matrix

    from models.instance import pure_instance

    cover = csr_matrix(np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=np.int8))
    inst = pure_instance(cover, np.array([3.0, 1.0, 2.0, 4.0]), p=1)
    iterated_local_search(inst, np.array([False, True, False]), work=1_000, threads=1)
