"""What a solve optimises (a choice the formulations and the engine key on)."""

from __future__ import annotations

from enum import Enum


class Mode(str, Enum):
    """What the solve optimises."""

    MAX_COVERAGE = "max_coverage"  # budgeted maximal covering
    COVER = "cover"  # minimum-cost full coverage (set covering)
    GRADE = "grade"  # least cost such that every street (community) meets a grade's rules (models/grade.py)
