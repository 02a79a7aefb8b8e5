"""Local search that improves a feasible plan before it is handed to the solver as a hint.

Plans are compared lexicographically: more weighted coverage, then less cost.
Moves, repeated until none improves:

* **swap** — close one open option and open another option of the same service
  (vertex substitution, Teitz & Bart 1968). All swaps are scored at once with the
  sparse identity used by fast swap-based local search (Resende & Werneck 2007):
  with c_k the number of open options covering item k,

      delta(o -> o') = gain(o') + M[o', o] - loss(o)
      gain(o')  = sum_{k in N(o'), c_k = 0} W_k
      loss(o)   = sum_{k in N(o),  c_k = 1} W_k
      M[o', o]  = sum_{k in N(o') & N(o), c_k = 1} W_k

  (M = C^T diag(W [c = 1]) C restricted to candidate x open options); the best
  feasible improving swap is applied (budget, areas, street caps and must-cover
  items are checked per pair in O(1) from tallies of the current plan);
* **fill** — the greedy spends whatever budget is left;
* **drop** — close an option whose items are all covered twice (saves money);
* **move** — close every option of one space and let the greedy spend the freed
  money anywhere (moves money between services and streets).

``tabu_search`` escapes the local optimum: it keeps taking the best admissible
swap even when coverage drops, with recently moved options tabu (Glover 1989).
Its effort is a number of moves, never a clock, so the result is deterministic
(what it gains: benchmarks/README.md, "Solver constants").
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import diags

from models.instance import Instance

from .heuristics import Prepared, _greedy_fill, _State


def _key(inst: Instance, x: np.ndarray) -> tuple[float, float]:
    return inst.coverage_value(x), -inst.plan_cost(x)


class _Tallies:
    """Spending, areas and counts of a plan, for feasibility checks of many swaps at once."""

    def __init__(self, inst: Instance, x: np.ndarray):
        self.inst = inst
        self.opt_cost = inst.option_cost
        self.opt_area = inst.option_area
        self.n_open_at = np.bincount(inst.opt_site[x], minlength=inst.n_sites)
        self.area = np.bincount(inst.opt_site[x], weights=self.opt_area[x], minlength=inst.n_sites)
        self.spent = inst.plan_cost(x)
        n_groups = int(inst.site_group.max()) + 1 if inst.n_sites else 1
        is_open = self.n_open_at > 0
        spend_at = inst.site_cost * is_open + np.bincount(inst.opt_site[x], weights=self.opt_cost[x],
                                                          minlength=inst.n_sites)
        self.g_sites = np.bincount(inst.site_group[is_open], minlength=n_groups)
        self.g_spent = np.bincount(inst.site_group, weights=spend_at, minlength=n_groups)
        self.max_sites = np.full(n_groups, np.inf)  # (inf: no cap, and every comparison passes)
        self.max_cost = np.full(n_groups, np.inf)
        for cap in inst.group_caps:
            if cap.max_sites is not None:
                self.max_sites[cap.group] = cap.max_sites
            if cap.max_cost is not None:
                self.max_cost[cap.group] = cap.max_cost

    def swaps_ok(self, o: np.ndarray, o2: np.ndarray) -> np.ndarray:
        """Bool per pair: closing option o[i] and opening o2[i] keeps budget, areas and street caps."""
        inst = self.inst
        j, j2 = inst.opt_site[o], inst.opt_site[o2]
        moves = j2 != j  # within one space no conversion cost moves
        closes_j = moves & (self.n_open_at[j] == 1)
        opens_j2 = moves & (self.n_open_at[j2] == 0)
        saved = self.opt_cost[o] + np.where(closes_j, inst.site_cost[j], 0.0)
        added = self.opt_cost[o2] + np.where(opens_j2, inst.site_cost[j2], 0.0)
        ok = np.ones(len(o), dtype=bool)
        if inst.budget is not None:
            ok &= self.spent - saved + added <= inst.budget * (1 + 1e-12) + 1e-9
        area2 = self.area[j2] + self.opt_area[o2] - np.where(moves, 0.0, self.opt_area[o])
        ok &= area2 <= inst.site_area[j2] + 1e-9
        if inst.group_caps:
            g, g2 = inst.site_group[j], inst.site_group[j2]
            same = g2 == g
            # the group of the closed option (and of the opened one when it is the same)
            d_sites = -closes_j.astype(np.int64) + (opens_j2 & same)
            d_cost = -saved + np.where(same, added, 0.0)
            ok &= ((self.g_sites[g] + d_sites <= self.max_sites[g])
                   & (self.g_spent[g] + d_cost <= self.max_cost[g] + 1e-9))
            # the group of the opened option, when it is another
            ok &= same | ((self.g_sites[g2] + opens_j2 <= self.max_sites[g2])
                          & (self.g_spent[g2] + added <= self.max_cost[g2] + 1e-9))
        return ok


def _swap_deltas(inst: Instance, x: np.ndarray, prep: Prepared):
    """Coverage change of every same-service swap (open options x candidates), or None.

    Returns (open options, candidate options, delta[candidate, open]); swaps across
    services and swaps that would uncover a must-cover item are -inf.
    """
    cols = prep.cols_f
    W = inst.item_weight
    cnt = np.asarray(inst.cover @ x.astype(np.int64)).ravel()
    one = cnt == 1
    gain = cols.T @ (W * (cnt == 0))
    loss = cols.T @ (W * one)
    open_o = np.flatnonzero(x)
    cand = np.flatnonzero(~x & (gain > 0))
    if len(open_o) == 0 or len(cand) == 0:
        return None
    delta = np.full((len(cand), len(open_o)), -np.inf)
    svc_c, svc_o = inst.opt_service[cand], inst.opt_service[open_o]
    shared = diags(W * one)
    for s in np.intersect1d(svc_c, svc_o):  # only same-service swaps: one block per service
        a, b = np.flatnonzero(svc_c == s), np.flatnonzero(svc_o == s)
        block = (cols[:, cand[a]].T.tocsr() @ shared @ cols[:, open_o[b]]).toarray()
        delta[np.ix_(a, b)] = gain[cand[a]][:, None] + block - loss[open_o[b]][None, :]
    if inst.item_must.any():
        must_one = (inst.item_must & one).astype(float)
        must_loss = cols.T @ must_one
        sole = np.flatnonzero(must_loss[open_o] > 1e-9)  # open options that alone cover a must-cover item
        if len(sole):
            kept = (cols[:, cand].T.tocsr() @ diags(must_one) @ cols[:, open_o[sole]]).toarray()
            lost = (must_loss[open_o[sole]][None, :] - kept) > 1e-9
            delta[:, sole] = np.where(lost, -np.inf, delta[:, sole])
    return open_o, cand, delta


def _first_feasible(inst: Instance, x: np.ndarray, open_o, cand, delta, allowed) -> tuple[int, int, float] | None:
    """The swap with the largest delta among ``allowed`` that keeps the plan feasible."""
    flat = np.flatnonzero(allowed & np.isfinite(delta))
    if len(flat) == 0:
        return None
    order = flat[np.argsort(-delta.ravel()[flat], kind="stable")][:2000]
    a, b = np.divmod(order, delta.shape[1])
    ok = np.flatnonzero(_Tallies(inst, x).swaps_ok(open_o[b], cand[a]))
    if len(ok) == 0:
        return None
    k = int(ok[0])
    return int(open_o[b[k]]), int(cand[a[k]]), float(delta[a[k], b[k]])


def _best_swap(inst: Instance, x: np.ndarray, prep: Prepared) -> tuple[int, int] | None:
    """The best improving same-service swap that keeps the plan feasible, or None."""
    found = _swap_deltas(inst, x, prep)
    if found is None:
        return None
    open_o, cand, delta = found
    move = _first_feasible(inst, x, open_o, cand, delta, delta > 1e-9)
    return None if move is None else (move[0], move[1])


def tabu_search(inst: Instance, x: np.ndarray, *, iterations: int, prep: Prepared | None = None,
                tenure: int | None = None) -> np.ndarray:
    """Swap tabu search (Glover 1989): take the best admissible swap even when it loses coverage;
    an option just closed may not reopen, nor one just opened close, for ``tenure`` moves unless
    the move beats the best plan (aspiration). Returns the best plan met. Deterministic."""
    prep = prep if prep is not None else Prepared(inst)
    best, cur = x.copy(), x.copy()
    best_cov = cur_cov = inst.coverage_value(x)
    n_open = int(x.sum())
    tenure = tenure if tenure is not None else max(3, min(20, n_open // 3))
    until = np.full(inst.n_options, -1, dtype=np.int64)
    for it in range(iterations):
        found = _swap_deltas(inst, cur, prep)
        if found is None:
            break
        open_o, cand, delta = found
        free = (until[cand][:, None] < it) & (until[open_o][None, :] < it)
        aspire = cur_cov + delta > best_cov + 1e-9
        move = _first_feasible(inst, cur, open_o, cand, delta, free | aspire)
        if move is None:
            break
        o_out, o_in, d = move
        cur = cur.copy()
        cur[o_out], cur[o_in] = False, True
        cur_cov += d
        until[o_out] = it + tenure
        until[o_in] = it + max(1, tenure // 2)
        if cur_cov > best_cov + 1e-9:
            best, best_cov = cur.copy(), cur_cov
    return best


def _fill(inst: Instance, x: np.ndarray, prep: Prepared) -> np.ndarray:
    st = _State.of_plan(inst, prep, x)
    _greedy_fill(st, inst.item_weight, prep.all_opts)
    return st.x


def _drop_redundant(inst: Instance, x: np.ndarray, prep: Prepared) -> np.ndarray:
    """Close options that cover nothing on their own (most expensive first)."""
    x = x.copy()
    cols = prep.cols
    cnt = np.asarray(inst.cover @ x.astype(np.int64)).ravel()
    costs = inst.opening_cost
    for o in sorted(np.flatnonzero(x), key=lambda o: (-costs[o], o)):
        it = cols.indices[cols.indptr[o]:cols.indptr[o + 1]]
        if np.all(cnt[it] >= 2):
            y = x.copy()
            y[o] = False
            if not inst.feasibility_problems(y):
                x = y
                cnt[it] -= 1
    return x


def _moves(inst: Instance, x: np.ndarray, prep: Prepared, *, limit: int) -> np.ndarray:
    """Close one open space (the ``limit`` least productive per yuan) and refill greedily."""
    best = _key(inst, x)
    sites = sorted(set(inst.opt_site[x].tolist()))
    cnt = np.asarray(inst.cover @ x.astype(np.int64)).ravel()
    W = inst.item_weight
    score = []
    for j in sites:
        opts = np.flatnonzero(x & (inst.opt_site == j))
        its = np.unique(np.concatenate([prep.cols.indices[prep.cols.indptr[o]:prep.cols.indptr[o + 1]]
                                        for o in opts]))
        own = float(W[its][cnt[its] == 1].sum())
        cost = float(inst.site_cost[j] + inst.option_cost[opts].sum())
        score.append((own / cost if cost > 0 else np.inf, j))
    for _, j in sorted(score)[:limit]:
        y = x & (inst.opt_site != j)
        if inst.feasibility_problems(y):
            continue
        y = _fill(inst, y, prep)
        if _key(inst, y) > best and not inst.feasibility_problems(y):
            return y
    return x


def improve(inst: Instance, x: np.ndarray, *, prep: Prepared | None = None, max_rounds: int = 500,
            move_limit: int = 10) -> np.ndarray:
    """Local search from feasible plan ``x`` until no move improves (or ``max_rounds``)."""
    prep = prep if prep is not None else Prepared(inst)
    x = _fill(inst, x.copy(), prep)
    for _ in range(max_rounds):
        before = _key(inst, x)
        swap = _best_swap(inst, x, prep)
        if swap is not None:
            x = x.copy()
            x[swap[0]] = False
            x[swap[1]] = True
            x = _fill(inst, x, prep)
            continue
        x = _fill(inst, _drop_redundant(inst, x, prep), prep)
        if _key(inst, x) > before:
            continue
        y = _moves(inst, x, prep, limit=move_limit)
        if _key(inst, y) > before:
            x = y
            continue
        break
    return x
