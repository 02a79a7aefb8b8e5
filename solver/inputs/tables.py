"""Validating the input tables of a scenario.

Households, candidate spaces, existing facilities and the walking network
come as CSV (x,y or lon,lat columns), as GeoPackage / GeoJSON points, or as
pandas DataFrames / GeoDataFrames, read as text by solver/inputs/readers.py
(encodings, separators, row numbers), so that every source is checked the same way. Each table
is checked row by row (vectorised) and every problem is collected;
:func:`read_tables` raises one InputError that lists all of them.
Coordinates are returned in the metric working CRS. Numbers may use
full-width digits (``１２``), exponents (``1e5``) and thousands separators
(``1,000`` in quotes); floors may read ``B2``, ``3F``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import CRS

from ..errors import DefectError, Problem, Problems, did_you_mean
from . import ranges
from .catalogue import GAS_SUPPLY, SPACE_ATTRIBUTES, SPACE_TYPES, SpaceDefault
from .dates import DATE_RULE, parse_dates
from .geo import area_of_use_text, coordinate_hints, crs_label, outside_area_of_use, project, working_crs
from .ranges import Range
from .readers import RawTable, Source, TableInput, read_raw, source_digest, source_name
from .textfiles import CANDIDATES

TRUE_WORDS = {"true", "1", "yes", "y", "t", "all", "是"}
FALSE_WORDS = {"", "false", "0", "no", "n", "f", "none", "nan", "否"}
# the candidate columns water / frontage (an empty cell: the space type's default, not "no")
YES_WORDS = ("yes", "y", "true", "t", "1", "是", "有")
NO_WORDS = ("no", "n", "false", "f", "0", "否", "无")
LIST_SEPARATORS = re.compile(r"[,;，；、\s]+")
THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
BASEMENT = re.compile(r"[Bb](\d+)")  # B1 = -1
STOREY = re.compile(r"(?:[Ff](\d+)|(\d+)[Ff])")  # F1 / 1F = 1


@dataclass(frozen=True, kw_only=True)
class Column:
    name: str
    kind: str  # id | str | int | float | enum | floor | yesno | date
    required: bool = True
    range: Range | None = None  # the values accepted (solver/inputs/ranges.py)
    minimum: float | None = None  # without a range: the least value accepted (> with ``strict``)
    strict: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class District:
    """Validated input tables in the metric working CRS (columns ``x``, ``y`` in metres)."""

    households: pd.DataFrame
    candidates: pd.DataFrame
    existing: pd.DataFrame
    nodes: pd.DataFrame | None
    edges: pd.DataFrame | None
    input_crs: CRS
    crs: CRS
    fingerprints: dict[str, str]
    # where each table came from (keys: households, candidates, existing, network_nodes,
    # network_edges), as later stages' messages name it
    sources: dict[str, Source] = field(default_factory=dict)
    complete: bool = True  # False: only the rows without problems (check_district), never solved
    # plausible but suspicious data (Problems shown as warnings; summary.json "warnings")
    warnings: tuple[Problem, ...] = ()
    # rows left out of the model with the reason (table, id, src_row, reason): points on a piece
    # of the walking network that no household reaches
    left_out: pd.DataFrame | None = None
    # existing facilities' opened/closed dates applied on an as-of date (solver/inputs/dates.py)
    dated: dict | None = None

    @property
    def total_households(self) -> int:
        return int(self.households["households"].sum())


HOUSEHOLD_COLUMNS = (
    Column(name="id", kind="id"),
    Column(name="households", kind="int", range=ranges.HOUSEHOLDS),
    Column(name="street", kind="str"),
    Column(name="community", kind="str"),
    Column(name="name", kind="str", required=False),
    Column(name="population", kind="float", required=False, range=ranges.PEOPLE),
    Column(name="elderly", kind="float", required=False, range=ranges.PEOPLE),
    Column(name="must_cover", kind="str", required=False),
    Column(name="kind", kind="enum", required=False, choices=("urban", "village")),  # solver/inputs/villages.py
)
CANDIDATE_COLUMNS = (
    Column(name="id", kind="id"),
    Column(name="name", kind="str"),
    Column(name="space_type", kind="enum", choices=tuple(SPACE_TYPES)),
    Column(name="area_m2", kind="float", range=ranges.SPACE_AREA_M2),
    Column(name="floor", kind="floor", range=ranges.FLOOR),
    Column(name="street", kind="str"),
    Column(name="conversion_cost", kind="float", required=False, range=ranges.COST_YUAN),
    Column(name="community", kind="str", required=False),
    Column(name="gas", kind="enum", required=False, choices=GAS_SUPPLY),
    Column(name="water", kind="yesno", required=False),
    Column(name="frontage", kind="yesno", required=False),
)
EXISTING_COLUMNS = (
    Column(name="id", kind="id"),
    Column(name="service", kind="str"),
    Column(name="name", kind="str", required=False),
    Column(name="opened", kind="date", required=False),  # solver/inputs/dates.py
    Column(name="closed", kind="date", required=False),
)
NODE_COLUMNS = (Column(name="id", kind="id"),)
EDGE_COLUMNS = (
    Column(name="u", kind="str"),
    Column(name="v", kind="str"),
    Column(name="length_m", kind="float", range=ranges.EDGE_M),
)


# ------------------------------------------------------------------------------------------
# checking


def parse_numbers(text: np.ndarray) -> np.ndarray:
    """Numbers from text: full-width digits and signs, exponents, quoted thousands separators.

    Empty or unparseable text gives NaN; 'inf' / 'nan' parse as such (and fail finiteness checks).
    """
    s = pd.Series(np.asarray(text, dtype=object), dtype=object)
    if len(s) == 0:
        return np.zeros(0, dtype=float)
    s = s.fillna("").astype(object)
    out = np.array(pd.to_numeric(s.replace("", np.nan), errors="coerce"), dtype=float)
    # only what plain parsing left unparsed can need the rewriting below (the common case: none)
    retry = np.isnan(out) & (s != "").to_numpy(dtype=bool)
    if not retry.any():
        return out
    t = s[retry]
    wide = ~t.map(str.isascii).astype(bool)
    if wide.any():
        t[wide] = t[wide].map(lambda v: unicodedata.normalize("NFKC", v).strip().replace("\u2212", "-"))
    sep = t.str.fullmatch(THOUSANDS).fillna(False).astype(bool)
    if sep.any():
        t[sep] = t[sep].str.replace(",", "", regex=False)
    out[retry] = pd.to_numeric(t.replace("", np.nan), errors="coerce").to_numpy(dtype=float)
    return out


def parse_yes_no(text: np.ndarray) -> np.ndarray:
    """True / False for the words of YES_WORDS / NO_WORDS (any case, full-width allowed); None otherwise."""
    words = pd.Series(np.asarray(text, dtype=object), dtype=object).map(
        lambda v: unicodedata.normalize("NFKC", str(v)).strip().lower())
    table = {**dict.fromkeys(YES_WORDS, True), **dict.fromkeys(NO_WORDS, False)}
    return np.array([table.get(w) for w in words], dtype=object)


def _isin(values: np.ndarray, choices) -> np.ndarray:
    """Hash-based membership for text (np.isin on object arrays is quadratic)."""
    return pd.Series(np.asarray(values, dtype=object), dtype=object).isin(list(choices)).to_numpy(dtype=bool)


def parse_floors(text: np.ndarray) -> np.ndarray:
    """Floor numbers: ``1`` (ground), ``-1`` / ``B1`` (first basement), ``F2`` / ``2F``."""
    text = np.asarray(text, dtype=object).copy()
    for k, v in enumerate(text):
        v = unicodedata.normalize("NFKC", v).strip() if not v.isascii() else v
        m = BASEMENT.fullmatch(v)
        if m:
            text[k] = f"-{m.group(1)}"
            continue
        m = STOREY.fullmatch(v)
        if m:
            text[k] = m.group(1) or m.group(2)
    return parse_numbers(text)


def _report(problems: Problems, raw: RawTable, mask: np.ndarray, fld: str, rule: str, values) -> None:
    idx = np.flatnonzero(mask)
    if len(idx) == 0:
        return
    vals = np.asarray(values, dtype=object)
    for k in idx:
        problems.add(raw.file, rule, field=fld, row=int(raw.rows[k]), value=vals[k], row_word=raw.row_word)


def _report_choices(problems: Problems, raw: RawTable, mask: np.ndarray, fld: str, rule: str,
                    values: np.ndarray, choices) -> None:
    """Like :func:`_report` with a did-you-mean per value (``{hint}`` in ``rule``)."""
    hints: dict[str, str] = {}
    for k in np.flatnonzero(mask):
        v = str(values[k])
        if v not in hints:
            hints[v] = did_you_mean(v, choices)
        problems.add(raw.file, rule.format(hint=hints[v]), field=fld, row=int(raw.rows[k]), value=values[k],
                     row_word=raw.row_word)


def _typed_columns(raw: RawTable, spec: tuple[Column, ...], problems: Problems) -> dict[str, np.ndarray]:
    """Typed values of the columns of ``spec`` that exist (NaN where a number is not valid)."""
    out: dict[str, np.ndarray] = {}
    file, rows, n = raw.file, raw.rows, raw.n
    for col in spec:
        if col.name not in raw.text:
            if col.required:
                problems.add(file, f"required column is missing{did_you_mean(col.name, raw.columns)}",
                             field=col.name, value_text="columns " + ", ".join(raw.columns))
            continue
        text = raw.text[col.name]
        empty = text == ""
        if col.kind == "id":
            _report(problems, raw, empty, col.name, "must not be empty", text)
            codes, uniques = pd.factorize(pd.Series(text, dtype=object))
            _, first = np.unique(codes, return_index=True)
            first_of = first[codes]
            dup = (first_of != np.arange(n)) & ~empty
            for k in np.flatnonzero(dup):
                problems.add(file, f"duplicate id (first on {raw.row_word} {int(rows[first_of[k]])})",
                             field=col.name, row=int(rows[k]), value=text[k], row_word=raw.row_word)
            out[col.name] = text
        elif col.kind == "enum":
            text = text.copy()
            if not col.required:
                text[empty] = col.choices[0]
            bad = ~_isin(text, col.choices)
            _report_choices(problems, raw, bad, col.name,
                            "unknown value{hint}; must be one of: " + ", ".join(col.choices), text,
                            col.choices)
            out[col.name] = text
        elif col.kind == "yesno":
            out[col.name] = parse_yes_no(text)
            bad = ~empty & pd.isna(out[col.name])
            _report(problems, raw, bad, col.name, f"must be yes or no ({', '.join(YES_WORDS)} / "
                    f"{', '.join(NO_WORDS)}), or empty for the space type's default", text)
        elif col.kind == "date":
            out[col.name], bad = parse_dates(text)
            _report(problems, raw, bad, col.name, DATE_RULE, text)
        elif col.kind == "str":
            if col.required:
                _report(problems, raw, empty, col.name, "must not be empty", text)
            out[col.name] = text
        else:
            num = parse_floors(text) if col.kind == "floor" else parse_numbers(text)
            if col.required:
                _report(problems, raw, empty, col.name, "must not be empty", text)
            bad_num = ~empty & ~np.isfinite(num)
            _report(problems, raw, bad_num, col.name,
                    "must be a floor number (1 = ground floor, -1 or B1 = first basement)"
                    if col.kind == "floor" else "must be a finite number", text)
            ok = np.isfinite(num)
            if col.kind in ("int", "floor"):
                frac = ok & (num != np.round(num))
                _report(problems, raw, frac, col.name, "must be a whole number", text)
                num = np.where(frac, np.nan, num)
                ok &= ~frac
            if col.range is None and col.minimum is not None:
                low = ok & ((num <= col.minimum) if col.strict else (num < col.minimum))
                _report(problems, raw, low, col.name, f"must be {'>' if col.strict else '>='} {col.minimum:g}", text)
                num = np.where(low, np.nan, num)
            if col.range is not None:
                r = col.range
                low = ok & ((num <= r.low) if r.low_open else (num < r.low))
                high = ok & (num > r.high)
                if col.kind == "floor":
                    rule = f"must be a floor from {r.low:g} (B{-r.low:g}) to {r.high:g} (1 = ground floor)"
                    _report(problems, raw, low | high, col.name, rule, text)
                else:
                    _report(problems, raw, low, col.name, r.low_rule(), text)
                    _report(problems, raw, high, col.name, r.high_rule(), text)
                num = np.where(low | high, np.nan, num)
            out[col.name] = num
    return out


def _fmt(v: float) -> str:
    return f"{v:.10g}"


def _coordinates(raw: RawTable, crs: CRS | None, problems: Problems) -> tuple[np.ndarray, np.ndarray] | None:
    """x, y in the scenario's input CRS (NaN where invalid), or None when no location is usable."""
    file, rows, n = raw.file, raw.rows, raw.n
    if raw.vector:
        if crs is not None and raw.file_crs is not None and not raw.file_crs.equals(
                crs, ignore_axis_order=True):
            problems.add(file, f"the {raw.kind}'s CRS differs from the scenario's crs ({crs_label(crs)}): "
                         f"reproject the {raw.kind} or change the scenario's crs (never done silently)",
                         value_text=raw.file_crs.to_string())
            return None
        geom = raw.geometry
        types = np.asarray(geom.geom_type, dtype=object)
        types = np.where(pd.isna(types), "no geometry", types)
        is_point = types == "Point"
        x = np.full(n, np.nan)
        y = np.full(n, np.nan)
        if is_point.any():
            pts = geom[is_point]
            x[is_point] = pts.x.to_numpy(dtype=float)
            y[is_point] = pts.y.to_numpy(dtype=float)
        empty = is_point & ~(np.isfinite(x) & np.isfinite(y))
        types = np.where(empty, "empty Point", types)
        _report(problems, raw, ~is_point | empty, "geometry", "must be a (non-empty) Point",
                types)
        shown_x: np.ndarray = np.array([_fmt(v) for v in x], dtype=object)
        shown_y = np.array([_fmt(v) for v in y], dtype=object)
        label = "geometry"
    else:
        cols = set(raw.text)
        if {"x", "y"} <= cols:
            xs, ys = "x", "y"
        elif {"lon", "lat"} <= cols:
            xs, ys = "lon", "lat"
            if crs is not None and not crs.is_geographic:
                problems.add(file, "lon/lat columns need a geographic scenario crs (e.g. 'EPSG:4326'), "
                             f"but the scenario's crs is {crs.to_string()} (metres); use x,y columns "
                             "or change the crs (never reprojected silently)", field="lon,lat",
                             value_text=crs.to_string())
                return None
        else:
            hints = [did_you_mean(c, raw.columns) for c in ("x", "y")]
            hint = "".join(h for h in hints if h)
            problems.add(file, f"location columns are missing: need x,y or lon,lat{hint}", field="x,y",
                         value_text="columns " + ", ".join(raw.columns))
            return None
        shown_x, shown_y = raw.text[xs], raw.text[ys]
        label = f"{xs},{ys}"
        x = parse_numbers(shown_x)
        y = parse_numbers(shown_y)
        _report(problems, raw, ~np.isfinite(x), xs, "must be a finite number", shown_x)
        _report(problems, raw, ~np.isfinite(y), ys, "must be a finite number", shown_y)
    if crs is None:
        return x, y
    finite = np.isfinite(x) & np.isfinite(y)
    out = np.zeros(n, dtype=bool)
    if finite.any():
        out[finite] = outside_area_of_use(crs, x[finite], y[finite])
    if out.any():
        causes = np.full(n, "", dtype=object)
        causes[out] = coordinate_hints(crs, x[out], y[out])
        where = area_of_use_text(crs)
        shown = np.array([f"({a}, {b})" for a, b in zip(shown_x, shown_y)], dtype=object)
        if out.all() and n > 1:
            hint = causes[0] if (causes == causes[0]).all() and causes[0] else "a different CRS?"
            problems.add(file, f"all {n} rows lie outside the area of use of {where} ({hint})",
                         field=label, value_text=f"{shown[0]} on {raw.row_word} {int(rows[0])}")
        else:
            for k in np.flatnonzero(out):
                hint = causes[k] or "swapped axes or a different CRS?"
                problems.add(file, f"lies outside the area of use of {where} ({hint})", field=label,
                             row=int(rows[k]), value_text=shown[k], row_word=raw.row_word)
        x = np.where(out, np.nan, x)
        y = np.where(out, np.nan, y)
    return x, y


