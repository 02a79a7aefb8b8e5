"""Seeded factories of small districts (CSV files + scenario TOML) for tests.

Every factory takes an explicit seed and uses its own numpy Generator; nothing
touches the global RNG. Coordinates are metric (EPSG:4548, Tongzhou area).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

X0, Y0 = 470_000.0, 4_416_000.0  # Tongzhou area in EPSG:4548 (CGCS2000 GK CM 117E)
SPACE_TYPES = ["vacated", "underground", "boiler_room", "bike_shed", "old_factory", "transit", "park", "other"]
SERVICES = ["vegetable", "breakfast", "repair", "pharmacy"]


def grid_network(nx: int, ny: int, spacing: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = [f"N{i}_{j}" for j in range(ny) for i in range(nx)]
    xs = [X0 + i * spacing for j in range(ny) for i in range(nx)]
    ys = [Y0 + j * spacing for j in range(ny) for i in range(nx)]
    nodes = pd.DataFrame({"id": ids, "x": xs, "y": ys})
    edges = []
    for j in range(ny):
        for i in range(nx):
            if i + 1 < nx:
                edges.append((f"N{i}_{j}", f"N{i + 1}_{j}", spacing))
            if j + 1 < ny:
                edges.append((f"N{i}_{j}", f"N{i}_{j + 1}", spacing))
    return nodes, pd.DataFrame(edges, columns=["u", "v", "length_m"])


def random_district(*, seed: int, n_households: int = 200, n_candidates: int = 30, n_existing: int = 6,
                    size_m: float = 3000.0, spacing: float = 100.0) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = int(size_m // spacing) + 1
    nodes, edges = grid_network(n, n, spacing)
    streets = ["甲街道", "乙街道", "丙街道"]

    def pts(k):
        return X0 + rng.uniform(0, size_m, k), Y0 + rng.uniform(0, size_m, k)

    hx, hy = pts(n_households)
    hh = pd.DataFrame({
        "id": [f"H{i:04d}" for i in range(n_households)], "x": hx.round(2), "y": hy.round(2),
        "households": rng.integers(5, 200, n_households),
        "street": [streets[int(v * 3 // (size_m + 1e-9))] for v in hx - X0],
        "community": [f"社区{int(v // 1000)}" for v in hy - Y0],
    })
    cx, cy = pts(n_candidates)
    types = rng.choice(SPACE_TYPES, n_candidates)
    cand = pd.DataFrame({
        "id": [f"C{i:03d}" for i in range(n_candidates)], "name": [f"空间{i}" for i in range(n_candidates)],
        "x": cx.round(2), "y": cy.round(2), "space_type": types,
        "area_m2": rng.integers(40, 400, n_candidates),
        "floor": np.where(types == "underground", -rng.integers(1, 4, n_candidates), 1),
        "conversion_cost": rng.integers(5, 50, n_candidates) * 10_000,
        "street": [streets[int(v * 3 // (size_m + 1e-9))] for v in cx - X0],
        "gas": rng.choice(["none", "pipeline", "bottled"], n_candidates),
    })
    ex_x, ex_y = pts(n_existing)
    existing = pd.DataFrame({
        "id": [f"E{i:02d}" for i in range(n_existing)], "x": ex_x.round(2), "y": ex_y.round(2),
        "service": [SERVICES[i % len(SERVICES)] for i in range(n_existing)],
    })
    return {"households": hh, "candidates": cand, "existing": existing, "network_nodes": nodes,
            "network_edges": edges}


def write_case(folder: Path, tables: dict[str, pd.DataFrame], *, scenario: str = "", network: bool = True,
               name: str = "case", crs: str = "EPSG:4548") -> Path:
    """Write tables as CSV and a scenario TOML referring to them; returns the scenario path."""
    folder.mkdir(parents=True, exist_ok=True)
    data_lines = []
    for key, frame in tables.items():
        if not network and key.startswith("network"):
            continue
        frame.to_csv(folder / f"{key}.csv", index=False)
        data_lines.append(f'{key} = "{key}.csv"')
    text = f'name = "{name}"\ncrs = "{crs}"\n{scenario}\n[data]\n' + "\n".join(data_lines) + "\n"
    path = folder / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


def random_instance(*, seed: int, n_sites: int = 12, n_items: int = 40, n_services: int = 2,
                    density: float = 0.2, areas: bool = True, caps: bool = False, budget_share: float = 0.3,
                    must: int = 0, must_open: bool = False):
    """A random multi-service covering instance (models.Instance) with known structure."""
    from scipy.sparse import random as sprandom

    from models.instance import GroupCap, Instance

    rng = np.random.default_rng(seed)
    site_cost = rng.integers(1, 20, n_sites).astype(float) * 10
    site_area = rng.integers(40, 160, n_sites).astype(float) if areas else np.full(n_sites, np.inf)
    service_cost = rng.integers(1, 10, n_services).astype(float) * 5
    service_area = rng.integers(30, 80, n_services).astype(float) if areas else np.zeros(n_services)
    elig = rng.random((n_sites, n_services)) < 0.7
    elig[np.arange(n_sites), rng.integers(0, n_services, n_sites)] = True
    opt_site, opt_service = np.nonzero(elig)
    item_service = rng.integers(0, n_services, n_items)
    M = sprandom(n_items, len(opt_site), density=density, random_state=rng, format="csr")
    M.data[:] = 1
    # coverage only within the same service
    coo = M.tocoo()
    keep = item_service[coo.row] == opt_service[coo.col]
    from scipy.sparse import csr_matrix

    cover = csr_matrix((np.ones(int(keep.sum())), (coo.row[keep], coo.col[keep])), shape=M.shape)
    weight = rng.integers(1, 100, n_items).astype(float)
    item_must = np.zeros(n_items, dtype=bool)
    if must:
        reachable = np.flatnonzero(np.diff(cover.indptr) > 0)
        item_must[rng.choice(reachable, size=min(must, len(reachable)), replace=False)] = True
    total = site_cost.sum() + service_cost[opt_service].sum()
    groups = rng.integers(0, 3, n_sites)
    group_caps = (GroupCap(group=0, max_sites=2), GroupCap(group=1, max_cost=float(total) * 0.1)) if caps else ()
    return Instance(site_cost=site_cost, site_area=site_area, site_group=groups, service_cost=service_cost,
                    service_area=service_area, opt_site=opt_site, opt_service=opt_service, item_weight=weight,
                    item_service=item_service, item_must=item_must, cover=cover,
                    budget=float(total) * budget_share, group_caps=group_caps,
                    must_open={0: 1} if must_open else {})


def textbook_instance(seed: int, *, n_sites: int = 12, n_items: int = 60, p: int = 3, density: float = 0.25,
                      integer: bool = True):
    """A random textbook MCLP instance (models.pure_instance: unit site costs, budget p): a
    seeded 0/1 coverage matrix and demands 1-99 (integers, or uniform 0.1-9.9 floats)."""
    from scipy.sparse import random as sprandom

    from models.instance import pure_instance

    rng = np.random.default_rng(seed)
    cover = sprandom(n_items, n_sites, density=density, random_state=rng, format="csr")
    cover.data[:] = 1
    w = rng.integers(1, 100, n_items).astype(float) if integer else rng.uniform(0.1, 9.9, n_items)
    return pure_instance(cover, w, p=p)


def textbook_plans(inst, p: int):
    """Every plan of a textbook instance with exactly p sites, with its coverage (for enumeration)."""
    import itertools

    for sites in itertools.combinations(range(inst.n_options), p):
        x = np.zeros(inst.n_options, dtype=bool)
        x[list(sites)] = True
        yield x, inst.coverage_value(x)
