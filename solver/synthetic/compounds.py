"""Stage 2: gated compounds and their buildings (households, population), then streets and communities."""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

from . import roads
from .state import DIRECTIONS, ERA, ERA_SUFFIX, INNER_MARGIN, STREET_NAMES, Generator


def _weighted_kmeans(pts: np.ndarray, w: np.ndarray, k: int, first: int, iters: int = 12) -> np.ndarray:
    """Deterministic weighted k-means (farthest-point start); returns a label per point."""
    n = len(pts)
    k = max(1, min(k, n))
    seeds = [first]
    d = np.sqrt(((pts - pts[first]) ** 2).sum(axis=1))
    for _ in range(1, k):
        nxt = int(np.argmax(d))
        seeds.append(nxt)
        d = np.minimum(d, np.sqrt(((pts - pts[nxt]) ** 2).sum(axis=1)))
    centres = pts[seeds].astype(float)
    labels = np.zeros(n, dtype=np.int64)
    for _ in range(iters):
        _, labels = cKDTree(centres).query(pts)
        labels = np.asarray(labels, dtype=np.int64)
        for c in range(k):
            m = labels == c
            if m.any():
                ww = w[m]
                centres[c] = (pts[m] * ww[:, None]).sum(axis=0) / ww.sum()
    # relabel so that every label is used, in order of first appearance
    _, first_idx = np.unique(labels, return_index=True)
    order = labels[np.sort(first_idx)]
    remap = {int(old): new for new, old in enumerate(order)}
    return np.array([remap[int(x)] for x in labels], dtype=np.int64)


def _hh(gen: Generator, era: str) -> int:
    if era == "old":
        return int(gen.pick((5, 6, 6, 6))) * int(gen.rng.integers(2, 6)) * 2
    if era == "mid":
        return int(gen.pick((6, 6, 6, 9, 11, 12, 16, 18))) * int(gen.rng.integers(2, 5)) * 2
    if era == "new":
        return min(300, int(gen.pick((18, 22, 26, 28, 30, 33))) * int(gen.rng.integers(2, 4))
                   * int(gen.rng.integers(1, 3)))
    return int(gen.rng.integers(20, 41))


def build_compounds(gen: Generator) -> None:
    for bi, blk in enumerate(gen.blocks):
        era = blk["use"]
        if era not in ERA:
            continue
        px0 = blk["x0"] + roads.sb(gen, blk, "W")
        px1 = blk["x1"] - roads.sb(gen, blk, "E")
        py0 = blk["y0"] + roads.sb(gen, blk, "S")
        py1 = blk["y1"] - roads.sb(gen, blk, "N")
        nx = 2 if (px1 - px0) > 330 else 1
        ny = 2 if (py1 - py0) > 330 else 1
        gap = 10.0
        cw = (px1 - px0 - gap * (nx - 1)) / nx
        ch = (py1 - py0 - gap * (ny - 1)) / ny
        for a in range(nx):
            for c in range(ny):
                x0 = px0 + a * (cw + gap)
                y0 = py0 + c * (ch + gap)
                sides = []
                if a == 0:
                    sides.append("W")
                if a == nx - 1:
                    sides.append("E")
                if c == 0:
                    sides.append("S")
                if c == ny - 1:
                    sides.append("N")
                _compound(gen, bi, blk, era, x0, x0 + cw, y0, y0 + ch, sides)