@dataclass(kw_only=True)
class _Table:
    raw: RawTable
    values: dict[str, np.ndarray]
    x: np.ndarray | None = None
    y: np.ndarray | None = None
    crs: CRS | None = None

    @property
    def file(self) -> str:
        return self.raw.file

    @property
    def rows(self) -> np.ndarray:
        return self.raw.rows

    def has(self, *cols: str) -> bool:
        return all(c in self.values for c in cols)


def _read_table(source: TableInput, key: str, spec: tuple[Column, ...], crs: CRS | None, problems: Problems, *,
                located: bool = True, allow_empty: bool = False, name: str | None = None) -> _Table | None:
    raw = read_raw(source, problems, key=key, name=name)
    if raw is None:
        return None
    if raw.n == 0:
        if raw.bad_rows:
            return None
        if not allow_empty:
            empty = ("has no rows" if raw.kind == "data frame" else "has no features" if raw.vector
                     else "has no data rows (only a header)")
            problems.add(raw.file, empty, show_value=False)
            return None
    table = _Table(raw=raw, values=_typed_columns(raw, spec, problems), crs=crs)
    if located and raw.n:
        xy = _coordinates(raw, crs, problems)
        if xy is not None:
            table.x, table.y = xy
    return table


# ------------------------------------------------------------------------------------------
# the district


