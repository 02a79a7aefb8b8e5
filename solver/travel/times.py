"""Walking distances from sites to demand points, bounded and sparse.

Distances are computed from the site side (candidate spaces, existing
facilities): a bounded multi-source Dijkstra (scipy.sparse.csgraph) cut at the
largest threshold distance, processed in chunks of sources so that memory
stays bounded, each chunk on the part of the network within its reach (exact:
see ``network_reach``), and kept only where the total walk (access leg +
network path + access leg) is within the limit. Without a network, distances are
straight lines times a detour factor, found with a KD-tree. Never a dense
sites x households matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix, vstack
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from .network import Network, Snap

CHUNK_CELLS = 20_000_000  # dense cells per Dijkstra chunk (x 8 bytes)


@dataclass(frozen=True, kw_only=True)
class Reach:
    """Sparse walking distances (metres) within a limit, as sorted COO triplets.

    ``src`` indexes the sites, ``dst`` the demand points; pairs are sorted by
    (src, dst) and distances may be exactly 0.
    """

    src: np.ndarray
    dst: np.ndarray
    dist_m: np.ndarray
    n_src: int
    n_dst: int
    limit_m: float

    @property
    def nnz(self) -> int:
        return len(self.src)

    def within(self, limit_m: float) -> Reach:
        keep = self.dist_m <= limit_m
        return Reach(src=self.src[keep], dst=self.dst[keep], dist_m=self.dist_m[keep],
                     n_src=self.n_src, n_dst=self.n_dst, limit_m=min(limit_m, self.limit_m))

    def subset_src(self, mask: np.ndarray) -> Reach:
        keep = mask[self.src]
        return Reach(src=self.src[keep], dst=self.dst[keep], dist_m=self.dist_m[keep],
                     n_src=self.n_src, n_dst=self.n_dst, limit_m=self.limit_m)


def _sorted(src, dst, dist, n_src, n_dst, limit_m) -> Reach:
    order = np.lexsort((dst, src))
    return Reach(src=src[order].astype(np.int64), dst=dst[order].astype(np.int64),
                 dist_m=dist[order].astype(float), n_src=n_src, n_dst=n_dst, limit_m=limit_m)


def stretch(network: Network) -> float:
    """The least ratio of an edge's length to the straight line between its ends (over edges between
    distinct points), at most 1; 0 when there is none, an edge is free or a coordinate is missing. By the
    triangle inequality no walk between two nodes is shorter than this times the straight line between
    them, whatever the units of the coordinates."""
    if not (np.isfinite(network.x).all() and np.isfinite(network.y).all()):
        return 0.0
    g = network.graph.tocoo()
    line = np.hypot(network.x[g.row] - network.x[g.col], network.y[g.row] - network.y[g.col])
    apart = line > 0
    if not apart.any():
        return 0.0
    ratio = float(np.min(g.data[apart] / line[apart]))
    return min(1.0, ratio) if np.isfinite(ratio) and ratio > 0 else 0.0


def _source_groups(network: Network, src_nodes: np.ndarray, radius: float) -> list[np.ndarray]:
    """Positions in ``src_nodes`` grouped by the square of side ``radius`` their node lies in (the squares in
    row-major order, positions ascending within each); one group of all when ``radius`` is not positive."""
    if not radius > 0 or not np.isfinite(radius):
        return [np.arange(len(src_nodes))]
    cx = np.floor((network.x[src_nodes] - network.x.min()) / radius).astype(np.int64)
    cy = np.floor((network.y[src_nodes] - network.y.min()) / radius).astype(np.int64)
    order = np.lexsort((np.arange(len(src_nodes)), cx, cy))
    key = cy[order] * (int(cx.max()) + 1) + cx[order]
    cut = np.flatnonzero(np.diff(key)) + 1
    return np.split(order, cut)


def network_reach(network: Network, sites: Snap, points: Snap, *, limit_m: float) -> Reach:
    """All (site, point) pairs whose walking distance over the network is <= ``limit_m``.

    Sources are searched in groups that lie close together, each on the part of the network that a walk
    within the limit can reach at all: the nodes within limit / ``stretch`` in straight line of the group
    (exact: a walk never beats the straight line times the stretch, so every shortest path within the
    limit stays inside). A network whose stretch is 0 is searched whole."""
    n_src, n_dst = len(sites.node), len(points.node)
    empty = np.zeros(0, dtype=np.int64)
    if n_src == 0 or n_dst == 0:
        return Reach(src=empty, dst=empty, dist_m=np.zeros(0), n_src=n_src, n_dst=n_dst, limit_m=limit_m)
    # Points grouped by node: CSR from node -> points.
    pt_order = np.argsort(points.node, kind="stable")
    pt_counts = np.bincount(points.node, minlength=network.n_nodes)
    pt_ptr = np.concatenate([[0], np.cumsum(pt_counts)])
    # Unique source nodes, each run once with the loosest limit among its sites.
    src_nodes, src_inverse = np.unique(sites.node, return_inverse=True)
    min_access = np.full(len(src_nodes), np.inf)
    np.minimum.at(min_access, src_inverse, sites.access_m)
    out_src, out_dst, out_dist = [], [], []
    # sites sorted by their source-node index, to expand node rows back to sites.
    site_order = np.argsort(src_inverse, kind="stable")
    site_counts = np.bincount(src_inverse, minlength=len(src_nodes))
    site_ptr = np.concatenate([[0], np.cumsum(site_counts)])
    ratio = stretch(network)
    reach_max = max(0.0, limit_m - float(min_access.min()))
    groups = _source_groups(network, src_nodes, reach_max / ratio if ratio > 0 else 0.0)
    for group in groups:
        lim = float(max(0.0, limit_m - min_access[group].min()))
        nodes = None  # the whole network
        if ratio > 0:
            far = lim / ratio * (1.0 + 1e-9) + 1e-9
            gx, gy = network.x[src_nodes[group]], network.y[src_nodes[group]]
            inside = ((network.x >= gx.min() - far) & (network.x <= gx.max() + far)
                      & (network.y >= gy.min() - far) & (network.y <= gy.max() + far))
            if not inside.all():
                nodes = np.flatnonzero(inside)
        graph = network.graph if nodes is None else network.graph[nodes][:, nodes]
        sources = src_nodes[group] if nodes is None else np.searchsorted(nodes, src_nodes[group])
        chunk = max(1, CHUNK_CELLS // max(graph.shape[0], 1))
        for start in range(0, len(group), chunk):
            part = group[start:start + chunk]
            d = dijkstra(graph, directed=False, indices=sources[start:start + chunk],
                         limit=float(max(0.0, limit_m - min_access[part].min())))
            r, c = np.nonzero(np.isfinite(d))
            dd = d[r, c]
            del d
            if nodes is not None:
                c = nodes[c]
            # expand node -> points
            cnt = pt_counts[c]
            has = cnt > 0
            r, c, dd, cnt = r[has], c[has], dd[has], cnt[has]
            rep_r = np.repeat(r, cnt)
            rep_d = np.repeat(dd, cnt)
            offs = np.repeat(pt_ptr[c], cnt) + (np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt))
            pts = pt_order[offs]
            rep_d = rep_d + points.access_m[pts]
            # expand source node -> sites
            node_rows = part[rep_r]
            scnt = site_counts[node_rows]
            soffs = np.repeat(site_ptr[node_rows], scnt) + (
                np.arange(scnt.sum()) - np.repeat(np.cumsum(scnt) - scnt, scnt))
            site_idx = site_order[soffs]
            total = np.repeat(rep_d, scnt) + sites.access_m[site_idx]
            pts2 = np.repeat(pts, scnt)
            keep = total <= limit_m
            out_src.append(site_idx[keep])
            out_dst.append(pts2[keep])
            out_dist.append(total[keep])
    return _sorted(np.concatenate(out_src), np.concatenate(out_dst), np.concatenate(out_dist),
                   n_src, n_dst, limit_m)


def straight_reach(sx: np.ndarray, sy: np.ndarray, px: np.ndarray, py: np.ndarray, *, limit_m: float,
                   detour: float) -> Reach:
    """Pairs within ``limit_m`` of straight-line distance x ``detour`` (no network given)."""
    n_src, n_dst = len(sx), len(px)
    if n_src == 0 or n_dst == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Reach(src=empty, dst=empty, dist_m=np.zeros(0), n_src=n_src, n_dst=n_dst, limit_m=limit_m)
    ts = cKDTree(np.column_stack([sx, sy]))
    tp = cKDTree(np.column_stack([px, py]))
    coo = ts.sparse_distance_matrix(tp, max_distance=limit_m / detour, output_type="ndarray")
    src = coo["i"].astype(np.int64)
    dst = coo["j"].astype(np.int64)
    dist = coo["v"].astype(float) * detour
    keep = dist <= limit_m
    return _sorted(src[keep], dst[keep], dist[keep], n_src, n_dst, limit_m)


def nearest_site_distance(network: Network | None, sites: Snap | None, points: Snap | None, *,
                          site_xy: tuple[np.ndarray, np.ndarray] | None = None,
                          point_xy: tuple[np.ndarray, np.ndarray] | None = None,
                          detour: float = 1.0) -> np.ndarray:
    """Walking distance (metres) from each point to its nearest site; inf when none is reachable.

    With a network: one Dijkstra from a virtual node joined to every site's
    node by its access leg. Without: a KD-tree nearest-neighbour query.
    """
    if network is None:
        if point_xy is None:
            raise ValueError("without a network, give point_xy (and site_xy)")
        px, py = point_xy
        if site_xy is None or len(site_xy[0]) == 0:
            return np.full(len(px), np.inf)
        tree = cKDTree(np.column_stack(site_xy))
        d, _ = tree.query(np.column_stack([px, py]), k=1)
        return d * detour
    if points is None:
        raise ValueError("with a network, give the points' snap")
    if sites is None or len(sites.node) == 0:
        return np.full(len(points.node), np.inf)
    n = network.n_nodes
    access = np.full(n, np.inf)
    np.minimum.at(access, sites.node, sites.access_m)
    has = np.flatnonzero(np.isfinite(access))
    # A virtual node n joined to each site node; zero-length edges are not stored in
    # a sparse matrix, so shift every access leg by a constant and subtract it after.
    shift = 1.0
    extra_row = csr_matrix((access[has] + shift, (np.zeros(len(has), dtype=np.int64), has)), shape=(1, n + 1))
    g = network.graph
    g_ext = vstack([csr_matrix((g.data, g.indices, g.indptr), shape=(n, n + 1)), extra_row]).tocsr()
    d = dijkstra(g_ext, directed=False, indices=n)
    return d[points.node] - shift + points.access_m
