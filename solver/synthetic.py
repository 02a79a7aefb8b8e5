"""A deterministic generator of a synthetic, Tongzhou-like demo district.

Everything produced here is SYNTHETIC: no row describes a real building, space,
shop or street. Street (街道) names are borrowed from Tongzhou for flavour only;
compound, community, road and shop names are assembled from a word bank.

The model of the district
-------------------------

Frame. A rectangle of ``n_streets * street_area_km2`` km² (aspect 5:4) centred
on lon 116.65, lat 39.90 (Tongzhou, Beijing), in CGCS2000 / 3-degree
Gauss-Kruger CM 117E (EPSG:4548; metres, false easting 500 000). The projected
origin is computed with pyproj and rounded to whole metres. All geometry is
built in local metres and every coordinate is rounded to 0.01 m.

Roads. Arterials (主干路/次干路) run N-S and E-W, 400-600 m apart with random
spacing, so the grid is irregular. Each arterial column/row carries 0-2 local
streets (支路) at jittered positions; each local street is dropped in ~20% of
the superblocks it crosses, giving T-junctions and merged blocks. Every road
segment is split into walking edges of at most ``max_edge_m`` (default 50 m),
so snapping a point to its nearest node is accurate.

Barriers. The Grand Canal (大运河) is a N-S corridor of 160-220 m (water plus
green banks) about 40% of the way across, crossed only by ~1 bridge per
1.5 km (edge kind ``bridge``). A rail line (铁路) is an E-W corridor of
60-80 m in the south part of the district, crossed only by about half of the
N-S arterials (underpasses); local streets never cross either barrier.

Blocks and land use. The cells between road centrelines are blocks. A block
is inset from the centreline by 25 m on arterials and 10 m on local streets
(carriageway + pavement). About half of the blocks are residential; the rest are
schools, parks, commercial and office blocks, industry, hospitals,
government and vacant land. Compounds are dated by their distance to the
old core (老城区, just west of the canal; for larger districts one further core
per ~6 streets): old 1980s-90s walk-ups (老旧小区) near the core, 2000s
mid-rise slabs around it, 2010s high-rises on the periphery and on the east
bank (the new sub-centre), and one peri-urban village area (城中村) per ~5
streets far from the cores.

Compounds (小区). Residential blocks hold 1-4 gated compounds. Buildings
stand in rows (south-facing slabs; towers in new compounds) with a row and
column pitch by era (old 38-46 x 62-78 m; mid 50-60 x 68-86 m; new 72-90 x
56-70 m; village 30-38 x 30-36 m, divided by ``sqrt(density)``), ~12% of the
slots left empty (green, kindergarten, parking). Every building has a node at
its doorstep on an E-W lane just south of it (its households snap there); 1-4
N-S paths join the lanes and a path along the north wall.
The internal network meets the street network ONLY through 1-3 gate edges
(kind ``gate``), so the walk out of a compound often exceeds the straight
line. Households per building: old 20-60 (5-6 storeys x 2-5 units x 2 per
landing), mid 24-144, new 36-198, village 20-40 (a group of courtyards, 院落).
Population is 2.4-2.9 persons per household by era; the 60+ share is
27-33% (old), 20-26% (mid), 16-21% (new), 24-30% (village).

Streets and communities. Blocks are grouped into ``n_streets`` streets
(街道) by weighted k-means of block centroids (weight: households), then each
street into communities (社区) of ~2 500 households the same way. Names go
by distance to the old core: 新华街道 first, then 中仓, 北苑, 玉桥, 通运, ...

Candidate spaces (4 types inside compounds, 4 along streets). Underground
spaces (人防/地下室, B1-B3) under residential buildings; former boiler rooms
(锅炉房) and bike sheds (自行车棚) in old and mid compounds; vacated ground-floor
shops (底商腾退空间) on compound edges facing a street and in commercial
blocks; old factories (老旧厂房) in industrial blocks; spaces in metro stations
(two lines, a station every 2-3 arterials); park gate-houses and canal
greenway posts; and other spaces (community service stations, school
annexes, former offices and markets). Area, floor, gas supply and
conversion cost follow the space type and compound era; ~10% of the costs
are left empty so that the scenario's per-type default applies.

Existing facilities. Shop fronts along streets, drawn with weights that
favour old compounds and commercial blocks near the core. For each service
they are added one by one (in a seeded random order) until a target share of
households (vegetable 70-80%, breakfast 75-85%, repair 50-62%, pharmacy
62-75%) lies within 900 m network distance (15 min at 60 m/min) of one: the
core is dense, the periphery has real gaps.

must_cover. A few buildings of the most elderly-heavy old compound that has
no existing pharmacy within 900 m, but a pharmacy-eligible candidate within
700 m network distance, are flagged ``pharmacy``.

Determinism. Only ``numpy.random.default_rng(seed)`` is used, and only
uniform draws, integers, choices and permutations, with plain arithmetic
and square roots afterwards (no exp/log/sin whose last bits may vary by
CPU). The same seed and options give byte-identical files.

Scaling. ``n_streets`` scales the area (per street at the defaults: ~230
buildings, ~12 000 households, ~1 700 nodes); ``density`` multiplies the
number of buildings (and so households) per compound. ~10^3 demand points:
``n_streets=4``; ~10^4: ``n_streets=40``; ~10^5: ``n_streets=100,
density=4`` (about 9 s, 270 000 nodes). Densities far above 1 are for
benchmarks only: buildings then stand closer than any planning code allows.
Real gaps: the density of the existing facilities is calibrated to the
coverage targets above at any size.

Usage::

    python -m solver.synthetic --out data/demo [--seed N]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

CRS = "EPSG:4548"  # CGCS2000 / 3-degree Gauss-Kruger CM 117E
DEFAULT_SEED = 20261122
DEFAULT_STREET_AREA_KM2 = 3.5
CENTRE_LONLAT = (116.65, 39.90)
SERVICES = ("vegetable", "breakfast", "repair", "pharmacy")
SPACE_TYPE_KEYS = ("vacated", "underground", "boiler_room", "bike_shed", "old_factory", "transit",
                   "park", "other")
WALK_LIMIT_M = 900.0  # 15 minutes at 60 m/min
FILES = {
    "households": "households.csv",
    "candidates": "candidates.csv",
    "existing": "existing.csv",
    "nodes": "network_nodes.csv",
    "edges": "network_edges.csv",
}

# Centreline to property line, metres.
SETBACK = {"arterial": 25.0, "local": 10.0}
# Shop fronts and other street-facing spaces stand this far from the centreline.
FRONT_OFFSET = {"arterial": 12.0, "local": 7.0}
INNER_MARGIN = 10.0  # compound wall to its lanes

STREET_NAMES = ("新华", "中仓", "北苑", "玉桥", "通运", "杨庄", "潞源", "潞邑", "文景", "九棵树", "临河里")
PLACE_WORDS = (
    "玉桥", "新华", "中仓", "北苑", "通运", "杨庄", "潞河", "临河", "果园", "云景", "翠屏", "通惠",
    "葛布", "运河", "京贸", "西门", "南关", "北关", "东关", "八里", "土桥", "复兴", "滨河", "紫荆",
    "天时", "长桥", "兴华", "芙蓉", "龙旺", "怡乐", "梨花", "樱花", "枫林", "月季", "龙鼎", "瑞都",
    "金侨", "明珠", "华远", "太阳", "京铁", "西马", "东方", "安居", "乔庄", "小营", "焦王", "大营",
    "新城", "潞苑", "梨园", "通顺", "永乐", "建新", "民族", "工农", "向阳", "红旗", "团结", "前进",
    "光明", "和平", "幸福", "柳岸", "荷风", "畅心", "悦澜", "锦绣", "万盛", "胡各", "葛渠", "张湾",
    "北杨", "中山", "宏仁", "紫运", "运乔", "新建", "东潞", "西海", "武夷", "双桥",
)
DIRECTIONS = ("东", "西", "南", "北")
ERA_SUFFIX = {
    "old": ("里", "东里", "西里", "南里", "北里", "小区", "新村"),
    "mid": ("园", "苑", "家园", "花园", "嘉园", "雅苑"),
    "new": ("府", "湾", "公馆", "华府", "天地", "壹号院"),
    "village": ("村",),
}
ROAD_SUFFIX = {"ns": ("路", "北路", "南路", "大街"), "ew": ("大街", "路", "东路", "西路"),
               "local": ("胡同", "街", "巷", "路")}
FACTORY_KINDS = ("纺织厂", "机械厂", "印刷厂", "食品厂", "制药厂", "仪表厂", "服装厂", "砖瓦厂", "五金厂", "酿酒厂")
CN_DIGITS = "零一二三四五六七八九十"


# --------------------------------------------------------------------------------------------
# Public API


@dataclass(frozen=True)
class SyntheticDistrict:
    """The five input tables of a synthetic district, exactly as they are written to CSV.

    Coordinates ``x``, ``y`` are metres in :attr:`crs` (EPSG:4548), rounded to 0.01 m.
    """

    households: pd.DataFrame
    candidates: pd.DataFrame
    existing: pd.DataFrame
    nodes: pd.DataFrame
    edges: pd.DataFrame
    crs: str

    @property
    def total_households(self) -> int:
        return int(self.households["households"].sum())


def generate_district(
    *,
    seed: int = DEFAULT_SEED,
    n_streets: int = 5,
    street_area_km2: float = DEFAULT_STREET_AREA_KM2,
    density: float = 1.0,
    canal: bool = True,
    rail: bool = True,
    max_edge_m: float = 50.0,
    candidate_rate: float = 1.0,
    centre_lonlat: tuple[float, float] = CENTRE_LONLAT,
) -> SyntheticDistrict:
    """Generate a synthetic district; the defaults produce the committed demo (``data/demo``).

    ``n_streets`` scales the area (``street_area_km2`` each), ``density`` the number of
    buildings per compound, ``candidate_rate`` the number of candidate spaces.
    """
    if n_streets < 1:
        raise ValueError(f"n_streets must be >= 1; got {n_streets}")
    if street_area_km2 <= 0 or density <= 0 or max_edge_m <= 0 or candidate_rate < 0:
        raise ValueError("street_area_km2, density and max_edge_m must be > 0, candidate_rate >= 0")
    gen = _Generator(seed=seed, n_streets=n_streets, street_area_km2=street_area_km2,
                     density=density, canal=canal, rail=rail, max_edge_m=max_edge_m,
                     candidate_rate=candidate_rate, centre_lonlat=centre_lonlat)
    return gen.run()


def write_district(district: SyntheticDistrict, out_dir: Path) -> list[Path]:
    """Write the five CSV files (UTF-8, ``\\n`` line endings, 2-decimal floats); return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for attr, fname in FILES.items():
        frame: pd.DataFrame = getattr(district, attr)
        path = out_dir / fname
        text = frame.to_csv(index=False, lineterminator="\n", float_format="%.2f")
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m solver.synthetic",
        description="Generate the synthetic Tongzhou-like demo district (CSV files).")
    parser.add_argument("--out", type=Path, required=True, help="output directory, e.g. data/demo")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"RNG seed (default {DEFAULT_SEED})")
    parser.add_argument("--streets", type=int, default=5, help="number of streets (街道), default 5")
    parser.add_argument("--street-area-km2", type=float, default=DEFAULT_STREET_AREA_KM2,
                        help=f"area per street in km2, default {DEFAULT_STREET_AREA_KM2}")
    parser.add_argument("--density", type=float, default=1.0, help="building density multiplier, default 1")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    district = generate_district(seed=args.seed, n_streets=args.streets,
                                 street_area_km2=args.street_area_km2, density=args.density)
    paths = write_district(district, args.out)
    dt = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} files to {args.out} in {dt:.1f} s ({size / 1e6:.2f} MB): "
          f"{len(district.households)} buildings, {district.total_households} households, "
          f"{len(district.candidates)} candidates, {len(district.existing)} existing facilities, "
          f"{len(district.nodes)} nodes, {len(district.edges)} edges")
    return 0


