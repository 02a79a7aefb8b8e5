"""Demand points from OSM: residential buildings and residential landuse areas.

Households of a building = footprint (m2) x levels / dwelling size (m2), where
levels come from ``building:levels`` (less ``building:min_level``), else from
``height`` / storey height, else the default. A building counts as residential
when its ``building`` value is a residential one (apartments, house, ...) or a
generic one (``yes``) inside a residential landuse area. A residential landuse
area in which no building was counted becomes one demand point itself (area x
coverage share x default levels / dwelling size). Each row says how its figure
was derived (``households_source``). An optional calibration scales every
estimate by one factor and rounds with the largest-remainder method, so that
the district total is met exactly.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .settings import Settings

NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
MAX_LEVELS = 200.0


@dataclass(frozen=True, kw_only=True)
class Demand:
    points: pd.DataFrame  # id, x, y, households, footprint_m2, levels, households_source, name
    stats: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)


def parse_levels(text: str | None) -> float | None:
    """``building:levels`` as a number: '6' -> 6, '5;7' -> 7, '3.5' -> 3.5; None when unreadable."""
    if text is None or text == "":
        return None
    nums = [float(n.replace(",", ".")) for n in NUMBER.findall(text)]
    nums = [n for n in nums if n > 0]
    if not nums:
        return None
    value = max(nums)
    return value if 0 < value <= MAX_LEVELS else None


def parse_height_m(text: str | None) -> float | None:
    """``height`` in metres: '18', '18 m', '18.5m'; feet and other units are not read (None)."""
    if text is None or text == "":
        return None
    t = text.strip().lower()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(m|metre|metres|meter|meters)?", t)
    if not m:
        return None
    value = float(m.group(1))
    return value if 0 < value < 1000 else None


def _levels(tags: dict, settings: Settings, skipped: Counter) -> tuple[float, str]:
    raw = tags.get("building:levels")
    levels = parse_levels(raw)
    if levels is not None:
        low = parse_levels(tags.get("building:min_level"))
        if low is not None and low < levels:
            return levels - low, "building:levels - building:min_level"
        return levels, "building:levels"
    if raw:
        skipped["building:levels unreadable (other source used)"] += 1
    height = parse_height_m(tags.get("height"))
    if height is not None:
        storey = settings.storey_height_m
        return max(1.0, round(height / storey)), f"height {height:g} m / {storey:g} m"
    return settings.default_levels, "default"


def _polygons(geoms: np.ndarray) -> np.ndarray:
    """Valid polygonal geometries (invalid ones repaired); None where there is no area."""
    out = np.empty(len(geoms), dtype=object)
    for k, g in enumerate(geoms):
        if g is None or g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon"):
            out[k] = None
            continue
        if not g.is_valid:
            g = shapely.make_valid(g)
            if g.geom_type == "GeometryCollection":
                polys = [p for p in g.geoms if p.geom_type in ("Polygon", "MultiPolygon")]
                g = shapely.union_all(polys) if polys else None
            if g is None or g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon"):
                out[k] = None
                continue
        out[k] = g
    return out


def estimate_households(features: gpd.GeoDataFrame, *, settings: Settings) -> Demand:
    """Demand points from ``features`` (in a metric CRS, with a ``tags`` dict per row)."""
    skipped: Counter = Counter()
    tags = features["tags"].to_list()
    building = np.array([t.get("building", "") for t in tags], dtype=object)
    landuse = np.array([t.get("landuse", "") for t in tags], dtype=object)
    polys = _polygons(features.geometry.to_numpy())

    res_landuse = pd.Series(landuse).isin(settings.residential_landuse).to_numpy()
    lu_idx = np.flatnonzero(res_landuse & (polys != None))  # noqa: E711 - elementwise
    skipped["landuse=residential without an area (point or line)"] += int((res_landuse & (polys == None)).sum())  # noqa: E711
    residential = pd.Series(building).isin(settings.residential_buildings).to_numpy()
    generic = pd.Series(building).isin(settings.generic_buildings).to_numpy() & ~residential
    is_building = (building != "") & (building != "no")

    # generic buildings count inside residential landuse areas
    cand = np.flatnonzero((residential | generic) & is_building)
    has_area = np.array([polys[k] is not None for k in cand], dtype=bool)
    no_area = cand[~has_area]
    cand = cand[has_area]
    reps = shapely.point_on_surface(np.array([polys[k] for k in cand], dtype=object)) if len(cand) else np.array([])
    in_landuse = np.zeros(len(cand), dtype=bool)
    landuse_hit = np.full(len(cand), -1, dtype=np.int64)
    if len(cand) and len(lu_idx):
        tree = shapely.STRtree(np.array([polys[k] for k in lu_idx], dtype=object))
        pt_i, lu_i = tree.query(reps, predicate="within")
        in_landuse[pt_i] = True
        order = np.lexsort((lu_i, pt_i))  # the first landuse area per point, in file order
        pt_i, lu_i = pt_i[order], lu_i[order]
        first = np.ones(len(pt_i), dtype=bool)
        first[1:] = pt_i[1:] != pt_i[:-1]
        landuse_hit[pt_i[first]] = lu_i[first]
    counted = residential[cand] | (generic[cand] & in_landuse)
    skipped["residential building mapped as a point or line (no footprint)"] += int(
        (residential[no_area]).sum())
    footprint = shapely.area(np.array([polys[k] for k in cand], dtype=object)) if len(cand) else np.zeros(0)
    small = counted & (footprint < settings.min_footprint_m2)
    why = f"residential footprint under households.min_footprint_m2 = {settings.min_footprint_m2:g} m2"
    skipped[why] += int(small.sum())
    counted &= ~small

    rows: list[dict] = []
    used_landuse: set[int] = set()
    for j in np.flatnonzero(counted):
        k = cand[j]
        t = tags[k]
        levels, lsrc = _levels(t, settings, skipped)
        area = float(footprint[j])
        raw = area * levels / settings.dwelling_m2
        why = f"building={t.get('building')}"
        if not residential[k]:
            why += " in landuse=residential"
        rows.append({"k": k, "pt": reps[j], "raw": raw, "footprint_m2": area, "levels": levels, "lsrc": lsrc,
                     "source": f"{why}: footprint {area:.0f} m2 x {levels:g} levels ({lsrc}) / "
                               f"{settings.dwelling_m2:g} m2 per dwelling"})
        if landuse_hit[j] >= 0:
            used_landuse.add(int(landuse_hit[j]))
    n_buildings = len(rows)

    # residential landuse areas in which no building was counted
    if len(lu_idx) and settings.landuse_coverage > 0:
        lu_geoms = np.array([polys[k] for k in lu_idx], dtype=object)
        lu_reps = shapely.point_on_surface(lu_geoms)
        lu_area = shapely.area(lu_geoms)
        for m, k in enumerate(lu_idx):
            if m in used_landuse:
                continue
            area = float(lu_area[m])
            levels = settings.default_levels
            raw = area * settings.landuse_coverage * levels / settings.dwelling_m2
            rows.append({"k": k, "pt": lu_reps[m], "raw": raw,
                         "footprint_m2": area * settings.landuse_coverage, "levels": levels,
                         "source": f"landuse={landuse[k]} area without mapped buildings: {area:.0f} m2 x "
                                   f"coverage {settings.landuse_coverage:g} x {levels:g} levels (default) / "
                                   f"{settings.dwelling_m2:g} m2 per dwelling"})
    n_areas = len(rows) - n_buildings

    if not rows:
        empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in (
            ("id", object), ("x", float), ("y", float), ("households", np.int64), ("estimate", float),
            ("footprint_m2", float), ("levels", float), ("households_source", object), ("name", object))})
        return Demand(points=empty, stats={"buildings": 0, "landuse_areas": 0, "households_estimated": 0.0},
                      skipped={k: v for k, v in sorted(skipped.items()) if v})
    estimate = np.array([r["raw"] for r in rows], dtype=float)
    sources = [r["source"] for r in rows]
    households, _ = round_households(estimate)
    ids = features["osm_id"].to_numpy(dtype=object)
    pts = np.array([r["pt"] for r in rows], dtype=object)
    points = pd.DataFrame({
        "id": [ids[r["k"]] for r in rows],
        "x": shapely.get_x(pts), "y": shapely.get_y(pts),
        "households": households,
        "estimate": estimate,
        "footprint_m2": np.round([r["footprint_m2"] for r in rows], 1),
        "levels": [r["levels"] for r in rows],
        "households_source": sources,
        "name": [tags[r["k"]].get("name", "") for r in rows],
    })
    stats = {"buildings": n_buildings, "landuse_areas": n_areas,
             "households_estimated": round(float(estimate.sum()), 1),
             "building_levels_from": dict(sorted(Counter(
                 "height" if r["lsrc"].startswith("height") else r["lsrc"] for r in rows[:n_buildings]).items()))}
    return Demand(points=points, stats=stats, skipped={k: v for k, v in sorted(skipped.items()) if v})


def calibrate(points: pd.DataFrame, *, total: int) -> tuple[pd.DataFrame, float | None]:
    """``points`` with households scaled to ``total`` (0: unchanged) and the factor in each source."""
    if not total or len(points) == 0:
        return points, None
    households, factor = round_households(points["estimate"].to_numpy(dtype=float), total=total)
    out = points.copy()
    out["households"] = households
    out["households_source"] = [f"{s} x calibration {factor:.6g} (district total {total:,})"
                                for s in out["households_source"]]
    return out, factor


def round_households(raw: np.ndarray, *, total: int = 0) -> tuple[np.ndarray, float | None]:
    """Whole households per point: at least 1 each without calibration; with ``total``, the
    estimates scaled to it and rounded by largest remainder (ties: the earlier row), summing
    to ``total`` exactly. Returns the counts and the calibration factor (None without)."""
    raw = np.asarray(raw, dtype=float)
    if not total:
        return np.maximum(1, np.floor(raw + 0.5)).astype(np.int64), None
    factor = total / raw.sum()
    scaled = raw * factor
    base = np.floor(scaled).astype(np.int64)
    left = int(total - base.sum())
    if left > 0:
        order = np.lexsort((np.arange(len(raw)), -(scaled - base)))
        base[order[:left]] += 1
    return base, float(factor)
