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
from ..paths import path_problem

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
    why = path_problem(path)
    if why:
        raise InputError([Problem(file=file, rule=why, show_value=False)])
    if path.is_dir():
        raise InputError([Problem(file=file, rule="is a folder, not an OSM PBF file", show_value=False)])
    if not path.is_file():
        raise InputError([Problem(file=file, rule="file not found", show_value=False)])
    if path.stat().st_size == 0:
        raise InputError([Problem(file=file, rule="file is empty: not an OSM PBF file", show_value=False)])
    why = pbf_structure_problem(path)
    if why:
        raise InputError([Problem(file=file, rule=why, show_value=False)])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            osm = pyrosm.OSM(str(path), progress=False)
            osm.bounding_box  # noqa: B018 - reads the header: fails fast on a file that is not a PBF
    except (PBFException, ValueError, OSError) as exc:
        raise InputError([Problem(file=file, rule=f"cannot be read as an OSM PBF file ({_short(exc)})",
                                  show_value=False)]) from None
    return osm


def _decode_errors() -> tuple[type[BaseException], ...]:
    """What pyrosm raises on bytes that are not valid PBF data (protobuf, zlib, struct)."""
    import struct
    import zlib

    errors: list[type[BaseException]] = [zlib.error, struct.error, EOFError, UnicodeDecodeError, OverflowError]
    try:
        from google.protobuf.message import DecodeError
    except ImportError:  # pyrosm without the protobuf runtime
        pass
    else:
        errors.append(DecodeError)
    try:
        from pyrosm import exceptions
    except ImportError:
        pass
    else:
        errors += [e for e in vars(exceptions).values() if isinstance(e, type) and issubclass(e, Exception)]
    return tuple(errors)


DECODE_ERRORS = _decode_errors()
MAX_HEADER = 64 * 1024  # a BlobHeader is at most 64 KiB (the PBF format's own limit)
MAX_BLOB = 32 * 1024 * 1024  # a Blob at most 32 MiB


def _varint(data: bytes, k: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if k >= len(data) or shift > 63:
            raise ValueError("a truncated number")
        b = data[k]
        value |= (b & 0x7F) << shift
        k += 1
        if not b & 0x80:
            return value, k
        shift += 7


def _blob_size(header: bytes) -> tuple[str, int]:
    """(type, datasize) of a BlobHeader message (protobuf: 1 type string, 2 indexdata, 3 datasize)."""
    k, kind, size = 0, "", None
    while k < len(header):
        key, k = _varint(header, k)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, k = _varint(header, k)
            if field == 3:
                size = value
        elif wire == 2:
            n, k = _varint(header, k)
            if field == 1:
                kind = header[k:k + n].decode("utf-8", "replace")
            k += n
        else:
            raise ValueError(f"an unexpected field encoding ({wire})")
    if size is None or k != len(header):
        raise ValueError("a block header without its size")
    return kind, size


def pbf_structure_problem(path: Path) -> str | None:
    """Why ``path`` is not a whole OSM PBF file, or None: the file must be a sequence of blocks (a
    4-byte length, a BlobHeader, a Blob of the size it states) that ends exactly at the end of the
    file, so a truncated download or copy is named as such before any reading."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        offset, block = 0, 0
        while offset < size:
            head = fh.read(4)
            if len(head) < 4:
                return f"is truncated: it ends inside block {block + 1} ({size:,} bytes); download or copy it again"
            n = int.from_bytes(head, "big")
            if n == 0 or n > MAX_HEADER:
                return (f"cannot be read as an OSM PBF file (not one, or damaged): block {block + 1} starts with "
                        f"an impossible header length of {n:,} bytes")
            header = fh.read(n)
            if len(header) < n:
                return f"is truncated: it ends inside block {block + 1} ({size:,} bytes); download or copy it again"
            try:
                kind, data = _blob_size(header)
            except ValueError as exc:
                return f"cannot be read as an OSM PBF file (not one, or damaged): block {block + 1} has {exc}"
            if block == 0 and kind != "OSMHeader":
                return f"cannot be read as an OSM PBF file: its first block is {kind!r}, not 'OSMHeader'"
            if data > MAX_BLOB:
                return (f"cannot be read as an OSM PBF file (not one, or damaged): block {block + 1} claims "
                        f"{data:,} bytes")
            offset += 4 + n + data
            if offset > size:
                return (f"is truncated: block {block + 1} needs {offset - size:,} bytes more than the file has "
                        f"({size:,} bytes); download or copy it again")
            fh.seek(offset)
            block += 1
    return None


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