@dataclass(frozen=True, kw_only=True)
class TableSources:
    """What table validation needs from a scenario (also usable with a scenario that has problems).

    Each table is a file, a (Geo)DataFrame, or None when not given.
    """

    scenario_file: str  # the scenario file, or what names a scenario given in Python ("run_tables")
    households: TableInput | None
    candidates: TableInput | None
    existing: TableInput | None
    network_nodes: TableInput | None
    network_edges: TableInput | None
    crs: CRS | None
    services: tuple[str, ...]
    disabled_services: tuple[str, ...] = ()
    conversion_cost_default: dict[str, float] = field(default_factory=dict)
    street_caps: tuple[str, ...] = ()
    scenario_fingerprint: str | None = None  # None: the SHA-256 of the scenario file
    names: dict[str, str] = field(default_factory=dict)  # table key -> how messages name it (default: file name)
    # water / frontage of a space type where the candidate table is silent (None: the shared defaults)
    space_defaults: Mapping[str, SpaceDefault] | None = None

    def tables(self) -> dict[str, TableInput]:
        """The tables given, by key."""
        out = {"households": self.households, "candidates": self.candidates, "existing": self.existing,
               "network_nodes": self.network_nodes, "network_edges": self.network_edges}
        return {k: v for k, v in out.items() if v is not None}


