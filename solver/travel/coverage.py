"""From walking distances to the sparse coverage relation of the model.

For each service s with threshold T_s (minutes) and walking speed v (m/min),
a household point i is reached by candidate space j when the walking distance
d_ij <= v * T_s and j is eligible for s (space type, floor, gas, and enough
area for the service alone). Gap filling (缺什么补什么): (i, s) pairs already
reached by an existing facility of s are counted as covered and removed
before solving. The remaining pairs with households > 0 are the model's items.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from models.instance import GroupCap, Instance

from ..errors import Problem, Problems
from ..inputs.catalogue import eligible
from ..inputs.scenario import Scenario
from ..inputs.tables import District
from ..inputs.villages import travel_factors
from .network import Network, Snap, build_network, check_snaps, cut_reason, snap
from .targets import demand_matrix
from .times import Reach, nearest_site_distance, network_reach, straight_reach


@dataclass(frozen=True, kw_only=True)
class Geometry:
    """How points join the walking network (or that there is none)."""

    network: Network | None
    households: Snap | None
    candidates: Snap | None
    existing: Snap | None
    method: str  # "network" | "straight_line"


@dataclass(frozen=True, kw_only=True)
class Coverage:
    services: tuple[str, ...]
    limit_m: np.ndarray  # per service: speed * threshold
    eligible: np.ndarray  # candidates x services, bool
    reach: Reach  # candidates -> households within the largest limit
    covered_before: np.ndarray  # households x services, bool (by existing facilities)
    method: str

    def candidate_pairs(self, s: int) -> tuple[np.ndarray, np.ndarray]:
        """(candidate, household) pairs that reach within service s's limit (eligibility ignored)."""
        keep = self.reach.dist_m <= self.limit_m[s]
        return self.reach.src[keep], self.reach.dst[keep]


@dataclass(frozen=True, kw_only=True)
class Items:
    """The model instance plus the maps from its indices back to the district."""

    instance: Instance
    option_candidate: np.ndarray
    option_service: np.ndarray
    item_household: np.ndarray
    item_service: np.ndarray
    streets: tuple[str, ...]


def build_geometry(scenario: Scenario, district: District) -> Geometry:
    """Snap points to the network and check the snapping (all problems at once; see :func:`check_geometry`)."""
    checked = check_geometry(scenario, district)
    checked.problems.raise_if_any()
    return checked.geometry


@dataclass(frozen=True, kw_only=True)
class GeometryCheck:
    """The walking network of a district, what is wrong with its snapping, and the district
    without the points that no household can reach over the network (``left_out``)."""

    geometry: Geometry
    district: District  # ``left_out`` rows removed, their reasons in ``district.left_out``
    problems: Problems
    warnings: tuple[Problem, ...]


def check_geometry(scenario: Scenario, district: District) -> GeometryCheck:
    """Snap points to the network; collect the snapping problems and warnings; leave out candidate spaces
    and existing facilities on a piece of network that no household reaches (they could serve nobody)."""
    return check_network(district, max_snap_m=scenario.max_snap_m)


