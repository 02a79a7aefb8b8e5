"""The numeric ranges (solver/inputs/ranges.py): their rules, and README's data contract listing them."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from solver.inputs import ranges
from solver.inputs.ranges import Range

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _limit_texts(v: float) -> set[str]:
    out = {f"{v:g}", f"{int(v):,}" if float(v).is_integer() else f"{v:g}"}
    if v > 0 and float(math.log10(v)).is_integer():
        out.add(f"10^{int(math.log10(v))}")
    return out


def _readme_row(key: str) -> str:
    """The README range table's row naming ``key`` (a scenario key, a column, or a wildcard form)."""
    parts = [p for p in key.split(".") if p != "*"]
    name = key if f"`{key}`" in README else parts[-1]
    for line in README.splitlines():
        if line.startswith("| ") and f"`{name}`" in line:
            return line
    pytest.fail(f"README's range table has no row for {key} (`{name}`)")


@pytest.mark.parametrize("key", sorted(ranges.SCENARIO_RANGES))
def test_readme_lists_every_scenario_range(key):
    rng = ranges.SCENARIO_RANGES[key]
    row = _readme_row(key)
    assert any(t in row for t in _limit_texts(rng.high)), (key, row)


@pytest.mark.parametrize("key", sorted(ranges.TABLE_RANGES))
def test_readme_lists_every_table_range(key):
    column = key.split(".")[1]
    rng = ranges.TABLE_RANGES[key]
    rows = [ln for ln in README.splitlines() if ln.startswith("| ") and (f"`{column}`" in ln or (
        column == "households" and ln.startswith("| households per row")))]
    assert rows, column
    assert any(t in row for row in rows for t in _limit_texts(rng.high)), (key, rows)


def test_a_range_names_what_is_wrong():
    r = Range(0, 100, low_open=True, integer=True, what="sites")
    assert r.problem(50) is None
    assert r.problem(True) == "must be a number"
    assert r.problem("5") == "must be a number"
    assert r.problem(float("inf")) == "must be finite"
    assert r.problem(float("nan")) == "must be finite"
    assert r.problem(2.5) == "must be a whole number"
    assert r.problem(0) == "must be > 0"
    assert r.problem(10**30) == "must be <= 100 sites (a larger value is a typo or a unit error)"
    assert r.problem(2**70) is not None  # TOML integers of any size


def test_seeds_stop_at_the_solvers_int_range():
    assert ranges.SEED.problem(2**31 - 1) is None
    assert ranges.SEED.problem(2**31) is not None and ranges.SEED.problem(2**32 + 1) is not None


def test_weighted_totals_stay_exact_in_floating_point():
    """Weight x households over a district stays below 2^53, where doubles count exactly."""
    assert ranges.WEIGHT.high * ranges.TOTAL_HOUSEHOLDS < 2**53
    assert re.search(r"999,999,999", README)
