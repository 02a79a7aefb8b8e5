"""The generator's state and its pieces: constants, the word bank, the network builder, the random draws."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import sparse

CRS = "EPSG:4548"  # CGCS2000 / 3-degree Gauss-Kruger CM 117E
DEFAULT_SEED = 20261122
DEFAULT_STREET_AREA_KM2 = 3.5
CENTRE_LONLAT = (116.65, 39.90)
SERVICES = ("vegetable", "breakfast", "repair", "pharmacy")
SPACE_TYPE_KEYS = ("vacated", "underground", "boiler_room", "bike_shed", "old_factory", "transit",
                   "park", "other")
WALK_LIMIT_M = 900.0  # 15 minutes at 60 m/min
# Centreline to property line, metres.
SETBACK = {"arterial": 25.0, "local": 10.0}
# Shop fronts and other street-facing spaces stand this far from the centreline.
FRONT_OFFSET = {"arterial": 12.0, "local": 7.0}
INNER_MARGIN = 10.0  # compound wall to its lanes
# Compound eras: building row and column pitch (m), persons per household, the 60+ share, gates.
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


class Names:
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
        while f"{base}{chinese_number(k)}区" in self.used:
            k += 1
        name = f"{base}{chinese_number(k)}区"
        self.used.add(name)
        return name


def chinese_number(k: int) -> str:
    if k <= 10:
        return CN_DIGITS[k]
    if k < 20:
        return "十" + (CN_DIGITS[k - 10] if k > 10 else "")
    if k < 100:
        return CN_DIGITS[k // 10] + "十" + (CN_DIGITS[k % 10] if k % 10 else "")
    return str(k)


class Segment:
    """A straight road piece: vertical (x = c, param y) or horizontal (y = c, param x)."""

    __slots__ = ("vertical", "c", "a", "b", "kind", "road", "hard", "soft", "params", "nodes")

    def __init__(self, vertical: bool, c: float, a: float, b: float, kind: str, road: str):
        self.vertical, self.c, self.a, self.b, self.kind, self.road = vertical, c, a, b, kind, road
        self.hard: list[float] = [a, b]
        self.soft: list[float] = []
        self.params: np.ndarray = np.zeros(0)  # set by Net.finalize_segment
        self.nodes: np.ndarray = np.zeros(0, dtype=np.int64)

    def xy(self, p: float) -> tuple[float, float]:
        return (self.c, p) if self.vertical else (p, self.c)


class Net:
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

    def finalize_segment(self, seg: Segment) -> None:
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



class Generator:
    """The state of one generation: the random stream, the network, the blocks, compounds,
    buildings and spaces built so far. The stages (roads, compounds, spaces, facilities,
    writing) are functions of it, run in that order by generate_district."""

    # set by roads.build_grid: arterial positions (local metres), the columns' and rows' kinds,
    # the canal column and rail row, the extent, crossings, road names and local streets
    X: list[float]
    Y: list[float]
    col_kind: list[str]
    row_kind: list[str]
    canal_col: int | None
    rail_row: int | None
    width: float
    height: float
    bridges: set[int]
    underpasses: set[int]
    xname: list[str]
    yname: list[str]
    lx: list[list[float]]
    ly: list[list[float]]
    lxname: list[list[str]]
    lyname: list[list[str]]
    keep_x: dict[tuple[int, int], list[bool]]
    keep_y: dict[tuple[int, int], list[bool]]
    # set by roads.build_blocks and roads.finalize_network
    cores: list[tuple[float, float]]
    kx: np.ndarray
    ky: np.ndarray
    eu: np.ndarray
    ev: np.ndarray
    elen: np.ndarray
    graph: sparse.csr_matrix
    # set by compounds.assign_admin
    street_names: list[str]
    by_block: dict

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
        self.net = Net(max_edge_m)
        self.names = Names(self.rng)
        self.segments: dict[tuple, Segment] = {}
        self.gates: list[tuple[int, tuple, float]] = []
        self.blocks: list[dict[str, Any]] = []
        self.compounds: list[dict] = []
        self.buildings: list[dict] = []
        self.cands: list[dict] = []
        self.existing: list[dict] = []

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