def check_network(district: District, *, max_snap_m: float) -> GeometryCheck:
    """:func:`check_geometry` with the one scenario value it needs (also for a scenario with problems)."""
    if district.nodes is None or district.edges is None or not len(district.nodes):
        return GeometryCheck(geometry=Geometry(network=None, households=None, candidates=None, existing=None,
                                               method="straight_line"),
                             district=district, problems=Problems(), warnings=())
    net = build_network(district.nodes, district.edges)
    hh = snap(net, district.households["x"].to_numpy(), district.households["y"].to_numpy())
    cand = snap(net, district.candidates["x"].to_numpy(), district.candidates["y"].to_numpy())
    ex = snap(net, district.existing["x"].to_numpy(), district.existing["y"].to_numpy())
    src = district.sources
    snaps = {src["households"]: (district.households, hh), src["candidates"]: (district.candidates, cand)}
    if "existing" in src:
        snaps[src["existing"]] = (district.existing, ex)
    found = check_snaps(network=net, snaps=snaps, household_key=src["households"], max_snap_m=max_snap_m,
                        network_file=src["network_nodes"].name if "network_nodes" in src else "the walking network",
                        known_shifts=_known_shifts(district))
    left: list[dict] = []
    if found.cut:
        cut_c = found.cut.get(src["candidates"], np.zeros(len(district.candidates), dtype=bool))
        cut_e = (found.cut.get(src["existing"], np.zeros(len(district.existing), dtype=bool)) if "existing" in src
                 else np.zeros(len(district.existing), dtype=bool))
        for key, table, mask, s in (("candidates", district.candidates, cut_c, cand),
                                    ("existing", district.existing, cut_e, ex)):
            for k in np.flatnonzero(mask):
                left.append({"table": key, "file": src[key].name, "row": int(table["src_row"].iat[k]),
                             "id": str(table["id"].iat[k]), "reason": cut_reason(net, int(s.node[k]))})
        district = replace(district, candidates=district.candidates[~cut_c].reset_index(drop=True),
                           existing=district.existing[~cut_e].reset_index(drop=True),
                           left_out=pd.DataFrame(left, columns=["table", "file", "row", "id", "reason"]))
        cand = Snap(node=cand.node[~cut_c], access_m=cand.access_m[~cut_c])
        ex = Snap(node=ex.node[~cut_e], access_m=ex.access_m[~cut_e])
        if not len(district.candidates):
            found.problems.add(src["candidates"].name, "no candidate space is left: every one lies on a piece of the "
                               "walking network that no household reaches", field="x,y", show_value=False)
    geometry = Geometry(network=net, households=hh, candidates=cand, existing=ex, method="network")
    return GeometryCheck(geometry=geometry, district=district, problems=found.problems,
                         warnings=tuple(found.warnings))


def _known_shifts(district: District) -> tuple[tuple[float, float, str], ...]:
    """The shifts (metres in the working CRS, at the district's centre) that would bring a table given in
    a Chinese map system (GCJ-02, BD-09) onto a network in WGS84 / CGCS2000, or the other way round."""
    from ..inputs.chinacrs import from_wgs84
    from ..inputs.geo import WGS84, project

    hh = district.households
    if not len(hh):
        return ()
    cx, cy = float(np.median(hh["x"])), float(np.median(hh["y"]))
    lon, lat = project(district.crs, WGS84, np.array([cx]), np.array([cy]))
    out: list[tuple[float, float, str]] = []
    for system, label in (("gcj02", "GCJ-02 (Amap, Tencent)"), ("bd09", "BD-09 (Baidu)")):
        olon, olat = from_wgs84(system, lon, lat)
        if not np.isfinite(olon).all() or (olon == lon).all():
            continue  # outside China: no offset
        ox, oy = project(WGS84, district.crs, olon, olat)
        vx, vy = float(ox[0] - cx), float(oy[0] - cy)
        out.append((-vx, -vy, f"that is the {label} offset here: this file looks like a {label} export while the "
                    "network is WGS84 or CGCS2000 (give every file in one system and declare it as crs)"))
        out.append((vx, vy, f"that is the {label} offset here: the network looks like a {label} export while "
                    "this file is WGS84 or CGCS2000 (give every file in one system and declare it as crs)"))
    return tuple(out)


def eligibility(scenario: Scenario, candidates: pd.DataFrame) -> np.ndarray:
    services = list(scenario.services.values())
    out = np.zeros((len(candidates), len(services)), dtype=bool)
    types = candidates["space_type"].to_numpy()
    floors = candidates["floor"].to_numpy()
    gas = candidates["gas"].to_numpy()
    area = candidates["area_m2"].to_numpy(dtype=float)
    water = candidates["water"].to_numpy(dtype=bool)
    frontage = candidates["frontage"].to_numpy(dtype=bool)
    for s, svc in enumerate(services):
        out[:, s] = [eligible(svc, space_type=t, floor=int(f), gas=g, water=bool(w), frontage=bool(fr))
                     and svc.area_m2 <= a for t, f, g, a, w, fr in zip(types, floors, gas, area, water, frontage)]
    return out


