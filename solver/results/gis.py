"""results.gpkg: the run's layers for QGIS / ArcGIS, in one GeoPackage beside the CSV files.

Layers (attribute columns as in the CSV file named):

=================  ========  =========================================================================
layer              geometry  what
=================  ========  =========================================================================
households         point     every demand point: households, covered before / after per service
                             (``before_<service>``, ``after_<service>``: 1/0), services reached
                             (households_coverage.csv)
uncovered          point     every (demand point, service) pair still uncovered after the plan, with
                             the reason and the nearest walking times (uncovered.csv)
candidates         point     every candidate space: chosen (1/0), rank in the build order, services
                             opened, space attributes (sites.csv)
existing           point     existing facilities with their service (existing.csv)
ranked_sites       point     the spaces to convert, in build order (ranked_sites.csv)
network            line      the walking network's edges (u, v, length_m); absent without a network
=================  ========  =========================================================================

CRS: the scenario's (``crs``), recorded in the GeoPackage. GCJ-02 and BD-09 are offsets, not
datums, and no EPSG code names them: for such a scenario the layers are in WGS84 (EPSG:4326)
and every layer keeps the input's GCJ-02 / BD-09 lon/lat in its ``x``, ``y`` columns (as the
CSV files do); :func:`gpkg_crs_note` says which, and summary.json records it.

Bytes: the same run writes the same file. GDAL stamps each table's ``last_change`` with the
current time; it is pinned with GDAL's ``OGR_CURRENT_DATE`` option, so nothing varies.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import CRS
from scipy.sparse import triu

from ..inputs.geo import offset_system, project
from .run import Run

FIXED_DATE = "2000-01-01T00:00:00.000Z"  # GeoPackage last_change of every table (deterministic bytes)
WGS84 = CRS.from_epsg(4326)


def gpkg_crs(run: Run) -> CRS:
    """The CRS of the layers: the scenario's, or WGS84 for GCJ-02 / BD-09 input."""
    crs = run.district.input_crs
    return WGS84 if offset_system(crs) is not None else crs


def gpkg_crs_note(run: Run) -> str:
    system = offset_system(run.district.input_crs)
    if system is None:
        return f"layers in the scenario's CRS ({run.scenario.crs})"
    return (f"layers in WGS84 (EPSG:4326): {system} has no EPSG code (an offset, not a datum); the x, y "
            f"columns keep the input's {system} lon/lat")


def _points(table: pd.DataFrame, run: Run, crs: CRS):
    import geopandas as gpd

    if crs == run.district.input_crs:
        x, y = table["x"].to_numpy(dtype=float), table["y"].to_numpy(dtype=float)
    else:  # WGS84 for GCJ-02 / BD-09 input
        x, y = table["lon"].to_numpy(dtype=float), table["lat"].to_numpy(dtype=float)
    return gpd.GeoDataFrame(table.reset_index(drop=True), geometry=gpd.points_from_xy(x, y), crs=crs)


def _network(run: Run, crs: CRS):
    import geopandas as gpd
    import shapely

    net = run.geometry.network
    if net is None:
        return None
    upper = triu(net.graph, k=1).tocoo()
    order = np.lexsort((upper.col, upper.row))
    u, v, w = upper.row[order], upper.col[order], upper.data[order]
    x, y = project(run.district.crs, crs, net.x, net.y)
    coords = np.stack([np.column_stack([x[u], y[u]]), np.column_stack([x[v], y[v]])], axis=1)
    lines = shapely.linestrings(coords)
    frame = pd.DataFrame({"u": net.node_ids[u], "v": net.node_ids[v], "length_m": np.round(w, 3)})
    return gpd.GeoDataFrame(frame, geometry=lines, crs=crs)


def write_gpkg(run: Run, path: Path, *, households: pd.DataFrame, sites: pd.DataFrame, existing: pd.DataFrame,
               ranked: pd.DataFrame, uncovered: pd.DataFrame) -> None:
    """Write results.gpkg from the tables the CSV files hold (with input-CRS x, y and WGS84 lon, lat)."""
    import pyogrio

    crs = gpkg_crs(run)
    layers = [("households", _points(households, run, crs)), ("uncovered", _points(uncovered, run, crs)),
              ("candidates", _points(sites, run, crs)), ("existing", _points(existing, run, crs)),
              ("ranked_sites", _points(ranked, run, crs))]
    net = _network(run, crs)
    if net is not None:
        layers.append(("network", net))
    with _gdal_config(OGR_CURRENT_DATE=FIXED_DATE):
        for k, (name, frame) in enumerate(layers):
            frame = frame.copy()
            for col in frame.columns:
                if col != "geometry" and frame[col].dtype == object:
                    frame[col] = _typed(frame[col])
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", append=k > 0,
                                    layer_options={"SPATIAL_INDEX": "NO"})


def _typed(column: pd.Series) -> pd.Series:
    """A mixed column (rank: an int, or "" for a space not chosen) as nullable integers; else text."""
    values = [None if v is None or v == "" or (isinstance(v, float) and v != v) else v for v in column]
    if all(v is None or (isinstance(v, (int, np.integer)) and not isinstance(v, bool)) for v in values):
        return pd.Series(values, index=column.index, dtype="Int64")
    return pd.Series([None if v is None else str(v) for v in values], index=column.index, dtype=object)


class _gdal_config:  # noqa: N801 - a context manager used like a function
    """Set GDAL config options for the block, restoring the earlier values after it."""

    def __init__(self, **options: str):
        self.options = options
        self.old: dict[str, str | None] = {}

    def __enter__(self) -> None:
        import pyogrio

        self.old = {k: pyogrio.get_gdal_config_option(k) for k in self.options}
        pyogrio.set_gdal_config_options(self.options)

    def __exit__(self, *exc) -> None:
        import pyogrio

        pyogrio.set_gdal_config_options(self.old)
