"""Validating single values of TOML files (scenarios, catalogues): numbers with their ranges."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ..errors import Problems, did_you_mean
from .ranges import Range


def number(problems: Problems, file: str, fld: str, value: Any, *, minimum: float | None = None,
           strict: bool = False, integer: bool = False, maximum: float | None = None) -> float | None:
    """Validate a number; record a problem and return None when it is not acceptable."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.add(file, "must be a number", field=fld, value=value)
        return None
    if not math.isfinite(value):
        problems.add(file, "must be finite", field=fld, value=value)
        return None
    if integer and float(value) != int(value):
        problems.add(file, "must be a whole number", field=fld, value=value)
        return None
    if minimum is not None and (value <= minimum if strict else value < minimum):
        problems.add(file, f"must be {'>' if strict else '>='} {minimum:g}", field=fld, value=value)
        return None
    if maximum is not None and value > maximum:
        problems.add(file, f"must be <= {maximum:g}", field=fld, value=value)
        return None
    return value


def ranged(problems: Problems, file: str, fld: str, value: Any, rng: Range) -> float | None:
    """A number within ``rng`` (solver/inputs/ranges.py); record a problem and return None when it is not."""
    why = rng.problem(value)
    if why is not None:
        problems.add(file, why, field=fld, value=value)
        return None
    return value


def unknown_keys(problems: Problems, file: str, prefix: str, keys: Iterable[Any], allowed: Iterable[str]) -> None:
    """A problem (with did-you-mean) for every key not in ``allowed``; ``prefix`` is the table's field path."""
    allowed = sorted(allowed)
    for key in keys:
        if key not in allowed:
            problems.add(file, f"unknown key{did_you_mean(key, allowed)}; allowed: {', '.join(allowed)}",
                         field=f"{prefix}{key}", show_value=False)
