"""ranked_sites.xlsx: the ranked site lists a street office opens in Excel / WPS.

Sheets: the district list (every space to convert, in build order), the
evaluation (district, streets ranked, communities), then one sheet per street
(every street with households, in district rank order; a street without a
space to convert gets its header and no rows). The list sheets hold the same
rows and columns as ``ranked_sites.csv`` / ``by_street/<street>.csv``, with
headers, service names and space types in the chosen language; numbers stay
numbers (costs ``#,##0``, areas ``0.0``, floors shown as ``2F`` / ``B1`` or
``2层`` / ``地下1层`` but stored as integers). Header row frozen, filters on,
columns sized to their content, printed landscape one page wide.

The file is deterministic: the same run folder gives the same bytes (the
workbook's created/modified times are removed and every zip entry is dated
1980-01-01).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from ..inputs.labels import FLOOR_NUMBER_FORMAT
from ..plain import plain
from .evaluation import Evaluation
from .labels import Labels
from .rundata import RunData

HEADER_FILL = "DDE6F0"
INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
MAX_WIDTH = 48


def _number_format(col: str, lang: str) -> str | None:
    if col in ("conversion_cost", "fit_out_cost", "cost", "cumulative_cost", "households") or col.startswith(
            ("new_", "covered_before_", "covered_after_")) or col == "sites":
        return "#,##0"
    if col in ("area_m2",):
        return "#,##0.0"
    if col.startswith(("pct_", "avg_pct_")) or col == "cumulative_coverage_pct":
        return "0.0"
    if col == "floor":
        return FLOOR_NUMBER_FORMAT[lang]
    if col in ("lon", "lat"):
        return "0.000000"
    if col in ("x", "y"):
        return "0.00"
    if col in ("rank", "street_rank", "street_order", "buildings"):
        return "0"
    return None


def _display_width(text: str) -> float:
    """Width in Excel character units: CJK characters count double."""
    return sum(2.0 if ord(ch) > 0x2E80 else 1.0 for ch in text)


def _sheet_name(name: str, used: set[str]) -> str:
    base = INVALID_SHEET_CHARS.sub("_", name).strip("'")[:31] or "sheet"
    out, k = base, 2
    while out.lower() in used:
        suffix = f" ({k})"
        out, k = base[:31 - len(suffix)] + suffix, k + 1
    used.add(out.lower())
    return out


def _translate(frame: pd.DataFrame, L: Labels) -> pd.DataFrame:
    """Cell values a clerk reads: service and space-type names in the language."""
    out = frame.copy()
    if "services" in out.columns:
        out["services"] = [L.service_list(v) for v in out["services"]]
    if "space_type" in out.columns:
        out["space_type"] = [L.space_type(v) for v in out["space_type"]]
    if "check_on_site" in out.columns:
        out["check_on_site"] = [L.space_attributes(v) for v in out["check_on_site"]]
    return out


def _write_table(ws, frame: pd.DataFrame, L: Labels, *, header_labels: list[str] | None = None) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    cols = list(frame.columns)
    headers = header_labels or [L.column(c) for c in cols]
    ws.append(headers)
    for row in frame.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor=HEADER_FILL)
    thin = Border(bottom=Side(style="thin", color="8899AA"))
    for j, col in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=j)
        cell.font, cell.fill, cell.border = bold, fill, thin
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        fmt = _number_format(col, L.lang)
        if fmt:
            for (c,) in ws.iter_rows(min_row=2, max_row=ws.max_row, min_col=j, max_col=j):
                c.number_format = fmt
        values = [str(_shown(v, col)) for v in frame[col]] if len(frame) else []
        body = max((_display_width(v) for v in values), default=0.0)
        head = _display_width(headers[j - 1])
        width = max(body + 2, min(head, 16) + 2, 6)  # long headers wrap instead of widening the column
        ws.column_dimensions[get_column_letter(j)].width = min(width, MAX_WIDTH)
    ws.row_dimensions[1].height = 36
    ws.freeze_panes = "A2"
    if cols:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(ws.max_row, 1)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def _shown(v, col: str) -> str:
    """Roughly what Excel shows, for column widths."""
    if isinstance(v, float) and col in ("lon", "lat"):
        return f"{v:.6f}"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f"{v:,.1f}" if isinstance(v, float) and col == "area_m2" else f"{v:,.0f}" if abs(v) >= 1000 else str(v)
    return str(v)


def _cell(v):
    if v is None or (isinstance(v, float) and v != v):  # NaN: an empty cell
        return None
    return plain(v)


def evaluation_sheet_frame(ev: Evaluation, L: Labels) -> tuple[pd.DataFrame, list[str]]:
    """The evaluation as a table: values and headers in the language."""
    rows = []
    for a in (ev.district, *ev.streets, *ev.communities):
        row = {"level": L(f"level_{a.level}"), "street_order": a.rank, "street": a.street or L("district"),
               "community": a.community, "households": a.households, "buildings": a.buildings,
               "grade_before": L.grade(a.grade_before), "grade_after": L.grade(a.grade_after),
               "avg_pct_before": a.avg_pct(after=False), "avg_pct_after": a.avg_pct(after=True)}
        for s in ev.services:
            row[f"pct_before_{s}"] = a.pct_before(s)
        for s in ev.services:
            row[f"pct_after_{s}"] = a.pct_after(s)
        row["sites"] = a.sites
        row["cost"] = a.cost
        rows.append(row)
    frame = pd.DataFrame(rows)
    return frame, [L.column(c) for c in frame.columns]


def write_workbook(run: RunData, ev: Evaluation, labels: Labels, path: Path) -> None:
    """Write ranked_sites.xlsx to ``path``."""
    from openpyxl import Workbook

    L = labels
    wb = Workbook()
    used: set[str] = set()
    ws = wb.active
    ws.title = _sheet_name(L("sheet_district"), used)
    _write_table(ws, _translate(run.ranked, L), L)
    frame, headers = evaluation_sheet_frame(ev, L)
    _write_table(wb.create_sheet(_sheet_name(L("sheet_evaluation"), used)), frame, L, header_labels=headers)
    columns = ["rank", "street_rank", *[c for c in run.ranked.columns if c != "rank"]]
    for a in ev.streets:
        part = run.by_street.get(a.street)
        if part is None:
            part = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        _write_table(wb.create_sheet(_sheet_name(a.street, used)), _translate(part, L), L)
    wb.properties.creator = "siting"
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_normalise_zip(buf.getvalue()))


CORE_TIMES = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


def _normalise_zip(data: bytes) -> bytes:
    """The same workbook bytes every time: no timestamps in docProps/core.xml or the zip entries."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = CORE_TIMES.sub(b"", body)
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, body)
    return out.getvalue()
