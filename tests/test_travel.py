"""Bounded sparse walking distances against plain all-pairs shortest paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import dijkstra

from solver.travel import times as travel
from solver.travel.network import Snap, build_network, snap
from solver.travel.times import nearest_site_distance, network_reach, straight_reach


def random_graph(seed: int, n: int = 150):
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 2000, n), rng.uniform(0, 2000, n)
    nodes = pd.DataFrame({"id": [f"n{i}" for i in range(n)], "x": x, "y": y})
    # connect each node to its 3 nearest neighbours
    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    np.fill_diagonal(d, np.inf)
    nb = np.argsort(d, axis=1)[:, :3]
    u = np.repeat(np.arange(n), 3)
    v = nb.ravel()
    edges = pd.DataFrame({"u": [f"n{i}" for i in u], "v": [f"n{i}" for i in v], "length_m": d[u, v] * 1.1})
    return nodes, edges, rng


def brute(net, sites: Snap, pts: Snap):
    full = dijkstra(net.graph, directed=False)
    return sites.access_m[:, None] + full[np.ix_(sites.node, pts.node)] + pts.access_m[None, :]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("chunk", [None, 1, 7])
def test_network_reach_equals_all_pairs(seed, chunk, monkeypatch):
    if chunk is not None:
        monkeypatch.setattr(travel, "CHUNK_CELLS", chunk * 150)
    nodes, edges, rng = random_graph(seed)
    net = build_network(nodes, edges)
    sites = snap(net, rng.uniform(0, 2000, 25), rng.uniform(0, 2000, 25))
    pts = snap(net, rng.uniform(0, 2000, 300), rng.uniform(0, 2000, 300))
    limit = 700.0
    r = network_reach(net, sites, pts, limit_m=limit)
    ref = brute(net, sites, pts)
    expect = np.argwhere(ref <= limit)
    got = np.column_stack([r.src, r.dst])
    assert np.array_equal(got, expect)  # same pairs, sorted by (site, point)
    np.testing.assert_allclose(r.dist_m, ref[expect[:, 0], expect[:, 1]], rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("shape", ["shortcuts", "free_edge", "kilometres"])
def test_network_reach_is_exact_where_walks_beat_the_straight_line(shape):
    """The search is cut to the nodes a walk within the limit can reach (straight line x stretch): edges
    shorter than the straight line between their ends (a tunnel, an edge of length 0, coordinates in other
    units than the lengths) widen the cut or turn it off, and every pair is still found."""
    nodes, edges, rng = random_graph(5, n=200)
    x, y = nodes["x"].to_numpy(), nodes["y"].to_numpy()
    ends = [int(np.argmin(x + y)), int(np.argmax(x + y))]  # opposite corners
    if shape != "kilometres":
        line = float(np.hypot(x[ends[0]] - x[ends[1]], y[ends[0]] - y[ends[1]]))
        length = 0.1 * line if shape == "shortcuts" else 0.0
        edges = pd.concat([edges, pd.DataFrame([(f"n{ends[0]}", f"n{ends[1]}", length)],
                                               columns=["u", "v", "length_m"])], ignore_index=True)
    scale = 1000.0 if shape == "kilometres" else 1.0
    net = build_network(nodes.assign(x=x / scale, y=y / scale), edges)
    sx, sy = (np.concatenate([rng.uniform(0, 2000, 30), v[ends]]) / scale for v in (x, y))  # sites at the ends
    px, py = (rng.uniform(0, 2000, 400) / scale for _ in range(2))
    sites, pts = snap(net, sx, sy), snap(net, px, py)
    sites = Snap(node=sites.node, access_m=sites.access_m * scale)
    pts = Snap(node=pts.node, access_m=pts.access_m * scale)
    limit = 600.0
    r = network_reach(net, sites, pts, limit_m=limit)
    ref = brute(net, sites, pts)
    expect = np.argwhere(ref <= limit)
    assert np.array_equal(np.column_stack([r.src, r.dst]), expect)
    np.testing.assert_allclose(r.dist_m, ref[expect[:, 0], expect[:, 1]], rtol=1e-12, atol=1e-9)
    line = scale * np.hypot(net.x[sites.node][:, None] - net.x[pts.node][None, :],
                            net.y[sites.node][:, None] - net.y[pts.node][None, :])
    # through the short edge a walk reaches what the straight line alone would rule out
    assert np.any(line[expect[:, 0], expect[:, 1]] > limit) == (shape != "kilometres")


def test_cut_search_gives_the_same_distances_as_the_whole_network(monkeypatch):
    nodes, edges, rng = random_graph(11, n=400)
    net = build_network(nodes, edges)
    sites = snap(net, rng.uniform(0, 2000, 60), rng.uniform(0, 2000, 60))
    pts = snap(net, rng.uniform(0, 2000, 500), rng.uniform(0, 2000, 500))
    assert travel.stretch(net) == 1.0  # (lengths are 1.1 x the straight line): the search is cut
    cut = network_reach(net, sites, pts, limit_m=500.0)
    monkeypatch.setattr(travel, "stretch", lambda network: 0.0)  # the whole network for every source
    whole = network_reach(net, sites, pts, limit_m=500.0)
    assert cut.nnz > 0
    for a, b in ((cut.src, whole.src), (cut.dst, whole.dst), (cut.dist_m, whole.dist_m)):
        assert np.array_equal(a, b)  # bit for bit


def test_zero_distance_pairs_are_kept():
    nodes = pd.DataFrame({"id": ["a", "b"], "x": [0.0, 100.0], "y": [0.0, 0.0]})
    edges = pd.DataFrame({"u": ["a"], "v": ["b"], "length_m": [100.0]})
    net = build_network(nodes, edges)
    same = snap(net, np.array([0.0]), np.array([0.0]))
    r = network_reach(net, same, same, limit_m=10)
    assert r.nnz == 1 and r.dist_m[0] == 0.0
    s = straight_reach(np.array([5.0]), np.array([5.0]), np.array([5.0, 500.0]), np.array([5.0, 5.0]),
                       limit_m=10, detour=1.3)
    assert list(s.dst) == [0] and s.dist_m[0] == 0.0


def test_parallel_edges_keep_the_shortest():
    nodes = pd.DataFrame({"id": ["a", "b"], "x": [0.0, 100.0], "y": [0.0, 0.0]})
    edges = pd.DataFrame({"u": ["a", "b"], "v": ["b", "a"], "length_m": [300.0, 120.0]})
    net = build_network(nodes, edges)
    assert net.graph[0, 1] == 120.0 and net.graph[1, 0] == 120.0


def test_straight_reach_matches_brute_force():
    rng = np.random.default_rng(5)
    sx, sy, px, py = (rng.uniform(0, 1000, k) for k in (20, 20, 200, 200))
    r = straight_reach(sx, sy, px, py, limit_m=300, detour=1.3)
    d = np.hypot(sx[:, None] - px[None, :], sy[:, None] - py[None, :]) * 1.3
    assert np.array_equal(np.column_stack([r.src, r.dst]), np.argwhere(d <= 300))


def test_nearest_site_distance_is_the_row_minimum():
    nodes, edges, rng = random_graph(11)
    net = build_network(nodes, edges)
    sites = snap(net, rng.uniform(0, 2000, 10), rng.uniform(0, 2000, 10))
    pts = snap(net, rng.uniform(0, 2000, 100), rng.uniform(0, 2000, 100))
    ref = brute(net, sites, pts).min(axis=0)
    np.testing.assert_allclose(nearest_site_distance(net, sites, pts), ref, rtol=1e-12)


def test_stretch_is_the_least_length_over_straight_line():
    nodes = pd.DataFrame({"id": ["a", "b", "c"], "x": [0.0, 100.0, 100.0], "y": [0.0, 0.0, 50.0]})
    edges = pd.DataFrame({"u": ["a", "b"], "v": ["b", "c"], "length_m": [120.0, 45.0]})
    assert travel.stretch(build_network(nodes, edges)) == pytest.approx(0.9)  # b-c: 45 m over 50 m
    longer = edges.assign(length_m=[150.0, 60.0])
    assert travel.stretch(build_network(nodes, longer)) == 1.0  # never above 1
    free = edges.assign(length_m=[0.0, 60.0])
    assert travel.stretch(build_network(nodes, free)) == 0.0  # a free edge: no cut
    missing = nodes.assign(x=[0.0, np.nan, 100.0])
    assert travel.stretch(build_network(missing, longer)) == 0.0  # no straight line to compare with