# --------------------------------------------------------------------------------------------
# Network builder


class _Segment:
    """A straight road piece: vertical (x = c, param y) or horizontal (y = c, param x)."""

    __slots__ = ("vertical", "c", "a", "b", "kind", "road", "hard", "soft", "params", "nodes")

    def __init__(self, vertical: bool, c: float, a: float, b: float, kind: str, road: str):
        self.vertical, self.c, self.a, self.b, self.kind, self.road = vertical, c, a, b, kind, road
        self.hard: list[float] = [a, b]
        self.soft: list[float] = []
        self.params: np.ndarray | None = None
        self.nodes: np.ndarray | None = None

    def xy(self, p: float) -> tuple[float, float]:
        return (self.c, p) if self.vertical else (p, self.c)


class _Net:
    def __init__(self, max_edge_m: float):
        self.max_edge = max_edge_m
        self.index: dict[tuple[int, int], int] = {}
        self.kx: list[int] = []
        self.ky: list[int] = []
        self.eu: list[int] = []
        self.ev: list[int] = []
        self.ekind: list[str] = []
        self.eseen: set[tuple[int, int]] = set()

    def node(self, x: float, y: float) -> int:
        key = (int(round(x * 100)), int(round(y * 100)))
        nid = self.index.get(key)
        if nid is None:
            nid = len(self.kx)
            self.index[key] = nid
            self.kx.append(key[0])
            self.ky.append(key[1])
        return nid

    def edge(self, a: int, b: int, kind: str) -> None:
        if a == b:
            return
        key = (a, b) if a < b else (b, a)
        if key in self.eseen:
            return
        self.eseen.add(key)
        self.eu.append(a)
        self.ev.append(b)
        self.ekind.append(kind)

    def line(self, pts: list[tuple[float, float]], kind: str, max_len: float | None = None) -> list[int]:
        """Connect consecutive points, splitting long pieces; return every node id along the line."""
        max_len = max_len or self.max_edge
        ids = [self.node(*pts[0])]
        for (x0, y0), (x1, y1) in zip(pts[:-1], pts[1:]):
            length = math.sqrt((x1 - x0) ** 2 + (y1 - y0) ** 2)
            n = max(1, math.ceil(length / max_len - 1e-9))
            for k in range(1, n + 1):
                t = k / n
                cur = self.node(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t) if k < n else self.node(x1, y1)
                self.edge(ids[-1], cur, kind)
                ids.append(cur)
        return ids

    def finalize_segment(self, seg: _Segment) -> None:
        pts = sorted(set(round(p, 2) for p in seg.hard))
        for p in sorted(set(round(p, 2) for p in seg.soft)):
            if seg.a < p < seg.b and min(abs(p - q) for q in pts) >= 3.0:
                pts.append(p)
        pts.sort()
        ids = self.line([seg.xy(p) for p in pts], seg.kind)
        keys = self.ky if seg.vertical else self.kx
        seg.nodes = np.array(ids, dtype=np.int64)
        seg.params = np.array([keys[i] / 100.0 for i in ids])

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        kx = np.array(self.kx, dtype=np.int64)
        ky = np.array(self.ky, dtype=np.int64)
        u = np.array(self.eu, dtype=np.int64)
        v = np.array(self.ev, dtype=np.int64)
        dx = (kx[u] - kx[v]).astype(float)
        dy = (ky[u] - ky[v]).astype(float)
        length = np.round(np.sqrt(dx * dx + dy * dy) / 100.0, 2)
        return kx, ky, u, v, length


