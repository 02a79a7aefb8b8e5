"""Grades of a street or community: 基础型 (basic), 提升型 (improved), 品质型 (quality).

A grade says how completely a street (街道) or community (社区) is served. Each
grade level has a rule: a minimum coverage (share of households within the
service's walking time) that EVERY service of a group must reach. Groups:

* ``basic``: the basic-guarantee services (基本保障类业态);
* ``improved``: the quality-improvement services (品质提升类业态);
* ``all``: every service of the scenario.

An area has the highest grade whose rule holds together with the rules of
every lower grade (grades are cumulative); below the basic rule it is
"below basic" (未达基础型). A rule on a group with no services is NOT met: a
street cannot be called 提升型 on improvement services the scenario does not
model. An area without households has no grade (``None``).

Defaults (project defaults: no official numeric thresholds exist; the groups
follow the 2021 MOFCOM 《城市一刻钟便民生活圈建设指南》, see
``solver.inputs.catalogue.BASIC_SERVICES``)::

    basic_services    = the catalogue's basic services that are enabled
    improved_services = []                      # a scenario adds its own
    basic    = { basic_services_pct = 90 }
    improved = { basic_services_pct = 95, improved_services_pct = 80 }
    quality  = { all_services_pct = 95 }

Scenario TOML (every key optional; a level given replaces that level's
default rule whole)::

    [grades]
    basic_services = ["vegetable", "breakfast", "repair", "pharmacy"]
    improved_services = ["laundry"]
    basic = { basic_services_pct = 90 }
    improved = { basic_services_pct = 95, improved_services_pct = 80 }
    quality = { all_services_pct = 95 }

This module is light (no pandas, no plotting): the scenario loader imports it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from ..errors import Problems, did_you_mean
from .catalogue import BASIC_SERVICES

LEVELS = ("basic", "improved", "quality")
GROUPS = ("basic", "improved", "all")
RULE_KEYS = tuple(f"{g}_services_pct" for g in GROUPS)
GRADE_KEYS = {"basic_services", "improved_services", *LEVELS}


class Grade(IntEnum):
    """Grades in increasing order; ``key`` names the label in the catalogue."""

    BELOW = 0
    BASIC = 1
    IMPROVED = 2
    QUALITY = 3

    @property
    def key(self) -> str:
        return ("below", "basic", "improved", "quality")[self.value]


@dataclass(frozen=True, kw_only=True)
class LevelRule:
    """Minimum coverage (%) every service of a group must reach; None = no requirement."""

    basic_services_pct: float | None = None
    improved_services_pct: float | None = None
    all_services_pct: float | None = None

    def requirements(self) -> list[tuple[str, float]]:
        """(group, pct) pairs of this rule, in GROUPS order."""
        return [(g, getattr(self, f"{g}_services_pct")) for g in GROUPS
                if getattr(self, f"{g}_services_pct") is not None]


@dataclass(frozen=True, kw_only=True)
class Shortfall:
    """One reason a rule is not met: a service below the required coverage, or an empty group."""

    group: str
    required_pct: float
    service: str | None = None  # None: the group has no services
    pct: float | None = None


@dataclass(frozen=True, kw_only=True)
class GradeRules:
    basic_services: tuple[str, ...]
    improved_services: tuple[str, ...] = ()
    services: tuple[str, ...] = ()  # every service of the scenario (the ``all`` group)
    levels: dict[str, LevelRule] = field(default_factory=dict)

    def group(self, name: str) -> tuple[str, ...]:
        return {"basic": self.basic_services, "improved": self.improved_services, "all": self.services}[name]

    def shortfalls(self, level: str, pct: Mapping[str, float]) -> list[Shortfall]:
        """What keeps ``pct`` (service -> coverage %) from meeting ``level``'s own rule."""
        out: list[Shortfall] = []
        for group, required in self.levels[level].requirements():
            members = self.group(group)
            if not members:
                out.append(Shortfall(group=group, required_pct=required))
                continue
            for s in members:
                if pct[s] + 1e-9 < required:
                    out.append(Shortfall(group=group, required_pct=required, service=s, pct=pct[s]))
        return out

    def grade(self, pct: Mapping[str, float] | None) -> Grade | None:
        """The grade of an area whose coverage per service is ``pct``; None without households."""
        if pct is None:
            return None
        reached = Grade.BELOW
        for k, level in enumerate(LEVELS, start=1):
            if self.shortfalls(level, pct):
                break
            reached = Grade(k)
        return reached

    def next_step(self, pct: Mapping[str, float] | None) -> tuple[Grade, list[Shortfall]] | None:
        """The next grade above the current one and what it still needs; None at the top."""
        if pct is None:
            return None
        g = self.grade(pct)
        if g is None or g is Grade.QUALITY:
            return None
        nxt = Grade(g + 1)
        return nxt, self.shortfalls(LEVELS[nxt - 1], pct)

    def to_dict(self) -> dict:
        """Plain data for summary.json (and back with :func:`rules_from_dict`)."""
        return {"basic_services": list(self.basic_services), "improved_services": list(self.improved_services),
                **{lv: {k: v for k, v in vars(self.levels[lv]).items() if v is not None} for lv in LEVELS}}


