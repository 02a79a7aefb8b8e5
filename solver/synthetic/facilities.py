"""Stage 4: existing facilities up to their coverage targets, and the must-cover buildings."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csgraph

from . import roads
from .state import FRONT_OFFSET, SERVICES, WALK_LIMIT_M, Generator, chinese_number


def build_existing(gen: Generator) -> list[dict]:
    weights = {"old": 4.0, "mid": 2.0, "new": 1.0, "village": 0.6, "commercial": 3.0,
               "office": 1.0, "school": 0.4, "hospital": 1.5, "government": 0.5, "park": 0.3,
               "industrial": 0.2, "vacant": 0.05, "green": 0.0}
    pool = []
    for bi, blk in enumerate(gen.blocks):
        base = weights[blk["use"]]
        if base <= 0:
            continue
        near = 1.0 + 3.0 / (1.0 + (blk["dcore"] / 1200.0) ** 2)
        for s in ("W", "E", "S", "N"):
            for nid, _, _ in roads.side_nodes(gen, blk, s):
                pool.append((bi, s, nid, base * near))
    hh_node = np.zeros(len(gen.kx))
    for b in gen.buildings:
        hh_node[b["node"]] += b["households"]
    total = hh_node.sum()
    targets = {"vegetable": (0.70, 0.80), "breakfast": (0.75, 0.85), "repair": (0.50, 0.62),
               "pharmacy": (0.62, 0.75)}
    out = []
    w = np.array([p[3] for p in pool])
    for service in SERVICES:
        target = gen.u(*targets[service])
        order = _weighted_order(gen, w)
        nodes = np.array([pool[k][2] for k in order])

        def cover(k: int) -> float:
            d = csgraph.dijkstra(gen.graph, indices=np.unique(nodes[:k]), min_only=True,
                                 limit=WALK_LIMIT_M)
            return float(hh_node[np.isfinite(d) & (d <= WALK_LIMIT_M)].sum() / total)

        lo, hi = 1, len(order)
        if cover(lo) < target:
            while hi - lo > 1:  # smallest k with cover(k) >= target; cover(lo) < target
                mid = (lo + hi) // 2
                if cover(mid) >= target:
                    hi = mid
                else:
                    lo = mid
            k = hi
        else:
            k = 1
        for idx in order[:k].tolist():
            bi, s, nid, _ = pool[idx]
            out.append(_existing_at(gen, service, gen.blocks[bi], s, nid))
    return out


def _weighted_order(gen: Generator, w: np.ndarray) -> np.ndarray:
    """Items in the order of their first draw in 4n weighted draws with replacement."""
    cdf = np.cumsum(w)
    draws = np.searchsorted(cdf, gen.rng.random(4 * len(w)) * cdf[-1], side="right")
    draws = np.minimum(draws, len(w) - 1)
    _, first = np.unique(draws, return_index=True)
    return draws[np.sort(first)]


def _existing_at(gen: Generator, service: str, blk: dict, side: str, nid: int) -> dict:
    key = blk["side"][side]
    kind = roads.side_kind(gen, key)
    off = FRONT_OFFSET[kind]
    x, y = gen.kx[nid] / 100.0, gen.ky[nid] / 100.0
    x, y = {"W": (x + off, y), "E": (x - off, y), "S": (x, y + off), "N": (x, y - off)}[side]
    road = gen.segments[key].road
    comps = gen.by_block.get(blk["index"], [])
    place = comps[0][1]["name"] if comps else blk["community"].removesuffix("社区")
    forms = {
        "vegetable": (f"{road}社区菜店", f"{place}菜市场", f"{place}生鲜超市", f"{place}便民菜站"),
        "breakfast": (f"{road}早餐店", f"{place}包子铺", f"{place}早餐点", f"{road}便民早餐车"),
        "repair": (f"{road}便民维修部", f"{place}修鞋配钥匙", f"{place}家电维修点", f"{road}修车铺"),
        "pharmacy": (f"{place}大药房", f"{road}社区药店", f"{place}医药连锁店"),
    }[service]
    base = gen.pick(forms)
    name = base
    k = 2
    while name in gen.names.used:
        name = f"{base}{chinese_number(k)}店" if k > 1 else base
        k += 1
    gen.names.used.add(name)
    return {"name": name, "x": round(x, 2), "y": round(y, 2), "service": service}


def choose_must_cover(gen: Generator) -> None:
    for b in gen.buildings:
        b["must_cover"] = ""
    ok = [k for k, c in enumerate(gen.cands) if c["floor"] >= -2]
    if not ok:
        return
    cx = np.array([gen.cands[k]["x"] for k in ok])
    cy = np.array([gen.cands[k]["y"] for k in ok])
    cnode = roads.nearest_nodes(gen, cx, cy)
    dc = csgraph.dijkstra(gen.graph, indices=np.unique(cnode), min_only=True, limit=700.0)
    ex = [e for e in gen.existing if e["service"] == "pharmacy"]
    if ex:
        enode = roads.nearest_nodes(gen, np.array([e["x"] for e in ex]), np.array([e["y"] for e in ex]))
        de = csgraph.dijkstra(gen.graph, indices=np.unique(enode), min_only=True,
                              limit=WALK_LIMIT_M)
    else:
        de = np.full(len(gen.kx), np.inf)
    # most elderly-heavy old compound first; prefer one with >= 3 uncovered, reachable buildings
    fallback: list[dict] = []
    best: list[dict] = []
    for comp in sorted(gen.compounds, key=lambda c: (-c["elderly_share"], c["id"])):
        if comp["era"] != "old":
            continue
        reach = [b for b in comp["buildings"] if dc[b["node"]] <= 700.0]
        gaps = [b for b in reach if not de[b["node"]] <= WALK_LIMIT_M]
        if len(gaps) >= 3:
            best = gaps
            break
        if len(reach) > len(fallback):
            fallback = reach
    for b in (best or fallback)[:4]:
        b["must_cover"] = "pharmacy"
