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
    """Spending, areas and counts of a plan, for O(1) feasibility checks of a swap."""

    def __init__(self, inst: Instance, x: np.ndarray):
        self.n_open_at = np.bincount(inst.opt_site[x], minlength=inst.n_sites)
        self.area = np.bincount(inst.opt_site[x], weights=inst.option_area[x], minlength=inst.n_sites)
        self.spent = inst.plan_cost(x)
        n_groups = int(inst.site_group.max()) + 1 if inst.n_sites else 1
        is_open = self.n_open_at > 0
        spend_at = inst.site_cost * is_open + np.bincount(inst.opt_site[x], weights=inst.option_cost[x],
                                                          minlength=inst.n_sites)
        self.g_sites = np.bincount(inst.site_group[is_open], minlength=n_groups)
        self.g_spent = np.bincount(inst.site_group, weights=spend_at, minlength=n_groups)
        self.caps = {cap.group: cap for cap in inst.group_caps}

    def swap_ok(self, inst: Instance, o: int, o2: int) -> bool:
        j, j2 = int(inst.opt_site[o]), int(inst.opt_site[o2])
        closes_j = self.n_open_at[j] == 1
        saved, added = inst.option_cost[o], inst.option_cost[o2]
        if j2 != j:  # within one space no conversion cost moves
            saved += inst.site_cost[j] if closes_j else 0.0
            added += inst.site_cost[j2] if self.n_open_at[j2] == 0 else 0.0
        if inst.budget is not None and self.spent - saved + added > inst.budget * (1 + 1e-12) + 1e-9:
            return False
        area2 = self.area[j2] + inst.option_area[o2] - (inst.option_area[o] if j2 == j else 0.0)
        if area2 > inst.site_area[j2] + 1e-9:
            return False
        if self.caps:
            g, g2 = int(inst.site_group[j]), int(inst.site_group[j2])
            for grp in {g, g2}:
                cap = self.caps.get(grp)
                if cap is None:
                    continue
                d_sites = (-1 if (closes_j and g == grp and j2 != j) else 0) + (
                    1 if (self.n_open_at[j2] == 0 and g2 == grp) else 0)
                d_cost = (-saved if g == grp else 0.0) + (added if g2 == grp else 0.0)
                if cap.max_sites is not None and self.g_sites[grp] + d_sites > cap.max_sites:
                    return False
                if cap.max_cost is not None and self.g_spent[grp] + d_cost > cap.max_cost + 1e-9:
                    return False
        return True


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
    sub_open = cols[:, open_o]
    sub_cand = cols[:, cand].T.tocsr()
    delta = gain[cand][:, None] + (sub_cand @ diags(W * one) @ sub_open).toarray() - loss[open_o][None, :]
    delta[inst.opt_service[cand][:, None] != inst.opt_service[open_o][None, :]] = -np.inf
    if inst.item_must.any():
        must_one = (inst.item_must & one).astype(float)
        must_loss = cols.T @ must_one
        kept = (sub_cand @ diags(must_one) @ sub_open).toarray()
        delta[(must_loss[open_o][None, :] - kept) > 1e-9] = -np.inf
    return open_o, cand, delta


def _first_feasible(inst: Instance, x: np.ndarray, open_o, cand, delta, allowed) -> tuple[int, int, float] | None:
    """The swap with the largest delta among ``allowed`` that keeps the plan feasible."""
    tallies = _Tallies(inst, x)
    flat = np.flatnonzero(allowed & np.isfinite(delta))
    if len(flat) == 0:
        return None
    order = flat[np.argsort(-delta.ravel()[flat], kind="stable")]
    for f in order[:2000]:
        a, b = divmod(int(f), delta.shape[1])
        if tallies.swap_ok(inst, int(open_o[b]), int(cand[a])):
            return int(open_o[b]), int(cand[a]), float(delta[a, b])
    return None


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
    st = _State(inst, prep)
    for o in np.flatnonzero(x):
        st.add(int(o))
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