DEFAULT_LEVELS: dict[str, LevelRule] = {
    "basic": LevelRule(basic_services_pct=90.0),
    "improved": LevelRule(basic_services_pct=95.0, improved_services_pct=80.0),
    "quality": LevelRule(all_services_pct=95.0),
}


def default_grade_rules(services: tuple[str, ...] | list[str]) -> GradeRules:
    """The default rules for a scenario whose enabled services are ``services``."""
    services = tuple(services)
    return GradeRules(basic_services=tuple(s for s in services if s in BASIC_SERVICES), improved_services=(),
                      services=services, levels=dict(DEFAULT_LEVELS))


def rules_from_dict(data: Mapping[str, Any] | None, services: tuple[str, ...] | list[str]) -> GradeRules:
    """Rules as written by :meth:`GradeRules.to_dict` (a run folder's summary.json).

    Services no longer among ``services`` are dropped; a missing ``data`` gives the defaults.
    """
    services = tuple(services)
    if not data:
        return default_grade_rules(services)
    levels = {lv: LevelRule(**{k: float(v) for k, v in (data.get(lv) or {}).items() if k in RULE_KEYS})
              for lv in LEVELS}
    return GradeRules(basic_services=tuple(s for s in data.get("basic_services", ()) if s in services),
                      improved_services=tuple(s for s in data.get("improved_services", ()) if s in services),
                      services=services, levels=levels)


def parse_grades(raw: Any, *, services: tuple[str, ...], declared: tuple[str, ...], problems: Problems,
                 file: str, defaults: GradeRules | None = None, disabled: tuple[str, ...] = ()) -> GradeRules:
    """Validate a scenario's ``[grades]`` table; record every problem in ``problems``.

    ``services`` are the enabled, valid services; ``declared`` every enabled
    service (a service with a problem of its own is not reported again here);
    ``disabled`` the catalogue's services that are off. ``defaults`` are the rules
    where ``raw`` is silent (the catalogue's: solver/inputs/presets.py), else
    :func:`default_grade_rules`.
    """
    rules = default_grade_rules(services) if defaults is None else defaults
    if raw is None:
        return rules
    if not isinstance(raw, dict):
        problems.add(file, "must be a table", field="grades", value=raw)
        return rules
    for key in raw:
        if key not in GRADE_KEYS:
            problems.add(file, f"unknown key{did_you_mean(key, sorted(GRADE_KEYS))}; allowed: "
                         f"{', '.join(sorted(GRADE_KEYS))}", field=f"grades.{key}", show_value=False)
    groups: dict[str, tuple[str, ...]] = {"basic": rules.basic_services, "improved": rules.improved_services}
    for group in ("basic", "improved"):
        key = f"{group}_services"
        fld = f"grades.{key}"
        if key not in raw:
            continue
        value = raw[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.add(file, "must be a list of service keys", field=fld, value=value)
            continue
        kept = []
        for v in value:
            if v in services:
                if v in kept:
                    problems.add(file, "service listed twice", field=fld, value=v)
                else:
                    kept.append(v)
            elif v in disabled:
                problems.add(file, f"service is disabled in this scenario: enable it with [services.{v}] enabled = "
                             "true", field=fld, value=v)
            elif v not in declared:
                problems.add(file, f"unknown or disabled service{did_you_mean(v, services)}; enabled: "
                             f"{', '.join(services)}", field=fld, value=v)
        groups[group] = tuple(kept)
    both = [s for s in groups["basic"] if s in groups["improved"]]
    for s in both:
        problems.add(file, "a service cannot be both basic and improved", field="grades.improved_services",
                     value=s)
    levels = dict(rules.levels)
    for level in LEVELS:
        if level not in raw:
            continue
        fld = f"grades.{level}"
        spec = raw[level]
        if not isinstance(spec, dict):
            problems.add(file, f"must be a table with any of: {', '.join(RULE_KEYS)}", field=fld, value=spec)
            continue
        if not spec:
            problems.add(file, f"needs at least one of: {', '.join(RULE_KEYS)}", field=fld, show_value=False)
            continue
        values: dict[str, float] = {}
        for key, value in spec.items():
            if key not in RULE_KEYS:
                problems.add(file, f"unknown key{did_you_mean(key, RULE_KEYS)}; allowed: {', '.join(RULE_KEYS)}",
                             field=f"{fld}.{key}", show_value=False)
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                problems.add(file, "must be a number (a percentage)", field=f"{fld}.{key}", value=value)
            elif not 0 <= value <= 100:
                problems.add(file, "must be between 0 and 100 (a percentage)", field=f"{fld}.{key}", value=value)
            else:
                values[key] = float(value)
        levels[level] = LevelRule(**values)
    return GradeRules(basic_services=groups["basic"], improved_services=groups["improved"] if not both else (),
                      services=services, levels=levels)
