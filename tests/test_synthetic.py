"""Tests of the synthetic demo-district generator and of the committed files in data/demo."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from solver.synthetic import (
    CRS,
    DEFAULT_SEED,
    FILES,
    SERVICES,
    SPACE_TYPE_KEYS,
    SyntheticDistrict,
    generate_district,
    write_district,
)
from solver.synthetic.__main__ import main

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
LIMIT_M = 900.0  # 15 minutes at 60 m/min
STREET_KINDS = ("arterial", "local", "bridge")


# ------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def demo() -> SyntheticDistrict:
    """A fresh generation with the defaults (equal to the committed files, see below)."""
    return generate_district()


@pytest.fixture(scope="module")
def net(demo):
    """Graph, node coordinates and component labels of the demo network."""
    index = {k: i for i, k in enumerate(demo.nodes["id"])}
    u = demo.edges["u"].map(index).to_numpy()
    v = demo.edges["v"].map(index).to_numpy()
    length = demo.edges["length_m"].to_numpy()
    kind = demo.edges["kind"].to_numpy()
    n = len(demo.nodes)
    graph = sparse.coo_matrix((np.r_[length, length], (np.r_[u, v], np.r_[v, u])), shape=(n, n)).tocsr()
    # components of the network without its gate edges: each compound is one of them
    inner = kind != "gate"
    no_gates = sparse.coo_matrix((np.ones(inner.sum()), (u[inner], v[inner])), shape=(n, n))
    _, label = csgraph.connected_components(no_gates, directed=False)
    ncomp = int(label.max()) + 1
    has_street = np.zeros(ncomp, dtype=bool)
    has_compound = np.zeros(ncomp, dtype=bool)
    for k in STREET_KINDS:
        has_street[label[u[kind == k]]] = True
    has_compound[label[u[kind == "compound"]]] = True
    xy = demo.nodes[["x", "y"]].to_numpy()
    return {"graph": graph, "u": u, "v": v, "kind": kind, "label": label, "has_street": has_street,
            "has_compound": has_compound, "xy": xy, "tree": cKDTree(xy)}


def _snap(net, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    dist, node = net["tree"].query(frame[["x", "y"]].to_numpy())
    return dist, node


# ------------------------------------------------------------------------------------------
# determinism and the committed files


def test_same_seed_gives_identical_tables_and_another_seed_differs(tmp_path):
    a = generate_district(seed=11, n_streets=2)
    b = generate_district(seed=11, n_streets=2)
    c = generate_district(seed=12, n_streets=2)
    for attr in FILES:
        pd.testing.assert_frame_equal(getattr(a, attr), getattr(b, attr))
    pa = write_district(a, tmp_path / "a")
    pb = write_district(b, tmp_path / "b")
    pc = write_district(c, tmp_path / "c")
    assert [p.read_bytes() for p in pa] == [p.read_bytes() for p in pb]
    differs = [x.read_bytes() != y.read_bytes() for x, y in zip(pa, pc)]
    same = [p.name for p, d in zip(pa, differs) if not d]
    assert all(differs), f"seed 12 should change every file; unchanged: {same}"


def test_generation_leaves_the_global_rng_alone():
    before = np.random.get_state()[1].copy()
    generate_district(seed=3, n_streets=1)
    assert np.array_equal(np.random.get_state()[1], before)


def test_committed_files_equal_a_fresh_generation(tmp_path):
    paths = write_district(generate_district(seed=DEFAULT_SEED), tmp_path)
    assert [p.name for p in paths] == list(FILES.values())
    for p in paths:
        committed = DEMO / p.name
        assert committed.is_file(), f"missing {committed}; run: python -m solver.synthetic --out data/demo"
        assert committed.read_bytes() == p.read_bytes(), (
            f"{committed} differs from a fresh generation; regenerate with "
            "`python -m solver.synthetic --out data/demo` and commit")


def test_committed_files_format():
    total = 0
    for name in FILES.values():
        raw = (DEMO / name).read_bytes()
        total += len(raw)
        assert not raw.startswith(b"\xef\xbb\xbf"), f"{name}: no BOM"
        assert b"\r" not in raw, f"{name}: \\n line endings only"
        text = raw.decode("utf-8")
        assert text.endswith("\n")
        frame = pd.read_csv(DEMO / name, dtype=str, keep_default_na=False)
        for col in ("x", "y", "length_m"):
            if col in frame:
                assert frame[col].str.fullmatch(r"\d+\.\d\d").all(), f"{name}.{col}: 2 decimals"
    assert total < 6_000_000
    readme = (DEMO / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and "python -m solver.synthetic --out data/demo" in readme
    assert CRS in readme


def test_cli_writes_the_five_files(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--seed", "5", "--streets", "1"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES.values())
    assert "households" in capsys.readouterr().out


def test_the_loader_accepts_the_committed_files(tmp_path):
    from solver.inputs.loading import load_district
    from solver.inputs.scenario import load_scenario

    defaults = "\n".join(f"{k} = 100000" for k in SPACE_TYPE_KEYS)
    scenario = tmp_path / "demo.toml"
    scenario.write_text(
        f'name = "demo"\ncrs = "{CRS}"\nbudget_yuan = 5000000\n[data]\n'
        + "".join(f'{key} = "{(DEMO / FILES[attr]).as_posix()}"\n' for key, attr in (
            ("households", "households"), ("candidates", "candidates"), ("existing", "existing"),
            ("network_nodes", "nodes"), ("network_edges", "edges")))
        + f"[conversion_cost_default]\n{defaults}\n", encoding="utf-8")
    district = load_district(load_scenario(scenario))
    assert district.total_households == int(pd.read_csv(DEMO / "households.csv")["households"].sum())
    assert (district.candidates["cost_source"] == "default").any()
    assert any(district.households["must_cover"].map(len))


# ------------------------------------------------------------------------------------------
# structure of the network


def test_ids_unique_and_well_formed(demo):
    for attr, prefix in (("households", "H"), ("candidates", "C"), ("existing", "E"), ("nodes", "N")):
        ids = getattr(demo, attr)["id"]
        assert ids.is_unique, attr
        assert ids.str.fullmatch(prefix + r"\d+").all(), attr


def test_edges_refer_to_known_nodes_and_have_true_lengths(demo, net):
    known = set(demo.nodes["id"])
    assert demo.edges["u"].isin(known).all() and demo.edges["v"].isin(known).all()
    assert (demo.edges["u"] != demo.edges["v"]).all()
    pairs = set(map(frozenset, zip(demo.edges["u"], demo.edges["v"])))
    assert len(pairs) == len(demo.edges), "no duplicate edges"
    length = demo.edges["length_m"].to_numpy()
    assert (length > 0).all()
    xy = net["xy"]
    straight = np.hypot(*(xy[net["u"]] - xy[net["v"]]).T)
    assert np.abs(straight - length).max() <= 0.011
    assert length.max() <= 120.0, "walking edges are split so snapping is accurate"
    assert set(demo.edges["kind"]) == {"arterial", "local", "compound", "gate", "bridge"}


def test_network_is_connected(net):
    ncomp, _ = csgraph.connected_components(net["graph"], directed=False)
    assert ncomp == 1


def test_compounds_reach_the_streets_only_through_their_gates(demo, net):
    has_street, has_compound, label = net["has_street"], net["has_compound"], net["label"]
    # without the gate edges, no component mixes compound paths and street edges
    assert not (has_street & has_compound).any()
    assert has_street.sum() == 1, "the street network is one piece without the gates"
    # every gate joins exactly one compound to the street network
    gate = net["kind"] == "gate"
    lu, lv = label[net["u"][gate]], label[net["v"][gate]]
    assert (has_compound[lu] ^ has_compound[lv]).all()
    assert (has_street[lu] ^ has_street[lv]).all()
    inner = np.where(has_compound[lu], lu, lv)
    per_compound = Counter(inner.tolist())
    assert set(per_compound.values()) <= {1, 2, 3}
    assert len(per_compound) == int(has_compound.sum()), "every compound has a gate"
    assert len(per_compound) > 100


def test_households_snap_to_their_compound_network(demo, net):
    dist, node = _snap(net, demo.households)
    assert net["has_compound"][net["label"][node]].all()
    assert dist.max() < 40.0
    # a compound is one component; all buildings of one compound name snap into the same one
    compound = demo.households["name"].str.replace(r"\d+号[楼院]$", "", regex=True)
    comp_of = pd.Series(net["label"][node]).groupby(compound.to_numpy()).nunique()
    assert (comp_of == 1).all()


def test_district_lies_in_tongzhou_in_the_declared_crs(demo):
    assert demo.crs == CRS == "EPSG:4548"
    cx, cy = Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform(116.65, 39.90)
    for frame in (demo.households, demo.candidates, demo.existing, demo.nodes):
        assert (np.abs(frame["x"] - cx) < 4000).all() and (np.abs(frame["y"] - cy) < 4000).all()
    width = demo.nodes["x"].max() - demo.nodes["x"].min()
    height = demo.nodes["y"].max() - demo.nodes["y"].min()
    assert 3000 < width < 7000 and 2500 < height < 6000


# ------------------------------------------------------------------------------------------
# contents


def test_households_plausible(demo):
    h = demo.households
    assert 20_000 <= demo.total_households <= 100_000
    assert 1_000 <= len(h) <= 3_000
    assert h["households"].between(20, 300).all()
    ratio = h["population"].sum() / h["households"].sum()
    assert 2.3 <= ratio <= 3.0
    assert (h["elderly"] <= h["population"]).all()
    assert 0.18 <= h["elderly"].sum() / h["population"].sum() <= 0.32
    assert h["street"].nunique() == 5 and h["street"].str.endswith("街道").all()
    assert (h.groupby("street")["community"].nunique() >= 2).all()
    assert h["name"].str.contains(r"\d+号[楼院]$").all()
    assert set(h["must_cover"]) <= {"", *SERVICES}


def test_candidates_plausible(demo):
    c = demo.candidates
    assert 250 <= len(c) <= 400
    assert set(c["space_type"]) == set(SPACE_TYPE_KEYS)
    area = {"vacated": (40, 300), "underground": (100, 800), "boiler_room": (80, 400),
            "bike_shed": (30, 120), "old_factory": (300, 3000), "transit": (30, 150),
            "park": (20, 100), "other": (30, 200)}
    cost = {"vacated": (60e3, 250e3), "underground": (150e3, 500e3), "boiler_room": (150e3, 450e3),
            "bike_shed": (30e3, 120e3), "old_factory": (300e3, 1.2e6), "transit": (80e3, 250e3),
            "park": (60e3, 200e3), "other": (30e3, 200e3)}
    for st, group in c.groupby("space_type"):
        assert group["area_m2"].between(*area[st]).all(), st
        known = group["conversion_cost"].dropna()
        assert known.between(*cost[st]).all(), st
    assert (c["floor"] != 0).all()
    ug = c["space_type"] == "underground"
    assert c.loc[ug, "floor"].between(-3, -1).all()
    assert c.loc[ug, "floor"].value_counts().idxmax() == -1
    assert (c.loc[~ug, "floor"] >= -1).all() and (c.loc[~ug, "floor"] == 1).mean() > 0.7
    missing = c["conversion_cost"].isna().mean()
    assert 0.04 <= missing <= 0.16
    assert set(c["gas"]) == {"none", "pipeline", "bottled"}
    assert c["street"].isin(set(demo.households["street"])).all()
    assert c["name"].is_unique


def test_existing_facilities_cover_every_service_with_real_gaps(demo, net):
    e = demo.existing
    assert set(e["service"]) == set(SERVICES)
    _, hh_node = _snap(net, demo.households)
    hh = demo.households["households"].to_numpy()
    for service in SERVICES:
        _, nodes = _snap(net, e[e["service"] == service])
        dist = csgraph.dijkstra(net["graph"], indices=np.unique(nodes), min_only=True, limit=LIMIT_M)
        covered = np.isfinite(dist[hh_node])
        share = hh[covered].sum() / hh.sum()
        assert 0.45 <= share <= 0.9, (service, share)
        assert (~covered).sum() >= 50, f"{service}: real gaps expected"


def test_must_cover_rows_are_a_few_buildings_of_one_old_compound_and_reachable(demo, net):
    h = demo.households
    flagged = h[h["must_cover"] != ""]
    assert 2 <= len(flagged) <= 6
    assert set(flagged["must_cover"]) == {"pharmacy"}
    compound = flagged["name"].str.replace(r"\d+号楼$", "", regex=True)
    assert compound.nunique() == 1
    assert re.search(r"(里|小区|新村)$", compound.iloc[0]), "an old compound"
    assert flagged["elderly"].sum() / flagged["population"].sum() >= 0.25
    # reachable within 15 minutes from a candidate where a pharmacy may open (retail: not below B2)
    c = demo.candidates[demo.candidates["floor"] >= -2]
    c_dist, c_node = _snap(net, c)
    h_dist, h_node = _snap(net, flagged)
    d = csgraph.dijkstra(net["graph"], indices=h_node, limit=LIMIT_M)
    total = d[:, c_node] + c_dist[None, :] + h_dist[:, None]
    assert (total.min(axis=1) <= LIMIT_M).all()


def test_generator_scales_with_the_number_of_streets():
    small = generate_district(seed=1, n_streets=1)
    larger = generate_district(seed=1, n_streets=8)
    assert len(small.households) < len(larger.households)
    assert 2_000 <= small.total_households < larger.total_households
    assert larger.households["street"].nunique() == 8
    for d in (small, larger):
        assert set(d.candidates["space_type"]) == set(SPACE_TYPE_KEYS)
        assert set(d.existing["service"]) == set(SERVICES)
        assert d.edges["u"].isin(set(d.nodes["id"])).all()
    dense = generate_district(seed=1, n_streets=1, density=4.0)
    assert len(dense.households) > 2.5 * len(small.households)


def test_bad_options_are_rejected():
    with pytest.raises(ValueError, match="n_streets"):
        generate_district(n_streets=0)
    with pytest.raises(ValueError):
        generate_district(density=0)


def test_vocabulary_matches_the_catalogue():
    from solver.inputs.catalogue import GAS_SUPPLY, SPACE_TYPES
    from solver.inputs.presets import preset

    # the urban generator's space types, then the rural fringe's (solver/synthetic/rural.py)
    assert SPACE_TYPE_KEYS + ("village_room", "coop") == tuple(SPACE_TYPES)
    assert set(SERVICES) <= set(preset("basic4").specs)
    assert set(GAS_SUPPLY) == {"none", "pipeline", "bottled"}
