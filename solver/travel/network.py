"""The walking network: a sparse graph, snapping of points, connectivity checks.

Points (households, candidate spaces, existing facilities) are snapped to the
nearest network node with a KD-tree; the straight access leg from the point
to that node counts as walking distance. Snapping problems (a point farther
than ``max_snap_m`` from the network, a candidate on a piece of network that
no household can reach) are input problems, reported all at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ..errors import Problems
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


def check_snaps(*, network: Network, snaps: dict[Source, tuple[pd.DataFrame, Snap]], household_key: Source,
                max_snap_m: float, problems: Problems) -> None:
    """Report points too far from the network and candidates/facilities cut off from households.

    ``snaps`` maps a table's source to (its validated table, its snap); rows are the
    table's ``src_row`` (CSV line number, GeoPackage fid, data frame index), so messages
    point at the row the user can find.
    """
    for source, (table, s) in snaps.items():
        if len(table) == 0:
            continue
        rows = table["src_row"].to_numpy()
        ids = table["id"].astype(str).to_numpy()
        far = s.access_m > max_snap_m
        for k in np.flatnonzero(far):
            problems.add(source.name, f"'{ids[k]}' must lie within walking.max_snap_m = {max_snap_m:g} m of a "
                         f"network node (nearest: '{network.node_ids[s.node[k]]}')", field="x,y",
                         row=int(rows[k]), value_text=f"{s.access_m[k]:.0f} m", row_word=source.row_word)
    hh_table, hh_snap = snaps[household_key]
    hh_components = np.unique(network.component[hh_snap.node])
    sizes = np.bincount(network.component, minlength=int(network.component.max()) + 1)
    for source, (table, s) in snaps.items():
        if source == household_key or len(table) == 0:
            continue
        rows = table["src_row"].to_numpy()
        ids = table["id"].astype(str).to_numpy()
        comp = network.component[s.node]
        cut = ~np.isin(comp, hh_components)
        for k in np.flatnonzero(cut):
            problems.add(source.name, f"'{ids[k]}' is disconnected: it snaps to node "
                         f"'{network.node_ids[s.node[k]]}' on a separate piece of the walking network "
                         f"({sizes[comp[k]]} node{'s' if sizes[comp[k]] != 1 else ''}) that no "
                         "household reaches; connect that piece or move the point", field="x,y",
                         row=int(rows[k]), value_text=f"{s.access_m[k]:.0f} m from that node",
                         row_word=source.row_word)
