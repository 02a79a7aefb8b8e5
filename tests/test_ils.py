"""The iterated local search of the textbook MCLP (solver/engine/ils.py), checked by enumeration
and brute-force swaps on small random instances."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from factories import textbook_instance, textbook_plans

from models.instance import Instance
from solver.engine import ils
from solver.engine.heuristics import greedy_max_coverage

_instance = partial(textbook_instance, n_sites=14, n_items=80, p=4, density=0.2)


def _optimum(inst, p):
    return max(cov for _, cov in textbook_plans(inst, p))


def _worst_start(inst, p):
    """The p sites covering least on their own: a poor start with room to improve."""
    own = np.asarray(inst.cover.T @ inst.item_weight).ravel()
    x = np.zeros(inst.n_options, dtype=bool)
    x[np.argsort(own, kind="stable")[:p]] = True
    return x


@pytest.mark.parametrize("seed", range(8))
def test_reaches_the_enumerated_optimum_from_a_poor_start(seed):
    inst = _instance(seed, integer=seed % 2 == 0)
    x0 = _worst_start(inst, 4)
    found = ils.iterated_local_search(inst, x0, work=20_000_000, seed=seed)
    assert int(found.x.sum()) == 4
    assert found.coverage == pytest.approx(inst.coverage_value(found.x))
    assert found.coverage == pytest.approx(_optimum(inst, 4))
    assert found.coverage > inst.coverage_value(x0)  # the start was not optimal: the search did something


@pytest.mark.parametrize("seed", range(6))
def test_result_is_a_swap_local_optimum(seed):
    # The descent prunes swaps with two bounds; a wrong bound would leave an improving swap.
    inst = _instance(100 + seed, n_sites=30, n_items=300, p=6, density=0.08)
    found = ils.iterated_local_search(inst, _worst_start(inst, 6), work=1, min_rounds=1, seed=seed)
    z = found.coverage
    for r in np.flatnonzero(found.x):
        for j in np.flatnonzero(~found.x):
            y = found.x.copy()
            y[r], y[j] = False, True
            assert inst.coverage_value(y) <= z + 1e-9, (r, j)


def test_deterministic_for_a_seed_and_stops_at_the_target():
    inst = _instance(7, n_sites=40, n_items=400, p=5, density=0.06)
    x0 = _worst_start(inst, 5)
    a = ils.iterated_local_search(inst, x0, work=5_000_000, seed=3)
    b = ils.iterated_local_search(inst, x0, work=5_000_000, seed=3)
    assert np.array_equal(a.x, b.x) and a.rounds == b.rounds and a.work == b.work
    assert a.rounds > 1
    # A target already met after the first descent: no perturbation rounds beyond it.
    stop = ils.iterated_local_search(inst, x0, work=5_000_000, seed=3, target=0.0)
    assert stop.rounds == 1


def test_never_returns_a_worse_plan_than_the_start():
    inst = _instance(11, n_sites=20, n_items=150, p=5)
    x_greedy = greedy_max_coverage(inst)
    found = ils.iterated_local_search(inst, x_greedy, work=2_000_000, seed=0)
    assert found.coverage >= inst.coverage_value(x_greedy)


def test_refuses_instances_that_are_not_textbook_shaped():
    inst = _instance(1)
    priced = Instance(**{**inst.__dict__, "site_cost": np.linspace(1.0, 2.0, inst.n_sites)})
    assert not priced.is_cardinality()
    with pytest.raises(ValueError, match="textbook"):
        ils.iterated_local_search(priced, _worst_start(priced, 4))


def test_solves_with_the_lp_root_search_and_stay_exact(monkeypatch):
    """With the LP root and the search forced on, the search runs where the bound does not prove the rounded
    plan (non-vacuous: some seeds search), and every solve still reaches the enumerated
    optimum, the same plan on a second run."""
    import solver.engine.lagrangian as lagrangian
    from models.mode import Mode
    from solver.engine import solve
    from solver.engine.result import SolveParameters, Termination
    from solver.engine.solve import solve_instance

    monkeypatch.setattr(lagrangian, "ROOT_MIN_OPTIONS", 0)
    monkeypatch.setattr(solve, "PROOF_MAX_OPTIONS", 0)
    params = SolveParameters(time_limit_s=60)
    searched = 0
    for seed in range(8):
        inst = _instance(200 + seed, n_sites=13, n_items=90, p=3, density=0.2)
        res = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=params, cheapest=False)
        again = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=params, cheapest=False)
        assert res.termination is Termination.OPTIMAL
        assert res.coverage == pytest.approx(_optimum(inst, 3))
        assert np.array_equal(res.x, again.x)
        searched += "search_rounds" in res.sizes
    assert searched > 0


def test_threads_run_consecutive_seeds_stop_with_the_first_and_keep_the_best():
    """threads=3 runs seeds 4, 5, 6 at once. All stop when the first stops by its own rules
    (at work W, the least of the single runs' work), each counted as of W, so the plan covers
    at least what that first run finds alone and at most the best single run; rounds and work
    are at most the single runs' sums. Repeated calls give the same plan, seed, rounds and work
    whatever the threads' timing. Non-vacuous: on some instance a later seed wins."""
    later_wins = 0
    for case in range(3):
        inst = _instance(300 + case, n_sites=150, n_items=1500, p=15, density=0.02)
        x0 = _worst_start(inst, 15)
        singles = [ils.iterated_local_search(inst, x0, work=10_000_000, min_rounds=300, seed=s) for s in (4, 5, 6)]
        multi = [ils.iterated_local_search(inst, x0, work=10_000_000, min_rounds=300, seed=4, threads=3)
                 for _ in range(4)]
        m = multi[0]
        for other in multi[1:]:
            assert np.array_equal(other.x, m.x) and (other.seed, other.rounds, other.work) == (m.seed, m.rounds, m.work)
        first = min(singles, key=lambda r: r.work)
        assert first.coverage - 1e-9 <= m.coverage <= max(r.coverage for r in singles) + 1e-9
        assert m.seed in (4, 5, 6) and m.coverage == pytest.approx(inst.coverage_value(m.x))
        assert m.rounds <= sum(r.rounds for r in singles) and m.work <= sum(r.work for r in singles)
        assert m.rounds >= first.rounds
        later_wins += m.seed > 4 and m.coverage > singles[0].coverage
    assert later_wins > 0
    with pytest.raises(ValueError, match="threads"):
        ils.iterated_local_search(inst, x0, threads=0)
