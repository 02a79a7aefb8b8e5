"""An optional rural fringe for the demo district: a township (镇) with villages east of it. SYNTHETIC.

    python -m solver.synthetic.rural --demo data/demo --out data/rural    # default seed 20261206

Reads the five demo tables and writes them again with the fringe appended (the demo rows are
unchanged, the fringe rows follow):

* roads: a country road from the demo's eastern edge (the node nearest the east side's middle)
  to the township centre 2.5 km further east, the township's small grid of streets (100 m), and
  one road from the township to each village (a node every 100 m, with a random bend); edge
  ``kind`` = ``rural``;
* the township (``street`` = 永乐店镇 (synthetic name), community = its name): 6 compounds of
  town households (``kind`` empty = urban), and ``n_villages`` villages (``kind = village``),
  each one demand point with its ``population`` (300-3,000; three of them below 1,000) and
  ``households`` = population / 2.6; the villages lie 1.5-6 km from the township, one of them
  (小务村, 1,050 people) 7.5 km away: only its own idle room (CV06) can serve it within 15 minutes
  by e-bike (without it the village rule cannot hold: tests/test_villages.py);
* candidate spaces: idle village rooms (``village_room``) in every other village and in the far one, the
  township's supply-cooperative building (``coop``) and two vacated shops in the township;
* existing facilities: a vegetable market and a pharmacy in the township.

Imports nothing from the rest of siting (like the rest of solver/synthetic).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

DEFAULT_SEED = 20261206
TOWNSHIP = "永乐店镇"  # synthetic; the name of a real Tongzhou township, borrowed for flavour only
VILLAGE_NAMES = ("东堡村", "西马坊村", "南辛庄村", "北务村", "大营村", "小务村", "柴厂屯村", "新民庄村", "后甫村")
FILES = ("households.csv", "candidates.csv", "existing.csv", "network_nodes.csv", "network_edges.csv")


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, fields: list[str], rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in fields})


def _f(v: float) -> str:
    return f"{v:.2f}"


def build(demo: Path, out: Path, *, seed: int = DEFAULT_SEED, n_villages: int = 9) -> list[Path]:
    rng = np.random.default_rng(seed)
    tables = {name: _read(demo / name) for name in FILES}
    node_f, nodes = tables["network_nodes.csv"]
    edge_f, edges = tables["network_edges.csv"]
    xs = np.array([float(n["x"]) for n in nodes])
    ys = np.array([float(n["y"]) for n in nodes])
    east, mid = xs.max(), (ys.min() + ys.max()) / 2
    start = int(np.argmin(np.hypot(xs - east, ys - mid)))
    new_nodes: list[dict] = []
    new_edges: list[dict] = []

    def node(x: float, y: float, kind: str = "rural") -> str:
        nid = f"R{len(new_nodes):05d}"
        new_nodes.append({"id": nid, "x": _f(x), "y": _f(y), "kind": kind})
        return nid

    def road(a: str, ax: float, ay: float, bx: float, by: float, *, bend: float = 0.0) -> str:
        """A road from node a at (ax, ay) to a new node at (bx, by), a node every <= 100 m; returns the last."""
        length = float(np.hypot(bx - ax, by - ay))
        k = max(1, int(np.ceil(length / 100.0)))
        nx, ny = -(by - ay) / length, (bx - ax) / length
        prev, px, py = a, ax, ay
        for i in range(1, k + 1):
            t = i / k
            off = bend * np.sin(np.pi * t)
            x, y = ax + t * (bx - ax) + off * nx, ay + t * (by - ay) + off * ny
            cur = node(x, y)
            new_edges.append({"u": prev, "v": cur, "length_m": _f(float(np.hypot(x - px, y - py)) * 1.02),
                              "kind": "rural"})
            prev, px, py = cur, x, y
        return prev

    sx, sy = float(xs[start]), float(ys[start])
    tx, ty = sx + 2500.0, sy
    centre = road(nodes[start]["id"], sx, sy, tx, ty, bend=60.0)
    # the township's grid: 5 x 5 nodes 100 m apart around the centre
    grid: dict[tuple[int, int], str] = {(0, 0): centre}
    for i in range(-2, 3):
        for j in range(-2, 3):
            if (i, j) != (0, 0):
                grid[(i, j)] = node(tx + 100 * i, ty + 100 * j)
    for (i, j), nid in grid.items():
        for di, dj in ((1, 0), (0, 1)):
            if (i + di, j + dj) in grid:
                new_edges.append({"u": nid, "v": grid[(i + di, j + dj)], "length_m": "100.00", "kind": "rural"})
    hh_f, households = tables["households.csv"]
    hh_f = hh_f + [c for c in ("population", "kind") if c not in hh_f]
    cand_f, candidates = tables["candidates.csv"]
    ex_f, existing = tables["existing.csv"]
    new_hh: list[dict] = []
    for k in range(6):  # town compounds
        i, j = int(rng.integers(-2, 3)), int(rng.integers(-2, 3))
        h = int(rng.integers(80, 260))
        new_hh.append({"id": f"T{k + 1:03d}", "name": f"{TOWNSHIP}{['东', '西', '南', '北', '中', '新'][k]}区",
                       "x": _f(tx + 100 * i + rng.uniform(-30, 30)), "y": _f(ty + 100 * j + rng.uniform(-30, 30)),
                       "households": str(h), "street": TOWNSHIP, "community": f"{TOWNSHIP}社区",
                       "population": str(int(h * 2.6)), "kind": ""})
    pops = [2800, 1900, 1500, 1350, 1200, 1050, 900, 600, 350][:n_villages]
    angles = np.linspace(-np.pi * 0.45, np.pi * 0.45, n_villages) + rng.uniform(-0.08, 0.08, n_villages)
    dists = rng.uniform(1500, 6000, n_villages)
    far = pops.index(1050) if 1050 in pops else 0  # a village of 1,050 people
    dists[far] = 7500.0  # beyond any space's reach within 15 minutes by e-bike (3 km): the rule cannot hold
    village_cands: list[dict] = []
    for v in range(n_villages):
        ang, d = float(angles[v]), float(dists[v])
        vx, vy = tx + 300 + d * np.cos(ang), ty + d * np.sin(ang)
        road(grid[(2, 0)], tx + 200, ty, vx, vy, bend=float(rng.uniform(-150, 150)))
        name = VILLAGE_NAMES[v % len(VILLAGE_NAMES)]
        new_hh.append({"id": f"V{v + 1:03d}", "name": name, "x": new_nodes[-1]["x"], "y": new_nodes[-1]["y"],
                       "households": str(int(pops[v] / 2.6)), "street": TOWNSHIP, "community": name,
                       "population": str(pops[v]), "kind": "village"})
        if v % 2 == 0 or v == far:  # an idle village room beside the village centre
            village_cands.append({"id": f"CV{v + 1:02d}", "name": f"{name}村委会闲置用房",
                                  "x": _f(float(new_nodes[-1]["x"]) + 20), "y": _f(float(new_nodes[-1]["y"]) + 10),
                                  "space_type": "village_room", "area_m2": str(int(rng.integers(60, 160))),
                                  "floor": "1", "street": TOWNSHIP, "community": name,
                                  "conversion_cost": str(int(rng.integers(3, 8)) * 10_000), "gas": "none"})
    town_cands = [
        {"id": "CT01", "name": f"{TOWNSHIP}供销社", "x": _f(tx + 40), "y": _f(ty + 20), "space_type": "coop",
         "area_m2": "320", "floor": "1", "street": TOWNSHIP, "community": f"{TOWNSHIP}社区",
         "conversion_cost": "150000", "gas": "pipeline"},
        {"id": "CT02", "name": f"{TOWNSHIP}东街腾退商铺", "x": _f(tx + 160), "y": _f(ty - 30), "space_type": "vacated",
         "area_m2": "90", "floor": "1", "street": TOWNSHIP, "community": f"{TOWNSHIP}社区",
         "conversion_cost": "110000", "gas": "none"},
        {"id": "CT03", "name": f"{TOWNSHIP}西街腾退商铺", "x": _f(tx - 150), "y": _f(ty + 60), "space_type": "vacated",
         "area_m2": "70", "floor": "1", "street": TOWNSHIP, "community": f"{TOWNSHIP}社区",
         "conversion_cost": "100000", "gas": "none"},
    ]
    new_ex = [{"id": "ET01", "name": f"{TOWNSHIP}农贸市场", "x": _f(tx - 60), "y": _f(ty - 80),
               "service": "vegetable"},
              {"id": "ET02", "name": f"{TOWNSHIP}卫生院药房", "x": _f(tx + 90), "y": _f(ty + 110),
               "service": "pharmacy"}]
    out.mkdir(parents=True, exist_ok=True)
    node_f = node_f + (["kind"] if "kind" not in node_f else [])
    _write(out / "households.csv", hh_f, households + new_hh)
    _write(out / "candidates.csv", cand_f, candidates + village_cands + town_cands)
    _write(out / "existing.csv", ex_f, existing + new_ex)
    _write(out / "network_nodes.csv", node_f, nodes + new_nodes)
    _write(out / "network_edges.csv", edge_f, edges + new_edges)
    return [out / f for f in FILES]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m solver.synthetic.rural",
                                     description="Append a synthetic township with villages to the demo district.")
    parser.add_argument("--demo", type=Path, default=Path("data/demo"), help="the demo tables (default data/demo)")
    parser.add_argument("--out", type=Path, required=True, help="output directory, e.g. data/rural")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"RNG seed (default {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    for p in build(args.demo, args.out, seed=args.seed):
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
