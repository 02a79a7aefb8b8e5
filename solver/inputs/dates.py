"""Dated existing facilities: ``opened`` / ``closed`` columns and the date a run is evaluated on.

A date is an ISO date (``2025-03-01``) or a quarter (``2025Q1``, ``2025-Q1``, any case,
full-width allowed). In the ``opened`` / ``closed`` columns a quarter stands for its
first day (the facility opened / closed during that quarter). An as-of quarter
(``--as-of 2026Q3``, scenario key ``as_of``) stands for its LAST day: the state at the
end of the quarter. The rule, on the as-of date D:

    a facility counts  <=>  (opened is empty or opened <= D) and (closed is empty or closed > D)

so a facility closed during quarter Q no longer counts in Q, one opened during Q counts
in Q. ``closed`` must be later than ``opened`` (else it would never count).

Without an as-of date (a plain ``siting solve``), every row WITHOUT a ``closed`` date
counts (whatever its ``opened`` date: the plan starts from every facility that is open
or announced), and the rows with a ``closed`` date do not; when the table has dates this
is said as a warning, never silently. :func:`existing_on` applies the rule and returns the
record that summary.json keeps as ``existing_dates``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..errors import Problem

QUARTER = re.compile(r"(\d{4})-?[Qq]([1-4])")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
FIRST_YEAR, LAST_YEAR = 1900, 2200
DATE_RULE = "must be a date (2025-03-01) or a quarter (2025Q1)"
COUNT_RULE = ("counts on date D when (opened empty or opened <= D) and (closed empty or closed > D); "
              "a quarter as opened/closed is its first day, an as-of quarter its last day")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip() if not str(text).isascii() else str(text).strip()


def _quarter_start(year: int, q: int) -> np.datetime64:
    return np.datetime64(f"{year:04d}-{3 * (q - 1) + 1:02d}-01", "D")


def parse_date(text: str, *, end_of_quarter: bool = False) -> np.datetime64 | None:
    """One date (``datetime64[D]``), or None when ``text`` is not a date or quarter in range."""
    v = _norm(text)
    m = QUARTER.fullmatch(v)
    if m:
        year, q = int(m.group(1)), int(m.group(2))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            return None
        if not end_of_quarter:
            return _quarter_start(year, q)
        nxt = _quarter_start(year + (q == 4), 1 if q == 4 else q + 1)
        return nxt - np.timedelta64(1, "D")
    if ISO_DATE.fullmatch(v):
        try:
            d = np.datetime64(v, "D")
        except ValueError:
            return None
        year = int(str(d)[:4])
        return d if FIRST_YEAR <= year <= LAST_YEAR else None
    return None


def parse_dates(text: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dates of a column (NaT where empty or invalid) and a mask of the invalid non-empty cells."""
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[D]")
    bad = np.zeros(len(text), dtype=bool)
    cache: dict[str, np.datetime64 | None] = {}
    for k, v in enumerate(text):
        v = str(v)
        if not v.strip():
            continue
        if v not in cache:
            cache[v] = parse_date(v)
        d = cache[v]
        if d is None:
            bad[k] = True
        else:
            out[k] = d
    return out, bad


@dataclass(frozen=True)
class AsOf:
    """The date a run is evaluated on: as given (``label``) and as a day (``date``)."""

    label: str
    date: np.datetime64

    @property
    def iso(self) -> str:
        return str(self.date)


def parse_as_of(text: str) -> AsOf | None:
    """``2026Q3`` (its last day) or ``2026-09-30``; None when it is neither."""
    d = parse_date(text, end_of_quarter=True)
    if d is None:
        return None
    v = _norm(text)
    m = QUARTER.fullmatch(v)
    return AsOf(label=f"{m.group(1)}Q{m.group(2)}" if m else v, date=d)


def quarter_of(date: np.datetime64) -> str:
    """The quarter a day lies in, as ``2026Q3``."""
    y, mth = int(str(date)[:4]), int(str(date)[5:7])
    return f"{y}Q{(mth - 1) // 3 + 1}"


def existing_on(district, as_of: AsOf | None, *, file: str):
    """The district with only the existing facilities that count on ``as_of`` (module docstring),
    its ``dated`` record set, and a warning when dates are present but no as-of date was given."""
    ex = district.existing
    n = len(ex)
    nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    opened = ex["opened"].to_numpy(dtype="datetime64[D]") if "opened" in ex else nat
    closed = ex["closed"].to_numpy(dtype="datetime64[D]") if "closed" in ex else nat
    has_dates = bool((~np.isnat(opened)).any() or (~np.isnat(closed)).any())
    if as_of is None and not has_dates:
        return district
    warnings = list(district.warnings)
    if as_of is None:
        keep = np.isnat(closed)
        not_yet = np.zeros(n, dtype=bool)
        gone = ~keep
        warnings.append(Problem(file=file, field="opened,closed", show_value=False,
                                rule=f"the table has opened/closed dates and no as-of date was given: every row "
                                f"without a closed date counts ({int(keep.sum())} of {n}; {int(gone.sum())} with a "
                                "closed date do not); give --as-of (or as_of in the scenario) for a date"))
    else:
        not_yet = ~np.isnat(opened) & (opened > as_of.date)
        gone = ~np.isnat(closed) & (closed <= as_of.date)
        keep = ~not_yet & ~gone
        if not has_dates:
            warnings.append(Problem(file=file, field="opened,closed", show_value=False,
                                    rule=f"as-of {as_of.label} was given but no row has an opened or closed date: "
                                    "every existing facility counts"))
    record = {"as_of": None if as_of is None else as_of.label, "date": None if as_of is None else as_of.iso,
              "rule": COUNT_RULE if as_of is not None else "no as-of date: every row without a closed date counts",
              "rows": n, "counted": int(keep.sum()), "not_yet_opened": int((not_yet & ~gone).sum()),
              "closed": int(gone.sum())}
    return replace(district, existing=ex[keep].reset_index(drop=True), dated=record, warnings=tuple(warnings))


def date_text(values: pd.Series) -> list[str]:
    """Dates as ISO text ('' for none), for output layers."""
    arr = values.to_numpy(dtype="datetime64[D]")
    return ["" if np.isnat(d) else str(d) for d in arr]
