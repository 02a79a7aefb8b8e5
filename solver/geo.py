"""Coordinate reference systems: parsing, choosing a metric working CRS, projecting.

All distance work happens in a metric CRS. A scenario declares the CRS of its
input coordinates; geographic input (lon/lat) is projected to the UTM zone of
the data's centre. Metric input is used as it is.
"""

from __future__ import annotations

from functools import lru_cache

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
    """An always-xy transformer; cached, since building one costs tens of milliseconds."""
    return _transformer(src, dst)


@lru_cache(maxsize=64)
def _transformer(src: CRS, dst: CRS) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def project(src: CRS, dst: CRS, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinates from ``src`` to ``dst`` (x = easting/longitude)."""
    if src == dst:
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    tx, ty = transformer(src, dst).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(tx, dtype=float), np.asarray(ty, dtype=float)


def outside_area_of_use(crs: CRS, x: np.ndarray, y: np.ndarray, *, margin_deg: float = 2.0) -> np.ndarray:
    """Boolean mask of points that fall outside the CRS's area of use (plus a margin).

    Catches swapped axes, coordinates in the wrong CRS and stray zeros. ``x`` is
    the easting or longitude, ``y`` the northing or latitude.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    aou = crs.area_of_use
    if crs.is_geographic:
        lon, lat = x, y
        bad = ~((np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    else:
        if aou is None:
            return ~(np.isfinite(x) & np.isfinite(y))
        with np.errstate(all="ignore"):
            lon, lat = project(crs, CRS.from_epsg(4326), x, y)
        bad = ~np.isfinite(lon) | ~np.isfinite(lat)
    if aou is None:
        return bad
    with np.errstate(invalid="ignore"):
        bad |= lon < aou.west - margin_deg
        bad |= lon > aou.east + margin_deg
        bad |= lat < aou.south - margin_deg
        bad |= lat > aou.north + margin_deg
    return bad


def area_of_use_text(crs: CRS) -> str:
    """``EPSG:4548 (China - onshore between 115°30'E and 118°30'E.)``: a CRS and where it applies."""
    name = crs.to_string()
    aou = crs.area_of_use
    return f"{name} ({aou.name.rstrip('.')})" if aou is not None and aou.name else name


def coordinate_hints(crs: CRS, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per point outside the area of use: a likely cause (object array of text, '' when unknown)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    out = np.full(len(x), "", dtype=object)
    if len(x) == 0:
        return out
    swapped_ok = ~outside_area_of_use(crs, y, x)
    out[swapped_ok] = "x and y (or lon and lat) look swapped"
    zero = (x == 0) & (y == 0)
    if crs.is_projected:
        degrees = (np.abs(x) <= 180) & (np.abs(y) <= 90) & ~swapped_ok & ~zero
        out[degrees] = "these look like lon/lat degrees, but the scenario's crs is in metres"
        zone_no = np.floor(x / 1e6)
        zone = (zone_no >= 13) & (zone_no <= 45) & ~swapped_ok
        out[zone] = ("x starts with a Gauss-Kruger zone number; use the CRS whose eastings carry "
                     "the zone number, e.g. 'CGCS2000 / 3-degree Gauss-Kruger zone 39'")
    else:
        metric = ((np.abs(x) > 180) | (np.abs(y) > 90)) & ~swapped_ok
        out[metric] = "these look like metric coordinates, but the scenario's crs is lon/lat"
    out[zero] = "(0, 0): a missing location?"
    return out
