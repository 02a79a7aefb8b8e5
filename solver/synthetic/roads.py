"""Stage 1: the road grid (arterials, local streets, canal, rail, bridges) and the blocks between the roads."""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from .state import FRONT_OFFSET, ROAD_SUFFIX, SETBACK, Generator, Segment


def _positions(gen: Generator, total: float) -> list[float]:
    n = max(2, round(total / 500.0))
    gaps = gen.rng.uniform(400.0, 600.0, n)
    gaps = gaps * (total / gaps.sum())
    return [0.0] + [round(float(v), 2) for v in np.cumsum(gaps)]


def build_grid(gen: Generator) -> None:
    width = math.sqrt(gen.area_m2 * 1.25)
    height = gen.area_m2 / width
    xs = _positions(gen, width)
    ys = _positions(gen, height)
    ncol, nrow = len(xs) - 1, len(ys) - 1
    gen.col_kind = ["urban"] * ncol
    gen.row_kind = ["urban"] * nrow
    if gen.canal and ncol >= 2:
        k = max(1, min(ncol - 1, round(0.4 * ncol)))
        wc = round(gen.u(160, 220), 2)
        xs = xs[:k + 1] + [x + wc for x in xs[k:]]
        gen.col_kind.insert(k, "canal")
        gen.canal_col = k
    else:
        gen.canal_col = None
    if gen.rail and nrow >= 2:
        r = max(1, min(nrow - 1, round(0.3 * nrow)))
        wr = round(gen.u(60, 80), 2)
        ys = ys[:r + 1] + [y + wr for y in ys[r:]]
        gen.row_kind.insert(r, "rail")
        gen.rail_row = r
    else:
        gen.rail_row = None
    gen.X, gen.Y = xs, ys
    gen.width, gen.height = xs[-1], ys[-1]
    ncol, nrow = len(xs) - 1, len(ys) - 1
    # crossings of the barriers
    ny_lines = len(ys)
    gen.bridges = set()
    if gen.canal_col is not None:
        cand = [j for j in range(1, ny_lines - 1)]
        n_b = max(2, round(gen.height / 1500.0))
        for j in sorted(gen.rng.permutation(cand)[:n_b].tolist()):
            gen.bridges.add(int(j))
    gen.underpasses = set()
    if gen.rail_row is not None:
        cand = list(range(len(xs)))
        n_u = max(2, round(len(xs) * 0.5))
        for i in sorted(gen.rng.permutation(cand)[:n_u].tolist()):
            gen.underpasses.add(int(i))
    # the four quarters cut by the canal and the rail must stay connected
    if gen.canal_col is not None and gen.rail_row is not None:
        k, r = gen.canal_col, gen.rail_row
        for part in ([i for i in range(len(xs)) if i <= k], [i for i in range(len(xs)) if i > k]):
            if not gen.underpasses & set(part):
                gen.underpasses.add(int(gen.pick(part)))
        for part in ([j for j in range(1, ny_lines - 1) if j <= r],
                     [j for j in range(1, ny_lines - 1) if j > r]):
            if part and not gen.bridges & set(part):
                gen.bridges.add(int(gen.pick(part)))
    # road names
    gen.xname = [gen.names.unique(lambda: gen.names.word() + gen.pick(ROAD_SUFFIX["ns"]))
                  for _ in xs]
    gen.yname = [gen.names.unique(lambda: gen.names.word() + gen.pick(ROAD_SUFFIX["ew"]))
                  for _ in ys]
    # local streets: positions per column / row, kept per superblock
    gen.lx = []
    for i in range(ncol):
        gen.lx.append(_locals(gen, xs[i], xs[i + 1]) if gen.col_kind[i] == "urban" else [])
    gen.ly = []
    for j in range(nrow):
        gen.ly.append(_locals(gen, ys[j], ys[j + 1]) if gen.row_kind[j] == "urban" else [])
    gen.lxname = [[gen.names.unique(lambda: gen.names.word() + gen.pick(ROAD_SUFFIX["local"]))
                    for _ in col] for col in gen.lx]
    gen.lyname = [[gen.names.unique(lambda: gen.names.word() + gen.pick(ROAD_SUFFIX["local"]))
                    for _ in row] for row in gen.ly]
    gen.keep_x = {}
    gen.keep_y = {}
    for i in range(ncol):
        for j in range(nrow):
            urban = gen.col_kind[i] == "urban" and gen.row_kind[j] == "urban"
            gen.keep_x[i, j] = [urban and gen.chance(0.8) for _ in gen.lx[i]]
            gen.keep_y[i, j] = [urban and gen.chance(0.8) for _ in gen.ly[j]]
    # segments
    seg = gen.segments
    for i, x in enumerate(xs):
        for j in range(nrow):
            if gen.row_kind[j] == "rail" and i not in gen.underpasses:
                continue
            seg["ax", i, j] = Segment(True, x, ys[j], ys[j + 1], "arterial", gen.xname[i])
    for j, y in enumerate(ys):
        for i in range(ncol):
            if gen.col_kind[i] == "canal":
                if j in gen.bridges:
                    seg["ay", j, i] = Segment(False, y, xs[i], xs[i + 1], "bridge", gen.yname[j])
                continue
            seg["ay", j, i] = Segment(False, y, xs[i], xs[i + 1], "arterial", gen.yname[j])
    for i in range(ncol):
        for j in range(nrow):
            kx = [t for t, keep in enumerate(gen.keep_x[i, j]) if keep]
            ky = [t for t, keep in enumerate(gen.keep_y[i, j]) if keep]
            for t in kx:
                s = Segment(True, gen.lx[i][t], ys[j], ys[j + 1], "local", gen.lxname[i][t])
                s.hard += [gen.ly[j][q] for q in ky]
                seg["lx", i, j, t] = s
                seg["ay", j, i].hard.append(gen.lx[i][t])
                seg["ay", j + 1, i].hard.append(gen.lx[i][t])
            for q in ky:
                s = Segment(False, gen.ly[j][q], xs[i], xs[i + 1], "local", gen.lyname[j][q])
                s.hard += [gen.lx[i][t] for t in kx]
                seg["ly", i, j, q] = s
                seg["ax", i, j].hard.append(gen.ly[j][q])
                seg["ax", i + 1, j].hard.append(gen.ly[j][q])


