"""Plain Python values from numpy scalars: for messages and for JSON files.

numpy scalars print as ``np.int64(-5)`` and JSON cannot hold them (nor inf or NaN);
duck-typed on ``.item()``, so this module imports nothing.
"""

from __future__ import annotations

import math
from typing import Any


def plain(value: Any) -> Any:
    """numpy scalars (and 0-d arrays) as the Python scalars they hold; lists and tuples item by item."""
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "shape", None) == ():
        try:
            return item()
        except (TypeError, ValueError):
            return value
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    return value


def json_value(value: Any) -> Any:
    """:func:`plain`, with a non-finite number as None (JSON has no inf or NaN)."""
    value = plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def json_default(value: Any) -> Any:
    """``json.dump(..., default=json_default)``: numpy scalars as JSON values, anything else refused."""
    out = json_value(value)
    if out is value:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
    return out
