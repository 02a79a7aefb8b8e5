"""Stage 5: the tables, exactly as written to CSV (ids, projected coordinates, costs), and writing them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

from . import spaces
from .state import CRS, SERVICES, SPACE_TYPE_KEYS, Generator


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


FILES = {
    "households": "households.csv",
    "candidates": "candidates.csv",
    "existing": "existing.csv",
    "nodes": "network_nodes.csv",
    "edges": "network_edges.csv",
}

# The sections of a scenario.toml beside the tables write_district writes: their files, the snapping
# distance and scenarios/demo.toml's conversion costs (the city example, the benchmark districts).
SCENARIO_SECTIONS = f"""\
[data]
households = "{FILES['households']}"
candidates = "{FILES['candidates']}"
existing = "{FILES['existing']}"
network_nodes = "{FILES['nodes']}"
network_edges = "{FILES['edges']}"

[walking]
max_snap_m = 300

[conversion_cost_default]
vacated = 120_000
underground = 300_000
boiler_room = 280_000
bike_shed = 70_000
old_factory = 600_000
transit = 150_000
park = 120_000
other = 120_000
"""


def _origin(gen: Generator) -> tuple[float, float]:
    tr = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    ex, ny = tr.transform(*gen.centre_lonlat)
    return float(round(ex - gen.width / 2)), float(round(ny - gen.height / 2))


def tables(gen: Generator) -> SyntheticDistrict:
    ox, oy = _origin(gen)

    def gx(v):
        return np.round(np.asarray(v, dtype=float) + ox, 2)

    def gy(v):
        return np.round(np.asarray(v, dtype=float) + oy, 2)

    # households, ordered by street, community, compound, building
    rows = []
    for b in gen.buildings:
        blk = gen.blocks[b["block"]]
        rows.append((blk["street_idx"], blk["community_idx"], b["compound"], b["number"], b))
    rows.sort(key=lambda r: r[:4])
    bl = [r[4] for r in rows]
    width = max(5, len(str(len(bl))))
    households = pd.DataFrame({
        "id": [f"H{k + 1:0{width}d}" for k in range(len(bl))],
        "x": gx([b["x"] for b in bl]),
        "y": gy([b["y"] for b in bl]),
        "households": np.array([b["households"] for b in bl], dtype=np.int64),
        "street": [gen.blocks[b["block"]]["street"] for b in bl],
        "community": [gen.blocks[b["block"]]["community"] for b in bl],
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
    cands = sorted(gen.cands, key=lambda c: (c["block"]["street_idx"], c["block"]["community_idx"],
                                             SPACE_TYPE_KEYS.index(c["space_type"]), c["x"], c["y"]))
    area, cost = [], []
    for c in cands:
        (alo, ahi), (clo, chi) = ranges[c["space_type"]]
        a = spaces.area(gen, alo, ahi)
        frac = (a - alo) / (ahi - alo) * gen.u(0.75, 1.25) + gen.u(-0.05, 0.10)
        frac = min(1.0, max(0.0, frac))
        yuan = int(round((clo + (chi - clo) * frac) / 1000.0)) * 1000
        area.append(a)
        cost.append(pd.NA if gen.chance(0.10) else yuan)
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
    ex = sorted(gen.existing, key=lambda e: (SERVICES.index(e["service"]), e["x"], e["y"]))
    width = max(3, len(str(len(ex))))
    existing = pd.DataFrame({
        "id": [f"E{k + 1:0{width}d}" for k in range(len(ex))],
        "name": [e["name"] for e in ex],
        "x": gx([e["x"] for e in ex]),
        "y": gy([e["y"] for e in ex]),
        "service": [e["service"] for e in ex],
    })
    # network
    n = len(gen.kx)
    width = max(6, len(str(n)))
    ids = np.array([f"N{k + 1:0{width}d}" for k in range(n)], dtype=object)
    nodes = pd.DataFrame({"id": ids, "x": gx(gen.kx / 100.0), "y": gy(gen.ky / 100.0)})
    edges = pd.DataFrame({"u": ids[gen.eu], "v": ids[gen.ev], "length_m": gen.elen,
                          "kind": gen.net.ekind})
    return SyntheticDistrict(households=households, candidates=candidates, existing=existing,
                             nodes=nodes, edges=edges, crs=CRS)