def col_at(gen: Generator, i: int, kind: str) -> bool:
    return 0 <= i < len(gen.col_kind) and gen.col_kind[i] == kind


def _locals(gen: Generator, a: float, b: float) -> list[float]:
    gap = b - a
    n = max(0, round(gap / 230.0) - 1)
    if n > 0 and gen.chance(0.25):
        n -= 1
    out = []
    for k in range(1, n + 1):
        out.append(round(a + gap * k / (n + 1) + gen.u(-25, 25), 2))
    return out


def build_blocks(gen: Generator) -> None:
    xs, ys = gen.X, gen.Y
    for i in range(len(xs) - 1):
        if gen.col_kind[i] != "urban":
            continue
        for j in range(len(ys) - 1):
            if gen.row_kind[j] != "urban":
                continue
            kx = [t for t, keep in enumerate(gen.keep_x[i, j]) if keep]
            ky = [q for q, keep in enumerate(gen.keep_y[i, j]) if keep]
            vx = [(xs[i], ("ax", i, j))] + [(gen.lx[i][t], ("lx", i, j, t)) for t in kx] + \
                 [(xs[i + 1], ("ax", i + 1, j))]
            hy = [(ys[j], ("ay", j, i))] + [(gen.ly[j][q], ("ly", i, j, q)) for q in ky] + \
                 [(ys[j + 1], ("ay", j + 1, i))]
            for (x0, kw), (x1, ke) in zip(vx[:-1], vx[1:]):
                for (y0, ks), (y1, kn) in zip(hy[:-1], hy[1:]):
                    gen.blocks.append({
                        "index": len(gen.blocks), "x0": x0, "x1": x1, "y0": y0, "y1": y1,
                        "side": {"W": kw, "E": ke, "S": ks, "N": kn},
                        "cx": (x0 + x1) / 2, "cy": (y0 + y1) / 2,
                    })
    # cores
    pts = np.array([[b["cx"], b["cy"]] for b in gen.blocks])
    if gen.canal_col is not None:
        core0 = (gen.X[gen.canal_col] - 700.0, gen.height * 0.55)
    else:
        core0 = (gen.width * 0.4, gen.height * 0.55)
    cores = [core0]
    n_cores = 1 + (gen.n_streets - 1) // 6
    while len(cores) < n_cores:
        d = np.min([np.sqrt(((pts - np.array(c)) ** 2).sum(axis=1)) for c in cores], axis=0)
        far = np.flatnonzero(d > 2500.0)
        if len(far) == 0:
            break
        b = int(far[int(gen.rng.integers(len(far)))])
        cores.append((float(pts[b, 0]), float(pts[b, 1])))
    gen.cores = cores
    dcore = np.min([np.sqrt(((pts - np.array(c)) ** 2).sum(axis=1)) for c in cores], axis=0)
    # village areas, far from the cores
    n_vill = max(1, gen.n_streets // 5)
    order = np.argsort(-dcore, kind="stable")
    pool = order[: max(1, len(order) // 4)]
    vcentres: list[np.ndarray] = []
    for b in gen.rng.permutation(pool).tolist():
        p = pts[b]
        if all(math.sqrt(float(((p - q) ** 2).sum())) > 1800.0 for q in vcentres):
            vcentres.append(p)
        if len(vcentres) >= n_vill:
            break
    vradius = 650.0
    canal_x = gen.X[gen.canal_col] if gen.canal_col is not None else None
    for k, blk in enumerate(gen.blocks):
        d = float(dcore[k])
        blk["dcore"] = d
        east = canal_x is not None and blk["cx"] > canal_x and d < 3500.0
        w = blk["x1"] - blk["x0"] - sb(gen, blk, "W") - sb(gen, blk, "E")
        h = blk["y1"] - blk["y0"] - sb(gen, blk, "S") - sb(gen, blk, "N")
        blk["w"], blk["h"] = w, h
        in_village = any(math.sqrt(float(((pts[k] - q) ** 2).sum())) < vradius for q in vcentres)
        if w < 70 or h < 70:
            blk["use"] = "green"
            continue
        if in_village:
            blk["use"] = "village" if gen.chance(0.8) else gen.pick(("vacant", "industrial"))
            continue
        if gen.chance(0.50):
            blk["use"] = gen.choice_w(
                ("old", "mid", "new"),
                (4.0 * max(0.0, 1.0 - d / 3000.0) + 0.1,
                 1.2,
                 0.1 + 0.9 * min(1.0, d / 3000.0) + (1.2 if east else 0.0)))
        else:
            is_far = d > 2500.0
            blk["use"] = gen.choice_w(
                ("school", "park", "commercial", "office", "industrial", "hospital", "government",
                 "vacant"),
                (0.10, 0.07, 0.08 * (2.0 if d < 1200 else 1.0), 0.05 * (2.5 if east else 1.0),
                 0.07 * (2.0 if is_far else 1.0), 0.015, 0.02, 0.04 * (2.5 if is_far else 0.2)))


def sb(gen: Generator, blk: dict, side: str) -> float:
    key = blk["side"][side]
    return SETBACK["arterial" if key[0] in ("ax", "ay") else "local"]


def side_kind(gen: Generator, key: tuple) -> str:
    return "arterial" if key[0] in ("ax", "ay") else "local"


def finalize_network(gen: Generator) -> None:
    for key in sorted(gen.segments, key=lambda k: (k[0], k[1:])):
        gen.net.finalize_segment(gen.segments[key])
    for inner, key, pos in gen.gates:
        seg = gen.segments[key]
        k = int(np.argmin(np.abs(seg.params - pos)))
        gen.net.edge(inner, int(seg.nodes[k]), "gate")
    kx, ky, u, v, length = gen.net.arrays()
    gen.kx, gen.ky, gen.eu, gen.ev, gen.elen = kx, ky, u, v, length
    n = len(kx)
    g = sparse.coo_matrix((np.r_[length, length], (np.r_[u, v], np.r_[v, u])), shape=(n, n))
    gen.graph = g.tocsr()
    ncomp, _ = csgraph.connected_components(gen.graph, directed=False)
    if ncomp != 1:
        raise RuntimeError(f"synthetic network is not connected ({ncomp} components)")


def side_nodes(gen: Generator, blk: dict, side: str) -> list[tuple[int, float, float]]:
    """Street nodes strictly inside a block side: (node, x, y)."""
    key = blk["side"][side]
    seg = gen.segments[key]
    lo, hi = (blk["y0"], blk["y1"]) if side in ("W", "E") else (blk["x0"], blk["x1"])
    out = []
    for p, nid in zip(seg.params, seg.nodes):
        if lo + 5 < p < hi - 5:
            out.append((int(nid), gen.kx[nid] / 100.0, gen.ky[nid] / 100.0))
    return out


def front_point(gen: Generator, blk: dict, side: str | None = None):
    """A street-facing point on one side of ``blk``: (x, y, road name, node) or None."""
    sides = [side] if side else list(gen.rng.permutation(["W", "E", "S", "N"]))
    for s in sides:
        nodes = side_nodes(gen, blk, s)
        if not nodes:
            continue
        nid, x, y = nodes[int(gen.rng.integers(len(nodes)))]
        kind = side_kind(gen, blk["side"][s])
        off = FRONT_OFFSET[kind]
        if s == "W":
            x += off
        elif s == "E":
            x -= off
        elif s == "S":
            y += off
        else:
            y -= off
        return round(x, 2), round(y, 2), gen.segments[blk["side"][s]].road, nid
    return None


def block_at(gen: Generator, x: float, y: float) -> dict | None:
    for blk in gen.blocks:
        if blk["x0"] <= x <= blk["x1"] and blk["y0"] <= y <= blk["y1"]:
            return blk
    return None


def nearest_nodes(gen: Generator, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    tree = cKDTree(np.c_[gen.kx / 100.0, gen.ky / 100.0])
    _, idx = tree.query(np.c_[x, y])
    return np.asarray(idx, dtype=np.int64)