def _must_cover_sets(values: np.ndarray, services: list[str], disabled: set[str], table: RawTable,
                     problems: Problems) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for k, raw in enumerate(values):
        word = str(raw).strip().lower()
        if word in FALSE_WORDS:
            out.append(())
        elif word in TRUE_WORDS:
            out.append(tuple(services))
        else:
            keys = [s for s in LIST_SEPARATORS.split(str(raw).strip()) if s]
            unknown = [s for s in keys if s not in services and s not in disabled]
            if unknown:
                hint = did_you_mean(unknown[0], services)
                problems.add(table.file, f"unknown service '{unknown[0]}'{hint}: must be true/false/all or "
                             f"a list of services from: {', '.join(services)}",
                             field="must_cover", row=int(table.rows[k]), value=raw, row_word=table.row_word)
            out.append(tuple(s for s in services if s in keys))
    return out


@dataclass(kw_only=True)
class _Checked:
    hh: _Table | None
    cand: _Table | None
    existing: _Table | None
    nodes: _Table | None
    edges: _Table | None
    must_cover: list[tuple[str, ...]] | None = None
    conversion_cost: np.ndarray | None = None
    cost_source: np.ndarray | None = None


def check_tables(src: TableSources, problems: Problems) -> _Checked:
    """Read and check every table named by ``src``; add every problem to ``problems``."""
    start = len(problems.items)
    try:
        return _check_tables(src, problems)
    finally:
        # each file's problems in row order (file-level problems first), files in reading order
        mine = problems.items[start:]
        order = {f: k for k, f in reversed(list(enumerate(p.file for p in mine)))}
        mine.sort(key=lambda p: (order[p.file], p.row if p.row is not None else -1))
        problems.items[start:] = mine


