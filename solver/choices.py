"""The solver choices a user names, spelled once: which backend, and which OR-Tools engine.

Used by scenario validation ([solve] backend), RunOptions, the CLI's choices and the
backends' dispatch. String-valued (``Backend("pulp") is Backend.PULP``; a member prints
and serialises as its value). ``Mode`` (what a solve optimises) is in models/mode.py,
since the formulations depend on it. This module imports nothing.
"""

from __future__ import annotations

from enum import StrEnum


class Backend(StrEnum):
    """The solver library."""

    ORTOOLS = "ortools"  # OR-Tools, with an Engine
    PULP = "pulp"  # CBC through PuLP: a second, independent solver for cross-checks


class Engine(StrEnum):
    """The OR-Tools engine (ignored by the pulp backend)."""

    SCIP = "scip"  # SCIP branch-and-cut: the default
    CPSAT = "cpsat"  # CP-SAT


class Target(StrEnum):
    """Grade mode's target grade (solver/inputs/grades.py levels)."""

    BASIC = "basic"  # 基础型
    IMPROVED = "improved"  # 提升型
    QUALITY = "quality"  # 品质型


class Scope(StrEnum):
    """Grade mode's areas."""

    STREET = "street"  # 街道
    COMMUNITY = "community"  # 社区
