"""The policy's own goals in a scenario: a grade target, fairness between streets (issue 15).

Scenario TOML (every key optional)::

    mode = "grade"                 # least cost such that every street meets the target grade
    target = "basic"               # basic (基础型) | improved (提升型) | quality (品质型); default basic
    grade_scope = "street"         # street (街道) | community (社区); default street

    [fairness]                     # max-coverage mode only
    min_street_pct = 85            # every street reaches >= 85 % for every service ...
    # min_street_pct = { vegetable = 90, breakfast = 85 }   # ... or per service
    max_min = true                 # lift the worst (street, service) first, then the most coverage
    services = ["vegetable", "breakfast"]   # the services max-min looks at (default: all enabled)

A service's coverage counts households unless it says otherwise:
``[services.elderly_care] demand = "elderly"`` (or ``"population"``): the household table's
column of that name must then be given, with no empty cell (solver/travel/targets.py checks it
with the tables).

The grade rules themselves are the catalogue's ``[grades]`` (solver/inputs/grades.py): one
definition used by the solver (solver/travel/targets.py), the checker and the report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..errors import Problems, did_you_mean
from .grades import LEVELS, GradeRules

TARGETS = LEVELS  # basic, improved, quality
SCOPES = ("street", "community")
FAIRNESS_KEYS = ("min_street_pct", "max_min", "services")
POLICY_KEYS = {"target", "grade_scope", "fairness"}


@dataclass(frozen=True, kw_only=True)
class Fairness:
    """Floors per street (service -> minimum %) and/or max-min over (street, service)."""

    floors: dict[str, float] = field(default_factory=dict)
    max_min: bool = False
    services: tuple[str, ...] = ()  # max-min's services (empty: every enabled service)

    def to_dict(self) -> dict:
        return {"min_street_pct": dict(self.floors), "max_min": self.max_min, "services": list(self.services)}


@dataclass(frozen=True, kw_only=True)
class Policy:
    target: str = "basic"
    scope: str = "street"
    fairness: Fairness | None = None


def _pct(problems: Problems, file: str, fld: str, value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        problems.add(file, "must be a number (a percentage)", field=fld, value=value)
        return None
    if not 0 <= value <= 100:
        problems.add(file, "must be between 0 and 100 (a percentage)", field=fld, value=value)
        return None
    return float(value)


def parse_policy(raw: dict, *, services: tuple[str, ...], problems: Problems, file: str) -> Policy:
    """Validate ``target``, ``grade_scope`` and ``[fairness]``; record every problem."""
    target = raw.get("target", "basic")
    if target not in TARGETS:
        problems.add(file, f"must be one of: {', '.join(TARGETS)}{did_you_mean(str(target), TARGETS)}",
                     field="target", value=target)
        target = "basic"
    scope = raw.get("grade_scope", "street")
    if scope not in SCOPES:
        problems.add(file, f"must be one of: {', '.join(SCOPES)}", field="grade_scope", value=scope)
        scope = "street"
    fair = raw.get("fairness")
    fairness = None
    if fair is not None:
        if not isinstance(fair, dict):
            problems.add(file, f"must be a table with any of: {', '.join(FAIRNESS_KEYS)}", field="fairness",
                         value=fair)
        else:
            fairness = _fairness(fair, services=services, problems=problems, file=file)
    return Policy(target=str(target), scope=str(scope), fairness=fairness)


def _services_list(value: Any, fld: str, services: tuple[str, ...], problems: Problems, file: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.add(file, "must be a list of service keys", field=fld, value=value)
        return []
    out = []
    for v in value:
        if v not in services:
            problems.add(file, f"unknown or disabled service{did_you_mean(v, services)}; enabled: "
                         f"{', '.join(services)}", field=fld, value=v)
        elif v not in out:
            out.append(v)
    return out


def _fairness(fair: dict, *, services: tuple[str, ...], problems: Problems, file: str) -> Fairness:
    for key in fair:
        if key not in FAIRNESS_KEYS:
            problems.add(file, f"unknown key{did_you_mean(key, FAIRNESS_KEYS)}; allowed: {', '.join(FAIRNESS_KEYS)}",
                         field=f"fairness.{key}", show_value=False)
    floors: dict[str, float] = {}
    spec = fair.get("min_street_pct")
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key not in services:
                problems.add(file, f"unknown or disabled service{did_you_mean(key, services)}; enabled: "
                             f"{', '.join(services)}", field=f"fairness.min_street_pct.{key}", value=key)
                continue
            v = _pct(problems, file, f"fairness.min_street_pct.{key}", value)
            if v is not None:
                floors[key] = v
    elif spec is not None:
        v = _pct(problems, file, "fairness.min_street_pct", spec)
        if v is not None:
            floors = dict.fromkeys(services, v)
    max_min = fair.get("max_min", False)
    if not isinstance(max_min, bool):
        problems.add(file, "must be true or false", field="fairness.max_min", value=max_min)
        max_min = False
    chosen: list[str] = []
    if "services" in fair:
        chosen = _services_list(fair["services"], "fairness.services", services, problems, file)
    if not floors and not max_min and spec is None:
        problems.add(file, "asks for nothing: give min_street_pct and/or max_min = true", field="fairness",
                     show_value=False)
    if floors and max_min:
        problems.add(file, "give either floors (min_street_pct) or max_min = true: max-min already lifts the "
                     "worst street as far as the budget allows", field="fairness.max_min", value=max_min)
    return Fairness(floors=floors, max_min=max_min, services=tuple(chosen))


def target_problem(rules: GradeRules, target: str) -> str | None:
    """Why ``target`` can never be met under ``rules`` (a level up to it needs an empty group), or None."""
    for level in LEVELS[: LEVELS.index(target) + 1]:
        for group, _ in rules.levels[level].requirements():
            if not rules.group(group):
                return (f"target '{target}' needs the {level} rule, which asks for {group} services, and this "
                        f"scenario has none: add them to [grades] {group}_services (and enable them)")
    return None


def target_pcts(rules: GradeRules, target: str) -> dict[str, float]:
    """Service -> the percentage the target asks of it: the largest any level up to the target asks."""
    out: dict[str, float] = {}
    for level in LEVELS[: LEVELS.index(target) + 1]:
        for group, pct in rules.levels[level].requirements():
            for s in rules.group(group):
                out[s] = max(out.get(s, 0.0), pct)
    return out