def _compound(gen: Generator, bi, blk, era, x0, x1, y0, y1, sides) -> None:
    spec = ERA[era]
    rng = gen.rng
    sq = math.sqrt(gen.density)
    ix0, ix1 = round(x0 + INNER_MARGIN, 2), round(x1 - INNER_MARGIN, 2)
    iy0, iy1 = round(y0 + INNER_MARGIN, 2), round(y1 - INNER_MARGIN, 2)
    w, h = ix1 - ix0, iy1 - iy0
    prow = gen.u(*spec["row"]) / sq
    pcol = gen.u(*spec["col"]) / sq
    nrow = max(1, int(h // prow))
    ncol = max(1, int(w // pcol))
    prow, pcol = h / nrow, w / ncol
    front = min(0.3 * prow, 0.3 * spec["row"][1] / sq)
    row_y = [iy0 + (r + 0.5) * prow for r in range(nrow)]
    col_x = [ix0 + (c + 0.5) * pcol for c in range(ncol)]
    lanes = [round(y - front, 2) for y in row_y]
    north = iy1  # a path along the north wall, for the north gates
    # paths (N-S)
    mids = [round(ix0 + (c + 1) * pcol, 2) for c in range(ncol - 1)]
    if ncol >= 4:
        spines = [mids[len(mids) // 3], mids[(2 * len(mids)) // 3]]
    elif ncol >= 2:
        spines = [mids[len(mids) // 2]]
    else:
        spines = [round(gen.pick((ix0, ix1)), 2)]
    if era in ("mid", "new") and gen.chance(0.35) or era == "village":
        spines += [round(ix0, 2), round(ix1, 2)]
    spines = sorted(set(spines))
    # buildings
    comp_id = len(gen.compounds)
    base = gen.names.unique(lambda: gen.names.word() + gen.pick(ERA_SUFFIX[era]))
    persons = gen.u(*spec["persons"])
    elderly = gen.u(*spec["elderly"])
    slots = [(r, c) for r in range(nrow) for c in range(ncol)]
    keep = rng.random(len(slots)) >= 0.12
    if not keep.any():
        keep[int(rng.integers(len(slots)))] = True
    lane_pts: list[set[float]] = [set([ix0, ix1] + spines) for _ in lanes]
    bldg_here = []
    number = 0
    for (r, c), k in zip(slots, keep):
        if not k:
            continue
        bx = round(col_x[c] + gen.u(-3, 3), 2)
        by = round(row_y[r], 2)
        number += 1
        lane_pts[r].add(bx)
        hh = _hh(gen, era)
        pop = int(round(hh * persons * gen.u(0.95, 1.05)))
        eld = min(pop, int(round(pop * elderly * gen.u(0.9, 1.1))))
        label = f"{base}{number}号院" if era == "village" else f"{base}{number}号楼"
        bldg_here.append({"x": bx, "y": by, "lane_y": lanes[r], "households": hh,
                          "population": pop, "elderly": eld, "name": label, "compound": comp_id,
                          "block": bi, "number": number})
    # internal network
    for r, ly in enumerate(lanes):
        xsorted = sorted(lane_pts[r])
        gen.net.line([(x, ly) for x in xsorted], "compound")
    gen.net.line([(x, north) for x in sorted(set([ix0, ix1] + spines))], "compound")
    for sx in spines:
        gen.net.line([(sx, ly) for ly in lanes] + [(sx, north)], "compound")
    for b in bldg_here:
        b["node"] = gen.net.node(b["x"], b["lane_y"])
    # gates
    lo, hi = spec["gates"]
    n_gates = int(rng.integers(int(lo), int(hi) + 1))
    options = []
    for s in sides:
        if s in ("S", "N"):
            for sx in spines:
                options.append((s, sx))
        else:
            for ly in lanes:
                options.append((s, ly))
    order = rng.permutation(len(options)).tolist()
    chosen: list[tuple[str, float]] = []
    used_sides: set[str] = set()
    for k in order:  # first pass: distinct sides
        if options[k][0] not in used_sides and len(chosen) < n_gates:
            chosen.append(options[k])
            used_sides.add(options[k][0])
    for k in order:
        if len(chosen) >= n_gates:
            break
        if options[k] not in chosen:
            chosen.append(options[k])
    for s, pos in chosen:
        key = blk["side"][s]
        seg = gen.segments[key]
        if s == "S":
            inner = gen.net.node(pos, lanes[0])
        elif s == "N":
            inner = gen.net.node(pos, north)
        elif s == "W":
            inner = gen.net.node(ix0, pos)
        else:
            inner = gen.net.node(ix1, pos)
        seg.soft.append(pos)
        gen.gates.append((inner, key, pos))
    gen.compounds.append({"id": comp_id, "name": base, "era": era, "block": bi,
                          "x0": x0, "x1": x1, "y0": y0, "y1": y1, "ix0": ix0, "ix1": ix1,
                          "iy0": iy0, "iy1": iy1, "sides": sides, "pcol": pcol, "lane0": lanes[0],
                          "buildings": bldg_here, "elderly_share": elderly})
    gen.buildings.extend(bldg_here)


def assign_admin(gen: Generator) -> None:
    pts = np.array([[b["cx"], b["cy"]] for b in gen.blocks])
    hh_block = np.zeros(len(gen.blocks))
    for b in gen.buildings:
        hh_block[b["block"]] += b["households"]
    w = hh_block + 200.0
    dcore = np.array([b["dcore"] for b in gen.blocks])
    first = int(np.argmin(dcore))
    labels = _weighted_kmeans(pts, w, gen.n_streets, first)
    # name streets by distance of their centroid to the old core
    k = int(labels.max()) + 1
    cdist = np.array([float(np.average(dcore[labels == c], weights=w[labels == c])) for c in range(k)])
    rank = np.argsort(cdist, kind="stable")
    names = _street_names(gen, k)
    street_of = {int(c): names[r] for r, c in enumerate(rank)}
    street_idx = {int(c): r for r, c in enumerate(rank)}
    gen.street_names = names
    by_block: dict[int, list[tuple[int, dict]]] = {}
    for comp in gen.compounds:
        chh = sum(b["households"] for b in comp["buildings"])
        by_block.setdefault(comp["block"], []).append((chh, comp))
    gen.by_block = by_block
    comm_names: list[list[str]] = [[] for _ in range(k)]
    for c in rank.tolist():
        m = np.flatnonzero(labels == c)
        shh = hh_block[m].sum()
        kc = max(2, round(shh / 2500.0))
        sub = _weighted_kmeans(pts[m], w[m], kc, int(np.argmin(dcore[m])))
        nsub = int(sub.max()) + 1
        cnames = []
        for s in range(nsub):
            members = m[sub == s]
            # name after the biggest compound of the community
            best, best_hh = None, -1
            for bi in members.tolist():
                for chh, comp in by_block.get(bi, []):
                    if chh > best_hh:
                        best, best_hh = comp, chh
            if best is not None:
                nm = best["name"]
                stem = nm[:-1] if nm.endswith("村") else nm
                cname = gen.names.unique(lambda s=stem: s + ("村" if nm.endswith("村") else "社区"))
            else:
                cname = gen.names.unique(lambda: gen.names.word() + "社区")
            cnames.append(cname)
            for bi in members.tolist():
                gen.blocks[bi]["street"] = street_of[c]
                gen.blocks[bi]["street_idx"] = street_idx[c]
                gen.blocks[bi]["community"] = cname
                gen.blocks[bi]["community_idx"] = s
        comm_names[street_idx[c]] = cnames


def _street_names(gen: Generator, k: int) -> list[str]:
    out = [f"{n}街道" for n in STREET_NAMES[:k]]
    used = set(out)
    while len(out) < k:
        stem = gen.names.word()
        for cand in [stem] + [stem + d for d in DIRECTIONS]:
            if f"{cand}街道" not in used:
                out.append(f"{cand}街道")
                used.add(f"{cand}街道")
                break
        else:
            name = f"第{len(out) + 1}街道"
            out.append(name)
            used.add(name)
    return out