def _check_tables(src: TableSources, problems: Problems) -> _Checked:
    crs = src.crs
    services = list(src.services)
    disabled = set(src.disabled_services)

    def read(source, key, spec, **kw):
        return (_read_table(source, key, spec, crs, problems, name=src.names.get(key), **kw)
                if source is not None else None)

    out = _Checked(hh=read(src.households, "households", HOUSEHOLD_COLUMNS),
                   cand=read(src.candidates, "candidates", CANDIDATE_COLUMNS),
                   existing=read(src.existing, "existing", EXISTING_COLUMNS, allow_empty=True),
                   nodes=read(src.network_nodes, "network_nodes", NODE_COLUMNS),
                   edges=read(src.network_edges, "network_edges", EDGE_COLUMNS, located=False))

    hh = out.hh
    if hh is not None:
        if "must_cover" in hh.values:
            out.must_cover = _must_cover_sets(hh.values["must_cover"], services, disabled, hh.raw, problems)
        if "households" in hh.values:
            h = hh.values["households"]
            if np.isfinite(h).all() and h.sum() == 0:
                problems.add(hh.file, "total households is 0: nothing to cover", field="households",
                             value_text="0 in every row")
            elif np.nansum(h) > ranges.TOTAL_HOUSEHOLDS:
                problems.add(hh.file, f"total households must be <= {ranges.TOTAL_HOUSEHOLDS:,.0f} in one "
                             "district (a unit error, or a city that should be split?)", field="households",
                             value_text=f"{np.nansum(h):,.0f}")
    cand = out.cand
    if cand is not None:
        v = cand.values
        if "floor" in v:
            zero = v["floor"] == 0
            _report(problems, cand.raw, zero, "floor",
                    "floor 0 does not exist: use 1 for the ground floor, -1 for B1", cand.raw.text["floor"])
        if "space_type" in v:
            types = v["space_type"]
            known = _isin(types, tuple(SPACE_TYPES))
            text = cand.raw.text.get("conversion_cost")
            missing = (text == "") if text is not None else np.ones(cand.raw.n, dtype=bool)
            defaults = np.array([src.conversion_cost_default.get(t, np.nan) for t in types], dtype=float)
            no_default = missing & known & ~np.isfinite(defaults)
            for k in np.flatnonzero(no_default):
                problems.add(cand.file, "is empty and the scenario has no conversion_cost_default for "
                             f"space type '{types[k]}' (add [conversion_cost_default] {types[k]} = ... "
                             "or fill the cell)", field="conversion_cost", row=int(cand.rows[k]),
                             row_word=cand.raw.row_word, value="" if text is not None else None,
                             value_text=None if text is not None else "no conversion_cost column")
            cost = v.get("conversion_cost", np.full(cand.raw.n, np.nan))
            out.conversion_cost = np.where(missing, defaults, cost)
            out.cost_source = np.where(missing, "default", "table")
        if src.street_caps and "street" in v:
            streets = sorted(set(v["street"]) - {""})
            for name in src.street_caps:
                if name not in streets:
                    shown = ", ".join(streets[:12]) + (" ..." if len(streets) > 12 else "")
                    problems.add(src.scenario_file, f"no candidate space lies in this street"
                                 f"{did_you_mean(name, streets)}; streets in {cand.file}: {shown}",
                                 field=f"street_caps.{name}", value=name)
    ex = out.existing
    if ex is not None and "service" in ex.values:
        svc = ex.values["service"]
        bad = ~_isin(svc, services) & ~_isin(svc, list(disabled)) & (svc != "")
        _report_choices(problems, ex.raw, bad, "service",
                        "unknown service{hint}; known: " + ", ".join(services), svc, services)
    if ex is not None and "opened" in ex.values and "closed" in ex.values:
        o, c = ex.values["opened"], ex.values["closed"]
        early = ~np.isnat(o) & ~np.isnat(c) & (c <= o)
        for k in np.flatnonzero(early):
            problems.add(ex.file, f"must be later than opened ({ex.raw.text['opened'][k]}): the facility would "
                         "never count", field="closed", row=int(ex.rows[k]), value=ex.raw.text["closed"][k],
                         row_word=ex.raw.row_word)
    nodes, edges = out.nodes, out.edges
    if edges is not None:
        v = edges.values
        if nodes is not None and "id" in nodes.values:
            known = nodes.values["id"]
            for end in ("u", "v"):
                if end in v:
                    bad = ~_isin(v[end], known) & (v[end] != "")
                    _report(problems, edges.raw, bad, end,
                            f"edge refers to a node that is not in {nodes.file}", v[end])
            if edges.has("u", "v", "length_m") and nodes.x is not None:
                _check_edge_lengths(nodes, edges, problems)
        if edges.has("u", "v"):
            loop = (v["u"] == v["v"]) & (v["u"] != "")
            _report(problems, edges.raw, loop, "u,v", "edge from a node to itself", v["u"])
    return out


