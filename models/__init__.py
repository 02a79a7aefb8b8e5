"""Optimization formulations: pure builders of solver-neutral models; imports nothing from solver and no solver library.

``Instance``, ``GroupCap`` and ``LinearModel`` are imported on first use (PEP 562), so that
``models.mode`` (what the CLI's choices need) loads without numpy or scipy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {"GroupCap": "models.instance", "Instance": "models.instance", "LinearModel": "models.linear"}

__all__ = ["GroupCap", "Instance", "LinearModel"]

if TYPE_CHECKING:
    from .instance import GroupCap, Instance
    from .linear import LinearModel


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'models' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
