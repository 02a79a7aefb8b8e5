"""The LP root of the textbook MCLP: Lagrangian bound, reduced-cost fixing, and the solve around them.

Every claim is checked against enumeration of all plans on small random instances.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from factories import textbook_instance, textbook_plans
from scipy.sparse import csr_matrix

import solver.engine.lagrangian as lagrangian
from models.instance import pure_instance
from models.linear import LinearModel
from models.mode import Mode
from solver.engine.backends.highs_lp import solve_relaxation
from solver.engine.result import SolveParameters, Termination
from solver.engine.solve import solve_instance

PARAMS = SolveParameters(time_limit_s=60)


_instance = partial(textbook_instance, n_items=70, density=0.3)
_plans = textbook_plans  # every plan with exactly p sites (more sites never cover less)


def test_relaxation_duals_have_the_models_sense():
    # max x1 + 2 x2 - x3 + 3 x4  s.t.  x1 + x2 <= 1.5,  x3 >= 0.3,  x4 = 0.4,  x in [0, 1]:
    # optimum (0.5, 1, 0.3, 0.4), each row binding with one interior variable, so the duals
    # are unique: d obj / d bound = 1 (x1 grows), -1 (x3 grows), 3 (x4 grows).
    A = csr_matrix(np.array([[1.0, 1.0, 0, 0], [0, 0, 1.0, 0], [0, 0, 0, 1.0]]))
    model = LinearModel(name="t", objective=np.array([1.0, 2.0, -1.0, 3.0]), maximize=True, lb=np.zeros(4),
                        ub=np.ones(4), integer=np.zeros(4, dtype=bool), A=A,
                        row_lb=np.array([-np.inf, 0.3, 0.4]), row_ub=np.array([1.5, np.inf, 0.4]), blocks={})
    lp = solve_relaxation(model, time_limit_s=10)
    assert lp.optimal
    assert lp.objective == pytest.approx(0.5 + 2 - 0.3 + 1.2)
    assert np.allclose(lp.values, [0.5, 1.0, 0.3, 0.4], atol=1e-7)
    assert lp.row_dual == pytest.approx([1.0, -1.0, 3.0], abs=1e-7)
    minimised = solve_relaxation(LinearModel(**{**model.__dict__, "objective": -model.objective, "maximize": False}),
                                 time_limit_s=10)
    assert minimised.row_dual == pytest.approx([-1.0, 1.0, -3.0], abs=1e-7)


@pytest.mark.parametrize("seed", range(5))
def test_lagrangian_value_bounds_every_plan_and_equals_the_lp_at_its_duals(seed):
    inst = _instance(seed)
    p = lagrangian.budget_sites(inst)
    best = max(cov for _, cov in _plans(inst, p))
    rng = np.random.default_rng(seed)
    for _ in range(5):  # any multipliers >= 0 give an upper bound
        bound, _ = lagrangian.lagrangian_value(inst, rng.uniform(0, inst.item_weight), p)
        assert bound >= best - 1e-9
    root = lagrangian.solve_root(inst, time_limit_s=10)
    assert root.bound == pytest.approx(root.lp_objective, rel=1e-7)
    assert best - 1e-6 <= root.bound


@pytest.mark.parametrize("seed", range(8))
def test_reduced_cost_fixing_never_removes_a_better_plan(seed):
    inst = _instance(seed, n_sites=14, p=2 + seed % 3)
    p = lagrangian.budget_sites(inst)
    plans = list(_plans(inst, p))
    root = lagrangian.solve_root(inst, time_limit_s=10)
    # the incumbent: the second-best plan, so the fixing has something to protect and to beat
    ranked = sorted(plans, key=lambda t: -t[1])
    incumbent = ranked[min(1, len(ranked) - 1)][0]
    z = inst.coverage_value(incumbent)
    for threshold in (z + 1.0, z):  # ties don't matter / ties go to the cheaper plan
        fixed = root.fixed_to_zero(threshold, protect=incumbent)
        assert not (fixed & incumbent).any()
        for j in np.flatnonzero(fixed):
            assert max(cov for x, cov in plans if x[j]) < threshold


def test_reduced_cost_fixing_fixes_something_on_these_instances():
    """Guard against a vacuous soundness test: with the optimum as incumbent, sites get fixed."""
    total = 0
    for seed in range(8):
        inst = _instance(seed, n_sites=14, p=2 + seed % 3)
        p = lagrangian.budget_sites(inst)
        best_x, best = max(_plans(inst, p), key=lambda t: t[1])
        total += int(lagrangian.solve_root(inst, time_limit_s=10).fixed_to_zero(best + 1, best_x).sum())
    assert total > 0


@pytest.mark.parametrize("cheapest", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_solve_with_the_lp_root_matches_enumeration(seed, cheapest, monkeypatch):
    monkeypatch.setattr(lagrangian, "ROOT_MIN_OPTIONS", 0)
    inst = _instance(seed, n_sites=12, p=2 + seed % 3)
    p = lagrangian.budget_sites(inst)
    best = max(cov for _, cov in _plans(inst, p))
    res = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=PARAMS, cheapest=cheapest)
    assert res.stages[0].name == "lp_root"
    assert res.termination is Termination.OPTIMAL
    assert res.coverage == pytest.approx(best)
    assert res.best_bound == pytest.approx(best)
    assert not inst.feasibility_problems(res.x)
    if cheapest:  # the fewest sites among plans of maximal coverage
        fewest = min(int(x.sum()) for k in range(p + 1) for x, cov in _plans(inst, k) if cov == best)
        assert int(res.x.sum()) == fewest


def test_the_root_is_skipped_where_it_does_not_pay():
    small = _instance(0)
    assert not lagrangian.applies(small)  # 12 sites < ROOT_MIN_OPTIONS
    big = _instance(0, n_sites=lagrangian.ROOT_MIN_OPTIONS, n_items=400, p=5, density=0.02)
    assert lagrangian.applies(big)
    assert not lagrangian.applies(pure_instance(big.cover, big.item_weight, p=None))  # no budget: LSCP


def test_the_remainder_after_fixing_is_proven_with_the_proof_settings(monkeypatch, solver_shapes):
    """After the root fixes options, the rest runs with SCIP_SETTINGS["cardinality_proof"]
    and still reaches the enumerated optimum (non-vacuous: the proof settings are used)."""
    monkeypatch.setattr(lagrangian, "ROOT_MIN_OPTIONS", 0)
    for seed in range(10):
        inst = _instance(seed, n_sites=13, p=2 + seed % 3, density=0.25)
        best = max(cov for _, cov in _plans(inst, lagrangian.budget_sites(inst)))
        res = solve_instance(inst, mode=Mode.MAX_COVERAGE, params=PARAMS, cheapest=False)
        assert res.termination is Termination.OPTIMAL
        assert res.coverage == pytest.approx(best)
    assert "cardinality_proof" in solver_shapes


@pytest.mark.parametrize("shape", ["general", "cardinality", "cardinality_proof"])
def test_every_scip_setting_is_accepted_and_exact(shape):
    """SCIP rejects unknown parameter names: each settings string must solve a model to its optimum."""
    from models.mclp import build_max_coverage
    from solver.engine.backends import solve_linear

    inst = _instance(3, n_sites=12, p=3)
    best = max(cov for _, cov in _plans(inst, 3))
    res = solve_linear(build_max_coverage(inst, cheapest=False), PARAMS, settings=shape)
    assert res.termination is Termination.OPTIMAL
    assert res.objective == pytest.approx(best)