def _check_edge_lengths(nodes: _Table, edges: _Table, problems: Problems) -> None:
    """Lengths shorter than the straight line between their nodes: wrong units (km?) or wrong nodes."""
    ix = pd.Index(nodes.values["id"])
    if not ix.is_unique:
        return
    x, y = nodes.x, nodes.y
    if x is None or y is None:
        return
    fin = np.isfinite(x) & np.isfinite(y)
    u = ix.get_indexer(edges.values["u"])
    v = ix.get_indexer(edges.values["v"])
    ok = (u >= 0) & (v >= 0) & np.isfinite(edges.values["length_m"])
    ok[ok] &= fin[u[ok]] & fin[v[ok]]
    if not ok.any():
        return
    if nodes.crs is not None and nodes.crs.is_geographic:
        try:
            work = working_crs(nodes.crs, x[fin], y[fin])
        except ValueError:
            return
        x, y = project(nodes.crs, work, x, y)
    d = np.hypot(x[u[ok]] - x[v[ok]], y[u[ok]] - y[v[ok]])
    length = edges.values["length_m"][ok]
    short = length < 0.9 * d - 1.0
    for k, dist in zip(np.flatnonzero(ok)[short], d[short]):
        problems.add(edges.file, f"is shorter than the straight line between its nodes ({dist:.0f} m): "
                     "lengths must be in metres along the path", field="length_m",
                     row=int(edges.rows[k]), value=edges.raw.text["length_m"][k], row_word=edges.raw.row_word)


