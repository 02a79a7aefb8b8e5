"""The walking network: a sparse graph, snapping of points, connectivity checks.

Points (households, candidate spaces, existing facilities) are snapped to the
nearest network node with a KD-tree; the straight access leg from the point
to that node counts as walking distance. Snapping problems (a point farther
than ``max_snap_m`` from the network) are input problems, reported all at once;
a network that lies away from a whole table is named as such. A candidate or
facility on a piece of network that no household can reach is left out with a
warning (it could serve nobody), and a table whose points are all shifted by
one offset from the network (GCJ-02 lon/lat mixed with WGS84) is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ..errors import Problem, Problems
from ..inputs.readers import Source


@dataclass(frozen=True, kw_only=True)
class Network:
    """Undirected walking graph as a symmetric CSR matrix of edge lengths (metres)."""

    graph: csr_matrix
    node_ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    component: np.ndarray  # connected-component label per node

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        return self.graph.nnz // 2


@dataclass(frozen=True, kw_only=True)
class Snap:
    """Where each point joins the network: node index and access leg (metres)."""

    node: np.ndarray
    access_m: np.ndarray


def build_network(nodes: pd.DataFrame, edges: pd.DataFrame) -> Network:
    """Build the graph; parallel edges keep the shortest length."""
    ids = nodes["id"].to_numpy()
    index = pd.Index(ids)
    u = index.get_indexer(edges["u"].to_numpy())
    v = index.get_indexer(edges["v"].to_numpy())
    w = edges["length_m"].to_numpy(dtype=float)
    n = len(ids)
    rows = np.concatenate([u, v])
    cols = np.concatenate([v, u])
    data = np.concatenate([w, w])
    # Keep the minimum over parallel edges: sort by (row, col, length), take firsts.
    order = np.lexsort((data, cols, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    graph = csr_matrix((data[first], (rows[first], cols[first])), shape=(n, n))
    graph.sort_indices()
    _, labels = connected_components(graph, directed=False)
    return Network(graph=graph, node_ids=ids, x=nodes["x"].to_numpy(dtype=float),
                   y=nodes["y"].to_numpy(dtype=float), component=labels)


def snap(network: Network, x: np.ndarray, y: np.ndarray) -> Snap:
    tree = cKDTree(np.column_stack([network.x, network.y]))
    dist, idx = tree.query(np.column_stack([x, y]), k=1)
    return Snap(node=idx.astype(np.int64), access_m=dist.astype(float))


@dataclass(kw_only=True)
class SnapCheck:
    """What checking the snapping found: problems (errors), warnings, and per table the rows on a
    piece of the walking network that no household reaches (left out of the model)."""

    problems: Problems = field(default_factory=Problems)
    warnings: list[Problem] = field(default_factory=list)
    cut: dict[Source, np.ndarray] = field(default_factory=dict)


FAR_SHOWN = 5  # per table, rows named one by one when most of its points are far from the network


def check_snaps(*, network: Network, snaps: dict[Source, tuple[pd.DataFrame, Snap]], household_key: Source,
                max_snap_m: float, problems: Problems | None = None, network_file: str = "the walking network",
                known_shifts: tuple[KnownShift, ...] = ()) -> SnapCheck:
    """Report points too far from the network; find candidates/facilities cut off from households.

    ``snaps`` maps a table's source to (its validated table, its snap); rows are the
    table's ``src_row`` (CSV line number, GeoPackage fid, data frame index), so messages
    point at the row the user can find. When most points of a table are far from the
    network, one problem names the network file (it is in another place or CRS) and a few
    rows are named. Points on a piece of the network no household reaches are warnings
    and left out (``SnapCheck.cut``). ``known_shifts``: offsets to look for (GCJ-02, BD-09).
    """
    out = SnapCheck(problems=problems if problems is not None else Problems())
    problems = out.problems
    for source, (table, s) in snaps.items():
        if len(table) == 0:
            continue
        rows = table["src_row"].to_numpy()
        ids = table["id"].astype(str).to_numpy()
        far = s.access_m > max_snap_m
        shown = np.flatnonzero(far)
        offset = systematic_offset(network, table, s, known_shifts)
        if offset is not None:
            finding = _offset_text(offset, network_file)
            if far.any():  # the cause of the snapping errors below
                problems.add(source.name, finding, field="x,y", show_value=False)
            else:
                out.warnings.append(Problem(file=source.name, rule=finding, field="x,y", show_value=False))
        if far.sum() > max(FAR_SHOWN, len(table) // 2):
            med = float(np.median(s.access_m))
            problems.add(network_file, f"lies away from the points of {source.name}: {int(far.sum())} of {len(table)} "
                         f"are farther than walking.max_snap_m = {max_snap_m:g} m from it (median "
                         f"{_distance(med)}); the walking network and {source.name} are in different places or "
                         "coordinate systems (a neighbouring projection zone? every file must be in the scenario's "
                         "crs)", field="x,y", value_text=f"{_distance(med)} median")
            shown = shown[:FAR_SHOWN]
        for k in shown:
            problems.add(source.name, f"'{ids[k]}' must lie within walking.max_snap_m = {max_snap_m:g} m of a "
                         f"network node (nearest: '{network.node_ids[s.node[k]]}')", field="x,y",
                         row=int(rows[k]), value_text=f"{s.access_m[k]:.0f} m", row_word=source.row_word)
        if len(shown) < int(far.sum()):
            problems.add(source.name, f"... and {int(far.sum()) - len(shown)} more rows farther than "
                         f"{max_snap_m:g} m from the walking network", field="x,y", show_value=False)
    hh_table, hh_snap = snaps[household_key]
    near = hh_snap.access_m <= max_snap_m
    hh_components = np.unique(network.component[hh_snap.node[near]])
    sizes = np.bincount(network.component, minlength=int(network.component.max()) + 1)
    for source, (table, s) in snaps.items():
        if source == household_key or len(table) == 0:
            continue
        rows = table["src_row"].to_numpy()
        ids = table["id"].astype(str).to_numpy()
        comp = network.component[s.node]
        cut = ~np.isin(comp, hh_components) & (s.access_m <= max_snap_m)
        if not cut.any():
            continue
        out.cut[source] = cut
        for k in np.flatnonzero(cut):
            out.warnings.append(Problem(
                file=source.name, rule=f"'{ids[k]}' is left out: it snaps to node '{network.node_ids[s.node[k]]}' on a "
                f"separate piece of the walking network ({sizes[comp[k]]} node{'s' if sizes[comp[k]] != 1 else ''}) "
                "that no household reaches; connect that piece or move the point", field="x,y", row=int(rows[k]),
                value_text=f"{s.access_m[k]:.0f} m from that node", row_word=source.row_word))
    return out


def cut_reason(network: Network, node: int) -> str:
    """The reason written for a point left out on a piece of the network no household reaches."""
    size = int(np.sum(network.component == network.component[node]))
    return f"on a separate piece of the walking network ({size} nodes, from node '{network.node_ids[node]}') " \
        "that no household reaches"


def _distance(m: float) -> str:
    return f"{m / 1000:,.1f} km" if m >= 10_000 else f"{m:,.0f} m"


@dataclass(frozen=True)
class Offset:
    dx: float  # metres to add to the table's points to bring them onto the network
    dy: float
    before_m: float  # median distance to the nearest node, as given
    after_m: float  # ... after the shift
    known: str | None = None  # the known offset it is (what the message says about it), if any

    @property
    def length(self) -> float:
        return float(np.hypot(self.dx, self.dy))


MIN_OFFSET_M = 100.0  # shifts smaller than this are within a block: not reported
MIN_POINTS = 10


KnownShift = tuple[float, float, str]  # (dx, dy, what it means) in the working CRS


def systematic_offset(network: Network, table: pd.DataFrame, s: Snap,
                      known: tuple[KnownShift, ...] = ()) -> Offset | None:
    """The shift that brings a table's points onto the network, when one shift does (a table exported
    in another system, e.g. GCJ-02 lon/lat mixed with WGS84): None when the points are on the
    network already or no single shift explains their distances.

    First the ``known`` shifts (the Chinese map offsets at the district, both ways): one that brings the
    median distance to the nearest node down to under 70 % (by 5 m or more) is the finding, as a
    dense network leaves shifted points near some street. Then, for points off the network, an
    iterated estimate: shift by the median of (nearest node - point), snap again; a finding needs
    the median distance to fall to under half (and under 100 m) with a shift of at least 100 m.
    """
    n = len(table)
    if n < MIN_POINTS or network.n_nodes < MIN_POINTS:
        return None
    from scipy.spatial import cKDTree

    before = float(np.median(s.access_m))
    tree = cKDTree(np.column_stack([network.x, network.y]))
    x, y = table["x"].to_numpy(dtype=float), table["y"].to_numpy(dtype=float)
    best: Offset | None = None
    for dx, dy, what in known:
        dist, _ = tree.query(np.column_stack([x + dx, y + dy]), k=1)
        after = float(np.median(dist))
        if after < 0.7 * before and before - after >= 5.0 and (best is None or after < best.after_m):
            best = Offset(dx=dx, dy=dy, before_m=before, after_m=after, known=what)
    if best is not None:
        return best
    if before < MIN_OFFSET_M / 2:
        return None
    dx = dy = 0.0
    node = s.node
    dist = s.access_m
    for _ in range(8):
        step_x = float(np.median(network.x[node] - (x + dx)))
        step_y = float(np.median(network.y[node] - (y + dy)))
        dx, dy = dx + step_x, dy + step_y
        dist, node = tree.query(np.column_stack([x + dx, y + dy]), k=1)
        if np.hypot(step_x, step_y) < 1.0:
            break
    after = float(np.median(dist))
    if np.hypot(dx, dy) < MIN_OFFSET_M or after > 0.5 * before or after > MIN_OFFSET_M:
        return None
    for kx, ky, what in known:  # the estimate may land near a known offset
        if np.hypot(dx - kx, dy - ky) < 0.3 * np.hypot(kx, ky):
            return Offset(dx=dx, dy=dy, before_m=before, after_m=after, known=what)
    return Offset(dx=dx, dy=dy, before_m=before, after_m=after)


def _offset_text(offset: Offset, network_file: str) -> str:
    bearing = (np.degrees(np.arctan2(-offset.dx, -offset.dy)) + 360) % 360  # where the points lie from the network
    compass = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"][int((bearing + 22.5) // 45) % 8]
    text = (f"the points lie systematically {offset.length:,.0f} m {compass} of where the walking network "
            f"({network_file}) has them: shifted by ({offset.dx:+,.0f} m, {offset.dy:+,.0f} m) they are a median "
            f"{offset.after_m:,.0f} m from it instead of {offset.before_m:,.0f} m")
    return text + (f"; {offset.known}" if offset.known else "; are the files in different coordinate systems?")
