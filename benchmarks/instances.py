"""Readers for the public MCLP/LSCP benchmark families and their coverage relations.

Every reader returns a :class:`BenchInstance`: the candidate sites, the customers
(demand points) with their demand, and what is needed to build the coverage
relation ``a_ij = 1`` when customer i is within the radius of site j. The coverage
is always a sparse CSR matrix, customers x sites, ``int8`` ones (like the
project's own ``solver/travel/coverage.py``); it is never formed densely.

Formats are those of ``shared/mclp-instances/README.md``:

* SJC                  ``n 9999 p S`` then n lines ``x y demand`` (trailing TAB); planar.
* Máximo (TSPLIB-like) ``KEY : value`` header, NODE_COORD_SECTION (``lat lon``),
                       DEMAND_SECTION, EOF; great-circle distance (spherical law of
                       cosines, Earth radius 6 378 100 m).
* BDS / BDS1000 / GRID ``n_sites n_customers`` then ``F j x y cost`` and
                       ``C i x y demand`` lines; planar.
* GR / Beasley         ``n m a b`` then m lines ``u v length [demand]`` (1-based,
                       undirected); the 4th field of the first n edge lines is the demand
                       of node 1..n in turn; a repeated edge keeps the LAST length read;
                       shortest-path distance.
* ZDS / PCB            ``n n 0`` then n lines ``x y demand``; planar.

Line endings (CRLF or LF), trailing TABs and leading-zero longitudes (``-074.04``)
are all accepted.

Distance rules (see the README of the benchmarks): everything is float64.
Planar: ``d = sqrt(dx*dx + dy*dy)``. Sphere: ``d = R * arccos(cos(f1) cos(f2)
cos(l2 - l1) + sin(f1) sin(f2))`` with the argument clipped to [-1, 1] and
``d = 0`` for a node to itself. Graph: Dijkstra over the edge lengths
(``scipy.sparse.csgraph``). ``rule="le"`` covers when ``d <= radius``,
``rule="lt"`` when ``d < radius``. A KD-tree (planar: on the points; sphere: on
3-D unit vectors with the chord radius) only proposes candidate pairs with a
small safety margin; the decision is always the exact formula above.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

EARTH_RADIUS_M = 6_378_100.0
RULES = ("le", "lt")
# Customers per KD-tree chunk (bounds the memory of the candidate-pair arrays).
PLANAR_CHUNK = 200_000
# Graph sources per Dijkstra chunk (dense rows of n floats each).
GRAPH_CHUNK_CELLS = 20_000_000


@dataclass(frozen=True, kw_only=True)
class BenchInstance:
    """One benchmark instance: sites, customers with demand, and its geometry.

    ``geometry`` is ``"planar"`` (``site_xy``/``customer_xy`` are x, y),
    ``"sphere"`` (they are latitude, longitude in degrees) or ``"graph"``
    (``graph`` is the symmetric n x n CSR matrix of edge lengths; node k is
    customer k and site k).
    """

    name: str
    family: str
    geometry: str
    demand: np.ndarray
    site_cost: np.ndarray
    site_xy: np.ndarray | None = None
    customer_xy: np.ndarray | None = None
    graph: csr_matrix | None = None
    path: Path | None = None
    header: dict = field(default_factory=dict)

    @property
    def n_sites(self) -> int:
        return len(self.site_cost)

    @property
    def n_customers(self) -> int:
        return len(self.demand)

    def coverage(self, radius: float, rule: str = "le") -> csr_matrix:
        """Sparse customers x sites incidence (int8 ones) under ``rule`` ("le" or "lt")."""
        _check_rule(rule)
        if self.geometry == "planar":
            return planar_coverage(self.customer_xy, self.site_xy, radius, rule)
        if self.geometry == "sphere":
            return sphere_coverage(self.customer_xy, self.site_xy, radius, rule)
        if self.geometry == "graph":
            return graph_coverage(self.graph, radius, rule)
        raise ValueError(f"unknown geometry {self.geometry!r}")

    def dense_distances(self) -> np.ndarray:
        """Full customers x sites distance matrix (float64); only for peers that need one (spopt).

        Unreachable graph pairs are ``inf``.
        """
        if self.geometry == "planar":
            c, s = self.customer_xy, self.site_xy
            dx = c[:, None, 0] - s[None, :, 0]
            dy = c[:, None, 1] - s[None, :, 1]
            return np.sqrt(dx * dx + dy * dy)
        if self.geometry == "sphere":
            return np.vstack([
                sphere_distance(self.customer_xy[i:i + 2000, None, :], self.site_xy[None, :, :])
                for i in range(0, self.n_customers, 2000)
            ])
        if self.geometry == "graph":
            d = dijkstra(self.graph, directed=False)
            np.fill_diagonal(d, 0.0)
            return d
        raise ValueError(f"unknown geometry {self.geometry!r}")


def _check_rule(rule: str) -> None:
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}; got {rule!r}")


def _within(d: np.ndarray, radius: float, rule: str) -> np.ndarray:
    return d <= radius if rule == "le" else d < radius


def _to_csr(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> csr_matrix:
    m = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=shape).tocsr()
    m.sum_duplicates()
    m.data[:] = 1
    m.sort_indices()
    return m


# --------------------------------------------------------------------------------------------
# Coverage builders


def planar_coverage(customer_xy: np.ndarray, site_xy: np.ndarray, radius: float, rule: str = "le",
                    *, chunk: int = PLANAR_CHUNK) -> csr_matrix:
    """Euclidean coverage: KD-tree proposal, exact float64 ``sqrt(dx*dx + dy*dy)`` decision."""
    _check_rule(rule)
    customer_xy = np.asarray(customer_xy, dtype=np.float64)
    site_xy = np.asarray(site_xy, dtype=np.float64)
    n_c, n_s = len(customer_xy), len(site_xy)
    if n_c == 0 or n_s == 0 or radius < 0:
        return csr_matrix((n_c, n_s), dtype=np.int8)
    margin = 1e-9 * max(1.0, abs(radius), float(np.abs(site_xy).max()))
    site_tree = cKDTree(site_xy)
    rows, cols = [], []
    for start in range(0, n_c, chunk):
        pts = customer_xy[start:start + chunk]
        pairs = cKDTree(pts).sparse_distance_matrix(site_tree, radius + margin, output_type="ndarray")
        i = pairs["i"].astype(np.int64)
        j = pairs["j"].astype(np.int64)
        del pairs
        dx = pts[i, 0] - site_xy[j, 0]
        dy = pts[i, 1] - site_xy[j, 1]
        keep = _within(np.sqrt(dx * dx + dy * dy), radius, rule)
        rows.append(i[keep] + start)
        cols.append(j[keep])
    return _to_csr(np.concatenate(rows), np.concatenate(cols), (n_c, n_s))


def _unit_vectors(latlon_deg: np.ndarray) -> np.ndarray:
    lat = np.radians(latlon_deg[:, 0])
    lon = np.radians(latlon_deg[:, 1])
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def sphere_distance(a_latlon: np.ndarray, b_latlon: np.ndarray, *, earth_radius: float = EARTH_RADIUS_M
                    ) -> np.ndarray:
    """Great-circle distance by the spherical law of cosines (as in Máximo et al.), float64 metres.

    ``arccos`` argument clipped to [-1, 1]; broadcasts over leading axes.
    """
    f1 = np.radians(a_latlon[..., 0])
    f2 = np.radians(b_latlon[..., 0])
    dl = np.radians(b_latlon[..., 1] - a_latlon[..., 1])
    c = np.cos(f1) * np.cos(f2) * np.cos(dl) + np.sin(f1) * np.sin(f2)
    return np.arccos(np.clip(c, -1.0, 1.0)) * earth_radius


def sphere_coverage(customer_latlon: np.ndarray, site_latlon: np.ndarray, radius_m: float, rule: str = "le",
                    *, earth_radius: float = EARTH_RADIUS_M) -> csr_matrix:
    """Great-circle coverage: KD-tree on 3-D unit vectors with the chord radius, exact law-of-cosines decision."""
    _check_rule(rule)
    customer_latlon = np.asarray(customer_latlon, dtype=np.float64)
    site_latlon = np.asarray(site_latlon, dtype=np.float64)
    n_c, n_s = len(customer_latlon), len(site_latlon)
    if n_c == 0 or n_s == 0 or radius_m < 0:
        return csr_matrix((n_c, n_s), dtype=np.int8)
    theta = min(np.pi, radius_m / earth_radius)
    # Chord of the central angle, plus a margin (the law of cosines loses precision at
    # short range: about 1e-5 m at 400 m), so the tree never misses a pair.
    chord = 2.0 * np.sin(theta / 2.0) * (1 + 1e-6) + 1.0 / earth_radius
    pairs = cKDTree(_unit_vectors(customer_latlon)).sparse_distance_matrix(
        cKDTree(_unit_vectors(site_latlon)), chord, output_type="ndarray")
    i = pairs["i"].astype(np.int64)
    j = pairs["j"].astype(np.int64)
    d = sphere_distance(customer_latlon[i], site_latlon[j], earth_radius=earth_radius)
    keep = _within(d, radius_m, rule)
    return _to_csr(i[keep], j[keep], (n_c, n_s))


def graph_coverage(graph: csr_matrix, radius: float, rule: str = "le", *,
                   chunk_cells: int = GRAPH_CHUNK_CELLS) -> csr_matrix:
    """Shortest-path coverage on an undirected graph (node k = customer k = site k).

    Bounded Dijkstra (``limit=radius`` keeps distances equal to the radius) over
    chunks of source nodes; the result is symmetric so rows are customers.
    """
    _check_rule(rule)
    n = graph.shape[0]
    if n == 0 or radius < 0:
        return csr_matrix((n, n), dtype=np.int8)
    step = max(1, chunk_cells // max(n, 1))
    rows, cols = [], []
    for start in range(0, n, step):
        src = np.arange(start, min(n, start + step))
        d = dijkstra(graph, directed=False, indices=src, limit=radius)
        d[np.arange(len(src)), src] = 0.0
        r, c = np.nonzero(_within(d, radius, rule))
        rows.append(r + start)
        cols.append(c)
    return _to_csr(np.concatenate(rows), np.concatenate(cols), (n, n))


# --------------------------------------------------------------------------------------------
# Readers


def _lines(path: Path) -> list[str]:
    """Lines without line terminators (CRLF, LF or CR), trailing whitespace kept out."""
    text = Path(path).read_text(encoding="utf-8", errors="strict")
    return [ln.rstrip() for ln in text.splitlines()]


def _fields(line: str) -> list[str]:
    """TAB- or space-separated tokens, empty fields (trailing TABs) dropped."""
    return line.split()


def read_sjc(path: Path) -> BenchInstance:
    """SJC: ``n 9999 p S`` then n lines ``x y demand``; node k is customer k and site k."""
    lines = _lines(path)
    head = _fields(lines[0])
    n = int(head[0])
    rows = [_fields(ln) for ln in lines[1:] if ln.strip()]
    if len(rows) < n:
        raise ValueError(f"{path}: header says {n} nodes, found {len(rows)} lines")
    arr = np.array([[float(t) for t in r[:3]] for r in rows[:n]], dtype=np.float64)
    xy = arr[:, :2].copy()
    return BenchInstance(name=Path(path).stem, family="SJC", geometry="planar", demand=arr[:, 2].copy(),
                         site_cost=np.ones(n), site_xy=xy, customer_xy=xy, path=Path(path),
                         header={"n": n, "raw": head})


def read_nodes_xyd(path: Path, family: str) -> BenchInstance:
    """ZDS / PCB: ``n n 0`` then n lines ``x y demand``; node k is customer k and site k."""
    lines = _lines(path)
    head = _fields(lines[0])
    n = int(head[0])
    rows = [_fields(ln) for ln in lines[1:] if ln.strip()]
    if len(rows) < n:
        raise ValueError(f"{path}: header says {n} nodes, found {len(rows)} lines")
    arr = np.array([[float(t) for t in r[:3]] for r in rows[:n]], dtype=np.float64)
    xy = arr[:, :2].copy()
    return BenchInstance(name=Path(path).stem, family=family, geometry="planar", demand=arr[:, 2].copy(),
                         site_cost=np.ones(n), site_xy=xy, customer_xy=xy, path=Path(path),
                         header={"n": n, "raw": head})


def read_bds(path: Path, family: str = "BDS") -> BenchInstance:
    """BDS / BDS1000 / GRID_*: ``n_sites n_customers``, ``F j x y cost`` lines, ``C i x y demand`` lines."""
    lines = _lines(path)
    head = _fields(lines[0])
    n_f, n_c = int(head[0]), int(head[1])
    site = np.full((n_f, 3), np.nan)
    cust = np.full((n_c, 3), np.nan)
    for ln in lines[1:]:
        t = _fields(ln)
        if not t:
            continue
        k = int(t[1])
        vals = (float(t[2]), float(t[3]), float(t[4]))
        if t[0] == "F":
            site[k] = vals
        elif t[0] == "C":
            cust[k] = vals
        else:
            raise ValueError(f"{path}: unexpected line {ln!r}")
    if np.isnan(site).any() or np.isnan(cust).any():
        raise ValueError(f"{path}: header says {n_f} sites / {n_c} customers; some are missing")
    return BenchInstance(name=Path(path).stem, family=family, geometry="planar", demand=cust[:, 2].copy(),
                         site_cost=site[:, 2].copy(), site_xy=site[:, :2].copy(),
                         customer_xy=cust[:, :2].copy(), path=Path(path),
                         header={"n_sites": n_f, "n_customers": n_c, "raw": head})


def read_graph(path: Path, family: str) -> BenchInstance:
    """GR / Beasley: ``n m a b`` then m edge lines ``u v length [demand]`` (1-based, undirected).

    The 4th field of the k-th edge line (k = 1..n) is the demand of node k, whatever
    the edge's endpoints. A repeated edge (either orientation) keeps the last length
    read; self-loops are ignored (a node is at distance 0 from itself).
    """
    lines = _lines(path)
    head = _fields(lines[0])
    n, m = int(head[0]), int(head[1])
    raw = lines[1:1 + m]
    if len(raw) < m:
        raise ValueError(f"{path}: header says {m} edge lines, found {len(raw)}")
    demand = np.full(n, np.nan)
    last: dict[tuple[int, int], float] = {}
    for k, ln in enumerate(raw):
        t = ln.split("\t") if "\t" in ln else ln.split()
        t = [x.strip() for x in t]
        u, v, w = int(t[0]), int(t[1]), float(t[2])
        if k < n:
            if len(t) < 4 or t[3] == "":
                raise ValueError(f"{path}: edge line {k + 1} must carry the demand of node {k + 1}")
            demand[k] = float(t[3])
        if u == v:
            continue
        key = (u, v) if u < v else (v, u)
        last[key] = w  # OR-Library rule: the last length read wins
    if np.isnan(demand).any():
        raise ValueError(f"{path}: fewer than n={n} edge lines carry a demand")
    keys = np.array(list(last.keys()), dtype=np.int64).reshape(-1, 2) - 1
    w = np.array(list(last.values()), dtype=np.float64)
    if (keys < 0).any() or (keys >= n).any():
        raise ValueError(f"{path}: node index out of 1..{n}")
    if (w <= 0).any():
        # csgraph treats stored zeros as absent edges; none of the public files has one.
        raise ValueError(f"{path}: non-positive edge length")
    rows = np.concatenate([keys[:, 0], keys[:, 1]])
    cols = np.concatenate([keys[:, 1], keys[:, 0]])
    g = csr_matrix((np.concatenate([w, w]), (rows, cols)), shape=(n, n))
    g.sort_indices()
    return BenchInstance(name=Path(path).stem, family=family, geometry="graph", demand=demand,
                         site_cost=np.ones(n), graph=g, path=Path(path),
                         header={"n": n, "m": m, "raw": head, "distinct_edges": len(last)})


def read_maximo(path: Path) -> BenchInstance:
    """Máximo et al. city instances (TSPLIB-like): coordinates are ``latitude longitude`` in degrees."""
    lines = _lines(path)
    header: dict[str, str] = {}
    coords: list[tuple[float, float]] = []
    demand: list[float] = []
    section = None
    n = None
    for ln in lines:
        s = ln.strip()
        if not s:
            continue
        key = s.split(":")[0].strip().upper()
        if key == "EOF":
            break
        if key in ("NODE_COORD_SECTION", "DEMAND_SECTION"):
            section = key
            continue
        if section is None:
            if ":" in s:
                k, v = s.split(":", 1)
                header[k.strip().upper()] = v.strip()
                if k.strip().upper() == "DIMENSION":
                    n = int(v)
            continue
        t = s.split()
        if section == "NODE_COORD_SECTION":
            coords.append((float(t[0]), float(t[1])))
        else:
            demand.append(float(t[0]))
    if n is None:
        raise ValueError(f"{path}: no DIMENSION")
    if len(coords) != n or len(demand) != n:
        raise ValueError(f"{path}: DIMENSION {n} but {len(coords)} coordinates and {len(demand)} demands")
    ll = np.array(coords, dtype=np.float64)
    return BenchInstance(name=header.get("NAME", Path(path).stem), family="Maximo", geometry="sphere",
                         demand=np.array(demand, dtype=np.float64), site_cost=np.ones(n), site_xy=ll,
                         customer_xy=ll, path=Path(path), header={"n": n, **header})


READERS: dict[str, Callable[[Path], BenchInstance]] = {
    "SJC": read_sjc,
    "Maximo": read_maximo,
    "BDS": lambda p: read_bds(p, "BDS"),
    "BDS1000": lambda p: read_bds(p, "BDS1000"),
    "GRID": lambda p: read_bds(p, "GRID"),
    "GR": lambda p: read_graph(p, "GR"),
    "Beasley": lambda p: read_graph(p, "Beasley"),
    "ZDS": lambda p: read_nodes_xyd(p, "ZDS"),
    "PCB": lambda p: read_nodes_xyd(p, "PCB"),
}

_FOLDER_FAMILY = {"SJC": "SJC", "Maximo": "Maximo", "BDS": "BDS", "BDS1000": "BDS1000", "GR": "GR",
                  "Beasley": "Beasley", "ZDS": "ZDS", "PCB": "PCB", "Cordeau-generator-sample": "GRID"}


def family_of(path: Path) -> str:
    """The family of an instance file from its folder (the layout of shared/mclp-instances)."""
    path = Path(path)
    fam = _FOLDER_FAMILY.get(path.parent.name)
    if fam is None:
        if re.match(r"GRID_", path.name):
            return "GRID"
        raise ValueError(f"cannot tell the family of {path} (folder {path.parent.name!r})")
    return fam


def read_instance(path: Path, family: str | None = None) -> BenchInstance:
    """Read any benchmark file; the family is taken from its folder unless given."""
    fam = family or family_of(path)
    try:
        reader = READERS[fam]
    except KeyError:
        raise ValueError(f"unknown family {fam!r}; known: {sorted(READERS)}") from None
    return reader(Path(path))