# --------------------------------------------------------------------------------------------
# The generator


class _Names:
    """Unique Chinese names from the word bank."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.used: set[str] = set()

    def word(self) -> str:
        return PLACE_WORDS[int(self.rng.integers(len(PLACE_WORDS)))]

    def unique(self, make) -> str:
        for _ in range(40):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        base = make()
        k = 2
        while f"{base}{_cn(k)}区" in self.used:
            k += 1
        name = f"{base}{_cn(k)}区"
        self.used.add(name)
        return name


def _cn(k: int) -> str:
    if k <= 10:
        return CN_DIGITS[k]
    if k < 20:
        return "十" + (CN_DIGITS[k - 10] if k > 10 else "")
    if k < 100:
        return CN_DIGITS[k // 10] + "十" + (CN_DIGITS[k % 10] if k % 10 else "")
    return str(k)


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


class _Generator:
    def __init__(self, *, seed, n_streets, street_area_km2, density, canal, rail, max_edge_m,
                 candidate_rate, centre_lonlat):
        self.rng = np.random.default_rng(seed)
        self.n_streets = n_streets
        self.area_m2 = n_streets * street_area_km2 * 1e6
        self.density = density
        self.canal = canal
        self.rail = rail
        self.candidate_rate = candidate_rate
        self.centre_lonlat = centre_lonlat
        self.net = _Net(max_edge_m)
        self.names = _Names(self.rng)
        self.segments: dict[tuple, _Segment] = {}
        self.gates: list[tuple[int, tuple, float]] = []
        self.blocks: list[dict] = []
        self.compounds: list[dict] = []
        self.buildings: list[dict] = []
        self.cands: list[dict] = []

    # ---- helpers
    def u(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def choice_w(self, keys, weights):
        w = np.asarray(weights, dtype=float)
        return keys[int(self.rng.choice(len(keys), p=w / w.sum()))]

    # ---- 1. roads
    def _positions(self, total: float) -> list[float]:
        n = max(2, round(total / 500.0))
        gaps = self.rng.uniform(400.0, 600.0, n)
        gaps = gaps * (total / gaps.sum())
        return [0.0] + [round(float(v), 2) for v in np.cumsum(gaps)]

    def build_grid(self) -> None:
        width = math.sqrt(self.area_m2 * 1.25)
        height = self.area_m2 / width
        xs = self._positions(width)
        ys = self._positions(height)
        ncol, nrow = len(xs) - 1, len(ys) - 1
        self.col_kind = ["urban"] * ncol
        self.row_kind = ["urban"] * nrow
        if self.canal and ncol >= 2:
            k = max(1, min(ncol - 1, round(0.4 * ncol)))
            wc = round(self.u(160, 220), 2)
            xs = xs[:k + 1] + [x + wc for x in xs[k:]]
            self.col_kind.insert(k, "canal")
            self.canal_col = k
        else:
            self.canal_col = None
        if self.rail and nrow >= 2:
            r = max(1, min(nrow - 1, round(0.3 * nrow)))
            wr = round(self.u(60, 80), 2)
            ys = ys[:r + 1] + [y + wr for y in ys[r:]]
            self.row_kind.insert(r, "rail")
            self.rail_row = r
        else:
            self.rail_row = None
        self.X, self.Y = xs, ys
        self.width, self.height = xs[-1], ys[-1]
        ncol, nrow = len(xs) - 1, len(ys) - 1
        # crossings of the barriers
        ny_lines = len(ys)
        self.bridges = set()
        if self.canal_col is not None:
            cand = [j for j in range(1, ny_lines - 1)]
            n_b = max(2, round(self.height / 1500.0))
            for j in sorted(self.rng.permutation(cand)[:n_b].tolist()):
                self.bridges.add(int(j))
        self.underpasses = set()
        if self.rail_row is not None:
            cand = list(range(len(xs)))
            n_u = max(2, round(len(xs) * 0.5))
            for i in sorted(self.rng.permutation(cand)[:n_u].tolist()):
                self.underpasses.add(int(i))
        # the four quarters cut by the canal and the rail must stay connected
        if self.canal_col is not None and self.rail_row is not None:
            k, r = self.canal_col, self.rail_row
            for part in ([i for i in range(len(xs)) if i <= k], [i for i in range(len(xs)) if i > k]):
                if not self.underpasses & set(part):
                    self.underpasses.add(int(self.pick(part)))
            for part in ([j for j in range(1, ny_lines - 1) if j <= r],
                         [j for j in range(1, ny_lines - 1) if j > r]):
                if part and not self.bridges & set(part):
                    self.bridges.add(int(self.pick(part)))
        # road names
        self.xname = [self.names.unique(lambda: self.names.word() + self.pick(ROAD_SUFFIX["ns"]))
                      for _ in xs]
        self.yname = [self.names.unique(lambda: self.names.word() + self.pick(ROAD_SUFFIX["ew"]))
                      for _ in ys]
        # local streets: positions per column / row, kept per superblock
        self.lx = []
        for i in range(ncol):
            self.lx.append(self._locals(xs[i], xs[i + 1]) if self.col_kind[i] == "urban" else [])
        self.ly = []
        for j in range(nrow):
            self.ly.append(self._locals(ys[j], ys[j + 1]) if self.row_kind[j] == "urban" else [])
        self.lxname = [[self.names.unique(lambda: self.names.word() + self.pick(ROAD_SUFFIX["local"]))
                        for _ in col] for col in self.lx]
        self.lyname = [[self.names.unique(lambda: self.names.word() + self.pick(ROAD_SUFFIX["local"]))
                        for _ in row] for row in self.ly]
        self.keep_x = {}
        self.keep_y = {}
        for i in range(ncol):
            for j in range(nrow):
                urban = self.col_kind[i] == "urban" and self.row_kind[j] == "urban"
                self.keep_x[i, j] = [urban and self.chance(0.8) for _ in self.lx[i]]
                self.keep_y[i, j] = [urban and self.chance(0.8) for _ in self.ly[j]]
        # segments
        seg = self.segments
        for i, x in enumerate(xs):
            for j in range(nrow):
                if self.row_kind[j] == "rail" and i not in self.underpasses:
                    continue
                seg["ax", i, j] = _Segment(True, x, ys[j], ys[j + 1], "arterial", self.xname[i])
        for j, y in enumerate(ys):
            for i in range(ncol):
                if self.col_kind[i] == "canal":
                    if j in self.bridges:
                        seg["ay", j, i] = _Segment(False, y, xs[i], xs[i + 1], "bridge", self.yname[j])
                    continue
                seg["ay", j, i] = _Segment(False, y, xs[i], xs[i + 1], "arterial", self.yname[j])
        for i in range(ncol):
            for j in range(nrow):
                kx = [t for t, keep in enumerate(self.keep_x[i, j]) if keep]
                ky = [t for t, keep in enumerate(self.keep_y[i, j]) if keep]
                for t in kx:
                    s = _Segment(True, self.lx[i][t], ys[j], ys[j + 1], "local", self.lxname[i][t])
                    s.hard += [self.ly[j][q] for q in ky]
                    seg["lx", i, j, t] = s
                    seg["ay", j, i].hard.append(self.lx[i][t])
                    seg["ay", j + 1, i].hard.append(self.lx[i][t])
                for q in ky:
                    s = _Segment(False, self.ly[j][q], xs[i], xs[i + 1], "local", self.lyname[j][q])
                    s.hard += [self.lx[i][t] for t in kx]
                    seg["ly", i, j, q] = s
                    seg["ax", i, j].hard.append(self.ly[j][q])
                    seg["ax", i + 1, j].hard.append(self.ly[j][q])

    def _col_at(self, i: int, kind: str) -> bool:
        return 0 <= i < len(self.col_kind) and self.col_kind[i] == kind

    def _locals(self, a: float, b: float) -> list[float]:
        gap = b - a
        n = max(0, round(gap / 230.0) - 1)
        if n > 0 and self.chance(0.25):
            n -= 1
        out = []
        for k in range(1, n + 1):
            out.append(round(a + gap * k / (n + 1) + self.u(-25, 25), 2))
        return out

    # ---- 2. blocks and land use
    def build_blocks(self) -> None:
        xs, ys = self.X, self.Y
        for i in range(len(xs) - 1):
            if self.col_kind[i] != "urban":
                continue
            for j in range(len(ys) - 1):
                if self.row_kind[j] != "urban":
                    continue
                kx = [t for t, keep in enumerate(self.keep_x[i, j]) if keep]
                ky = [q for q, keep in enumerate(self.keep_y[i, j]) if keep]
                vx = [(xs[i], ("ax", i, j))] + [(self.lx[i][t], ("lx", i, j, t)) for t in kx] + \
                     [(xs[i + 1], ("ax", i + 1, j))]
                hy = [(ys[j], ("ay", j, i))] + [(self.ly[j][q], ("ly", i, j, q)) for q in ky] + \
                     [(ys[j + 1], ("ay", j + 1, i))]
                for (x0, kw), (x1, ke) in zip(vx[:-1], vx[1:]):
                    for (y0, ks), (y1, kn) in zip(hy[:-1], hy[1:]):
                        self.blocks.append({
                            "index": len(self.blocks), "x0": x0, "x1": x1, "y0": y0, "y1": y1,
                            "side": {"W": kw, "E": ke, "S": ks, "N": kn},
                            "cx": (x0 + x1) / 2, "cy": (y0 + y1) / 2,
                        })
        # cores
        pts = np.array([[b["cx"], b["cy"]] for b in self.blocks])
        if self.canal_col is not None:
            core0 = (self.X[self.canal_col] - 700.0, self.height * 0.55)
        else:
            core0 = (self.width * 0.4, self.height * 0.55)
        cores = [core0]
        n_cores = 1 + (self.n_streets - 1) // 6
        while len(cores) < n_cores:
            d = np.min([np.sqrt(((pts - np.array(c)) ** 2).sum(axis=1)) for c in cores], axis=0)
            far = np.flatnonzero(d > 2500.0)
            if len(far) == 0:
                break
            b = int(far[int(self.rng.integers(len(far)))])
            cores.append((float(pts[b, 0]), float(pts[b, 1])))
        self.cores = cores
        dcore = np.min([np.sqrt(((pts - np.array(c)) ** 2).sum(axis=1)) for c in cores], axis=0)
        # village areas, far from the cores
        n_vill = max(1, self.n_streets // 5)
        order = np.argsort(-dcore, kind="stable")
        pool = order[: max(1, len(order) // 4)]
        vcentres = []
        for b in self.rng.permutation(pool).tolist():
            p = pts[b]
            if all(math.sqrt(float(((p - q) ** 2).sum())) > 1800.0 for q in vcentres):
                vcentres.append(p)
            if len(vcentres) >= n_vill:
                break
        vradius = 650.0
        canal_x = self.X[self.canal_col] if self.canal_col is not None else None
        for k, blk in enumerate(self.blocks):
            d = float(dcore[k])
            blk["dcore"] = d
            east = canal_x is not None and blk["cx"] > canal_x and d < 3500.0
            w = blk["x1"] - blk["x0"] - self._sb(blk, "W") - self._sb(blk, "E")
            h = blk["y1"] - blk["y0"] - self._sb(blk, "S") - self._sb(blk, "N")
            blk["w"], blk["h"] = w, h
            in_village = any(math.sqrt(float(((pts[k] - q) ** 2).sum())) < vradius for q in vcentres)
            if w < 70 or h < 70:
                blk["use"] = "green"
                continue
            if in_village:
                blk["use"] = "village" if self.chance(0.8) else self.pick(("vacant", "industrial"))
                continue
            if self.chance(0.50):
                blk["use"] = self.choice_w(
                    ("old", "mid", "new"),
                    (4.0 * max(0.0, 1.0 - d / 3000.0) + 0.1,
                     1.2,
                     0.1 + 0.9 * min(1.0, d / 3000.0) + (1.2 if east else 0.0)))
            else:
                far = d > 2500.0
                blk["use"] = self.choice_w(
                    ("school", "park", "commercial", "office", "industrial", "hospital", "government",
                     "vacant"),
                    (0.10, 0.07, 0.08 * (2.0 if d < 1200 else 1.0), 0.05 * (2.5 if east else 1.0),
                     0.07 * (2.0 if far else 1.0), 0.015, 0.02, 0.04 * (2.5 if far else 0.2)))

    def _sb(self, blk: dict, side: str) -> float:
        key = blk["side"][side]
        return SETBACK["arterial" if key[0] in ("ax", "ay") else "local"]

    def _side_kind(self, key: tuple) -> str:
        return "arterial" if key[0] in ("ax", "ay") else "local"

    # ---- 3. compounds
    ERA = {
        "old": {"row": (38, 46), "col": (62, 78), "persons": (2.3, 2.6), "elderly": (0.27, 0.33),
                "gates": (1, 2)},
        "mid": {"row": (50, 60), "col": (68, 86), "persons": (2.5, 2.8), "elderly": (0.20, 0.26),
                "gates": (2, 3)},
        "new": {"row": (72, 90), "col": (56, 70), "persons": (2.6, 2.9), "elderly": (0.16, 0.21),
                "gates": (2, 3)},
        "village": {"row": (30, 38), "col": (30, 36), "persons": (2.7, 3.0), "elderly": (0.24, 0.30),
                    "gates": (3, 3)},
    }

    def _hh(self, era: str) -> int:
        if era == "old":
            return int(self.pick((5, 6, 6, 6))) * int(self.rng.integers(2, 6)) * 2
        if era == "mid":
            return int(self.pick((6, 6, 6, 9, 11, 12, 16, 18))) * int(self.rng.integers(2, 5)) * 2
        if era == "new":
            return min(300, int(self.pick((18, 22, 26, 28, 30, 33))) * int(self.rng.integers(2, 4))
                       * int(self.rng.integers(1, 3)))
        return int(self.rng.integers(20, 41))

    def build_compounds(self) -> None:
        for bi, blk in enumerate(self.blocks):
            era = blk["use"]
            if era not in self.ERA:
                continue
            px0 = blk["x0"] + self._sb(blk, "W")
            px1 = blk["x1"] - self._sb(blk, "E")
            py0 = blk["y0"] + self._sb(blk, "S")
            py1 = blk["y1"] - self._sb(blk, "N")
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
                    self._compound(bi, blk, era, x0, x0 + cw, y0, y0 + ch, sides)

    def _compound(self, bi, blk, era, x0, x1, y0, y1, sides) -> None:
        spec = self.ERA[era]
        rng = self.rng
        sq = math.sqrt(self.density)
        ix0, ix1 = round(x0 + INNER_MARGIN, 2), round(x1 - INNER_MARGIN, 2)
        iy0, iy1 = round(y0 + INNER_MARGIN, 2), round(y1 - INNER_MARGIN, 2)
        w, h = ix1 - ix0, iy1 - iy0
        prow = self.u(*spec["row"]) / sq
        pcol = self.u(*spec["col"]) / sq
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
            spines = [round(self.pick((ix0, ix1)), 2)]
        if era in ("mid", "new") and self.chance(0.35) or era == "village":
            spines += [round(ix0, 2), round(ix1, 2)]
        spines = sorted(set(spines))
        # buildings
        comp_id = len(self.compounds)
        base = self.names.unique(lambda: self.names.word() + self.pick(ERA_SUFFIX[era]))
        persons = self.u(*spec["persons"])
        elderly = self.u(*spec["elderly"])
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
            bx = round(col_x[c] + self.u(-3, 3), 2)
            by = round(row_y[r], 2)
            number += 1
            lane_pts[r].add(bx)
            hh = self._hh(era)
            pop = int(round(hh * persons * self.u(0.95, 1.05)))
            eld = min(pop, int(round(pop * elderly * self.u(0.9, 1.1))))
            label = f"{base}{number}号院" if era == "village" else f"{base}{number}号楼"
            bldg_here.append({"x": bx, "y": by, "lane_y": lanes[r], "households": hh,
                              "population": pop, "elderly": eld, "name": label, "compound": comp_id,
                              "block": bi, "number": number})
        # internal network
        for r, ly in enumerate(lanes):
            xsorted = sorted(lane_pts[r])
            self.net.line([(x, ly) for x in xsorted], "compound")
        self.net.line([(x, north) for x in sorted(set([ix0, ix1] + spines))], "compound")
        for sx in spines:
            self.net.line([(sx, ly) for ly in lanes] + [(sx, north)], "compound")
        for b in bldg_here:
            b["node"] = self.net.node(b["x"], b["lane_y"])
        # gates
        lo, hi = spec["gates"]
        n_gates = int(rng.integers(lo, hi + 1))
        options = []
        for s in sides:
            if s in ("S", "N"):
                for sx in spines:
                    options.append((s, sx))
            else:
                for ly in lanes:
                    options.append((s, ly))
        order = rng.permutation(len(options)).tolist()
        chosen, used_sides = [], set()
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
            seg = self.segments[key]
            if s == "S":
                inner = self.net.node(pos, lanes[0])
            elif s == "N":
                inner = self.net.node(pos, north)
            elif s == "W":
                inner = self.net.node(ix0, pos)
            else:
                inner = self.net.node(ix1, pos)
            seg.soft.append(pos)
            self.gates.append((inner, key, pos))
        self.compounds.append({"id": comp_id, "name": base, "era": era, "block": bi,
                               "x0": x0, "x1": x1, "y0": y0, "y1": y1, "ix0": ix0, "ix1": ix1,
                               "iy0": iy0, "iy1": iy1, "sides": sides, "pcol": pcol, "lane0": lanes[0],
                               "buildings": bldg_here, "elderly_share": elderly})
        self.buildings.extend(bldg_here)

    # ---- 4. finalize the street network
    def finalize_network(self) -> None:
        for key in sorted(self.segments, key=lambda k: (k[0], k[1:])):
            self.net.finalize_segment(self.segments[key])
        for inner, key, pos in self.gates:
            seg = self.segments[key]
            k = int(np.argmin(np.abs(seg.params - pos)))
            self.net.edge(inner, int(seg.nodes[k]), "gate")
        kx, ky, u, v, length = self.net.arrays()
        self.kx, self.ky, self.eu, self.ev, self.elen = kx, ky, u, v, length
        n = len(kx)
        g = sparse.coo_matrix((np.r_[length, length], (np.r_[u, v], np.r_[v, u])), shape=(n, n))
        self.graph = g.tocsr()
        ncomp, _ = csgraph.connected_components(self.graph, directed=False)
        if ncomp != 1:
            raise RuntimeError(f"synthetic network is not connected ({ncomp} components)")

    # ---- 5. streets and communities
    def assign_admin(self) -> None:
        pts = np.array([[b["cx"], b["cy"]] for b in self.blocks])
        hh_block = np.zeros(len(self.blocks))
        for b in self.buildings:
            hh_block[b["block"]] += b["households"]
        w = hh_block + 200.0
        dcore = np.array([b["dcore"] for b in self.blocks])
        first = int(np.argmin(dcore))
        labels = _weighted_kmeans(pts, w, self.n_streets, first)
        # name streets by distance of their centroid to the old core
        k = int(labels.max()) + 1
        cdist = np.array([float(np.average(dcore[labels == c], weights=w[labels == c])) for c in range(k)])
        rank = np.argsort(cdist, kind="stable")
        names = self._street_names(k)
        street_of = {int(c): names[r] for r, c in enumerate(rank)}
        street_idx = {int(c): r for r, c in enumerate(rank)}
        self.street_names = names
        by_block: dict[int, list[tuple[int, dict]]] = {}
        for comp in self.compounds:
            chh = sum(b["households"] for b in comp["buildings"])
            by_block.setdefault(comp["block"], []).append((chh, comp))
        self.by_block = by_block
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
                    cname = self.names.unique(lambda s=stem: s + ("村" if nm.endswith("村") else "社区"))
                else:
                    cname = self.names.unique(lambda: self.names.word() + "社区")
                cnames.append(cname)
                for bi in members.tolist():
                    self.blocks[bi]["street"] = street_of[c]
                    self.blocks[bi]["street_idx"] = street_idx[c]
                    self.blocks[bi]["community"] = cname
                    self.blocks[bi]["community_idx"] = s
            comm_names[street_idx[c]] = cnames

    def _street_names(self, k: int) -> list[str]:
        out = [f"{n}街道" for n in STREET_NAMES[:k]]
        used = set(out)
        while len(out) < k:
            stem = self.names.word()
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

    # ---- 6. candidate spaces
    def _side_nodes(self, blk: dict, side: str) -> list[tuple[int, float, float]]:
        """Street nodes strictly inside a block side: (node, x, y)."""
        key = blk["side"][side]
        seg = self.segments[key]
        lo, hi = (blk["y0"], blk["y1"]) if side in ("W", "E") else (blk["x0"], blk["x1"])
        out = []
        for p, nid in zip(seg.params, seg.nodes):
            if lo + 5 < p < hi - 5:
                out.append((int(nid), self.kx[nid] / 100.0, self.ky[nid] / 100.0))
        return out

    def _front_point(self, blk: dict, side: str | None = None):
        """A street-facing point on one side of ``blk``: (x, y, road name, node) or None."""
        sides = [side] if side else list(self.rng.permutation(["W", "E", "S", "N"]))
        for s in sides:
            nodes = self._side_nodes(blk, s)
            if not nodes:
                continue
            nid, x, y = nodes[int(self.rng.integers(len(nodes)))]
            kind = self._side_kind(blk["side"][s])
            off = FRONT_OFFSET[kind]
            if s == "W":
                x += off
            elif s == "E":
                x -= off
            elif s == "S":
                y += off
            else:
                y -= off
            return round(x, 2), round(y, 2), self.segments[blk["side"][s]].road, nid
        return None

    def _area(self, lo: float, hi: float) -> float:
        return round(float(self.rng.triangular(lo, lo + 0.3 * (hi - lo), hi)), 1)

    def _gas(self, context: str) -> str:
        table = {
            "underground": (0.45, 0.10, 0.45),
            "old": (0.30, 0.30, 0.40),
            "mid": (0.35, 0.50, 0.15),
            "new": (0.35, 0.60, 0.05),
            "village": (0.40, 0.00, 0.60),
            "factory": (0.50, 0.20, 0.30),
            "kiosk": (0.75, 0.00, 0.25),
            "urban": (0.40, 0.50, 0.10),
        }[context]
        return self.choice_w(("none", "pipeline", "bottled"), table)

    def _add_cand(self, *, name, x, y, space_type, blk, floor, gas) -> None:
        self.cands.append({"name": name, "x": round(x, 2), "y": round(y, 2), "space_type": space_type,
                           "floor": int(floor), "gas": gas, "block": blk})

    def build_candidates(self) -> None:
        rate = self.candidate_rate
        for comp in self.compounds:
            blk = self.blocks[comp["block"]]
            era = comp["era"]
            bl = comp["buildings"]
            if not bl:
                continue
            # underground (人防/地下室)
            p_ug = {"old": 0.25, "mid": 0.35, "new": 0.30, "village": 0.0}[era] * rate
            if self.chance(p_ug):
                b = self.pick(bl)
                floor = self.choice_w((-1, -2, -3), (0.6, 0.3, 0.1))
                label = self.pick(("地下室", "人防工程", "地下空间"))
                self._add_cand(name=self.names.unique(lambda: f"{b['name']}{label}"),
                               x=b["x"] + 4, y=b["y"] + 2, space_type="underground", blk=blk,
                               floor=floor, gas=self._gas("underground"))
            # boiler room / coal yard
            p_br = {"old": 0.22, "mid": 0.10, "new": 0.0, "village": 0.12}[era] * rate
            if self.chance(p_br):
                cx = self.pick((comp["ix0"] + 6, comp["ix1"] - 6))
                label = "原煤场" if era == "village" else "原锅炉房"
                self._add_cand(name=self.names.unique(lambda: f"{comp['name']}{label}"),
                               x=cx, y=comp["lane0"] - 6, space_type="boiler_room", blk=blk, floor=1,
                               gas=self._gas(era))
            # bike shed
            p_bs = {"old": 0.40, "mid": 0.15, "new": 0.0, "village": 0.0}[era] * rate
            if self.chance(p_bs):
                b = self.pick(bl)
                self._add_cand(name=self.names.unique(lambda: f"{b['name']}自行车棚"),
                               x=b["x"] + comp["pcol"] * 0.3, y=b["y"], space_type="bike_shed",
                               blk=blk, floor=1, gas=self._gas(era) if self.chance(0.2) else "none")
            # vacated ground-floor shop facing a street
            p_v = {"old": 0.45, "mid": 0.35, "new": 0.25, "village": 0.15}[era] * rate
            if comp["sides"] and self.chance(p_v):
                side = self.pick(comp["sides"])
                fp = self._front_point(blk, side)
                if fp is not None:
                    b = min(bl, key=lambda q: (q["x"] - fp[0]) ** 2 + (q["y"] - fp[1]) ** 2)
                    self._add_cand(name=self.names.unique(lambda: f"{b['name']}底商腾退空间"),
                                   x=fp[0], y=fp[1], space_type="vacated", blk=blk,
                                   floor=self.choice_w((1, 2), (0.85, 0.15)), gas=self._gas(era))
        for blk in self.blocks:
            use = blk["use"]
            if use == "industrial":
                fname = f"原{self.names.word()}{self.pick(FACTORY_KINDS)}"
                for _ in range(int(self.rng.integers(1, 4))):
                    if not self.chance(rate):
                        continue
                    fp = self._front_point(blk)
                    if fp is None:
                        continue
                    self._add_cand(name=self.names.unique(
                        lambda: f"{fname}{self.pick(('旧厂房', '仓库', '车间'))}{int(self.rng.integers(1, 9))}号"),
                        x=fp[0], y=fp[1], space_type="old_factory", blk=blk,
                        floor=self.choice_w((1, 2), (0.75, 0.25)), gas=self._gas("factory"))
            elif use == "commercial":
                for _ in range(int(self.rng.integers(1, 4))):
                    if not self.chance(rate):
                        continue
                    fp = self._front_point(blk)
                    if fp is None:
                        continue
                    self._add_cand(name=self.names.unique(
                        lambda: f"{fp[2]}{int(self.rng.integers(1, 300))}号沿街腾退商铺"),
                        x=fp[0], y=fp[1], space_type="vacated", blk=blk,
                        floor=self.choice_w((1, 2), (0.8, 0.2)), gas=self._gas("urban"))
                if self.chance(0.3 * rate):
                    fp = self._front_point(blk)
                    if fp is not None:
                        self._add_cand(name=self.names.unique(
                            lambda: f"{self.names.word()}商场闲置楼层"), x=fp[0], y=fp[1],
                            space_type="other", blk=blk, floor=2, gas=self._gas("urban"))
            elif use == "park":
                pname = self.names.unique(lambda: self.names.word() + "公园")
                for _ in range(int(self.rng.integers(1, 3))):
                    if not self.chance(rate):
                        continue
                    s = self.pick(("W", "E", "S", "N"))
                    fp = self._front_point(blk, s)
                    if fp is None:
                        continue
                    d = {"W": "西", "E": "东", "S": "南", "N": "北"}[s]
                    self._add_cand(name=self.names.unique(lambda: f"{pname}{d}门配套用房"),
                                   x=fp[0], y=fp[1], space_type="park", blk=blk, floor=1,
                                   gas=self._gas("kiosk"))
            elif use == "school" and self.chance(0.2 * rate):
                fp = self._front_point(blk)
                if fp is not None:
                    sname = self.pick(("小学", "中学", "幼儿园"))
                    self._add_cand(name=self.names.unique(lambda: f"{self.names.word()}{sname}闲置附属用房"),
                                   x=fp[0], y=fp[1], space_type="other", blk=blk, floor=1,
                                   gas="none")
            elif use == "government" and self.chance(0.5 * rate):
                fp = self._front_point(blk)
                if fp is not None:
                    self._add_cand(name=self.names.unique(lambda: f"原{self.names.word()}办事处旧址"),
                                   x=fp[0], y=fp[1], space_type="other", blk=blk,
                                   floor=self.choice_w((1, 2), (0.6, 0.4)), gas=self._gas("urban"))
            elif use == "vacant" and self.chance(0.25 * rate):
                fp = self._front_point(blk)
                if fp is not None:
                    self._add_cand(name=self.names.unique(lambda: f"原{self.names.word()}农贸市场大棚"),
                                   x=fp[0], y=fp[1], space_type="other", blk=blk, floor=1,
                                   gas=self._gas("urban"))
        # community service stations
        seen = set()
        for blk in self.blocks:
            if blk["use"] not in self.ERA or blk["community"] in seen:
                continue
            seen.add(blk["community"])
            if self.chance(0.45 * rate):
                fp = self._front_point(blk)
                if fp is not None:
                    self._add_cand(name=self.names.unique(lambda: f"{blk['community']}服务站闲置用房"),
                                   x=fp[0], y=fp[1], space_type="other", blk=blk,
                                   floor=self.choice_w((1, 2), (0.7, 0.3)), gas=self._gas("urban"))
        self._metro()
        self._greenway()
        self._ensure_types()

    def _block_at(self, x: float, y: float) -> dict | None:
        for blk in self.blocks:
            if blk["x0"] <= x <= blk["x1"] and blk["y0"] <= y <= blk["y1"]:
                return blk
        return None

    def _metro(self) -> None:
        """Two metro lines along arterials; a station every 2-3 intersections."""
        ys_idx = [j for j in range(1, len(self.Y) - 1) if self.row_kind[j] == "urban"
                  and self.row_kind[j - 1] == "urban"]
        xs_idx = [i for i in range(1, len(self.X) - 1)
                  if self._col_at(i, "urban") and self._col_at(i - 1, "urban")]
        lines = []
        if ys_idx:
            j = ys_idx[len(ys_idx) // 2]
            lines.append([(self.X[i], self.Y[j]) for i in range(0, len(self.X), 1)])
        if xs_idx:
            i = xs_idx[-max(1, len(xs_idx) // 4)]
            lines.append([(self.X[i], self.Y[j]) for j in range(0, len(self.Y), 1)])
        for stops in lines:
            k = int(self.rng.integers(0, 2))
            while k < len(stops):
                x, y = stops[k]
                sname = self.names.unique(lambda: self.names.word() + "站")
                for exit_ in ("A", "B", "C", "D")[: int(self.rng.integers(1, 3))]:
                    if not self.chance(self.candidate_rate):
                        continue
                    dx = self.pick((-1, 1)) * FRONT_OFFSET["arterial"]
                    dy = self.pick((-1, 1)) * SETBACK["arterial"] * 0.5
                    blk = self._block_at(x + dx, y + dy)
                    if blk is None:
                        continue
                    floor = self.choice_w((1, 2, -1), (0.5, 0.35, 0.15))
                    label = "站厅闲置商业空间" if floor != 1 else "附属用房"
                    self._add_cand(name=self.names.unique(lambda: f"{sname}{exit_}口{label}"),
                                   x=x + dx, y=y + dy, space_type="transit", blk=blk, floor=floor,
                                   gas="none" if floor < 0 else self._gas("kiosk"))
                k += int(self.rng.integers(2, 4))

    def _greenway(self) -> None:
        """Posts (驿站) of the canal greenway, on the west bank road."""
        if self.canal_col is None:
            return
        i = self.canal_col
        n = max(1, round(self.height / 1500.0))
        for _ in range(n):
            if not self.chance(self.candidate_rate):
                continue
            j = int(self.rng.integers(len(self.Y) - 1))
            if self.row_kind[j] != "urban" or ("ax", i, j) not in self.segments:
                continue
            seg = self.segments["ax", i, j]
            k = int(self.rng.integers(1, max(2, len(seg.nodes) - 1)))
            nid = int(seg.nodes[min(k, len(seg.nodes) - 1)])
            x, y = self.kx[nid] / 100.0 + 15.0, self.ky[nid] / 100.0
            west = self._block_at(x - 30.0, y)
            if west is None:
                continue
            self._add_cand(name=self.names.unique(lambda: f"大运河滨河绿道{self.names.word()}驿站"),
                           x=x, y=y, space_type="park", blk=west, floor=1, gas=self._gas("kiosk"))

    def _ensure_types(self) -> None:
        """Every space type appears at least once (small or unusual districts)."""
        present = {c["space_type"] for c in self.cands}
        urban = [b for b in self.blocks if b["use"] not in ("green",)]
        for st in SPACE_TYPE_KEYS:
            if st in present:
                continue
            for _ in range(20):
                blk = self.pick(urban)
                fp = self._front_point(blk)
                if fp is None:
                    continue
                floor = -1 if st == "underground" else 1
                name = {
                    "vacated": f"{fp[2]}沿街腾退商铺", "underground": f"{fp[2]}人防地下空间",
                    "boiler_room": f"{fp[2]}原锅炉房", "bike_shed": f"{fp[2]}自行车棚",
                    "old_factory": f"{fp[2]}原仓库", "transit": f"{fp[2]}公交场站附属用房",
                    "park": f"{fp[2]}街头绿地配套用房", "other": f"{fp[2]}闲置用房",
                }[st]
                self._add_cand(name=self.names.unique(lambda: name), x=fp[0], y=fp[1], space_type=st,
                               blk=blk, floor=floor, gas="none")
                break

    # ---- 7. existing facilities
    def build_existing(self) -> list[dict]:
        weights = {"old": 4.0, "mid": 2.0, "new": 1.0, "village": 0.6, "commercial": 3.0,
                   "office": 1.0, "school": 0.4, "hospital": 1.5, "government": 0.5, "park": 0.3,
                   "industrial": 0.2, "vacant": 0.05, "green": 0.0}
        pool = []
        for bi, blk in enumerate(self.blocks):
            base = weights[blk["use"]]
            if base <= 0:
                continue
            near = 1.0 + 3.0 / (1.0 + (blk["dcore"] / 1200.0) ** 2)
            for s in ("W", "E", "S", "N"):
                for nid, _, _ in self._side_nodes(blk, s):
                    pool.append((bi, s, nid, base * near))
        hh_node = np.zeros(len(self.kx))
        for b in self.buildings:
            hh_node[b["node"]] += b["households"]
        total = hh_node.sum()
        targets = {"vegetable": (0.70, 0.80), "breakfast": (0.75, 0.85), "repair": (0.50, 0.62),
                   "pharmacy": (0.62, 0.75)}
        out = []
        w = np.array([p[3] for p in pool])
        for service in SERVICES:
            target = self.u(*targets[service])
            order = self._weighted_order(w)
            nodes = np.array([pool[k][2] for k in order])

            def cover(k: int) -> float:
                d = csgraph.dijkstra(self.graph, indices=np.unique(nodes[:k]), min_only=True,
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
                out.append(self._existing_at(service, self.blocks[bi], s, nid))
        return out

    def _weighted_order(self, w: np.ndarray) -> np.ndarray:
        """Items in the order of their first draw in 4n weighted draws with replacement."""
        cdf = np.cumsum(w)
        draws = np.searchsorted(cdf, self.rng.random(4 * len(w)) * cdf[-1], side="right")
        draws = np.minimum(draws, len(w) - 1)
        _, first = np.unique(draws, return_index=True)
        return draws[np.sort(first)]

    def _existing_at(self, service: str, blk: dict, side: str, nid: int) -> dict:
        key = blk["side"][side]
        kind = self._side_kind(key)
        off = FRONT_OFFSET[kind]
        x, y = self.kx[nid] / 100.0, self.ky[nid] / 100.0
        x, y = {"W": (x + off, y), "E": (x - off, y), "S": (x, y + off), "N": (x, y - off)}[side]
        road = self.segments[key].road
        comps = self.by_block.get(blk["index"], [])
        place = comps[0][1]["name"] if comps else blk["community"].removesuffix("社区")
        forms = {
            "vegetable": (f"{road}社区菜店", f"{place}菜市场", f"{place}生鲜超市", f"{place}便民菜站"),
            "breakfast": (f"{road}早餐店", f"{place}包子铺", f"{place}早餐点", f"{road}便民早餐车"),
            "repair": (f"{road}便民维修部", f"{place}修鞋配钥匙", f"{place}家电维修点", f"{road}修车铺"),
            "pharmacy": (f"{place}大药房", f"{road}社区药店", f"{place}医药连锁店"),
        }[service]
        base = self.pick(forms)
        name = base
        k = 2
        while name in self.names.used:
            name = f"{base}{_cn(k)}店" if k > 1 else base
            k += 1
        self.names.used.add(name)
        return {"name": name, "x": round(x, 2), "y": round(y, 2), "service": service}

    # ---- 8. must_cover
    def choose_must_cover(self) -> None:
        for b in self.buildings:
            b["must_cover"] = ""
        ok = [k for k, c in enumerate(self.cands) if c["floor"] >= -2]
        if not ok:
            return
        cx = np.array([self.cands[k]["x"] for k in ok])
        cy = np.array([self.cands[k]["y"] for k in ok])
        cnode = self._nearest_nodes(cx, cy)
        dc = csgraph.dijkstra(self.graph, indices=np.unique(cnode), min_only=True, limit=700.0)
        ex = [e for e in self.existing if e["service"] == "pharmacy"]
        if ex:
            enode = self._nearest_nodes(np.array([e["x"] for e in ex]), np.array([e["y"] for e in ex]))
            de = csgraph.dijkstra(self.graph, indices=np.unique(enode), min_only=True,
                                  limit=WALK_LIMIT_M)
        else:
            de = np.full(len(self.kx), np.inf)
        # most elderly-heavy old compound first; prefer one with >= 3 uncovered, reachable buildings
        fallback: list[dict] = []
        best: list[dict] = []
        for comp in sorted(self.compounds, key=lambda c: (-c["elderly_share"], c["id"])):
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

    def _nearest_nodes(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        tree = cKDTree(np.c_[self.kx / 100.0, self.ky / 100.0])
        _, idx = tree.query(np.c_[x, y])
        return np.asarray(idx, dtype=np.int64)

    # ---- 9. tables
    def _origin(self) -> tuple[float, float]:
        tr = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
        ex, ny = tr.transform(*self.centre_lonlat)
        return float(round(ex - self.width / 2)), float(round(ny - self.height / 2))

    def run(self) -> SyntheticDistrict:
        self.build_grid()
        self.build_blocks()
        self.build_compounds()
        self.finalize_network()
        self.assign_admin()
        self.build_candidates()
        self.existing = self.build_existing()
        self.choose_must_cover()
        return self.tables()

    def tables(self) -> SyntheticDistrict:
        ox, oy = self._origin()

        def gx(v):
            return np.round(np.asarray(v, dtype=float) + ox, 2)

        def gy(v):
            return np.round(np.asarray(v, dtype=float) + oy, 2)

        # households, ordered by street, community, compound, building
        rows = []
        for b in self.buildings:
            blk = self.blocks[b["block"]]
            rows.append((blk["street_idx"], blk["community_idx"], b["compound"], b["number"], b))
        rows.sort(key=lambda r: r[:4])
        bl = [r[4] for r in rows]
        width = max(5, len(str(len(bl))))
        households = pd.DataFrame({
            "id": [f"H{k + 1:0{width}d}" for k in range(len(bl))],
            "x": gx([b["x"] for b in bl]),
            "y": gy([b["y"] for b in bl]),
            "households": np.array([b["households"] for b in bl], dtype=np.int64),
            "street": [self.blocks[b["block"]]["street"] for b in bl],
            "community": [self.blocks[b["block"]]["community"] for b in bl],
            "name": [b["name"] for b in bl],
            "population": np.array([b["population"] for b in bl], dtype=np.int64),
            "elderly": np.array([b["elderly"] for b in bl], dtype=np.int64),
            "must_cover": [b["must_cover"] for b in bl],
        })
        # candidates
        ranges = {
            "vacated": ((40, 300), (60_000, 250_000)),
            "underground": ((100, 800), (150_000, 500_000)),
            "boiler_room": ((80, 400), (150_000, 450_000)),
            "bike_shed": ((30, 120), (30_000, 120_000)),
            "old_factory": ((300, 3000), (300_000, 1_200_000)),
            "transit": ((30, 150), (80_000, 250_000)),
            "park": ((20, 100), (60_000, 200_000)),
            "other": ((30, 200), (50_000, 200_000)),
        }
        cands = sorted(self.cands, key=lambda c: (c["block"]["street_idx"], c["block"]["community_idx"],
                                                  SPACE_TYPE_KEYS.index(c["space_type"]), c["x"], c["y"]))
        area, cost = [], []
        for c in cands:
            (alo, ahi), (clo, chi) = ranges[c["space_type"]]
            a = self._area(alo, ahi)
            frac = (a - alo) / (ahi - alo) * self.u(0.75, 1.25) + self.u(-0.05, 0.10)
            frac = min(1.0, max(0.0, frac))
            yuan = int(round((clo + (chi - clo) * frac) / 1000.0)) * 1000
            area.append(a)
            cost.append(pd.NA if self.chance(0.10) else yuan)
        width = max(4, len(str(len(cands))))
        candidates = pd.DataFrame({
            "id": [f"C{k + 1:0{width}d}" for k in range(len(cands))],
            "name": [c["name"] for c in cands],
            "x": gx([c["x"] for c in cands]),
            "y": gy([c["y"] for c in cands]),
            "space_type": [c["space_type"] for c in cands],
            "area_m2": np.array(area, dtype=float),
            "floor": np.array([c["floor"] for c in cands], dtype=np.int64),
            "conversion_cost": pd.array(cost, dtype="Int64"),
            "street": [c["block"]["street"] for c in cands],
            "community": [c["block"]["community"] for c in cands],
            "gas": [c["gas"] for c in cands],
        })
        # existing facilities
        ex = sorted(self.existing, key=lambda e: (SERVICES.index(e["service"]), e["x"], e["y"]))
        width = max(3, len(str(len(ex))))
        existing = pd.DataFrame({
            "id": [f"E{k + 1:0{width}d}" for k in range(len(ex))],
            "name": [e["name"] for e in ex],
            "x": gx([e["x"] for e in ex]),
            "y": gy([e["y"] for e in ex]),
            "service": [e["service"] for e in ex],
        })
        # network
        n = len(self.kx)
        width = max(6, len(str(n)))
        ids = np.array([f"N{k + 1:0{width}d}" for k in range(n)], dtype=object)
        nodes = pd.DataFrame({"id": ids, "x": gx(self.kx / 100.0), "y": gy(self.ky / 100.0)})
        edges = pd.DataFrame({"u": ids[self.eu], "v": ids[self.ev], "length_m": self.elen,
                              "kind": self.net.ekind})
        return SyntheticDistrict(households=households, candidates=candidates, existing=existing,
                                 nodes=nodes, edges=edges, crs=CRS)


if __name__ == "__main__":
    sys.exit(main())
