"""Ranking the chosen spaces into a build order.

Within the chosen plan, spaces are ordered greedily by marginal gain per
yuan: at each step, the space (with all the services the plan opens there)
that newly covers the most weighted households per yuan of its cost comes
next; ties go to the larger gain, then the smaller id. A street office that
builds in this order as money arrives gets the most coverage early.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..travel.coverage import Items


@dataclass(frozen=True, kw_only=True)
class RankedSite:
    rank: int
    candidate: int  # row index in the candidates table
    services: tuple[int, ...]  # service indices opened there
    cost: float
    gain_weighted: float
    newly_covered: dict[int, int]  # service index -> households newly covered at this rank


def rank_plan(items: Items, x: np.ndarray, households: np.ndarray) -> list[RankedSite]:
    """Order the spaces of plan ``x`` (bool per option) by marginal weighted gain per yuan."""
    inst = items.instance
    cols = inst.cover.tocsc()
    chosen = np.flatnonzero(x)
    sites = sorted(set(inst.opt_site[chosen].tolist()))
    opts_at = {j: [int(o) for o in chosen if inst.opt_site[o] == j] for j in sites}
    item_hh = households[items.item_household]
    # each space's conversion and fit-outs (shared fit-out deducted: models/instance.py)
    cost_at = {j: float(inst.site_cost[j] + inst.service_cost[inst.opt_service[opts_at[j]]].sum()) for j in sites}
    if inst.shared_fit_out:
        o1, o2, d = inst.shared_pairs()
        both = x[o1] & x[o2]
        for j, saved in zip(inst.opt_site[o1[both]], d[both]):
            cost_at[int(j)] -= float(saved)
    covered = np.zeros(inst.n_items, dtype=bool)
    remaining = list(sites)
    out: list[RankedSite] = []
    while remaining:
        scored = []
        for j in remaining:
            its = np.concatenate([cols.indices[cols.indptr[o]:cols.indptr[o + 1]] for o in opts_at[j]]) \
                if opts_at[j] else np.zeros(0, dtype=np.int64)
            its = np.unique(its)
            new = its[~covered[its]]
            gain = float(inst.item_weight[new].sum())
            cost = cost_at[j]
            ratio = gain / cost if cost > 0 else (np.inf if gain > 0 else 0.0)
            scored.append(((ratio, gain, -j), j, new, cost, gain))
        _, j, new, cost, gain = max(scored, key=lambda t: t[0])  # keys are distinct (-j)
        covered[new] = True
        newly = {int(s): int(item_hh[new[inst.item_service[new] == s]].sum())
                 for s in sorted(set(inst.opt_service[opts_at[j]].tolist()))}
        out.append(RankedSite(rank=len(out) + 1, candidate=int(items.option_candidate[opts_at[j][0]]),
                              services=tuple(int(items.option_service[o]) for o in opts_at[j]), cost=cost,
                              gain_weighted=gain, newly_covered=newly))
        remaining.remove(j)
    return out


def ranked_table(ranked: list[RankedSite], *, candidates: pd.DataFrame, services: list[str],
                 covered_before_pairs: int, total_pairs: int) -> pd.DataFrame:
    """The ranked site list as a table (one row per chosen space)."""
    rows = []
    cum_cost = 0.0
    cum_cov = covered_before_pairs
    for r in ranked:
        c = candidates.iloc[r.candidate]
        cum_cost += r.cost
        cum_cov += sum(r.newly_covered.values())
        row = {
            "rank": r.rank, "id": c["id"], "name": c["name"], "street": c["street"],
            "community": c["community"], "space_type": c["space_type"], "floor": int(c["floor"]),
            "area_m2": float(c["area_m2"]),
            "services": ";".join(services[s] for s in r.services),
            "conversion_cost": float(c["conversion_cost"]),
            "fit_out_cost": r.cost - float(c["conversion_cost"]),
            "cost": r.cost, "cumulative_cost": cum_cost,
        }
        for s, key in enumerate(services):
            row[f"new_{key}"] = r.newly_covered.get(s, 0)
        row["cumulative_coverage_pct"] = round(100.0 * cum_cov / total_pairs, 3) if total_pairs else 0.0
        row["x"], row["y"] = float(c["x"]), float(c["y"])
        rows.append(row)
    cols = ["rank", "id", "name", "street", "community", "space_type", "floor", "area_m2", "services",
            "conversion_cost", "fit_out_cost", "cost", "cumulative_cost"] + [f"new_{k}" for k in services] + [
        "cumulative_coverage_pct", "x", "y"]
    return pd.DataFrame(rows, columns=cols)
