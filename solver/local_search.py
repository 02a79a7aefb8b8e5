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

``iterated_local_search`` perturbs the best plan (closes a few random spaces,
seeded generator), refills and searches again. Its effort is a fixed number of
rounds, never a clock, so the result is deterministic.
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
        opens_j2 = self.n_open_at[j2] == 0 or (j2 == j and closes_j)
        saved = inst.option_cost[o] + (inst.site_cost[j] if closes_j else 0.0)
        added = inst.option_cost[o2] + (inst.site_cost[j2] if opens_j2 else 0.0)
        if j2 == j and closes_j:  # the space stays open: no conversion cost moves
            saved -= inst.site_cost[j]
            added -= inst.site_cost[j2]
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


def _best_swap(inst: Instance, x: np.ndarray, prep: Prepared) -> tuple[int, int] | None:
    """The best improving same-service swap that keeps the plan feasible, or None."""
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
    tallies = _Tallies(inst, x)
    flat = np.flatnonzero(delta > 1e-9)
    if len(flat) == 0:
        return None
    order = flat[np.argsort(-delta.ravel()[flat], kind="stable")]
    for f in order:
        a, b = divmod(int(f), delta.shape[1])
        if tallies.swap_ok(inst, int(open_o[b]), int(cand[a])):
            return int(open_o[b]), int(cand[a])
    return None


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
    costs = inst.option_cost + inst.site_cost[inst.opt_site]
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


def _kick(inst: Instance, x: np.ndarray, prep: Prepared, rng: np.random.Generator, k: int) -> np.ndarray:
    """Random perturbation: close k random open options and open k random closed options of the
    same services that would cover something new (kept only when the plan stays feasible)."""
    y = x.copy()
    open_o = np.flatnonzero(y)
    if len(open_o) == 0:
        return y
    out = rng.choice(open_o, size=min(k, len(open_o)), replace=False)
    y[out] = False
    cnt = np.asarray(inst.cover @ y.astype(np.int64)).ravel()
    gain = prep.cols_f.T @ (inst.item_weight * (cnt == 0))
    for o in out:
        pool = np.flatnonzero(~y & (gain > 0) & (inst.opt_service == inst.opt_service[o]))
        pool = pool[pool != o]
        if len(pool) == 0:
            continue
        z = y.copy()
        z[rng.choice(pool)] = True
        if not inst.feasibility_problems(z):
            y = z
    return y


def iterated_local_search(inst: Instance, x: np.ndarray, *, rounds: int = 10, seed: int = 0, kick: int = 2,
                          prep: Prepared | None = None) -> np.ndarray:
    """Iterated local search: kick the current plan (``kick`` random swaps), improve, and move
    there when it is no worse (a walk across plateaus); return to the best plan after a few
    rounds without progress. Deterministic for a given seed and number of rounds."""
    prep = prep if prep is not None else Prepared(inst)
    rng = np.random.default_rng(seed)
    best = improve(inst, x, prep=prep)
    best_key = _key(inst, best)
    current, current_key = best, best_key
    stale = 0
    for r in range(rounds):
        y = _kick(inst, current, prep, rng, 1 + r % max(1, kick))
        if inst.feasibility_problems(y):
            continue
        y = improve(inst, y, prep=prep)
        if inst.feasibility_problems(y):
            continue
        key = _key(inst, y)
        if key > best_key:
            best, best_key, stale = y, key, 0
        else:
            stale += 1
        if key >= current_key:
            current, current_key = y, key
        if stale and stale % 5 == 0:
            current, current_key = best, best_key
    return best
