"""Reading and validating the input tables of a scenario.

Households, candidate spaces, existing facilities and the walking network
come as CSV (x,y or lon,lat columns) or as GeoPackage / GeoJSON points. Each
table is read without modifying the file, checked row by row (vectorised), and
every problem is collected; :func:`load_district` raises one InputError that
lists all of them. Coordinates are returned in the metric working CRS.

Row numbers in messages are line numbers in a CSV file (the header is line 1)
and 1-based feature numbers in a GeoPackage / GeoJSON file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import CRS

from .catalogue import GAS_SUPPLY, SPACE_TYPES
from .errors import Problems
from .geo import outside_area_of_use, parse_crs, project, working_crs
from .scenario import Scenario

TRUE_WORDS = {"true", "1", "yes", "y", "t", "all"}
FALSE_WORDS = {"", "false", "0", "no", "n", "f", "none", "nan"}
VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb"}


@dataclass(frozen=True, kw_only=True)
class Column:
    name: str
    kind: str  # id | str | int | float | enum | bool
    required: bool = True
    minimum: float | None = None
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

    @property
    def total_households(self) -> int:
        return int(self.households["households"].sum())


HOUSEHOLD_COLUMNS = (
    Column(name="id", kind="id"),
    Column(name="households", kind="int", minimum=0),
    Column(name="street", kind="str"),
    Column(name="community", kind="str"),
    Column(name="name", kind="str", required=False),
    Column(name="population", kind="float", required=False, minimum=0),
    Column(name="elderly", kind="float", required=False, minimum=0),
    Column(name="must_cover", kind="str", required=False),
)
CANDIDATE_COLUMNS = (
    Column(name="id", kind="id"),
    Column(name="name", kind="str"),
    Column(name="space_type", kind="enum", choices=tuple(SPACE_TYPES)),
    Column(name="area_m2", kind="float", minimum=0, strict=True),
    Column(name="floor", kind="int"),
    Column(name="street", kind="str"),
    Column(name="conversion_cost", kind="float", required=False, minimum=0),
    Column(name="community", kind="str", required=False),
    Column(name="gas", kind="enum", required=False, choices=GAS_SUPPLY),
)
EXISTING_COLUMNS = (
    Column(name="id", kind="id"),
    Column(name="service", kind="str"),
    Column(name="name", kind="str", required=False),
)
NODE_COLUMNS = (Column(name="id", kind="id"),)
EDGE_COLUMNS = (
    Column(name="u", kind="str"),
    Column(name="v", kind="str"),
    Column(name="length_m", kind="float", minimum=0, strict=True),
)


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_raw(path: Path, problems: Problems) -> tuple[pd.DataFrame | None, CRS | None, bool]:
    """Read a file into strings (CSV) or a GeoDataFrame; returns (frame, file CRS, is_vector)."""
    suffix = path.suffix.lower()
    try:
        if suffix in VECTOR_SUFFIXES:
            import geopandas as gpd

            gdf = gpd.read_file(path)
            return gdf, (CRS.from_user_input(gdf.crs) if gdf.crs is not None else None), True
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        frame.columns = [str(c).strip() for c in frame.columns]
        return frame, None, False
    except UnicodeDecodeError as exc:
        problems.add(path.name, f"cannot read: not UTF-8 text ({exc.reason})", show_value=False)
    except pd.errors.EmptyDataError:
        problems.add(path.name, "file is empty", show_value=False)
    except Exception as exc:  # any parser failure is a problem with this file
        problems.add(path.name, f"cannot read: {exc}", show_value=False)
    return None, None, False


def _row_numbers(n: int, is_vector: bool) -> np.ndarray:
    return np.arange(1, n + 1) if is_vector else np.arange(2, n + 2)


def _report(problems: Problems, file: str, rows: np.ndarray, mask: np.ndarray, fld: str, rule: str,
            values) -> None:
    idx = np.flatnonzero(mask)
    vals = np.asarray(values, dtype=object)
    for k in idx:
        problems.add(file, rule, field=fld, row=int(rows[k]), value=vals[k])


def _coordinates(frame: pd.DataFrame, file: str, rows: np.ndarray, is_vector: bool, file_crs: CRS | None,
                 scenario_crs: CRS, problems: Problems) -> tuple[np.ndarray, np.ndarray] | None:
    """x, y in the scenario's input CRS, or None when the location columns are unusable."""
    n = len(frame)
    if is_vector:
        if file_crs is not None and file_crs != scenario_crs:
            problems.add(file, f"file CRS differs from the scenario's crs ({scenario_crs.to_string()}); "
                         "reproject the file or change the scenario's crs (never done silently)",
                         field="crs", value=file_crs.to_string())
            return None
        geom = frame.geometry
        types = np.asarray(geom.geom_type.fillna("None"), dtype=object)
        bad = types != "Point"
        _report(problems, file, rows, bad, "geometry", "must be a Point", types)
        x = np.full(n, np.nan)
        y = np.full(n, np.nan)
        ok = ~bad
        if ok.any():
            x[ok] = geom[ok].x.to_numpy()
            y[ok] = geom[ok].y.to_numpy()
        return x, y
    cols = set(frame.columns)
    if {"x", "y"} <= cols:
        xs, ys = "x", "y"
    elif {"lon", "lat"} <= cols:
        xs, ys = "lon", "lat"
        if not scenario_crs.is_geographic:
            problems.add(file, "lon/lat columns need a geographic scenario crs (e.g. 'EPSG:4326'); "
                         "mismatched CRSs are never reprojected silently",
                         field="crs", value=scenario_crs.to_string())
            return None
    else:
        problems.add(file, "missing location columns: need x,y or lon,lat", field="x,y",
                     value=sorted(cols))
        return None
    x = pd.to_numeric(frame[xs].str.strip(), errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(frame[ys].str.strip(), errors="coerce").to_numpy(dtype=float)
    _report(problems, file, rows, ~np.isfinite(x), xs, "must be a finite number", frame[xs])
    _report(problems, file, rows, ~np.isfinite(y), ys, "must be a finite number", frame[ys])
    return x, y


def _typed_columns(frame: pd.DataFrame, spec: tuple[Column, ...], file: str, rows: np.ndarray,
                   problems: Problems) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    n = len(frame)
    for col in spec:
        if col.name not in frame.columns:
            if col.required:
                problems.add(file, "required column is missing", field=col.name,
                             value=sorted(map(str, frame.columns)))
            continue
        series = frame[col.name]
        text = series.astype(str).str.strip().to_numpy(dtype=object)
        text[series.isna().to_numpy()] = ""
        if col.kind in ("id", "str", "enum", "bool"):
            empty = text == ""
            if col.kind == "id":
                _report(problems, file, rows, empty, col.name, "must not be empty", text)
                dup = pd.Series(text).duplicated(keep="first").to_numpy() & ~empty
                _report(problems, file, rows, dup, col.name, "duplicate id", text)
            elif col.kind == "enum":
                if not col.required:
                    text[empty] = col.choices[0]
                    empty = np.zeros(n, dtype=bool)
                bad = ~np.isin(text, col.choices)
                _report(problems, file, rows, bad, col.name,
                        f"must be one of: {', '.join(col.choices)}", text)
            elif col.kind == "str" and col.required:
                _report(problems, file, rows, empty, col.name, "must not be empty", text)
            out[col.name] = text
            continue
        num = pd.to_numeric(pd.Series(text).replace("", np.nan), errors="coerce").to_numpy(dtype=float)
        missing = text == ""
        if col.required:
            _report(problems, file, rows, missing, col.name, "must not be empty", text)
        bad_num = ~missing & ~np.isfinite(num)
        _report(problems, file, rows, bad_num, col.name, "must be a finite number", text)
        ok = np.isfinite(num)
        if col.kind == "int":
            frac = ok & (num != np.round(num))
            _report(problems, file, rows, frac, col.name, "must be a whole number", text)
        if col.minimum is not None:
            low = ok & ((num <= col.minimum) if col.strict else (num < col.minimum))
            _report(problems, file, rows, low, col.name,
                    f"must be {'>' if col.strict else '>='} {col.minimum:g}", text)
        out[col.name] = num
    return out


def _read_table(path: Path, spec: tuple[Column, ...], scenario_crs: CRS, problems: Problems, *,
                located: bool = True) -> pd.DataFrame | None:
    file = path.name
    frame, file_crs, is_vector = _read_raw(path, problems)
    if frame is None:
        return None
    if len(frame) == 0:
        problems.add(file, "has no rows", show_value=False)
        return None
    rows = _row_numbers(len(frame), is_vector)
    before = len(problems)
    cols = _typed_columns(frame, spec, file, rows, problems)
    if located:
        xy = _coordinates(frame, file, rows, is_vector, file_crs, scenario_crs, problems)
        if xy is not None:
            x, y = xy
            finite = np.isfinite(x) & np.isfinite(y)
            out = np.zeros(len(x), dtype=bool)
            if finite.any():
                out[finite] = outside_area_of_use(scenario_crs, x[finite], y[finite])
            _report(problems, file, rows, out, "x,y",
                    f"coordinates lie outside the area of use of {scenario_crs.to_string()} "
                    "(swapped axes or a different CRS?)",
                    [f"({a}, {b})" for a, b in zip(x, y)])
            cols["x"], cols["y"] = x, y
    if len(problems) > before:
        return None
    table = pd.DataFrame(cols)
    table["src_row"] = rows
    return table


def _must_cover_sets(values: np.ndarray, services: list[str], file: str, rows: np.ndarray,
                     problems: Problems) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for k, raw in enumerate(values):
        word = str(raw).strip().lower()
        if word in FALSE_WORDS:
            out.append(())
        elif word in TRUE_WORDS:
            out.append(tuple(services))
        else:
            keys = tuple(s.strip() for s in str(raw).replace(",", ";").split(";") if s.strip())
            unknown = [s for s in keys if s not in services]
            if unknown:
                problems.add(file, f"must be true/false/all or services from: {', '.join(services)}",
                             field="must_cover", row=int(rows[k]), value=raw)
            out.append(tuple(s for s in services if s in keys))
    return out


def load_district(scenario: Scenario) -> District:
    """Read and validate every input table of ``scenario``; raise InputError listing all problems."""
    problems = Problems()
    in_crs = parse_crs(scenario.crs)
    services = list(scenario.services)

    hh = _read_table(scenario.households, HOUSEHOLD_COLUMNS, in_crs, problems)
    cand = _read_table(scenario.candidates, CANDIDATE_COLUMNS, in_crs, problems)
    existing = (_read_table(scenario.existing, EXISTING_COLUMNS, in_crs, problems)
                if scenario.existing is not None else None)
    nodes = edges = None
    if scenario.network_nodes is not None:
        nodes = _read_table(scenario.network_nodes, NODE_COLUMNS, in_crs, problems)
        edges = _read_table(scenario.network_edges, EDGE_COLUMNS, in_crs, problems, located=False)

    if hh is not None:
        file = scenario.households.name
        if "must_cover" in hh:
            hh["must_cover"] = _must_cover_sets(hh["must_cover"].to_numpy(), services, file,
                                                hh["src_row"].to_numpy(), problems)
        else:
            hh["must_cover"] = [()] * len(hh)
        hh["households"] = hh["households"].astype(np.int64)
        if int(hh["households"].sum()) == 0:
            problems.add(file, "total households is 0: nothing to cover", field="households",
                         show_value=False)
        for opt in ("name", "population", "elderly"):
            if opt not in hh:
                hh[opt] = "" if opt == "name" else np.nan
    if cand is not None:
        file = scenario.candidates.name
        cand["floor"] = cand["floor"].astype(np.int64)
        zero = cand["floor"].to_numpy() == 0
        _report(problems, file, cand["src_row"].to_numpy(), zero, "floor",
                "floor 0 does not exist: use 1 for the ground floor, -1 for B1", cand["floor"])
        if "gas" not in cand:
            cand["gas"] = GAS_SUPPLY[0]
        if "community" not in cand:
            cand["community"] = ""
        cost = cand["conversion_cost"].to_numpy() if "conversion_cost" in cand else np.full(len(cand), np.nan)
        defaults = cand["space_type"].map(scenario.conversion_cost_default).to_numpy(dtype=float)
        missing = ~np.isfinite(cost)
        no_default = missing & ~np.isfinite(defaults)
        _report(problems, file, cand["src_row"].to_numpy(), no_default, "conversion_cost",
                "is empty and the scenario has no conversion_cost_default for this space type",
                cand["space_type"])
        cand["conversion_cost"] = np.where(missing, defaults, cost)
        cand["cost_source"] = np.where(missing, "default", "table")
    if existing is not None:
        file = scenario.existing.name
        bad = ~np.isin(existing["service"].to_numpy(), services)
        _report(problems, file, existing["src_row"].to_numpy(), bad, "service",
                f"unknown service; known: {', '.join(services)}", existing["service"])
        if "name" not in existing:
            existing["name"] = ""
    else:
        existing = pd.DataFrame({"id": pd.Series(dtype=str), "service": pd.Series(dtype=str),
                                 "name": pd.Series(dtype=str), "x": pd.Series(dtype=float),
                                 "y": pd.Series(dtype=float), "src_row": pd.Series(dtype=int)})
    if nodes is not None and edges is not None:
        file = scenario.network_edges.name
        known = set(nodes["id"])
        rows = edges["src_row"].to_numpy()
        for end in ("u", "v"):
            bad = ~edges[end].isin(known).to_numpy()
            _report(problems, file, rows, bad, end,
                    f"edge refers to a node not in {scenario.network_nodes.name}", edges[end])
        loop = (edges["u"] == edges["v"]).to_numpy()
        _report(problems, file, rows, loop, "u,v", "edge from a node to itself", edges["u"])

    problems.raise_if_any()

    work = working_crs(in_crs, hh["x"].to_numpy(), hh["y"].to_numpy())
    for table in (hh, cand, existing, nodes):
        if table is not None and len(table):
            table["x"], table["y"] = project(in_crs, work, table["x"].to_numpy(), table["y"].to_numpy())
    fingerprints = {
        str(p.name): file_digest(p)
        for p in (scenario.households, scenario.candidates, scenario.existing,
                  scenario.network_nodes, scenario.network_edges)
        if p is not None
    }
    fingerprints["scenario"] = file_digest(scenario.path)
    return District(households=hh.reset_index(drop=True), candidates=cand.reset_index(drop=True),
                    existing=existing.reset_index(drop=True),
                    nodes=None if nodes is None else nodes.reset_index(drop=True),
                    edges=None if edges is None else edges.reset_index(drop=True),
                    input_crs=in_crs, crs=work, fingerprints=fingerprints)
