"""Cover mode when full coverage is impossible: the two exact stages of solver/engine/most_coverage.py
against exhaustive enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from factories import random_instance

from models.instance import Instance
from models.mode import Mode
from solver.engine import most_coverage
from solver.engine.result import SolveParameters, Termination
from solver.engine.solve import solve_instance

PARAMS = SolveParameters(time_limit_s=60)


def _plans(inst: Instance):
    for bits in itertools.product([False, True], repeat=inst.n_options):
        x = np.array(bits, dtype=bool)
        if not inst.feasibility_problems(x):
            yield x


def _impossible_toys(n: int = 40):
    """Budget-free toys of at most 12 options where space areas (and street caps on odd seeds) forbid
    covering every reachable item, and some plan exists."""
    out = []
    for seed in range(400):
        inst = random_instance(seed=seed, n_sites=5, n_items=20, n_services=3, density=0.25, areas=True,
                               caps=bool(seed % 2), must=0)
        inst = Instance(**{**inst.__dict__, "budget": None})
        if inst.n_options > 12:
            continue
        reach = np.diff(inst.cover.tocsr().indptr) > 0
        plans = list(_plans(inst))
        if plans and not any(inst.covered_items(x)[reach].all() for x in plans):
            out.append((seed, inst, plans))
        if len(out) == n:
            break
    return out


TOYS = _impossible_toys()


def test_there_are_enough_toys_where_full_coverage_is_impossible():
    assert len(TOYS) >= 30
    assert sum(bool(inst.group_caps) for _, inst, _ in TOYS) >= 5  # street caps among them
    fixing = [most_coverage.always_covered(inst, max(inst.coverage_value(x) for x in plans)).any()
              for _, inst, plans in TOYS]
    assert sum(fixing) >= len(TOYS) // 2  # the next test is not empty


@pytest.mark.parametrize("k", range(len(TOYS)), ids=[f"seed{s}" for s, _, _ in TOYS])
def test_every_plan_of_most_coverage_covers_the_items_stage_b_fixes(k):
    _, inst, plans = TOYS[k]
    top = max(inst.coverage_value(x) for x in plans)
    fixed = most_coverage.always_covered(inst, top)
    for x in plans:
        if inst.coverage_value(x) == top:
            assert inst.covered_items(x)[fixed].all()


@pytest.mark.parametrize("k", range(len(TOYS)), ids=[f"seed{s}" for s, _, _ in TOYS])
def test_cover_mode_gives_the_most_coverage_at_least_cost_with_a_bound_on_cost(k):
    _, inst, plans = TOYS[k]
    top = max(inst.coverage_value(x) for x in plans)
    least = min(inst.plan_cost(x) for x in plans if inst.coverage_value(x) == top)
    res = solve_instance(inst, mode=Mode.COVER, params=PARAMS)
    assert "impossible" in res.message and res.termination is Termination.OPTIMAL
    assert res.coverage == pytest.approx(top) and res.cost == pytest.approx(least)
    assert not inst.feasibility_problems(res.x)
    names = [s.name for s in res.stages]
    assert names[-2:] == ["most_coverage", "least_cost_at_most_coverage"]
    assert res.best_bound is not None and res.best_bound <= least + 1e-6


@pytest.mark.parametrize("k", range(0, len(TOYS), 4))
def test_the_first_plan_of_stage_b_keeps_the_coverage_and_every_row(k):
    _, inst, plans = TOYS[k]
    top = max(inst.coverage_value(x) for x in plans)
    for x in plans:
        if inst.coverage_value(x) != top:
            continue
        y = most_coverage.trimmed(inst, x, top)
        assert inst.coverage_value(y) == top and not inst.feasibility_problems(y)
        assert inst.plan_cost(y) <= inst.plan_cost(x) and not (y & ~x).any()


def test_a_budget_or_a_cap_leaves_only_the_heavy_items_fixed():
    _, inst, plans = next(t for t in TOYS if not t[1].group_caps)
    top = max(inst.coverage_value(x) for x in plans)
    free = most_coverage.always_covered(inst, top)
    w = np.asarray(inst.item_weight, dtype=float)
    heavy = w > w.sum() - top
    with_budget = Instance(**{**inst.__dict__, "budget": 1e9})
    assert (most_coverage.always_covered(with_budget, top) == heavy).all()
    assert free.sum() > heavy.sum()  # (the toy has items reached by a space that holds all its options)
