"""Optimization formulations: pure builders of solver-neutral models (no solver imports)."""

from .instance import GroupCap, Instance
from .linear import LinearModel

__all__ = ["GroupCap", "Instance", "LinearModel"]
