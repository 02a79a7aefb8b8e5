"""Coordinate reference systems: parsing, choosing a metric working CRS, projecting.

All distance work happens in a metric CRS. A scenario declares the CRS of its
input coordinates; geographic input (lon/lat) is projected to the UTM zone of
the data's centre. Metric input is used as it is.
"""

from __future__ import annotations

import numpy as np
from pyproj import CRS, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info


def parse_crs(text: str) -> CRS:
    """Parse a CRS string ('EPSG:4547', 'EPSG:4326', a WKT or PROJ string)."""
    try:
        crs = CRS.from_user_input(text)
    except Exception as exc:  # pyproj raises CRSError, a subclass of Exception
        raise ValueError(f"not a CRS pyproj understands ({exc.__class__.__name__})") from None
    if not crs.is_geographic and not crs.is_projected:
        raise ValueError("must be a geographic (lon/lat) or projected (metric) CRS")
    if crs.is_projected:
        unit = crs.axis_info[0].unit_name if crs.axis_info else ""
        if unit not in ("metre", "meter"):
            raise ValueError(f"projected CRS must be in metres; its unit is {unit!r}")
    return crs


def working_crs(crs: CRS, lon: np.ndarray, lat: np.ndarray) -> CRS:
    """The metric CRS used for distances: ``crs`` itself when projected, else a UTM zone."""
    if crs.is_projected:
        return crs
    lon0, lat0 = float(np.median(lon)), float(np.median(lat))
    infos = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(lon0, lat0, lon0, lat0),
    )
    if not infos:
        raise ValueError(f"no UTM zone covers lon={lon0}, lat={lat0}")
    return CRS.from_epsg(int(infos[0].code))


def transformer(src: CRS, dst: CRS) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def project(src: CRS, dst: CRS, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinates from ``src`` to ``dst`` (x = easting/longitude)."""
    if src == dst:
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    tx, ty = transformer(src, dst).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(tx, dtype=float), np.asarray(ty, dtype=float)


def outside_area_of_use(crs: CRS, x: np.ndarray, y: np.ndarray, *, margin_deg: float = 2.0) -> np.ndarray:
    """Boolean mask of points that fall outside the CRS's area of use (plus a margin).

    Catches swapped axes, coordinates in the wrong CRS and stray zeros.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if crs.is_geographic:
        return ~((np.abs(x) <= 180) & (np.abs(y) <= 90))
    aou = crs.area_of_use
    if aou is None:
        return np.zeros(len(x), dtype=bool)
    lon, lat = project(crs, CRS.from_epsg(4326), x, y)
    bad = ~np.isfinite(lon) | ~np.isfinite(lat)
    bad |= lon < aou.west - margin_deg
    bad |= lon > aou.east + margin_deg
    bad |= lat < aou.south - margin_deg
    bad |= lat > aou.north + margin_deg
    return bad
