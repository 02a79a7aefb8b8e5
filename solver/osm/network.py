"""The walking network of an extract: filter, simplify, split long edges, keep the main part.

1. Ways: pyrosm's walking filter (OSM access rules, osmnx 'walk' semantics;
   motorways never), then only the ``highway`` values of the settings.
2. Simplification: pyrosm's topological simplification (osmnx semantics:
   degree-2 nodes that only carry a way's shape are removed; a chain is not
   merged across a change of ``highway``, so each edge has one ``kind``).
3. Edge lengths in metres along the geometry in the chosen metric CRS.
4. Splitting: an edge longer than ``max_edge_m`` is cut into equal parts at
   new nodes on its geometry (``<u>-<v>-<p>-<k>``), so that every point of a
   street lies within ``max_edge_m / 2`` of a node (points snap to nodes).
5. The largest connected part is kept (a point snapped to a detached piece
   could reach nothing); what is dropped is counted.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


@dataclass(frozen=True, kw_only=True)
class WalkNetwork:
    nodes: pd.DataFrame  # id (str), x, y (metric), lon, lat
    edges: pd.DataFrame  # u, v, length_m, kind
    stats: dict = field(default_factory=dict)


def filter_ways(ways: gpd.GeoDataFrame, highways: tuple[str, ...]) -> tuple[gpd.GeoDataFrame, dict]:
    """Keep the way segments whose highway value is in ``highways``; count the others by value."""
    hw = ways["highway"].fillna("").astype(str)
    keep = hw.isin(highways).to_numpy()
    dropped = Counter(hw[~keep].tolist())
    way_ids = ways["id"].to_numpy()
    stats = {
        "walkable_ways_read": int(len(np.unique(way_ids))),
        "ways_kept": int(len(np.unique(way_ids[keep]))),
        "ways_left_out_by_highway_value": {k or "(none)": int(len(np.unique(way_ids[~keep & (hw == k).to_numpy()])))
                                           for k in sorted(dropped)},
    }
    return ways[keep].reset_index(drop=True), stats


def _simplify(nodes: gpd.GeoDataFrame, ways: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per undirected simplified edge: u, v, highway, geometry (lon/lat)."""
    from pyrosm.graph_simplify import simplify_graph
    from pyrosm.graphs import get_directed_edges

    dnodes, dedges = get_directed_edges(nodes, ways, network_type="walking", force_bidirectional=True)
    _, simple = simplify_graph(dnodes, dedges, edge_attrs_differ=("highway",))
    u = simple["u"].to_numpy(dtype=np.int64)
    v = simple["v"].to_numpy(dtype=np.int64)
    # both directions of each edge are rows: keep u < v, and one of the two rows of each loop
    out = simple.loc[u <= v, ["u", "v", "highway", "length", "geometry"]].copy()
    out["_len"] = np.round(out.pop("length").to_numpy(dtype=float), 3)
    loop = (out["u"] == out["v"]).to_numpy()
    if loop.any():
        lp = out[loop].drop_duplicates(subset=["u", "_len"], keep="first")
        out = pd.concat([out[~loop], lp])
    out["highway"] = out["highway"].map(lambda h: h if isinstance(h, str) else ";".join(map(str, h)))
    out = out.sort_values(["u", "v", "_len", "highway"], kind="stable").drop(columns="_len")
    return gpd.GeoDataFrame(out.reset_index(drop=True), geometry="geometry", crs="EPSG:4326")