def _frame(table: _Table, spec: tuple[Column, ...], *, located: bool = True) -> pd.DataFrame:
    cols = {c.name: table.values[c.name] for c in spec if c.name in table.values}
    frame = pd.DataFrame(cols)
    if located:
        frame["x"] = table.x if table.x is not None else np.zeros(table.raw.n)
        frame["y"] = table.y if table.y is not None else np.zeros(table.raw.n)
    frame["src_row"] = table.rows
    return frame


def _space_attributes(cand: pd.DataFrame, defaults: Mapping[str, SpaceDefault] | None) -> None:
    """Resolve ``water`` / ``frontage`` (bool): the table's value, else the space type's default
    (``<attribute>_source`` says which: ``table`` or ``default``)."""
    if defaults is None:
        from .presets import space_defaults

        defaults = space_defaults()
    types, floors = cand["space_type"].to_numpy(), cand["floor"].to_numpy()
    for attr in SPACE_ATTRIBUTES:
        given = cand[attr].to_numpy(dtype=object) if attr in cand else np.full(len(cand), None, dtype=object)
        assumed = pd.isna(given)
        value = [bool(g) if not a else defaults[t].value(attr, int(f))
                 for g, a, t, f in zip(given, assumed, types, floors)]
        cand[attr] = np.array(value, dtype=bool)
        cand[f"{attr}_source"] = np.where(assumed, "default", "table")


def read_tables(src: TableSources) -> District:
    """Read and validate every table named by ``src``; raise InputError listing all problems."""
    district, problems = check_district(src)
    problems.raise_if_any()
    if district is None:
        raise DefectError("households or candidates were not read, yet no problem was reported")
    return district


def check_district(src: TableSources) -> tuple[District | None, Problems]:
    """Every table named by ``src`` read and checked, and every problem found.

    Without problems the District is complete. With problems it holds what is usable
    (``District.complete`` False): the rows without a problem of tables without a
    table-wide problem, so that the later checks (the walking network) can report their
    problems together with the tables'. None when households or candidates are unusable.
    """
    problems = Problems()
    in_crs = src.crs
    if in_crs is None or src.households is None or src.candidates is None:
        raise DefectError("read_tables needs a CRS, households and candidates (a valid scenario gives them)")
    checked = check_tables(src, problems)
    if checked.hh is None or checked.cand is None:
        return None, problems
    keep = _usable_rows(checked, problems)
    if keep is None:
        return None, problems

    def rows(frame: pd.DataFrame, key: str) -> pd.DataFrame:
        return frame if key not in keep else frame[keep[key]]

    hh = _frame(checked.hh, HOUSEHOLD_COLUMNS)
    hh["must_cover"] = checked.must_cover if checked.must_cover is not None else [()] * len(hh)
    hh = rows(hh, "households")
    hh["households"] = hh["households"].astype(np.int64)
    for opt in ("name", "population", "elderly"):
        if opt not in hh:
            hh[opt] = "" if opt == "name" else np.nan
    if "kind" not in hh:
        hh["kind"] = "urban"

    cand = _candidate_frame(checked, keep.get("candidates"), src.space_defaults)

    if checked.existing is not None and checked.existing.raw.n and "existing" not in keep.get("unusable", ()):
        existing = rows(_frame(checked.existing, EXISTING_COLUMNS), "existing")
        if "name" not in existing:
            existing["name"] = ""
    else:
        existing = pd.DataFrame({"id": pd.Series(dtype=object), "service": pd.Series(dtype=object),
                                 "name": pd.Series(dtype=object), "x": pd.Series(dtype=float),
                                 "y": pd.Series(dtype=float), "src_row": pd.Series(dtype=np.int64)})
    network = checked.nodes is not None and checked.edges is not None and not (
        {"network_nodes", "network_edges"} & set(keep.get("unusable", ())))
    nodes = rows(_frame(checked.nodes, NODE_COLUMNS), "network_nodes") if network and checked.nodes else None
    edges = (rows(_frame(checked.edges, EDGE_COLUMNS, located=False), "network_edges")
             if network and checked.edges else None)
    if nodes is not None and edges is not None and len(problems):  # edges whose nodes were left out
        known = set(nodes["id"])
        edges = edges[edges["u"].isin(known).to_numpy() & edges["v"].isin(known).to_numpy()]

    try:
        work = working_crs(in_crs, hh["x"].to_numpy(), hh["y"].to_numpy())
    except ValueError as exc:
        if not problems:
            problems.add(checked.hh.file, f"no metric working CRS for these coordinates ({exc})",
                         field="x,y", show_value=False)
        return None, problems
    for table in (hh, cand, existing, nodes):
        if table is not None and len(table):
            table["x"], table["y"] = project(in_crs, work, table["x"].to_numpy(), table["y"].to_numpy())
    tables = src.tables()
    fingerprints = {source_name(key, t): source_digest(t) for key, t in tables.items()}
    fingerprints["scenario"] = (src.scenario_fingerprint if src.scenario_fingerprint is not None
                                else source_digest(Path(src.scenario_file)))
    read = {"households": checked.hh, "candidates": checked.cand, "existing": checked.existing,
            "network_nodes": checked.nodes, "network_edges": checked.edges}
    sources = {key: Source(name=t.file, row_word=t.raw.row_word) for key, t in read.items() if t is not None}
    warnings = tuple(_encoding_warnings(read))
    district = District(households=hh.reset_index(drop=True), candidates=cand.reset_index(drop=True),
                        existing=existing.reset_index(drop=True),
                        nodes=None if nodes is None else nodes.reset_index(drop=True),
                        edges=None if edges is None else edges.reset_index(drop=True),
                        input_crs=in_crs, crs=work, fingerprints=fingerprints, sources=sources,
                        complete=not problems, warnings=warnings)
    return district, problems


