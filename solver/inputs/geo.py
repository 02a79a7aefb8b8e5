"""Coordinate reference systems: parsing, choosing a metric working CRS, projecting.

All distance work happens in a metric CRS. A scenario declares the CRS of its
input coordinates; geographic input (lon/lat) is projected to the UTM zone of
the data's centre. Metric input is used as it is.

Besides everything pyproj understands, a scenario may declare ``crs = "gcj02"``
(Amap / Tencent lon/lat) or ``crs = "bd09"`` (Baidu lon/lat): the offsets that
Chinese web maps apply to WGS84 (see :mod:`solver.inputs.chinacrs`). They parse to a
geographic CRS whose name marks the offset (:func:`offset_system`);
:func:`project` applies the offset on the way in and out, so coordinates read
in GCJ-02 are converted to WGS84 (iterative inverse, round-trip error < 1e-8 m)
before they are projected, and outputs are written back in GCJ-02 lon/lat.
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np
from pyproj import CRS, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

OFFSET_NAMES = {"gcj02": "gcj02", "gcj": "gcj02", "amap": "gcj02", "bd09": "bd09", "bd09ll": "bd09",
                "baidu": "bd09"}
_OFFSET_SCOPE = {"gcj02": "GCJ-02 lon/lat of Chinese web maps (Amap, Tencent)",
                 "bd09": "BD-09 lon/lat of Baidu maps"}
_OFFSET_PREFIX = "siting offset lon/lat: "


@cache
def offset_crs(system: str) -> CRS:
    """The geographic CRS standing for ``system`` ('gcj02' or 'bd09').

    Its datum is named apart from WGS 84 so that it never equals EPSG:4326 and
    pyproj is never asked to transform it (it cannot: these are obfuscations,
    not datums); :func:`project` converts it through :mod:`solver.inputs.chinacrs`.
    """
    from .chinacrs import CHINA_BOX

    w, s, e, n = CHINA_BOX
    deg = 'ANGLEUNIT["degree",0.0174532925199433]'
    wkt = (f'GEOGCRS["{_OFFSET_PREFIX}{system}",DATUM["{system} offset of WGS 84 (not a geodetic datum)",'
           'ELLIPSOID["WGS 84",6378137,298.257223563,LENGTHUNIT["metre",1]]],'
           f'PRIMEM["Greenwich",0,{deg}],CS[ellipsoidal,2],'
           f'AXIS["longitude",east,ORDER[1],{deg}],AXIS["latitude",north,ORDER[2],{deg}],'
           f'USAGE[SCOPE["{_OFFSET_SCOPE[system]}"],AREA["China (the box where the offset applies)"],'
           f'BBOX[{s},{w},{n},{e}]]]')
    return CRS.from_wkt(wkt)


def offset_system(crs: CRS) -> str | None:
    """'gcj02' or 'bd09' for a CRS made by :func:`offset_crs`, else None."""
    name = crs.name or ""
    return name[len(_OFFSET_PREFIX):] if name.startswith(_OFFSET_PREFIX) else None


def crs_label(crs: CRS) -> str:
    """Name of a CRS for messages: 'gcj02' / 'bd09' for those, else ``crs.to_string()``."""
    system = offset_system(crs)
    return system if system is not None else crs.to_string()


def parse_crs(text: str) -> CRS:
    """Parse a CRS string ('EPSG:4547', 'EPSG:4326', 'gcj02', 'bd09', a WKT or PROJ string)."""
    key = text.strip().lower().replace("-", "").replace("_", "") if isinstance(text, str) else ""
    if key in OFFSET_NAMES:
        return offset_crs(OFFSET_NAMES[key])
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


WGS84 = CRS.from_epsg(4326)


def project(src: CRS, dst: CRS, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinates from ``src`` to ``dst`` (x = easting/longitude).

    Either side may be GCJ-02 or BD-09 (:func:`offset_crs`): the offset is
    removed (iteratively, see :mod:`solver.inputs.chinacrs`) or applied around a
    pyproj transformation to or from WGS84.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if src == dst:
        return x, y
    src_off, dst_off = offset_system(src), offset_system(dst)
    if src_off is not None or dst_off is not None:
        from . import chinacrs

        if src_off is not None:
            x, y = chinacrs.to_wgs84(src_off, x, y)
            src = WGS84
        x, y = project(src, WGS84, x, y) if dst_off is not None else project(src, dst, x, y)
        if dst_off is not None:
            x, y = chinacrs.from_wgs84(dst_off, x, y)
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    tx, ty = transformer(src, dst).transform(x, y)
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
    name = crs_label(crs)
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
