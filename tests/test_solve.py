"""The solver core against exhaustive enumeration, across backends, with and without reductions."""

from __future__ import annotations

import itertools
from functools import partial

import numpy as np
import pytest
from factories import random_instance, textbook_instance

from models.instance import pure_instance
from models.mode import Mode
from solver.engine.heuristics import greedy_cover, greedy_max_coverage
from solver.engine.reduce import reduce_instance
from solver.engine.result import SolveParameters, Termination
from solver.engine.solve import solve_instance

PARAMS = SolveParameters(time_limit_s=60)


def brute_force(inst, *, cover_mode: bool):
    """Best (coverage, -cost) over all option subsets (max mode) or min cost covering all (cover mode)."""
    best = None
    reach = np.diff(inst.cover.tocsr().indptr) > 0
    for bits in itertools.product([False, True], repeat=inst.n_options):
        x = np.array(bits, dtype=bool)
        if inst.feasibility_problems(x):
            continue
        cost = inst.plan_cost(x)
        if cover_mode:
            if not inst.covered_items(x)[reach].all():
                continue
            key = (-cost,)
        else:
            key = (inst.coverage_value(x), -cost)
        if best is None or key > best:
            best = key
    return best


SMALL = [dict(seed=s, n_sites=6, n_items=25, n_services=2, areas=True, caps=bool(s % 2), must=s % 3,
              must_open=(s % 4 == 0)) for s in range(8)]


@pytest.mark.parametrize("spec", SMALL, ids=[f"seed{s['seed']}" for s in SMALL])
def test_max_coverage_matches_enumeration(spec):
    inst = random_instance(**spec)
    assert inst.n_options <= 14
    best = brute_force(inst, cover_mode=False)
    res = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=PARAMS)
    if best is None:
        assert res.termination is Termination.INFEASIBLE
        return
    assert res.termination is Termination.OPTIMAL
    assert res.coverage == pytest.approx(best[0])
    assert res.cost == pytest.approx(-best[1])  # lexicographic: cheapest among max coverage
    assert not inst.feasibility_problems(res.x)


@pytest.mark.parametrize("spec", SMALL[:5], ids=[f"seed{s['seed']}" for s in SMALL[:5]])
def test_cover_mode_matches_enumeration(spec):
    """Cover mode: min cost covering every reachable item; when space areas make that
    impossible, the most coverage possible, then the least cost (stated in the message)."""
    inst = random_instance(**spec)
    inst = type(inst)(**{**inst.__dict__, "budget": None})
    full = brute_force(inst, cover_mode=True)
    res = solve_instance(inst, mode=Mode.COVER, params=PARAMS)
    reach = np.diff(inst.cover.tocsr().indptr) > 0
    if full is not None:
        assert res.termination is Termination.OPTIMAL and not res.message
        assert res.cost == pytest.approx(-full[0])
        assert inst.covered_items(res.x)[reach].all()
        return
    best = brute_force(inst, cover_mode=False)
    if best is None:  # must-cover items or must-open services cannot be met at all
        assert res.termination is Termination.INFEASIBLE
        return
    assert res.termination is Termination.OPTIMAL and "impossible" in res.message
    assert res.coverage == pytest.approx(best[0])
    assert res.cost == pytest.approx(-best[1])


@pytest.mark.parametrize("seed", range(6))
def test_reduction_is_exact(seed):
    inst = random_instance(seed=100 + seed, n_sites=40, n_items=300, n_services=3, density=0.05, caps=seed % 2 == 1)
    with_red = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=PARAMS, reduce=True)
    without = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=PARAMS, reduce=False)
    assert with_red.termination is without.termination is Termination.OPTIMAL
    assert with_red.coverage == pytest.approx(without.coverage)
    assert with_red.cost == pytest.approx(without.cost)


def test_reduction_merges_identical_items_and_drops_dominated_sites():
    from scipy.sparse import csr_matrix

    # customers 0,1 reached by sites {0,1}; customer 2 by {1}; customer 3 by {2}. Site 0 is
    # dominated by site 1 (subset, same cost); items 0 and 1 are identical.
    M = csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1]]))
    red = reduce_instance(pure_instance(M, np.array([5, 7, 1, 2]), p=1), cover_mode=False)
    assert red.item_map[0] == red.item_map[1]
    assert list(red.site_keep) == [1, 2]
    # with site 0 gone, customers 0, 1, 2 are all reached by site 1 only: one item of weight 13
    assert sorted(red.instance.item_weight.tolist()) == [2, 13]


@pytest.mark.parametrize("seed", range(4))
def test_ortools_and_pulp_agree(seed):
    inst = random_instance(seed=200 + seed, n_sites=25, n_items=200, n_services=2, density=0.06, caps=True)
    a = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=PARAMS, backend="ortools")
    b = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=PARAMS, backend="pulp")
    assert a.termination is b.termination is Termination.OPTIMAL
    assert a.coverage == pytest.approx(b.coverage)
    assert a.cost == pytest.approx(b.cost)
    inst_c = type(inst)(**{**inst.__dict__, "budget": None, "group_caps": ()})
    a = solve_instance(inst_c, mode=Mode.COVER, params=PARAMS, backend="ortools")
    b = solve_instance(inst_c, mode=Mode.COVER, params=PARAMS, backend="pulp")
    assert a.cost == pytest.approx(b.cost)