def _usable_rows(checked: _Checked, problems: Problems) -> dict[str, np.ndarray] | None:
    """Per table key, the rows without a problem (a mask); ``'unusable'``: tables with a table-wide
    problem. None when households or candidates are unusable (nothing later can be checked)."""
    tables = {"households": checked.hh, "candidates": checked.cand, "existing": checked.existing,
              "network_nodes": checked.nodes, "network_edges": checked.edges}
    by_file: dict[str, set[int | None]] = {}
    for p in problems.items:
        by_file.setdefault(p.file, set()).add(p.row)
    keep: dict[str, np.ndarray] = {}
    unusable: list[str] = []
    for key, t in tables.items():
        if t is None or t.file not in by_file:
            continue
        bad = by_file[t.file]
        if None in bad or (t.x is None and key != "network_edges"):
            unusable.append(key)
            continue
        keep[key] = ~np.isin(t.rows, np.array([r for r in bad if r is not None], dtype=np.int64))
    if "households" in unusable or "candidates" in unusable:
        return None
    out: dict = dict(keep)
    out["unusable"] = tuple(unusable)
    return out


def _encoding_warnings(read: dict[str, _Table | None]):
    """A table read in a legacy encoding told by detection (Big5, Shift-JIS, ...): say which."""
    for t in read.values():
        if t is not None and t.raw.encoding is not None and t.raw.encoding != "gb18030":
            yield Problem(file=t.file, rule=f"read as {CANDIDATES.get(t.raw.encoding, t.raw.encoding)}, "
                          "the encoding detected (not UTF-8): check the names in the outputs, or save the file "
                          "as UTF-8 to be sure", show_value=False)


def _candidate_frame(checked: _Checked, keep: np.ndarray | None,
                     space_defaults: Mapping[str, SpaceDefault] | None) -> pd.DataFrame:
    """The checked candidate table as a frame (the rows of ``keep``), in the input CRS, with its spaces'
    water / frontage resolved (``space_defaults`` where the table is silent)."""
    if checked.cand is None:
        raise DefectError("no candidate table to make a frame of")
    cand = _frame(checked.cand, CANDIDATE_COLUMNS)
    cand["conversion_cost"] = checked.conversion_cost
    cand["cost_source"] = checked.cost_source
    if keep is not None:
        cand = cand[keep]
    cand["floor"] = cand["floor"].astype(np.int64)
    if "gas" not in cand:
        cand["gas"] = GAS_SUPPLY[0]
    if "community" not in cand:
        cand["community"] = ""
    _space_attributes(cand, space_defaults)
    return cand


def check_candidate_table(src: TableSources, table: TableInput, *, work: CRS | None,
                          name: str) -> tuple[pd.DataFrame | None, Problems]:
    """An added candidate table (a what-if's ``[candidates] add``), checked like the base table on its own
    and named ``name`` in messages: its usable rows (projected to ``work``) and its problems."""
    problems = Problems()
    alone = replace(src, households=None, candidates=table, existing=None, network_nodes=None, network_edges=None,
                    street_caps=(), names={"candidates": name})
    checked = check_tables(alone, problems)
    if checked.cand is None or checked.cand.x is None:
        return None, problems
    bad = [p.row for p in problems.items if p.file == name]
    if None in bad:
        return None, problems
    keep = ~np.isin(checked.cand.rows, np.array(bad, dtype=np.int64))
    cand = _candidate_frame(checked, keep, src.space_defaults)
    if len(cand) and src.crs is not None and work is not None:
        cand["x"], cand["y"] = project(src.crs, work, cand["x"].to_numpy(), cand["y"].to_numpy())
    return cand.reset_index(drop=True), problems
