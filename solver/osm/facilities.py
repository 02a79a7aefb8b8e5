"""Existing facilities and candidate spaces from OSM tags (the rules of the import settings).

Existing facilities: a feature matching any rule of a service is a facility of
that service (a feature may serve several services: one row each). Candidate
spaces: the first ``[[candidates]]`` entry whose rules match gives the space
type; the area is the footprint (polygons) or the entry's default area (points
and lines); the floor comes from OSM's ``level`` (0 = ground = floor 1), else
the entry's floor. Candidates are a starting list: every row carries the tags
it was found by (``osm_tags``) and ``status = starter: check on site``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..inputs.labels import SPACE_TYPE_LABELS
from .buildings import _polygons
from .settings import Settings
from .tags import first_match

STARTER = "starter: check on site"
LEVEL = re.compile(r"^\s*(-?\d+)")


@dataclass(frozen=True, kw_only=True)
class Found:
    table: pd.DataFrame
    stats: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)


def _points(geoms: np.ndarray) -> np.ndarray:
    """A point inside each polygon, on each line, or the point itself (None when empty)."""
    out = np.empty(len(geoms), dtype=object)
    for k, g in enumerate(geoms):
        if g is None or g.is_empty:
            out[k] = None
        elif g.geom_type == "Point":
            out[k] = g
        else:
            try:
                out[k] = shapely.point_on_surface(g if g.is_valid else shapely.make_valid(g))
            except shapely.errors.GEOSException:
                out[k] = None
            if out[k] is not None and out[k].is_empty:
                out[k] = None
    return out


def osm_floor(level: str | None) -> int | None:
    """Floor number from OSM ``level`` (0 = ground floor -> 1, -1 -> B1 = -1; '1;2' -> first)."""
    if not level:
        return None
    m = LEVEL.match(level)
    if not m:
        return None
    n = int(m.group(1))
    return n + 1 if n >= 0 else n


def find_existing(features: gpd.GeoDataFrame, *, settings: Settings) -> Found:
    tags = features["tags"].to_list()
    ids = features["osm_id"].to_numpy(dtype=object)
    pts = _points(features.geometry.to_numpy())
    rows: list[dict] = []
    skipped: Counter = Counter()
    per_service: Counter = Counter()
    for k, t in enumerate(tags):
        for service, rules in settings.existing.items():
            rule = first_match(rules, t)
            if rule is None:
                continue
            if pts[k] is None:
                skipped[f"existing {service}: feature without a usable geometry"] += 1
                continue
            per_service[service] += 1
            rows.append({"id": f"{ids[k]}-{service}", "x": pts[k].x, "y": pts[k].y, "service": service,
                         "name": t.get("name", ""), "osm_tags": rule.text()})
    table = pd.DataFrame(rows, columns=["id", "x", "y", "service", "name", "osm_tags"])
    stats = {s: int(per_service.get(s, 0)) for s in settings.existing}
    return Found(table=table, stats=stats, skipped={k: v for k, v in sorted(skipped.items()) if v})


def find_candidates(features: gpd.GeoDataFrame, *, settings: Settings) -> Found:
    tags = features["tags"].to_list()
    ids = features["osm_id"].to_numpy(dtype=object)
    geoms = features.geometry.to_numpy()
    polys = _polygons(geoms)
    pts = _points(geoms)
    rows: list[dict] = []
    skipped: Counter = Counter()
    per_type: Counter = Counter()
    for k, t in enumerate(tags):
        hit = None
        for entry in settings.candidates:
            rule = first_match(entry.rules, t)
            if rule is not None:
                hit = (entry, rule)
                break
        if hit is None:
            continue
        entry, rule = hit
        if pts[k] is None:
            skipped["candidate space without a usable geometry"] += 1
            continue
        if polys[k] is not None:
            area = float(polys[k].area)
            if area < settings.min_space_area_m2:
                skipped[f"candidate footprint under spaces.min_area_m2 = {settings.min_space_area_m2:g} m2"] += 1
                continue
            area_source = "footprint"
        else:
            area = entry.default_area_m2
            area_source = f"default for {entry.space_type} (no footprint in OSM)"
        floor = osm_floor(t.get("level"))
        floor_source = "OSM level" if floor is not None else "default"
        if floor is None:
            floor = entry.floor
        per_type[entry.space_type] += 1
        name = t.get("name") or f"{SPACE_TYPE_LABELS[entry.space_type]['zh']} {ids[k]}"
        rows.append({"id": ids[k], "x": pts[k].x, "y": pts[k].y, "name": name,
                     "space_type": entry.space_type, "area_m2": round(area, 1), "floor": floor,
                     "area_source": area_source, "floor_source": floor_source, "osm_tags": rule.text(),
                     "status": STARTER})
    table = pd.DataFrame(rows, columns=["id", "x", "y", "name", "space_type", "area_m2", "floor",
                                        "area_source", "floor_source", "osm_tags", "status"])
    stats = {s.space_type: int(per_type.get(s.space_type, 0)) for s in settings.candidates}
    return Found(table=table, stats=stats, skipped={k: v for k, v in sorted(skipped.items()) if v})
