"""Combined formats priced exactly (一店多能, X+早餐; issue 16 item 1): hosted services and shared fit-out,
against brute force on toy instances."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from factories import random_instance

from models.mode import Mode
from solver.engine.result import SolveParameters, Termination
from solver.engine.solve import solve_instance

PARAMS = SolveParameters(time_limit_s=60, relative_gap=0.0, threads=1)


def _combined(seed: int, **kw):
    """A random 3-service instance: service 2 (breakfast) is hosted by 0 or 1; 0 and 2 share fit-out."""
    inst = random_instance(seed=seed, n_sites=5, n_items=30, n_services=3, density=0.3, **kw)
    f = inst.service_cost
    d = float(min(f[0], f[2]) * 0.8)
    return replace(inst, service_hosts={2: (0, 1)}, shared_fit_out={(0, 2): d})


def true_cost(inst, x) -> float:
    """The cost recomputed by hand: conversions, fit-outs, minus savings of pairs open in one space."""
    cost = 0.0
    for j in range(inst.n_sites):
        here = [o for o in np.flatnonzero(x) if inst.opt_site[o] == j]
        if not here:
            continue
        cost += inst.site_cost[j] + sum(inst.service_cost[inst.opt_service[o]] for o in here)
        services = {int(inst.opt_service[o]) for o in here}
        cost -= sum(d for (a, b), d in inst.shared_fit_out.items() if a in services and b in services)
    return cost


def feasible(inst, x) -> bool:
    """Every rule checked by hand (independent of Instance.feasibility_problems)."""
    cost = true_cost(inst, x)
    if inst.budget is not None and cost > inst.budget + 1e-9:
        return False
    for j in range(inst.n_sites):
        here = [o for o in np.flatnonzero(x) if inst.opt_site[o] == j]
        if sum(inst.service_area[inst.opt_service[o]] for o in here) > inst.site_area[j] + 1e-9:
            return False
        services = {int(inst.opt_service[o]) for o in here}
        for s, hosts in inst.service_hosts.items():
            if s in services and not services & set(hosts):
                return False
    for cap in inst.group_caps:
        sites = {int(inst.opt_site[o]) for o in np.flatnonzero(x) if inst.site_group[inst.opt_site[o]] == cap.group}
        if cap.max_sites is not None and len(sites) > cap.max_sites:
            return False
        spend = sum(true_cost(inst, x & (inst.opt_site == j)) for j in sites)
        if cap.max_cost is not None and spend > cap.max_cost + 1e-9:
            return False
    for s, need in inst.must_open.items():
        if int(x[inst.opt_service == s].sum()) < need:
            return False
    covered = (inst.cover @ x.astype(int)) > 0
    return bool(covered[inst.item_must].all())


def brute_force(inst, *, cover: bool):
    """The optimum by enumeration: (coverage, cost) of the best plan (lexicographic), or None."""
    best = None
    reachable = np.diff(inst.cover.tocsr().indptr) > 0
    for bits in itertools.product((False, True), repeat=inst.n_options):
        x = np.array(bits, dtype=bool)
        if not feasible(inst, x):
            continue
        covered = (inst.cover @ x.astype(int)) > 0
        if cover and not covered[reachable].all():
            continue
        key = (float(inst.item_weight[covered].sum()), -true_cost(inst, x))
        if best is None or key > best:
            best = key
    return best


@pytest.mark.parametrize("seed", range(8))
def test_max_coverage_with_combinations_equals_brute_force(seed):
    inst = _combined(seed, caps=seed % 2 == 1, budget_share=0.35)
    assert inst.n_options <= 15
    want = brute_force(inst, cover=False)
    for reduce in (True, False):
        res = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=PARAMS, reduce=reduce)
        assert res.termination is Termination.OPTIMAL
        assert (res.coverage, -res.cost) == pytest.approx(want), (seed, reduce)
        assert feasible(inst, res.x) and res.cost == pytest.approx(true_cost(inst, res.x))
        assert not inst.feasibility_problems(res.x)


def test_the_toys_use_the_combinations():
    """The brute-force toys are not trivial: optimal plans open breakfast beside a host and save fit-out."""
    saved = 0
    for seed in range(8):
        inst = _combined(seed, caps=seed % 2 == 1, budget_share=0.35)
        x = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=PARAMS).x
        o1, o2, d = inst.shared_pairs()
        saved += int(d[x[o1] & x[o2]].sum() > 0)
    assert saved >= 4


def test_cover_with_combinations_equals_brute_force():
    compared = 0
    for seed in range(20, 32):
        inst = replace(_combined(seed, areas=False), budget=None)
        want = brute_force(inst, cover=True)
        res = solve_instance(inst, mode=Mode.COVER, params=PARAMS)
        assert res.termination.has_solution
        if want is None:  # full coverage impossible (hosts): the most coverage at least cost
            assert res.message
            continue
        assert not res.message and res.cost == pytest.approx(-want[1]), seed
        compared += 1
    assert compared >= 4


def test_a_hosted_service_never_opens_alone_and_savings_are_counted():
    inst = _combined(3, budget_share=1.0)
    o_b = np.flatnonzero(inst.opt_service == 2)
    x = np.zeros(inst.n_options, dtype=bool)
    x[o_b[0]] = True
    assert any("without a host" in p for p in inst.feasibility_problems(x))
    j = inst.opt_site[o_b[0]]
    hosts = np.flatnonzero((inst.opt_site == j) & (inst.opt_service == 0))
    if len(hosts):
        x[hosts[0]] = True
        assert not [p for p in inst.feasibility_problems(x) if "host" in p]
        assert inst.plan_cost(x) == pytest.approx(true_cost(inst, x))
        assert inst.plan_cost(x) < inst.site_cost[j] + inst.service_cost[0] + inst.service_cost[2]


def test_savings_above_the_fit_out_are_refused():
    inst = random_instance(seed=1, n_sites=4, n_items=10, n_services=2)
    with pytest.raises(ValueError, match="fit-out"):
        replace(inst, shared_fit_out={(0, 1): float(inst.service_cost.max()) + 1})
    with pytest.raises(ValueError):
        replace(inst, service_hosts={1: (1,)})


# ------------------------------------------------------------------------------------------
# the catalogue schema, the pipeline and the independent checker


def _scenario(tmp_path, services: str):
    from factories import random_district, write_case

    from solver.inputs.scenario import load_scenario

    tables = random_district(seed=8, n_households=120, n_candidates=14, n_existing=2, size_m=2000)
    tables["candidates"]["gas"] = "pipeline"
    return load_scenario(write_case(tmp_path, tables, scenario=f"budget_yuan = 900000\n{services}"))


def test_catalogue_fields_are_validated_all_at_once(tmp_path):
    from solver.errors import InputError

    with pytest.raises(InputError) as err:
        _scenario(tmp_path, '[services.breakfast]\nrequires = ["vegtable", "breakfast"]\n'
                  'shared_fit_out = { vegetable = 1e9, pharmacy = 10 }\n'
                  '[services.pharmacy]\nshared_fit_out = { breakfast = 20 }\n')
    text = err.value.render()
    assert "services.breakfast.requires" in text and "vegtable" in text and "did you mean" in text.lower()
    assert "cannot host itself" in text
    assert "'services.breakfast.shared_fit_out'" in text and "more than its own" in text
    assert "also written as" in text  # the pair breakfast/pharmacy with two values
    with pytest.raises(InputError, match="more than its own"):
        _scenario(tmp_path / "b", "[services.repair]\nshared_fit_out = { vegetable = 50000, pharmacy = 40000 }\n")
    with pytest.raises(InputError, match="none of the services that may host it is enabled"):
        _scenario(tmp_path / "c", '[services.breakfast]\nrequires = ["vegetable"]\n[services.vegetable]\n'
                  "enabled = false\n")


def test_the_pipeline_prices_and_checks_combinations(tmp_path):
    from solver.errors import CheckError
    from solver.pipeline import run
    from solver.results.check import check_plan

    sc = _scenario(tmp_path, '[services.breakfast]\nrequires = ["vegetable"]\nfit_out_cost = 60000\n'
                   "shared_fit_out = { vegetable = 40000 }\n")
    r = run(sc)
    assert r.result.termination.has_solution and r.check is not None
    by: dict[str, set[str]] = {}
    for cid, key in r.plan:
        by.setdefault(cid, set()).add(key)
    cand = r.district.candidates.set_index("id")
    cost = 0.0
    for cid, keys in by.items():
        assert "breakfast" not in keys or "vegetable" in keys
        cost += cand.loc[cid, "conversion_cost"] + sum(sc.services[k].fit_out_cost for k in keys)
        cost -= 40000 if {"breakfast", "vegetable"} <= keys else 0
    assert r.result.cost == pytest.approx(cost) and r.check.cost == pytest.approx(cost)
    assert r.ranked_table["cost"].sum() == pytest.approx(cost)
    # the checker refuses a breakfast without its vegetable stall, and recomputes the saving
    alone = next(c for c in cand.index if c not in by)
    with pytest.raises(CheckError, match="opens without any of vegetable"):
        check_plan(sc, r.district, [(alone, "breakfast")])
    both = check_plan(sc, r.district, [(alone, "breakfast"), (alone, "vegetable")])
    assert both.cost == pytest.approx(cand.loc[alone, "conversion_cost"] + 60000 + sc.services["vegetable"].fit_out_cost
                                      - 40000)


def test_the_piggyback_demo_is_exact(tmp_path):
    """scenarios/demo_breakfast_piggyback.toml: the saving only where breakfast and vegetables share a space."""
    from pathlib import Path

    from solver.inputs.scenario import load_scenario

    root = Path(__file__).resolve().parents[1]
    sc = load_scenario(root / "scenarios/demo_breakfast_piggyback.toml")
    assert dict(sc.services["breakfast"].shared_fit_out) == {"vegetable": 90000.0}
    assert sc.services["breakfast"].fit_out_cost == 150000.0  # the stand-alone price stays
    counter = load_scenario(root / "scenarios/demo_breakfast_counter.toml")
    assert counter.services["breakfast"].requires == ("vegetable",)
