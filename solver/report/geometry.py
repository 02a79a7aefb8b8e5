"""The map frame of the reports and the areas drawn on it (no basemap, no network access).

Points come as WGS84 lon/lat from the run folder and are projected to a local
equirectangular frame in metres around the district's centre (east, north);
over a district (a few km) this is accurate to well under a metre per km.

Street and community areas are not in the inputs: each building gets the part
of its Voronoi cell within ``reach`` metres (about 2.5 times the typical
distance between neighbouring buildings), and the cells of a street (or a
community) are merged. The areas therefore partition the inhabited part of the
district and nest (communities inside streets). "Uncovered areas" are the merged
cells of the buildings that miss a service.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0


@dataclass(frozen=True, kw_only=True)
class MapFrame:
    """Local metric frame: ``x`` east, ``y`` north, metres from (lon0, lat0)."""

    lon0: float
    lat0: float

    def project(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        kx = M_PER_DEG_LON_EQUATOR * np.cos(np.radians(self.lat0))
        return (lon - self.lon0) * kx, (lat - self.lat0) * M_PER_DEG_LAT


def frame_for(lon: np.ndarray, lat: np.ndarray) -> MapFrame:
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if not len(lon):
        return MapFrame(lon0=0.0, lat0=0.0)
    return MapFrame(lon0=float((lon.min() + lon.max()) / 2), lat0=float((lat.min() + lat.max()) / 2))


@dataclass(frozen=True, kw_only=True)
class Cells:
    """One area per building: its Voronoi cell cut to ``reach`` metres."""

    cells: np.ndarray  # shapely geometries, one per input point
    reach: float

    def merge(self, mask: np.ndarray, *, smooth: float | None = None):
        """The union of the cells where ``mask`` holds (an empty polygon when none)."""
        parts = self.cells[np.asarray(mask, dtype=bool)]
        if not len(parts):
            return shapely.Polygon()
        geom = shapely.union_all(parts)
        smooth = self.reach * 0.15 if smooth is None else smooth
        if smooth > 0:
            geom = geom.buffer(smooth, quad_segs=2).buffer(-smooth, quad_segs=2)
        return shapely.simplify(geom, self.reach * 0.05)


def building_cells(x: np.ndarray, y: np.ndarray) -> Cells:
    """Voronoi cells of the points, each cut to a disc of radius ``reach`` around its point."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(x)
    if n == 0:
        return Cells(cells=np.array([], dtype=object), reach=100.0)
    pts = np.column_stack([x, y])
    if n > 1:
        d, _ = cKDTree(pts).query(pts, k=2)
        spacing = float(np.median(d[:, 1][d[:, 1] > 0])) if (d[:, 1] > 0).any() else 50.0
    else:
        spacing = 50.0
    reach = float(min(max(2.5 * spacing, 80.0), 400.0))
    discs = shapely.buffer(shapely.points(pts), reach, quad_segs=4)
    uniq, first = np.unique(pts, axis=0, return_index=True)
    if len(uniq) < 3:
        return Cells(cells=discs, reach=reach)
    vor = shapely.voronoi_polygons(shapely.MultiPoint(uniq), extend_to=shapely.box(
        *(uniq.min(axis=0) - 2 * reach), *(uniq.max(axis=0) + 2 * reach)), ordered=True)
    cell_of_unique = np.array(shapely.get_parts(vor), dtype=object)
    # map every input point to the cell of its coordinates (duplicates share a cell)
    index = {tuple(p): k for k, p in enumerate(uniq)}
    cells = np.array([cell_of_unique[index[tuple(p)]] for p in pts], dtype=object)
    return Cells(cells=shapely.intersection(cells, discs), reach=reach)


def svg_path(geom, to_svg) -> str:
    """SVG path data of a (multi)polygon; ``to_svg(x, y)`` maps frame metres to SVG units."""
    if geom is None or geom.is_empty:
        return ""
    out = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:-1]
            if len(xy) < 3:
                continue
            sx, sy = to_svg(xy[:, 0], xy[:, 1])
            pts = " ".join(f"{a:.0f} {b:.0f}" for a, b in zip(sx, sy))
            out.append(f"M{pts}Z")
    return "".join(out)


def label_point(geom) -> tuple[float, float] | None:
    """A point well inside the area's largest part (for its name)."""
    if geom is None or geom.is_empty:
        return None
    parts = sorted(shapely.get_parts(geom), key=lambda g: -g.area)
    p = shapely.maximum_inscribed_circle(parts[0], tolerance=10.0) if hasattr(
        shapely, "maximum_inscribed_circle") else None
    pt = shapely.get_point(p, 0) if p is not None else parts[0].representative_point()
    return float(pt.x), float(pt.y)
