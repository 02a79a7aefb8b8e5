"""Reading input files as text tables, without judging their content.

CSV as Excel and WPS write it: UTF-8 with or without a BOM, GB18030/GBK (what
Chinese Excel saves as "CSV"), or UTF-16 with a BOM (Excel's "Unicode text",
tab separated); other encodings only when charset-normalizer tells them with
confidence, and files that are not text (a workbook saved as .csv) refused
(solver/inputs/textfiles.py); comma or tab separated; fully empty rows skipped;
a quote that is never closed (or closes rows later) is one problem naming its line. Row numbers
are the line numbers an editor shows (the header is line 1; blank lines and
quoted line breaks count). GeoPackage / GeoJSON / Shapefile / FlatGeobuf are
read with geopandas (pyogrio); their rows are the fid in a GeoPackage and
1-based feature numbers otherwise. A pandas DataFrame or GeoDataFrame given in
Python (solver.run_tables) is read the same way: its values as text, its
GeoDataFrame geometry and CRS like a vector file's; its rows are named by their
index label ("index 4") when the index holds unique integers (the default
RangeIndex: the position), else by their position ("position 4", as in
``frame.iloc[4]``). Validation of the values is in tables.py.
Scenario files (TOML) are read here too: a syntax error names line and column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
from pyproj import CRS

from ..errors import InputError, Problem, Problems
from ..paths import path_problem
from .textfiles import decode_text, multiline_rows

VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb"}

TableInput: TypeAlias = "Path | pd.DataFrame"  # a table file, or a (Geo)DataFrame given in Python


@dataclass(frozen=True)
class Source:
    """Where a table came from, as messages name it."""

    name: str  # 'households.csv', or 'households (data frame)'
    row_word: str = "row"  # what its row numbers count: "row" (line, feature), "index" or "position"


def frame_name(key: str) -> str:
    """How messages name the data frame given for table ``key``."""
    return f"{key} (data frame)"


def source_name(key: str, source: TableInput) -> str:
    return source.name if isinstance(source, Path) else frame_name(key)


def source_digest(source: TableInput) -> str:
    """SHA-256 of a file, or of a data frame written as CSV (index and geometry included)."""
    if isinstance(source, Path):
        return file_digest(source)
    return hashlib.sha256(source.to_csv(lineterminator="\n").encode("utf-8")).hexdigest()


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(kw_only=True)
class RawTable:
    """A table as read: stripped text per column, source row numbers, geometry (vector files)."""

    file: str
    columns: list[str]
    text: dict[str, np.ndarray]
    rows: np.ndarray
    vector: bool = False
    file_crs: CRS | None = None
    geometry: Any = None  # GeoSeries for vector files and GeoDataFrames
    bad_rows: int = 0  # rows left out because they could not be split into the header's columns
    kind: str = "file"  # "file", or "data frame" (in messages)
    row_word: str = "row"  # what ``rows`` count: "row" (line, feature), a data frame's "index" or "position"
    encoding: str | None = None  # a legacy encoding detected by charset-normalizer (not UTF-8/16/32)

    @property
    def n(self) -> int:
        return len(self.rows)


def _read_csv(path: Path, file: str, problems: Problems) -> RawTable | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.add(file, f"cannot be read ({exc.strerror or exc})", show_value=False)
        return None
    if not data.strip():
        problems.add(file, "file is empty: it needs a header line and at least one row",
                     show_value=False)
        return None
    decoded = decode_text(data, file, problems)
    if decoded is None:
        return None
    text = decoded.text
    first_line = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = "\t" if "," not in first_line and "\t" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_line = 1
    records: list[list[str]] = []
    rows: list[int] = []
    spanning: list[tuple[int, int, list[str]]] = []  # records over several lines: quoted line breaks
    prev = 0
    bad_rows = 0
    try:
        for rec in reader:
            start, prev = prev + 1, reader.line_num
            if prev > start:
                spanning.append((start, prev, rec))
            if not "".join(rec).strip():  # (no value in any cell)
                continue
            if header is None:
                header = [c.strip().lstrip("\ufeff").strip() for c in rec]
                header_line = start
                continue
            if len(rec) > len(header):
                extra = rec[len(header):]
                if any(c.strip() for c in extra):
                    problems.add(file, f"has {len(rec)} values but the header has {len(header)} "
                                 "columns (a comma inside a value must be quoted)", row=start,
                                 value_text=", ".join(repr(c.strip()) for c in extra if c.strip()))
                    bad_rows += 1
                    continue
                rec = rec[:len(header)]
            elif len(rec) < len(header):
                rec = rec + [""] * (len(header) - len(rec))
            records.append(rec)
            rows.append(start)
    except csv.Error as exc:
        problems.add(file, f"cannot be parsed as CSV ({exc})", row=reader.line_num, show_value=False)
        return None
    if header is None:
        problems.add(file, "file is empty: it needs a header line and at least one row",
                     show_value=False)
        return None
    if spanning:
        quote = multiline_rows(spanning, header, delimiter, text)
        if quote is not None:  # one problem that names the cause, not one per row it shifted
            problems.add(file, quote.rule(), row=quote.line, show_value=False)
            return None
    columns: list[str] = []
    index: list[int] = []
    for k, name in enumerate(header):
        if not name:
            continue
        if name in columns:
            problems.add(file, "duplicate column name", row=header_line, field=name, value=name)
            continue
        columns.append(name)
        index.append(k)
    text_cols: dict[str, np.ndarray] = {}
    for name, k in zip(columns, index):
        col = np.empty(len(records), dtype=object)
        col[:] = [rec[k].strip() for rec in records]
        text_cols[name] = col
    return RawTable(file=file, columns=columns, text=text_cols, rows=np.asarray(rows, dtype=np.int64),
                    bad_rows=bad_rows, encoding=decoded.encoding if decoded.detected else None)


def _as_text(series: pd.Series) -> np.ndarray:
    """Attribute values of a vector file as stripped text ('' for missing)."""
    missing = series.isna().to_numpy()
    if pd.api.types.is_bool_dtype(series.dtype):
        out = np.where(series.to_numpy(dtype=bool), "true", "false").astype(object)
    elif pd.api.types.is_float_dtype(series.dtype):
        vals = series.to_numpy(dtype=float)
        fin = np.isfinite(vals)
        if fin.any() and np.all(vals[fin] == np.round(vals[fin])) and np.all(np.abs(vals[fin]) < 2 ** 53):
            # whole numbers stored as float (a column with gaps): ids read "12", not "12.0"
            out = np.array([str(int(v)) if f else str(v) for v, f in zip(vals, fin)], dtype=object)
        else:
            out = np.array([repr(float(v)) for v in vals], dtype=object)
    else:
        out = np.array([str(v).strip() for v in series.to_numpy(dtype=object)], dtype=object)
    out[missing] = ""
    return out


def _read_vector(path: Path, file: str, problems: Problems) -> RawTable | None:
    import geopandas as gpd
    import pyogrio

    try:
        gpkg = path.suffix.lower() == ".gpkg"
        gdf = pyogrio.read_dataframe(path, fid_as_index=gpkg)
    except Exception as exc:  # any driver failure is a problem with this file
        problems.add(file, f"cannot be read as a vector file ({str(exc).strip() or type(exc).__name__})",
                     show_value=False)
        return None
    if not isinstance(gdf, gpd.GeoDataFrame) or getattr(gdf, "_geometry_column_name", None) not in gdf:
        problems.add(file, "has no geometry: a vector file needs point features", show_value=False)
        return None
    rows = (np.asarray(gdf.index, dtype=np.int64) if gpkg else np.arange(1, len(gdf) + 1, dtype=np.int64))
    columns = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    text = {c: _as_text(gdf[c]) for c in columns}
    file_crs = CRS.from_user_input(gdf.crs) if gdf.crs is not None else None
    return RawTable(file=file, columns=columns, text=text, rows=rows, vector=True, file_crs=file_crs,
                geometry=gdf.geometry)


def _read_frame(frame: pd.DataFrame, name: str, problems: Problems) -> RawTable | None:
    """A (Geo)DataFrame as a text table: values as text (as of a vector file), index labels as rows."""
    from geopandas import GeoDataFrame

    geometry = None
    file_crs = None
    geo_name = None
    if isinstance(frame, GeoDataFrame):
        geo_name = getattr(frame, "_geometry_column_name", None)
        if geo_name not in frame:
            problems.add(name, "is a GeoDataFrame without its geometry column: it needs point geometries",
                         show_value=False)
            return None
        geometry = frame.geometry.reset_index(drop=True)
        file_crs = CRS.from_user_input(frame.crs) if frame.crs is not None else None
    index = frame.index
    if pd.api.types.is_integer_dtype(index.dtype) and index.is_unique:
        rows, row_word = np.asarray(index, dtype=np.int64), "index"
    else:
        rows, row_word = np.arange(len(frame), dtype=np.int64), "position"
    columns: list[str] = []
    text: dict[str, np.ndarray] = {}
    for k, label in enumerate(frame.columns):
        col = str(label)
        if label == geo_name:
            continue
        if col in text:
            problems.add(name, "duplicate column name", field=col, value=col)
            continue
        columns.append(col)
        text[col] = _as_text(frame.iloc[:, k])
    return RawTable(file=name, columns=columns, text=text, rows=rows, vector=geometry is not None,
                    file_crs=file_crs, geometry=geometry, kind="data frame", row_word=row_word)


def read_raw(source: TableInput, problems: Problems, *, key: str = "table", name: str | None = None) -> RawTable | None:
    """The text table of a file (CSV or a vector format) or of a data frame (named after ``key``);
    ``name`` names a file in messages instead of its file name."""
    if not isinstance(source, Path):
        return _read_frame(source, frame_name(key), problems)
    if source.suffix.lower() in VECTOR_SUFFIXES:
        return _read_vector(source, name or source.name, problems)
    return _read_csv(source, name or source.name, problems)


TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
TOML_END = re.compile(r"\s*\(at end of document\)\s*$")


def read_toml(path: Path) -> dict:
    """Read a TOML file; a syntax error becomes an InputError naming line and column.

    UTF-8 (with or without the BOM Notepad writes) is read; a file saved as
    GB18030/GBK (Chinese Windows' "ANSI") is read too, since planners edit these
    files by hand (the encodings of solver/inputs/textfiles.py, as for tables).
    """
    file = str(path)

    def fail(rule: str, **kw) -> InputError:
        return InputError([Problem(file=file, rule=rule, **kw)])

    why = path_problem(path)
    if why:
        raise fail(why, show_value=False)
    if path.is_dir():
        raise fail("is a folder, not a scenario file", show_value=False)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise fail("scenario file not found", show_value=False) from None
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror or exc})", show_value=False) from None
    found = Problems()
    decoded = decode_text(data, file, found, table=False)
    if decoded is None:  # the same rules as a table's text; a TOML file names lines, not rows
        raise InputError([replace(p, row=None, line=p.row) for p in found.items])
    text = decoded.text
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        if "Illegal character '\\n'" in msg:
            msg = msg.replace("Illegal character '\\n'", "line break inside a string (a missing "
                              "closing quote?)")
        m = TOML_POSITION.search(msg)
        if m:
            line, column = int(m.group(1)), int(m.group(2))
            lines = text.splitlines()
            shown = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            raise fail(f"not valid TOML: {msg[:m.start()]}", line=line, column=column,
                       value=shown) from None
        if TOML_END.search(msg):
            n = len(text.splitlines())
            raise fail(f"not valid TOML: {TOML_END.sub('', msg)} (at the end of the file)",
                       line=n, show_value=False) from None
        raise fail(f"not valid TOML: {msg}", show_value=False) from None
