"""The metric CRS an imported district is written in, and why.

Inside China the tables are written in the CGCS2000 3-degree Gauss-Kruger zone
whose central meridian is nearest the data (EPSG:4534-4554, "CM 75E" to "CM
135E": false easting 500 km, no zone number in the easting). Reasons:

- it is the system of China's official survey data (CGCS2000, the national
  datum since 2008), so the imported tables overlay a street office's survey
  maps (地形图) without conversion, and the demo district uses it too;
- a 3-degree zone is never more than 1.5 degrees from its central meridian, so
  the scale error of Transverse Mercator stays below about 3e-4 (0.03%: 0.3 m
  on a 1 km walk) anywhere in the zone, half the worst case of a 6-degree UTM
  zone (which also scales by 0.9996 at its centre);
- OSM's WGS 84 and CGCS2000 agree to a few centimetres (both realise the ITRF),
  far below what walking distances need, so no datum shift is applied.

Outside China (the Helsinki test extract) the WGS 84 UTM zone of the data is
used, as :func:`solver.inputs.geo.working_crs` chooses for lon/lat input.

The scale error over the actual data is measured (pyproj ``get_factors``) and
written into the import summary.
"""

from __future__ import annotations

import numpy as np
from pyproj import CRS, Proj

from ..inputs.geo import parse_crs, working_crs

WGS84 = CRS.from_epsg(4326)
GK_FIRST_EPSG, GK_FIRST_CM, GK_LAST_CM = 4534, 75, 135


def gauss_kruger_zone(lon: float) -> CRS | None:
    """The CGCS2000 3-degree Gauss-Kruger CRS (CM variant) for ``lon``, if China has one."""
    cm = int(3 * round(lon / 3.0))
    if not GK_FIRST_CM <= cm <= GK_LAST_CM:
        return None
    return CRS.from_epsg(GK_FIRST_EPSG + (cm - GK_FIRST_CM) // 3)


def _inside(crs: CRS, lon: float, lat: float) -> bool:
    aou = crs.area_of_use
    return aou is not None and aou.west <= lon <= aou.east and aou.south <= lat <= aou.north


def choose_crs(lon: np.ndarray, lat: np.ndarray, *, target: str = "auto") -> tuple[CRS, str]:
    """The metric CRS for data at ``lon``, ``lat`` and a sentence saying why."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    lon0, lat0 = float(np.median(lon)), float(np.median(lat))
    if target.strip().lower() != "auto":
        crs = parse_crs(target)
        why = f"{crs.name}: given in the import settings (crs.target)"
    else:
        gk = gauss_kruger_zone(lon0)
        china = CRS.from_epsg(4490)  # CGCS2000: its area of use is China
        if gk is not None and _inside(china, lon0, lat0) and _inside(gk, lon0, lat0):
            crs = gk
            why = (f"{crs.name}: the data lies in China; CGCS2000 is the national survey datum "
                   "(agrees with OSM's WGS 84 to centimetres) and a 3-degree zone keeps the "
                   "Transverse Mercator scale error below 0.03%")
        else:
            crs = working_crs(WGS84, lon, lat)
            why = f"{crs.name}: the data lies outside China, so the WGS 84 UTM zone of its centre"
    k = scale_factors(crs, lon, lat)
    if len(k):
        why += f"; scale error over the data {1e6 * (k.min() - 1):+.0f} to {1e6 * (k.max() - 1):+.0f} ppm"
    return crs, why


def scale_factors(crs: CRS, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Point scale factor of ``crs`` at each lon/lat (1 = true distances)."""
    if len(lon) == 0:
        return np.zeros(0)
    factors = Proj(crs).get_factors(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    k = np.asarray(factors.meridional_scale, dtype=float)
    return k[np.isfinite(k)]
