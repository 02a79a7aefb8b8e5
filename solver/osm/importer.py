"""``import_osm``: one OSM PBF extract in, a scenario's tables and a starter scenario out.

Stages: read (pyrosm) -> choose the metric CRS -> walking network -> demand
points -> existing facilities -> candidate spaces -> drop points too far from
the network -> street / community -> write (atomically). Bad input (no
walkable ways, no residential buildings, no candidate space, bad settings) is
one InputError listing every problem; features that cannot be used are left
out and counted by reason in ``import_summary.json``, never silently.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from ..errors import InputError, Problem, Problems
from ..inputs.geo import project
from ..inputs.readers import file_digest
from .areas import assign_areas
from .buildings import calibrate, estimate_households
from .facilities import find_candidates, find_existing
from .network import build_walk_network, filter_ways
from .projection import WGS84, choose_crs
from .reader import DECODE_ERRORS, open_pbf, read_osm
from .settings import Settings, dump
from .writer import SETTINGS, check_out_dir, fmt, scenario_text, write_import


@dataclass(frozen=True, kw_only=True)
class ImportResult:
    out_dir: Path
    files: list[Path]
    summary: dict
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def scenario(self) -> Path:
        return self.out_dir / "scenario.toml"


def district_name(pbf: Path) -> str:
    """'Helsinki.osm.pbf' -> 'Helsinki'."""
    name = pbf.name
    for suffix in (".osm.pbf", ".pbf"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    name = re.sub(r"[\\/]+", "_", name).strip() or "district"
    return name


def select_keys(settings: Settings) -> tuple[str, ...]:
    """Keys a feature must have one of to be read: building, landuse and every rule's keys."""
    return tuple(sorted({"building", "landuse"} | settings.rule_keys()))


def _version(pkg: str) -> str:
    try:
        return md.version(pkg)
    except md.PackageNotFoundError:
        return "not installed"


