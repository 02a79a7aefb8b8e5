"""Reading a run folder (written by ``solver/results/outputs.py``) for the reports.

Reports never re-solve: they read ``summary.json`` and the CSV layers. A
folder that is not a complete run folder is an :class:`InputError` naming
every missing file or column at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problems
from ..inputs.grades import GradeRules, rules_from_dict
from ..inputs.presets import DEFAULT_CATALOGUE, implicit_marks, preset

# file -> columns the reports need (services add per-service columns, checked below)
REQUIRED: dict[str, tuple[str, ...]] = {
    "summary.json": (),
    "ranked_sites.csv": ("rank", "id", "name", "street", "community", "space_type", "floor", "area_m2",
                         "services", "cost", "cumulative_cost", "cumulative_coverage_pct", "lon", "lat"),
    "coverage.csv": ("street", "service", "households", "covered_before", "covered_after"),
    "uncovered.csv": ("id", "street", "community", "service", "households", "reason"),
    "households_coverage.csv": ("id", "street", "community", "households", "services_before",
                                "services_after", "lon", "lat"),
    "sites.csv": ("id", "name", "street", "space_type", "chosen", "lon", "lat"),
    "existing.csv": ("id", "name", "service", "lon", "lat"),
}


@dataclass(frozen=True, kw_only=True)
class ServiceInfo:
    """What the reports need to know of one service of the run."""

    key: str
    name_en: str
    name_zh: str
    threshold_min: float
    abbr_en: str
    abbr_zh: str
    group: str = ""  # basic / improved / none, as the run's catalogue record says ("" without one)

    def label(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def abbr(self, lang: str) -> str:
        return self.abbr_zh if lang == "zh" else self.abbr_en


@dataclass(frozen=True, kw_only=True)
class RunData:
    """The contents of one run folder, as the reports use them."""

    folder: Path
    summary: dict
    services: dict[str, ServiceInfo]  # in the run's order
    grades: GradeRules
    ranked: pd.DataFrame
    by_street: dict[str, pd.DataFrame]  # street -> by_street/<street>.csv (streets with chosen spaces)
    coverage: pd.DataFrame
    uncovered: pd.DataFrame
    households: pd.DataFrame
    sites: pd.DataFrame
    existing: pd.DataFrame

    @property
    def name(self) -> str:
        return str(self.summary.get("scenario", {}).get("name", self.folder.name))

    @property
    def catalogue(self) -> dict | None:
        """summary.json's ``catalogue`` record; None for a run of the default catalogue that needs none."""
        record = self.summary.get("catalogue")
        return record if isinstance(record, dict) else None

    @property
    def streets(self) -> list[str]:
        """Every street with households, sorted (the order of sheets and selectors)."""
        return sorted(self.households["street"].astype(str).unique())


def _service_info(key: str, spec: dict, record: dict) -> ServiceInfo:
    """A service of the run: ``spec`` from summary.json ``parameters.services``, ``record`` its entry in the
    ``catalogue`` record (empty in a folder without one, which reads as basic4's)."""
    base = preset(DEFAULT_CATALOGUE).specs.get(key, {})
    name_en = str(spec.get("name_en") or base.get("name_en") or key)
    name_zh = str(spec.get("name_zh") or base.get("name_zh") or name_en)
    abbr_en, abbr_zh = implicit_marks(key, name_en, name_zh)
    return ServiceInfo(key=key, name_en=name_en, name_zh=name_zh,
                       threshold_min=float(spec.get("threshold_min", base.get("threshold_min", 15.0))),
                       abbr_en=str(record.get("abbr_en") or abbr_en), abbr_zh=str(record.get("abbr_zh") or abbr_zh),
                       group=str(record.get("group", "")))


TEXT_COLUMNS = ("id", "name", "street", "community", "services", "service", "reason", "space_type", "gas",
                "check_on_site")


