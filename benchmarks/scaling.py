"""Generated instances for the scaling series.

* BDS-like (after Cordeau, Furini & Ljubić 2019): ``n_sites`` candidate sites and
  ``n_customers`` customers, uniform in [0, 30]^2 (coordinates rounded to 6
  decimals like the BDS files), integer demand uniform in 1..100, unit site costs.
  Deterministic: ``numpy.random.default_rng([seed, n_sites, n_customers])``; sites
  are drawn first, then customer coordinates, then demands.
* District: the synthetic Tongzhou-like district of ``solver.synthetic``
  (``generate_district(seed=.., n_streets=..)``): households (weight = number of
  households of the building) are the customers, candidate spaces the sites;
  coverage within 900 m, straight line (``euclid``) or over the walking network
  (``network``: access legs + shortest path, ``solver.travel.times.network_reach``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.sparse import csr_matrix

from .instances import BenchInstance, planar_coverage

CoverFn = Callable[[float, str], csr_matrix]


def bds_like(n_customers: int, n_sites: int, *, seed: int = 2024) -> BenchInstance:
    """A BDS-style random instance (see the module docstring)."""
    if n_customers < 1 or n_sites < 1:
        raise ValueError(f"n_customers and n_sites must be >= 1; got {n_customers}, {n_sites}")
    rng = np.random.default_rng([seed, n_sites, n_customers])
    sites = np.round(rng.uniform(0.0, 30.0, size=(n_sites, 2)), 6)
    cust = np.round(rng.uniform(0.0, 30.0, size=(n_customers, 2)), 6)
    demand = rng.integers(1, 101, size=n_customers).astype(np.float64)
    return BenchInstance(name=f"BDS-like-m{n_customers}-n{n_sites}-s{seed}", family=f"BDS-like/{n_sites}",
                         geometry="planar", demand=demand, site_cost=np.ones(n_sites), site_xy=sites,
                         customer_xy=cust, header={"n_sites": n_sites, "n_customers": n_customers, "seed": seed})


def district_instance(n_streets: int, *, seed: int = 1, distance: str = "euclid"
                      ) -> tuple[BenchInstance, CoverFn]:
    """A generated district as a pure covering instance, and its coverage function.

    Raises ImportError when ``solver.synthetic`` is not available.
    """
    from solver.synthetic import generate_district

    d = generate_district(seed=seed, n_streets=n_streets)
    hh = d.households
    cand = d.candidates
    cust_xy = hh[["x", "y"]].to_numpy(dtype=np.float64)
    site_xy = cand[["x", "y"]].to_numpy(dtype=np.float64)
    inst = BenchInstance(name=f"district-s{n_streets}-seed{seed}", family=f"district/{distance}",
                         geometry="planar", demand=hh["households"].to_numpy(dtype=np.float64),
                         site_cost=np.ones(len(cand)), site_xy=site_xy, customer_xy=cust_xy,
                         header={"n_streets": n_streets, "seed": seed, "distance": distance,
                                 "network_nodes": len(d.nodes), "network_edges": len(d.edges)})
    if distance == "euclid":
        return inst, inst.coverage
    if distance != "network":
        raise ValueError(f"distance must be 'euclid' or 'network'; got {distance!r}")

    def network_cover(radius: float, rule: str = "le") -> csr_matrix:
        from solver.travel.network import build_network, snap
        from solver.travel.times import network_reach

        if rule != "le":
            raise ValueError("network coverage supports rule 'le' only")
        net = build_network(d.nodes, d.edges)
        reach = network_reach(net, snap(net, site_xy[:, 0], site_xy[:, 1]),
                              snap(net, cust_xy[:, 0], cust_xy[:, 1]), limit_m=radius)
        m = csr_matrix((np.ones(reach.nnz, dtype=np.int8), (reach.dst, reach.src)),
                       shape=(len(cust_xy), len(site_xy)))
        m.sum_duplicates()
        m.data[:] = 1
        return m

    return inst, network_cover


def load_generated(source: dict) -> tuple[BenchInstance, CoverFn]:
    """Instance and coverage function for a generator ``source`` dict of a Case."""
    gen = source["generator"]
    if gen == "bds":
        inst = bds_like(int(source["n_customers"]), int(source["n_sites"]), seed=int(source.get("seed", 2024)))
        return inst, inst.coverage
    if gen == "district":
        return district_instance(int(source["n_streets"]), seed=int(source.get("seed", 1)),
                                 distance=source.get("distance", "euclid"))
    raise ValueError(f"unknown generator {gen!r}")


__all__ = ["bds_like", "district_instance", "load_generated", "planar_coverage"]