def site_reach(geometry: Geometry, scenario: Scenario, district: District, sites: pd.DataFrame,
               site_snap: Snap | None, *, limit_m: float) -> Reach:
    """Sparse walking distances from ``sites`` to households within ``limit_m``."""
    net, hh_snap = geometry.network, geometry.households
    if net is not None and hh_snap is not None and site_snap is not None:
        return network_reach(net, site_snap, hh_snap, limit_m=limit_m)
    hh = district.households
    return straight_reach(sites["x"].to_numpy(), sites["y"].to_numpy(), hh["x"].to_numpy(), hh["y"].to_numpy(),
                          limit_m=limit_m, detour=scenario.detour_factor)


def _equivalent(reach: Reach, factor: np.ndarray, limit_m: float) -> Reach:
    """Distances in walking-equivalent metres (villages travel faster: solver/inputs/villages.py)."""
    if np.all(factor == 1.0):
        return reach
    dist = reach.dist_m * factor[reach.dst]
    keep = dist <= limit_m
    return Reach(src=reach.src[keep], dst=reach.dst[keep], dist_m=dist[keep], n_src=reach.n_src, n_dst=reach.n_dst,
                 limit_m=limit_m)


def compute_coverage(scenario: Scenario, district: District, geometry: Geometry) -> Coverage:
    """Per service s, the spaces within speed * T_s of each demand point (villages: in walking-equivalent metres,
    solver/inputs/villages.py), and the pairs existing facilities already cover."""
    services = tuple(scenario.services)
    limits = np.array([scenario.speed_m_per_min * scenario.services[s].threshold_min for s in services])
    factor = travel_factors(district.households, scenario.speed_m_per_min, scenario.villages)
    raw = float(limits.max()) / float(factor.min()) if len(factor) else float(limits.max())
    reach = _equivalent(site_reach(geometry, scenario, district, district.candidates, geometry.candidates,
                                   limit_m=raw), factor, float(limits.max()))
    n_hh = len(district.households)
    before = np.zeros((n_hh, len(services)), dtype=bool)
    ex = district.existing
    if len(ex):
        ex_reach = _equivalent(site_reach(geometry, scenario, district, ex, geometry.existing, limit_m=raw), factor,
                               float(limits.max()))
        ex_service = ex["service"].to_numpy()
        for s, key in enumerate(services):
            ok = (ex_service[ex_reach.src] == key) & (ex_reach.dist_m <= limits[s])
            before[ex_reach.dst[ok], s] = True
    return Coverage(services=services, limit_m=limits, eligible=eligibility(scenario, district.candidates),
                    reach=reach, covered_before=before, method=geometry.method)