def _read_csv(path: Path) -> pd.DataFrame:
    """A CSV layer: text columns stay text ('' when empty; 'NA' is a name, not a missing value)."""
    frame = pd.read_csv(path, dtype={c: str for c in TEXT_COLUMNS}, keep_default_na=False, na_values=[""],
                        encoding="utf-8")
    for col in TEXT_COLUMNS:
        if col in frame.columns:
            frame[col] = frame[col].fillna("")
    return frame


def read_run(folder: str | Path) -> RunData:
    """Read a run folder; raise InputError naming every missing file, column or bad field."""
    folder = Path(folder)
    problems = Problems()
    if not folder.is_dir():
        what = "is a file, not a run folder" if folder.exists() else "run folder not found"
        problems.add(str(folder), f"{what} (a folder written by `siting solve`)", show_value=False)
        problems.raise_if_any()
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        problems.add(str(folder), "not a complete run folder of `siting solve`: missing "
                     + ", ".join(missing), show_value=False)
        problems.raise_if_any()
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        problems.add(str(folder / "summary.json"), f"cannot be read as JSON ({exc})", show_value=False)
        problems.raise_if_any()
    specs = summary.get("parameters", {}).get("services") if isinstance(summary, dict) else None
    if not isinstance(specs, dict) or not specs:
        problems.add(str(folder / "summary.json"), "has no services", field="parameters.services",
                     show_value=False)
        raise InputError(problems.items)
    given = summary.get("catalogue")
    record: dict = given if isinstance(given, dict) else {}
    given = record.get("services")
    extra: dict = given if isinstance(given, dict) else {}
    services = {k: _service_info(k, v if isinstance(v, dict) else {},
                                 extra[k] if isinstance(extra.get(k), dict) else {}) for k, v in specs.items()}

    tables: dict[str, pd.DataFrame] = {}
    for name, cols in REQUIRED.items():
        if not name.endswith(".csv"):
            continue
        try:
            frame = _read_csv(folder / name)
        except (ValueError, OSError, pd.errors.ParserError) as exc:
            problems.add(str(folder / name), f"cannot be read as CSV ({exc})", show_value=False)
            continue
        need = list(cols)
        if name == "households_coverage.csv":
            need += [f"{w}_{s}" for s in services for w in ("before", "after")]
        if name == "ranked_sites.csv":
            need += [f"new_{s}" for s in services]
        for col in need:
            if col not in frame.columns:
                problems.add(str(folder / name), "missing column", field=col, show_value=False)
        tables[name] = frame
    by_street: dict[str, pd.DataFrame] = {}
    for path in sorted((folder / "by_street").glob("*.csv")) if (folder / "by_street").is_dir() else []:
        try:
            part = _read_csv(path)
        except (ValueError, OSError, pd.errors.ParserError) as exc:
            problems.add(str(path), f"cannot be read as CSV ({exc})", show_value=False)
            continue
        if "street" not in part.columns:
            problems.add(str(path), "missing column", field="street", show_value=False)
        elif len(part):
            by_street[str(part["street"].iloc[0])] = part
    problems.raise_if_any()

    hh = tables["households_coverage.csv"]
    for col in ["households", *[f"{w}_{s}" for s in services for w in ("before", "after")]]:
        bad = pd.to_numeric(hh[col], errors="coerce")
        if bad.isna().any() or (bad < 0).any():
            row = int(bad.index[bad.isna() | (bad < 0)][0]) + 2
            problems.add(str(folder / "households_coverage.csv"), "must be a whole number >= 0", field=col,
                         row=row, value=hh[col].iloc[row - 2])
    problems.raise_if_any()
    grades = rules_from_dict(summary.get("parameters", {}).get("grades"), tuple(services))
    return RunData(folder=folder, summary=summary, services=services, grades=grades,
                   ranked=tables["ranked_sites.csv"], by_street=by_street, coverage=tables["coverage.csv"],
                   uncovered=tables["uncovered.csv"], households=hh, sites=tables["sites.csv"],
                   existing=tables["existing.csv"])