def import_osm(pbf: Path, out_dir: Path, *, settings: Settings, name: str | None = None) -> ImportResult:
    """Import ``pbf`` into ``out_dir`` (see the module docstring); raise InputError on bad input."""
    pbf = Path(pbf)
    out_dir = Path(out_dir)
    check_out_dir(out_dir, inputs=[pbf])
    file = str(pbf)
    name = name or district_name(pbf)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    osm = open_pbf(pbf)
    try:
        data = read_osm(osm, keys=settings.tag_keys(), select=select_keys(settings))
    except DECODE_ERRORS as exc:  # damaged inside a block whose framing is whole (a flipped byte)
        raise InputError([Problem(file=file, rule=f"cannot be read as an OSM PBF file: its data are damaged "
                                  f"({type(exc).__name__}: {str(exc).strip()[:200]})", show_value=False)]) from None
    timings["read"] = time.perf_counter() - t0
    problems = Problems()
    left_out: Counter = Counter()

    # ---- walking ways
    ways = None
    way_stats: dict = {}
    if data.ways is None:
        problems.add(file, "no walkable ways: the extract has no way that pyrosm's walking filter keeps "
                     "(highway=footway, path, residential, service, ... open to pedestrians); is it the "
                     "right area, or an extract of buildings only?", show_value=False)
    else:
        ways, way_stats = filter_ways(data.ways, settings.highways)
        if len(ways) == 0:
            found = ", ".join(f"{k} ({v})" for k, v in way_stats["ways_left_out_by_highway_value"].items())
            problems.add(file, "no walkable ways with a highway value of network.highways in the settings; "
                         f"walkable ways found: {found}", field="network.highways", show_value=False)

    # ---- the metric CRS: from the network's nodes, else from the features
    if ways is not None and len(ways) and data.nodes is not None:
        used = np.unique(np.concatenate([ways["u"].to_numpy(), ways["v"].to_numpy()]))
        ll = data.nodes.set_index("id").loc[used]
        lon, lat = ll["lon"].to_numpy(dtype=float), ll["lat"].to_numpy(dtype=float)
    else:
        c = shapely.centroid(data.features.geometry.to_numpy()) if len(data.features) else np.array([])
        c = c[~shapely.is_empty(c)] if len(c) else c
        lon, lat = shapely.get_x(c), shapely.get_y(c)
    if len(lon) == 0:
        problems.raise_if_any()
        problems.add(file, "the extract holds no walkable way and no tagged feature", show_value=False)
        problems.raise_if_any()
    crs, crs_why = choose_crs(lon, lat, target=settings.target_crs)
    features = data.features.to_crs(crs)

    # ---- demand, existing, candidates
    t = time.perf_counter()
    demand = estimate_households(features, settings=settings)
    existing = find_existing(features, settings=settings)
    cands = find_candidates(features, settings=settings)
    timings["features"] = time.perf_counter() - t
    for part in (demand, existing, cands):
        left_out.update(part.skipped)
    if len(demand.points) == 0:
        problems.add(file, "no residential buildings: no building tagged building="
                     f"{'/'.join(settings.residential_buildings[:4])}/... (households.residential_buildings), "
                     "no generic building inside landuse=residential and no landuse=residential area "
                     "was found, so there are no households to serve", field="households",
                     show_value=False)
    if len(cands.table) == 0:
        problems.add(file, "no candidate space: no feature matches the [[candidates]] rules of the settings "
                     "(vacant shops, disused:*, garages, sheds, boiler houses, brownfield, underground "
                     "parking); add rules to the settings, or add spaces by hand to candidates.csv of "
                     "an import from a larger area", field="candidates", show_value=False)
    problems.raise_if_any()

    # ---- network
    t = time.perf_counter()
    net = build_walk_network(data.nodes, ways, crs=crs, max_edge_m=settings.max_edge_m)
    timings["network"] = time.perf_counter() - t
    tree = cKDTree(np.column_stack([net.nodes["x"], net.nodes["y"]]))

    def near(table: pd.DataFrame, what: str) -> pd.DataFrame:
        if len(table) == 0:
            return table
        dist, _ = tree.query(np.column_stack([table["x"], table["y"]]), k=1)
        far = dist > settings.max_snap_m
        if far.any():
            left_out[f"{what} farther than network.max_snap_m = {settings.max_snap_m:g} m from the walking "
                     "network"] += int(far.sum())
        return table[~far].reset_index(drop=True)

    hh, factor = calibrate(near(demand.points, "demand points"), total=settings.calibrate_total)
    ex = near(existing.table, "existing facilities")
    cd = near(cands.table, "candidate spaces")
    if len(hh) == 0:
        problems.add(file, f"no residential building lies within network.max_snap_m = {settings.max_snap_m:g} m "
                     "of the walking network", field="network.max_snap_m", show_value=False)
    if len(cd) == 0:
        problems.add(file, f"no candidate space lies within network.max_snap_m = {settings.max_snap_m:g} m of "
                     "the walking network", field="network.max_snap_m", show_value=False)
    problems.raise_if_any()

    # ---- streets and communities
    default_street = settings.default_street or name
    bounds = data.boundaries.to_crs(crs) if data.boundaries is not None else None
    area_stats = {}
    for key, table in (("households", hh), ("candidates", cd)):
        pts = shapely.points(table["x"].to_numpy(), table["y"].to_numpy())
        street, community, st = assign_areas(pts, bounds, street_level=settings.street_admin_level,
                                             community_level=settings.community_admin_level,
                                             default_street=default_street)
        table["street"], table["community"] = street, community
        area_stats[key] = st

    tables = _tables(hh, cd, ex, net, crs)
    summary: dict[str, Any] = {
        "source": {"file": pbf.name, "sha256": file_digest(pbf), "bytes": pbf.stat().st_size},
        "district": name,
        "crs": {"code": crs.to_string(), "name": crs.name, "why": crs_why},
        "network": {**way_stats, **net.stats, "max_edge_m": settings.max_edge_m},
        "households": {**demand.stats, "calibration_factor": factor, "demand_points_written": int(len(hh)),
                       "households_estimated_written": round(float(hh["estimate"].sum()), 1),
                       "households_written": int(hh["households"].sum())},
        "existing": {"found_per_service": existing.stats, "written": int(len(ex))},
        "candidates": {"found_per_space_type": cands.stats, "written": int(len(cd)),
                       "note": "a starting list from OSM tags: check on site and edit candidates.csv"},
        "areas": area_stats,
        "left_out": dict(sorted(left_out.items())),
        "settings": SETTINGS,
        "versions": {"siting": _version("siting"), "pyrosm": _version("pyrosm"),
                     "pyproj": _version("pyproj"), "shapely": _version("shapely")},
    }
    settings_lines = [
        f"households = footprint x levels / {settings.dwelling_m2:g} m2 per dwelling; levels from building:levels, "
        f"else height / {settings.storey_height_m:g} m, else {settings.default_levels:g}",
        f"  ({len(hh):,} demand points, {int(hh['households'].sum()):,} households"
        + (f", calibrated to {settings.calibrate_total:,}" if settings.calibrate_total else "") + ")",
        f"walking network: highway in network.highways, simplified, split every {settings.max_edge_m:g} m, "
        f"largest part ({len(net.nodes):,} nodes, {len(net.edges):,} edges)",
        f"existing facilities: {len(ex):,} from the [existing] tag rules",
        f"candidate spaces: {len(cd):,} from the [[candidates]] tag rules",
    ]
    description = (f"Imported from OpenStreetMap ({pbf.name}): {int(hh['households'].sum()):,} estimated households "
                   f"in {len(hh):,} demand points, {len(cd):,} candidate spaces (starter list), "
                   f"{len(ex):,} existing facilities")
    text = scenario_text(name=name, description=description, crs_code=crs.to_string(), crs_why=crs_why,
                         source=pbf.name, sha256=summary["source"]["sha256"], settings_summary=settings_lines,
                         max_snap_m=settings.max_snap_m, has_existing=len(ex) > 0)
    header = (f"Import settings used for {pbf.name} by `siting import-osm` (defaults + --settings + options).\n"
              "Edit and pass back with --settings to re-import.")
    t = time.perf_counter()
    files = write_import(out_dir, tables=tables, scenario_text=text, settings_text=dump(settings.raw, header=header),
                         summary=summary)
    timings["write"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return ImportResult(out_dir=out_dir, files=files, summary=summary, timings=timings)


def _tables(hh: pd.DataFrame, cd: pd.DataFrame, ex: pd.DataFrame, net, crs) -> dict[str, pd.DataFrame]:
    """The CSV tables as text columns with fixed precision (see README 'Inputs')."""
    def lonlat(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
        lon, lat = project(crs, WGS84, frame["x"].to_numpy(dtype=float), frame["y"].to_numpy(dtype=float))
        return fmt(lon, 7), fmt(lat, 7)

    lon, lat = lonlat(hh)
    households = pd.DataFrame({
        "id": hh["id"], "x": fmt(hh["x"], 2), "y": fmt(hh["y"], 2), "households": hh["households"].astype(np.int64),
        "street": hh["street"], "community": hh["community"], "name": hh["name"],
        "footprint_m2": fmt(hh["footprint_m2"], 1), "levels": [f"{v:g}" for v in hh["levels"]],
        "households_source": hh["households_source"], "lon": lon, "lat": lat,
    })
    lon, lat = lonlat(cd)
    candidates = pd.DataFrame({
        "id": cd["id"], "x": fmt(cd["x"], 2), "y": fmt(cd["y"], 2), "name": cd["name"],
        "space_type": cd["space_type"], "area_m2": fmt(cd["area_m2"], 1), "floor": cd["floor"].astype(np.int64),
        "street": cd["street"], "community": cd["community"], "conversion_cost": "", "gas": "",
        "area_source": cd["area_source"], "floor_source": cd["floor_source"], "osm_tags": cd["osm_tags"],
        "status": cd["status"], "lon": lon, "lat": lat,
    })
    if len(ex):
        lon, lat = lonlat(ex)
        existing = pd.DataFrame({"id": ex["id"], "x": fmt(ex["x"], 2), "y": fmt(ex["y"], 2),
                                 "service": ex["service"], "name": ex["name"], "osm_tags": ex["osm_tags"],
                                 "lon": lon, "lat": lat})
    else:
        existing = pd.DataFrame(columns=["id", "x", "y", "service", "name", "osm_tags", "lon", "lat"])
    nodes = pd.DataFrame({"id": net.nodes["id"], "x": fmt(net.nodes["x"], 2), "y": fmt(net.nodes["y"], 2)})
    edges = pd.DataFrame({"u": net.edges["u"], "v": net.edges["v"], "length_m": fmt(net.edges["length_m"], 2),
                          "kind": net.edges["kind"]})
    return {"households": households, "candidates": candidates, "existing": existing,
            "network_nodes": nodes, "network_edges": edges}