def build_walk_network(nodes: gpd.GeoDataFrame, ways: gpd.GeoDataFrame, *, crs: CRS,
                       max_edge_m: float) -> WalkNetwork:
    """Simplified, split, largest-part walking network in ``crs`` (see the module docstring)."""
    stats: dict = {"segments_read": int(len(ways)),
                   "nodes_read": int(len(pd.unique(np.concatenate([ways["u"], ways["v"]]))))}
    simple = _simplify(nodes, ways)
    stats["edges_after_simplification"] = int(len(simple))
    stats["nodes_after_simplification"] = int(len(pd.unique(np.concatenate([simple["u"], simple["v"]]))))

    metric = simple.to_crs(crs)
    geoms = metric.geometry.to_numpy()
    lengths = shapely.length(geoms)
    u = simple["u"].to_numpy(dtype=np.int64)
    v = simple["v"].to_numpy(dtype=np.int64)
    kinds = simple["highway"].to_numpy(dtype=object)

    node_xy = nodes.set_index("id").to_crs(crs).geometry
    end_ids = pd.unique(np.concatenate([u, v]))
    ends = node_xy.loc[end_ids]
    ids: list[str] = [str(i) for i in end_ids]
    xs: list[float] = list(ends.x.to_numpy())
    ys: list[float] = list(ends.y.to_numpy())

    eu: list[str] = []
    ev: list[str] = []
    el: list[float] = []
    ek: list[str] = []
    parallel: Counter = Counter()
    split = 0
    loops_dropped = 0
    for k in range(len(simple)):
        a, b, length = str(u[k]), str(v[k]), float(lengths[k])
        p = parallel[(a, b)]
        parallel[(a, b)] += 1
        parts = max(1, math.ceil(length / max_edge_m - 1e-9)) if max_edge_m > 0 else 1
        if a == b and parts < 2:
            loops_dropped += 1  # a loop back to its own node is never on a shortest path
            continue
        if parts == 1:
            eu.append(a)
            ev.append(b)
            el.append(length)
            ek.append(kinds[k])
            continue
        split += 1
        dist = np.arange(1, parts) * (length / parts)
        pts = shapely.line_interpolate_point(geoms[k], dist)
        chain = [a] + [f"{a}-{b}-{p}-{j}" for j in range(1, parts)] + [b]
        ids.extend(chain[1:-1])
        xs.extend(shapely.get_x(pts))
        ys.extend(shapely.get_y(pts))
        for j in range(parts):
            eu.append(chain[j])
            ev.append(chain[j + 1])
            el.append(length / parts)
            ek.append(kinds[k])
    stats["edges_split"] = split
    stats["loops_dropped"] = loops_dropped

    node_frame = pd.DataFrame({"id": ids, "x": np.asarray(xs, dtype=float), "y": np.asarray(ys, dtype=float)})
    edge_frame = pd.DataFrame({"u": eu, "v": ev, "length_m": np.maximum(np.asarray(el, dtype=float), 0.01),
                               "kind": ek})
    node_frame, edge_frame, comp_stats = largest_part(node_frame, edge_frame)
    stats.update(comp_stats)
    node_frame = node_frame.sort_values("id", kind="stable").reset_index(drop=True)
    edge_frame = edge_frame.sort_values(["u", "v", "length_m", "kind"], kind="stable").reset_index(drop=True)
    stats["nodes_written"] = int(len(node_frame))
    stats["edges_written"] = int(len(edge_frame))
    stats["total_length_km"] = round(float(edge_frame["length_m"].sum()) / 1000.0, 3)
    return WalkNetwork(nodes=node_frame, edges=edge_frame, stats=stats)


def largest_part(nodes: pd.DataFrame, edges: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The nodes and edges of the largest connected part (by node count), and what was dropped."""
    index = pd.Index(nodes["id"])
    a = index.get_indexer(edges["u"])
    b = index.get_indexer(edges["v"])
    n = len(nodes)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)).tocsr()
    count, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels, minlength=count)
    main = int(np.argmax(sizes))  # ties: the lowest label, i.e. the part of the first node
    keep_node = labels == main
    keep_edge = keep_node[a]
    stats = {"connected_parts": int(count), "parts_dropped": int(count - 1),
             "nodes_dropped_in_other_parts": int((~keep_node).sum()),
             "edges_dropped_in_other_parts": int((~keep_edge).sum())}
    return nodes[keep_node].reset_index(drop=True), edges[keep_edge].reset_index(drop=True), stats
