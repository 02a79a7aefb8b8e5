"""Reading a finished run's files back (``siting compare``, ``siting report``), checked like input.

    frame = read_layer(path, {"id": ID, "households": COUNT, ...}, problems)
    summary = read_summary(path, {"result.cost_yuan": NUMBER_OR_NULL, ...}, problems)

A run folder is the user's input to ``compare`` and ``report``, and it may have been edited
or damaged since ``siting solve`` wrote it (opened and re-saved in Excel, truncated, a
column renamed). Each reader declares the columns (or summary.json fields) it needs and
of which kind; a file that cannot be read, a missing column and a value of the wrong kind
are problems naming the file, the row (line number, header = 1), the field and the value,
all at once, so the readers after them work on clean data (never a crash, exit 1).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import Problems

TEXT = "text"  # any text ('' when empty)
ID = "id"  # non-empty text, unique in the file
COUNT = "count"  # whole number >= 0
FLAG = "flag"  # 0 or 1
NUMBER = "number"  # finite number
NUMBER_OR_EMPTY = "number_or_empty"  # finite number, or empty
SHOWN = 5  # problems shown per column; the rest are counted

RULES = {ID: "must be non-empty and unique", COUNT: "must be a whole number >= 0", FLAG: "must be 0 or 1",
         NUMBER: "must be a finite number", NUMBER_OR_EMPTY: "must be a finite number or empty"}


def read_layer(path: Path, columns: dict[str, str], problems: Problems) -> pd.DataFrame | None:
    """A CSV layer of a run folder with ``columns`` of their kinds; None (problems added) when unusable.

    Text columns stay text ('NA' is a name, not a missing value); numbers become numbers.
    """
    file = str(path)
    start = len(problems)
    if not path.is_file():
        problems.add(file, "missing: not the output folder of a finished `siting solve` run", show_value=False)
        return None
    text_cols = {c: str for c, kind in columns.items() if kind in (TEXT, ID)}
    try:
        frame = pd.read_csv(path, dtype=text_cols, keep_default_na=False, na_values=[""], encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.add(file, f"is not UTF-8 text any more (saved again in another encoding?); byte "
                     f"0x{exc.object[exc.start]:02x} at offset {exc.start}", show_value=False)
        return None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        problems.add(file, f"cannot be read as CSV ({str(exc).strip() or type(exc).__name__})", show_value=False)
        return None
    for col, kind in columns.items():
        if col not in frame.columns:
            problems.add(file, "missing column (the file was edited?)", field=col, show_value=False)
            continue
        values = frame[col]
        if kind in (TEXT, ID):
            frame[col] = values.fillna("").astype(str)
            if kind == ID:
                bad = (frame[col] == "") | frame[col].duplicated(keep="first")
                _report(problems, file, col, RULES[kind], bad.to_numpy(), frame[col].to_numpy())
            continue
        num = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        empty = values.isna().to_numpy()
        bad = ~np.isfinite(num)
        if kind == NUMBER_OR_EMPTY:
            bad &= ~empty
        elif kind == COUNT:
            bad |= np.isfinite(num) & ((num < 0) | (num != np.round(num)))
        elif kind == FLAG:
            bad |= np.isfinite(num) & ~np.isin(num, (0.0, 1.0))
        _report(problems, file, col, RULES[kind], bad, values.to_numpy(dtype=object))
        frame[col] = np.where(bad, np.nan, num) if kind in (NUMBER, NUMBER_OR_EMPTY) else np.where(bad, 0, num)
        if kind in (COUNT, FLAG) and not bad.any():
            frame[col] = frame[col].astype(np.int64)
    return frame if len(problems) == start else None


def _report(problems: Problems, file: str, col: str, rule: str, bad: np.ndarray, values: np.ndarray) -> None:
    idx = np.flatnonzero(bad)
    for k in idx[:SHOWN]:
        v = values[k]
        problems.add(file, rule, field=col, row=int(k) + 2,
                     value="" if v is None or (isinstance(v, float) and math.isnan(v)) else v)
    if len(idx) > SHOWN:
        problems.add(file, f"... and {len(idx) - SHOWN} more rows where it {rule.removeprefix('must ')}",
                     field=col, show_value=False)


def _get(data: Any, dotted: str) -> tuple[bool, Any]:
    node = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def read_summary(path: Path, fields: dict[str, str], problems: Problems) -> dict | None:
    """summary.json as a mapping, with each dotted field of ``fields`` present and of its kind
    (``text``, ``number``, ``number_or_null``, ``count``, ``object``); None (problems added) when not."""
    file = str(path)
    if not path.is_file():
        problems.add(file, "missing: not the output folder of a finished `siting solve` run", show_value=False)
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        problems.add(file, f"cannot be read as JSON ({exc})", show_value=False)
        return None
    if not isinstance(data, dict):
        problems.add(file, "must be a JSON object (the summary of a run)", value_text=type(data).__name__)
        return None
    start = len(problems)
    for dotted, kind in fields.items():
        found, value = _get(data, dotted)
        if not found:
            if not kind.endswith("_or_null"):
                problems.add(file, "missing (the file was edited?)", field=dotted, show_value=False)
            continue
        number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        ok = {"text": isinstance(value, str), "number": number, "number_or_null": number or value is None,
              "count": number and float(value).is_integer() and value >= 0,
              "count_or_null": value is None or (number and float(value).is_integer() and value >= 0),
              "object": isinstance(value, dict), "object_or_null": value is None or isinstance(value, dict)}[kind]
        if not ok:
            what = {"text": "text", "number": "a finite number", "number_or_null": "a finite number or null",
                    "count": "a whole number >= 0", "count_or_null": "a whole number >= 0 or null",
                    "object": "an object", "object_or_null": "an object or null"}[kind]
            problems.add(file, f"must be {what}", field=dotted, value=value if not isinstance(value, dict) else None,
                         show_value=not isinstance(value, dict))
    return data if len(problems) == start else None


def check_folder(path: Path, problems: Problems) -> bool:
    """Whether ``path`` is a folder a run can be read from; a problem added when it is not."""
    from .paths import path_problem

    why = path_problem(path)
    if why:
        problems.add(str(path), why, show_value=False)
        return False
    if not path.is_dir():
        problems.add(str(path), "is a file, not a run folder (give the output folder of a finished run)"
                     if path.exists() else "run folder not found", show_value=False)
        return False
    return True
