"""Reading an OSM PBF extract with pyrosm: walkable ways, tagged features, boundaries.

Everything is read from the local file; nothing is downloaded. Results are in
WGS84 lon/lat (OSM's coordinates) and sorted by OSM type and id, so the same
file always gives the same rows in the same order.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..errors import InputError, Problem

TYPE_ORDER = {"node": 0, "way": 1, "relation": 2}
TYPE_PREFIX = {"node": "n", "way": "w", "relation": "r"}


@dataclass(frozen=True, kw_only=True)
class OsmData:
    """What the importer needs from one extract (lon/lat, EPSG:4326)."""

    nodes: gpd.GeoDataFrame | None  # network nodes: id, lon, lat
    ways: gpd.GeoDataFrame | None  # walkable way segments: u, v, highway, geometry
    features: gpd.GeoDataFrame  # tagged elements: osm_id ("w123"), osm_type, tags (dict), geometry
    boundaries: gpd.GeoDataFrame | None  # administrative: name, admin_level, geometry


def open_pbf(path: Path):
    """A pyrosm OSM reader for ``path``; a missing or unreadable file is an InputError."""
    import pyrosm
    from pyrosm.exceptions import PBFException

    file = str(path)
    if path.is_dir():
        raise InputError([Problem(file=file, rule="is a folder, not an OSM PBF file", show_value=False)])
    if not path.is_file():
        raise InputError([Problem(file=file, rule="file not found", show_value=False)])
    if path.stat().st_size == 0:
        raise InputError([Problem(file=file, rule="file is empty: not an OSM PBF file", show_value=False)])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            osm = pyrosm.OSM(str(path), progress=False)
            osm.bounding_box  # noqa: B018 - reads the header: fails fast on a file that is not a PBF
    except (PBFException, ValueError, OSError) as exc:
        raise InputError([Problem(file=file, rule=f"cannot be read as an OSM PBF file ({_short(exc)})",
                                  show_value=False)]) from None
    return osm


def _short(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.split("; ")[-1] if len(text) > 200 else text


def _quiet(fn, *args, **kwargs):
    """Call a pyrosm reader with its 'nothing found' warnings silenced (we count instead)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _sorted(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    order = frame["osm_type"].map(TYPE_ORDER).fillna(9).astype(int)
    frame = frame.assign(_t=order.to_numpy()).sort_values(["_t", "id"], kind="stable")
    return frame.drop(columns="_t").reset_index(drop=True)


def _tag_dicts(frame: pd.DataFrame, keys: tuple[str, ...]) -> list[dict[str, str]]:
    """One dict of every tag per row: the tag columns pyrosm made, plus its JSON ``tags`` column."""
    cols = [k for k in keys if k in frame.columns]
    extra = frame["tags"].to_numpy() if "tags" in frame.columns else [None] * len(frame)
    values = {c: frame[c].to_numpy(dtype=object) for c in cols}
    out: list[dict[str, str]] = []
    for i in range(len(frame)):
        tags: dict[str, str] = {}
        raw = extra[i]
        if isinstance(raw, str) and raw:
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = {}
            if isinstance(parsed, dict):
                tags.update({str(k): str(v) for k, v in parsed.items() if v is not None})
        elif isinstance(raw, dict):
            tags.update({str(k): str(v) for k, v in raw.items() if v is not None})
        for c in cols:
            v = values[c][i]
            if isinstance(v, str) and v != "":
                tags[c] = v
        out.append(tags)
    return out


def read_osm(osm, *, keys: tuple[str, ...], select: tuple[str, ...]) -> OsmData:
    """Read walkable ways, the features having one of ``select`` keys, and admin boundaries.

    ``keys`` are the tags the importer reads (kept as columns); every other tag
    is still available in each feature's tag dict.
    """
    nodes, ways = _quiet(osm.get_network, network_type="walking", nodes=True)
    if ways is not None and len(ways) == 0:
        nodes = ways = None

    feats = _quiet(osm.get_data_by_custom_criteria, custom_filter=None, osm_keys_to_keep=list(select),
                   tags_as_columns=list(keys), keep_other_tags=True)
    if feats is None or len(feats) == 0:
        feats = gpd.GeoDataFrame({"id": pd.Series(dtype="int64"), "osm_type": pd.Series(dtype=object)},
                                 geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    feats = _sorted(feats)
    features = gpd.GeoDataFrame({
        "osm_id": [f"{TYPE_PREFIX.get(t, '?')}{i}" for t, i in zip(feats["osm_type"], feats["id"])],
        "osm_type": feats["osm_type"].to_numpy(dtype=object),
        "tags": _tag_dicts(feats, keys),
    }, geometry=feats.geometry.to_numpy(), crs="EPSG:4326")

    bounds = _quiet(osm.get_boundaries, boundary_type="administrative")
    boundaries = None
    if bounds is not None and len(bounds) and "admin_level" in bounds.columns:
        bounds = _sorted(bounds)
        boundaries = gpd.GeoDataFrame({
            "name": bounds["name"].fillna("").astype(str).to_numpy() if "name" in bounds else "",
            "admin_level": bounds["admin_level"].fillna("").astype(str).to_numpy(),
        }, geometry=bounds.geometry.to_numpy(), crs="EPSG:4326")
    if ways is not None:
        ways = ways.sort_values(["id", "u", "v"], kind="stable").reset_index(drop=True)
        nodes = nodes.sort_values("id", kind="stable").reset_index(drop=True)
    return OsmData(nodes=nodes, ways=ways, features=features, boundaries=boundaries)