def build_items(scenario: Scenario, district: District, coverage: Coverage, *,
                budget: float | None) -> Items:
    """The model instance: options = eligible (space, service); items = uncovered (household, service)."""
    hh = district.households
    cand = district.candidates
    services = list(coverage.services)
    n_s = len(services)
    opt_c, opt_s = np.nonzero(coverage.eligible)  # row-major: by candidate, then service
    opt_index = np.full(coverage.eligible.shape, -1, dtype=np.int64)
    opt_index[opt_c, opt_s] = np.arange(len(opt_c))
    demand = demand_matrix(scenario, district, tuple(services))  # households, or population / elderly per service
    need = (demand > 0) & ~coverage.covered_before
    item_h, item_s = np.nonzero(need)
    item_index = np.full(need.shape, -1, dtype=np.int64)
    item_index[item_h, item_s] = np.arange(len(item_h))
    rows, cols = [], []
    for s in range(n_s):
        c, h = coverage.candidate_pairs(s)
        k = item_index[h, s]
        o = opt_index[c, s]
        ok = (k >= 0) & (o >= 0)
        rows.append(k[ok])
        cols.append(o[ok])
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    cover = csr_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(len(item_h), len(opt_c)))
    cover.sum_duplicates()
    cover.data[:] = 1
    svc = [scenario.services[s] for s in services]
    w_s = np.array([x.weight for x in svc])
    idx = {k: s for s, k in enumerate(services)}
    must_hs = np.zeros((len(hh), n_s), dtype=bool)  # household must be covered for service
    for i, keys in enumerate(hh["must_cover"].tolist()):
        for key in keys:
            if key in idx:
                must_hs[i, idx[key]] = True
    must = must_hs[item_h, item_s]
    streets = tuple(sorted(set(cand["street"])))
    street_idx = pd.Index(streets).get_indexer(cand["street"].to_numpy())
    caps = []
    for g, name in enumerate(streets):
        cap = scenario.cap_for(name)
        if cap is not None and (cap.max_sites is not None or cap.max_yuan is not None):
            caps.append(GroupCap(group=g, max_sites=cap.max_sites, max_cost=cap.max_yuan))
    must_open = {idx[k]: v for k, v in scenario.must_open.items() if v > 0}
    # combined formats (一店多能; models/instance.py)
    hosts = {idx[x.key]: tuple(idx[h] for h in x.requires) for x in svc if x.requires}
    shared = {(min(idx[x.key], idx[o]), max(idx[x.key], idx[o])): d for x in svc for o, d in x.shared_fit_out
              if o in idx and d > 0}
    inst = Instance(
        site_cost=cand["conversion_cost"].to_numpy(dtype=float),
        site_area=cand["area_m2"].to_numpy(dtype=float),
        site_group=street_idx.astype(np.int64),
        service_cost=np.array([x.fit_out_cost for x in svc]),
        service_area=np.array([x.area_m2 for x in svc]),
        opt_site=opt_c.astype(np.int64), opt_service=opt_s.astype(np.int64),
        item_weight=w_s[item_s] * demand[item_h, item_s], item_service=item_s.astype(np.int64), item_must=must,
        cover=cover, budget=budget, group_caps=tuple(caps),
        must_open=must_open, service_hosts=hosts, shared_fit_out=shared,
    )
    return Items(instance=inst, option_candidate=opt_c, option_service=opt_s, item_household=item_h,
                 item_service=item_s, streets=streets)


def nearest_distances(scenario: Scenario, district: District, geometry: Geometry,
                      coverage: Coverage) -> tuple[np.ndarray, np.ndarray]:
    """Per household: distance to the nearest candidate of any kind, and per service to the
    nearest eligible candidate (metres; inf when none can be reached)."""
    cand = district.candidates
    hh = district.households
    factor = travel_factors(hh, scenario.speed_m_per_min, scenario.villages)  # walking-equivalent metres
    any_d = _nearest(geometry, scenario, cand, np.ones(len(cand), dtype=bool), hh) * factor
    per = np.column_stack([_nearest(geometry, scenario, cand, coverage.eligible[:, s], hh)
                           for s in range(len(coverage.services))]) * factor[:, None]
    return any_d, per


def _nearest(geometry: Geometry, scenario: Scenario, sites: pd.DataFrame, mask: np.ndarray,
             hh: pd.DataFrame) -> np.ndarray:
    net, cand = geometry.network, geometry.candidates
    if net is not None and cand is not None:
        sub = Snap(node=cand.node[mask], access_m=cand.access_m[mask])
        return nearest_site_distance(net, sub, geometry.households)
    return nearest_site_distance(None, None, None,
                                 site_xy=(sites["x"].to_numpy()[mask], sites["y"].to_numpy()[mask]),
                                 point_xy=(hh["x"].to_numpy(), hh["y"].to_numpy()),
                                 detour=scenario.detour_factor)
