"""Checks across the tables and the scenario, made once every table is read.

    must_open_problems(scenario, district) -> Problems    must_open asks for more sites than there are spaces
    street_warnings(district) -> [Problem]                street names of one table that nearly match another's

Street names group spaces (the ``by_street/`` lists, street caps, the reports' street panels),
so ``新华街`` in the candidate table and ``新华街道`` in the household table are two streets:
plausible, but usually a typing difference, and a warning says so.
"""

from __future__ import annotations

import difflib
import re

from ..errors import Problem, Problems
from .scenario import Scenario
from .tables import District

# what Chinese street names end with, in the forms that are written interchangeably
STREET_SUFFIX = re.compile(r"(街道办事处|街道办|街道|地区办事处|地区|办事处|街|镇|乡)$")
SHOWN = 8  # warnings per pair of tables


def must_open_problems(scenario: Scenario, district: District) -> Problems:
    """A must_open count above the number of candidate spaces can never be met: an input problem."""
    problems = Problems()
    n = len(district.candidates)
    for key, need in scenario.must_open.items():
        if need > n:
            problems.add(scenario.source, f"asks for {need:,} sites of '{key}' but there are only {n:,} candidate "
                         "spaces", field=f"must_open.{key}", value=need)
    return problems


def _core(name: str) -> str:
    return STREET_SUFFIX.sub("", re.sub(r"\s+", "", name)).lower()


def _near(name: str, others: list[str]) -> str | None:
    """The name among ``others`` that ``name`` nearly matches (same core without its suffix, or close)."""
    core = _core(name)
    if not core:
        return None
    same = [o for o in others if o != name and _core(o) == core]
    if same:
        return same[0]
    close = difflib.get_close_matches(name, [o for o in others if o != name], n=1, cutoff=0.8)
    return close[0] if close else None


def street_warnings(district: District) -> list[Problem]:
    """Streets of the candidate table that are no household street but nearly match one, and household
    streets that nearly match another household street (``新华街`` / ``新华街道``)."""
    out: list[Problem] = []
    src = district.sources
    hh_file = src["households"].name if "households" in src else "households"
    cand_file = src["candidates"].name if "candidates" in src else "candidates"
    hh_streets = sorted(set(district.households["street"].astype(str)) - {""})
    cand = district.candidates["street"].astype(str)
    for name in sorted(set(cand) - set(hh_streets) - {""})[:SHOWN]:
        match = _near(name, hh_streets)
        if match is not None:
            rows = int((cand == name).sum())
            out.append(Problem(file=cand_file, field="street", value=name, rule=(
                f"street '{name}' ({rows} row{'s' if rows != 1 else ''}) is no street of {hh_file}, but nearly "
                f"matches its '{match}': the two count as different streets (lists, caps, reports); write one "
                "name for both")))
    seen: set[frozenset[str]] = set()
    for name in hh_streets:
        match = _near(name, hh_streets)
        if match is None or frozenset((name, match)) in seen or len(seen) >= SHOWN:
            continue
        seen.add(frozenset((name, match)))
        out.append(Problem(file=hh_file, field="street", rule=f"streets '{name}' and '{match}' nearly match: they "
                           "count as two streets; if they are one, write one name", value=name))
    return out