@pytest.mark.parametrize("engine", ["cpsat"])
def test_other_ortools_engines_agree_on_small_instance(engine):
    inst = random_instance(seed=7, n_sites=10, n_items=60, n_services=2, density=0.1)
    ref = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=PARAMS)
    res = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=PARAMS, engine=engine)
    assert res.termination is Termination.OPTIMAL
    assert res.coverage == pytest.approx(ref.coverage)
    assert res.cost == pytest.approx(ref.cost)


@pytest.mark.parametrize("seed", range(5))
def test_greedy_plans_are_feasible(seed):
    inst = random_instance(seed=300 + seed, n_sites=30, n_items=200, n_services=3, density=0.05, caps=True,
                           must=3, must_open=True)
    x = greedy_max_coverage(inst)
    if x is not None:
        assert inst.feasibility_problems(x) == []
    # without budget, caps and area limits every reachable item can be covered
    inst_c = type(inst)(**{**inst.__dict__, "budget": None, "group_caps": (),
                           "site_area": np.full(inst.n_sites, np.inf)})
    xc = greedy_cover(inst_c)
    assert xc is not None
    reach = np.diff(inst_c.cover.tocsr().indptr) > 0
    assert inst_c.covered_items(xc)[reach].all()


def test_infeasible_is_a_status_not_an_exception():
    inst = random_instance(seed=1, n_sites=8, n_items=30, must=5)
    tiny = type(inst)(**{**inst.__dict__, "budget": 0.0})
    res = solve_instance(tiny, mode=Mode.MAX_COVERAGE, params=PARAMS)
    assert res.termination is Termination.INFEASIBLE
    assert res.x is None


_pure = partial(textbook_instance, n_items=60, density=0.25)


def test_cardinality_shape_is_recognised():
    from dataclasses import replace

    from models.instance import GroupCap

    pure = _pure(0)
    assert pure.is_cardinality()
    assert replace(pure, site_cost=np.full(pure.n_sites, 3.0)).is_cardinality()  # p sites of 3 yuan each
    costs = np.ones(pure.n_sites)
    costs[0] = 2.0
    assert not replace(pure, site_cost=costs).is_cardinality()  # a knapsack, not a count
    assert not replace(pure, group_caps=(GroupCap(group=0, max_sites=1),)).is_cardinality()
    assert not replace(pure, must_open={0: 1}).is_cardinality()
    assert not random_instance(seed=1).is_cardinality()  # multi-service, site + fit-out costs


@pytest.mark.parametrize("seed", range(6))
def test_textbook_shape_solves_exactly_with_its_settings(seed, solver_shapes):
    """The textbook MCLP runs with the cardinality SCIP settings and still matches enumeration;
    a district-shaped instance keeps the general settings."""
    shapes = solver_shapes
    inst = _pure(seed, p=2 + seed % 3)
    best = brute_force(inst, cover_mode=False)
    res = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=PARAMS, cheapest=False)
    assert res.termination is Termination.OPTIMAL
    assert res.coverage == pytest.approx(best[0])
    assert shapes == ["cardinality_proof"]  # small textbook models get the proof settings
    solve_instance(random_instance(seed=seed), mode=Mode.MAX_COVERAGE, params=PARAMS)
    assert shapes[1:] == ["general"]


@pytest.mark.parametrize("seed", range(6))
def test_batch_swap_check_agrees_with_the_feasibility_of_each_swapped_plan(seed):
    """local_search._Tallies.swaps_ok (all pairs at once) against models.Instance.feasibility_problems of the
    plan after each swap, on instances with budgets, areas and both kinds of street cap."""
    from solver.engine.heuristics import Prepared
    from solver.engine.local_search import _Tallies, improve

    inst = random_instance(seed=400 + seed, n_sites=25, n_items=150, n_services=3, density=0.06, caps=True,
                           budget_share=0.2 + 0.1 * (seed % 3))
    x = greedy_max_coverage(inst)
    assert x is not None
    x = improve(inst, x, prep=Prepared(inst))
    open_o, closed = np.flatnonzero(x), np.flatnonzero(~x)
    o, o2 = (a.ravel() for a in np.meshgrid(open_o, closed, indexing="ij"))
    ok = _Tallies(inst, x).swaps_ok(o, o2)
    expected = []
    for a, b in zip(o.tolist(), o2.tolist()):
        y = x.copy()
        y[a], y[b] = False, True
        expected.append(inst.feasibility_problems(y) == [])
    assert ok.tolist() == expected
    assert 0 < ok.sum() < len(ok)  # (both kinds occur: the check is exercised)


@pytest.mark.parametrize("seed", range(4))
def test_state_of_a_plan_is_the_state_after_adding_its_options(seed):
    from solver.engine.heuristics import Prepared, _State

    inst = random_instance(seed=500 + seed, n_sites=25, n_items=150, n_services=3, density=0.06, caps=True)
    prep = Prepared(inst)
    x = greedy_max_coverage(inst, prep)
    assert x is not None and x.sum() > 3
    one_by_one = _State(inst, prep)
    for o in np.flatnonzero(x).tolist():
        one_by_one.add(o)
    at_once = _State.of_plan(inst, prep, x)
    for field in ("x", "open", "area", "covered", "g_sites", "g_spent"):
        assert np.array_equal(getattr(at_once, field), getattr(one_by_one, field)), field
    assert at_once.spent == one_by_one.spent
