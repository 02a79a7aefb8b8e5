"""Street (街道) and community (社区) of each point, from OSM administrative boundaries.

A point takes the name of the smallest boundary of the settings' admin level
that contains it (ties: the earlier element in the file). Points outside every
such boundary, or in an extract without them, take the default street name,
and their community is their street's name: both columns are required by the
tables, and a planner can rename them later.
"""

from __future__ import annotations

from collections import Counter

import geopandas as gpd
import numpy as np
import shapely


def _names(points: np.ndarray, bounds: gpd.GeoDataFrame | None, level: str) -> np.ndarray:
    out = np.full(len(points), "", dtype=object)
    if bounds is None or len(points) == 0:
        return out
    sel = bounds[(bounds["admin_level"] == level) & (bounds["name"] != "")]
    geoms = np.array([g for g in sel.geometry.to_numpy()], dtype=object)
    ok = np.array([g is not None and not g.is_empty and g.geom_type in ("Polygon", "MultiPolygon")
                   for g in geoms], dtype=bool)
    if not ok.any():
        return out
    geoms = geoms[ok]
    names = sel["name"].to_numpy(dtype=object)[ok]
    geoms = np.array([g if g.is_valid else shapely.make_valid(g) for g in geoms], dtype=object)
    area = shapely.area(geoms)
    tree = shapely.STRtree(geoms)
    pt_i, b_i = tree.query(points, predicate="within")
    order = np.lexsort((b_i, area[b_i], pt_i))
    pt_i, b_i = pt_i[order], b_i[order]
    first = np.ones(len(pt_i), dtype=bool)
    first[1:] = pt_i[1:] != pt_i[:-1]
    out[pt_i[first]] = names[b_i[first]]
    return out


def assign_areas(points: np.ndarray, bounds: gpd.GeoDataFrame | None, *, street_level: str,
                 community_level: str, default_street: str) -> tuple[np.ndarray, np.ndarray, dict]:
    """Street and community names per point (shapely points in the boundaries' CRS) and counts."""
    street = _names(points, bounds, street_level)
    community = _names(points, bounds, community_level)
    no_street = street == ""
    street[no_street] = default_street
    no_comm = community == ""
    community[no_comm] = street[no_comm]
    stats = {"from_boundaries_street": int((~no_street).sum()),
             "default_street": int(no_street.sum()),
             "from_boundaries_community": int((~no_comm).sum()),
             "streets": dict(sorted(Counter(street.tolist()).items()))}
    return street, community, stats
