"""Reading a run folder (written by ``solver/results/outputs.py``) for the reports.

Reports never re-solve: they read ``summary.json`` and the CSV layers. A
folder that is not a complete run folder, or whose files were edited or damaged
(a missing column, a value of the wrong kind), is an :class:`InputError` naming
every problem at once (solver/runfolders.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import DefectError, InputError, Problem, Problems
from ..inputs.grades import GradeRules, rules_from_dict
from ..inputs.presets import DEFAULT_CATALOGUE, implicit_marks, preset
from ..runfolders import COUNT, FLAG, ID, NUMBER, TEXT, check_folder, read_layer, read_summary

# file -> columns the reports need, of their kinds (solver/runfolders.py); services add per-service columns
REQUIRED: dict[str, dict[str, str]] = {
    "summary.json": {},
    "ranked_sites.csv": {"rank": COUNT, "id": TEXT, "name": TEXT, "street": TEXT, "community": TEXT,
                         "space_type": TEXT, "floor": NUMBER, "area_m2": NUMBER, "services": TEXT, "cost": NUMBER,
                         "cumulative_cost": NUMBER, "cumulative_coverage_pct": NUMBER, "lon": NUMBER, "lat": NUMBER},
    "coverage.csv": {"street": TEXT, "service": TEXT, "households": COUNT, "covered_before": COUNT,
                     "covered_after": COUNT},
    "uncovered.csv": {"id": TEXT, "street": TEXT, "community": TEXT, "service": TEXT, "households": COUNT,
                      "reason": TEXT},
    "households_coverage.csv": {"id": ID, "street": TEXT, "community": TEXT, "households": COUNT,
                                "services_before": COUNT, "services_after": COUNT, "lon": NUMBER, "lat": NUMBER},
    "sites.csv": {"id": TEXT, "name": TEXT, "street": TEXT, "space_type": TEXT, "chosen": FLAG, "lon": NUMBER,
                  "lat": NUMBER},
    "existing.csv": {"id": TEXT, "name": TEXT, "service": TEXT, "lon": NUMBER, "lat": NUMBER},
}
SUMMARY_FIELDS = {"parameters": "object", "parameters.services": "object", "parameters.grades": "object_or_null",
                  "result": "object_or_null", "scenario": "object_or_null"}


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

    def title(self, lang: str = "en") -> tuple[str, str]:
        """The scenario's (name, description) in ``lang``: name_zh / description_zh for Chinese when the
        scenario gives them, else the English ones."""
        scen = self.summary.get("scenario", {})
        name, description = self.name, str(scen.get("description", "") or "")
        if lang == "zh":
            return str(scen.get("name_zh") or name), str(scen.get("description_zh") or description)
        return name, description

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


def read_run(folder: str | Path) -> RunData:
    """Read a run folder; raise InputError naming every missing file, column or bad value (a run folder may
    have been edited or damaged: each file is checked like input, solver/runfolders.py)."""
    folder = Path(folder)
    problems = Problems()
    if not check_folder(folder, problems):
        problems.raise_if_any()
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        problems.add(str(folder), "not a complete run folder of `siting solve`: missing "
                     + ", ".join(missing), show_value=False)
        problems.raise_if_any()
    summary = read_summary(folder / "summary.json", SUMMARY_FIELDS, problems)
    specs = summary["parameters"]["services"] if summary is not None else None
    if summary is not None and (not specs or not all(isinstance(v, dict) for v in specs.values())):
        problems.add(str(folder / "summary.json"), "has no services (an object per service)",
                     field="parameters.services", show_value=False)
        raise InputError(problems.items)
    given = summary.get("catalogue") if summary is not None else None
    record: dict = given if isinstance(given, dict) else {}
    given = record.get("services")
    extra: dict = given if isinstance(given, dict) else {}
    services: dict[str, ServiceInfo] = {}
    for k, v in (specs or {}).items():
        try:
            services[k] = _service_info(k, v, extra[k] if isinstance(extra.get(k), dict) else {})
        except (TypeError, ValueError):
            problems.add(str(folder / "summary.json"), "must give the service's settings (threshold_min a number)",
                         field=f"parameters.services.{k}", show_value=False)

    tables: dict[str, pd.DataFrame] = {}
    for name, cols in REQUIRED.items():
        if not name.endswith(".csv"):
            continue
        need = dict(cols)
        if name == "households_coverage.csv":
            need.update({f"{w}_{s}": FLAG for s in services for w in ("before", "after")})
        if name == "ranked_sites.csv":
            need.update({f"new_{s}": COUNT for s in services})
        frame = read_layer(folder / name, need, problems)
        if frame is not None:
            tables[name] = _as_text(frame)
    by_street: dict[str, pd.DataFrame] = {}
    for path in sorted((folder / "by_street").glob("*.csv")) if (folder / "by_street").is_dir() else []:
        part = read_layer(path, {"street": TEXT, **{c: k for c, k in REQUIRED["ranked_sites.csv"].items()
                                                    if k != TEXT}}, problems)
        if part is not None and len(part):
            by_street[str(part["street"].iloc[0])] = _as_text(part)
    problems.raise_if_any()
    if summary is None:
        raise DefectError(f"{folder / 'summary.json'}: not read, yet no problem was reported")
    try:
        grades = rules_from_dict(summary["parameters"].get("grades"), tuple(services))
    except (TypeError, ValueError, AttributeError) as exc:  # an edited summary.json
        raise InputError([Problem(file=str(folder / "summary.json"), field="parameters.grades",
                                  rule=f"cannot be read as grade rules ({exc})", show_value=False)]) from None
    hh = tables["households_coverage.csv"]
    return RunData(folder=folder, summary=summary, services=services, grades=grades,
                   ranked=tables["ranked_sites.csv"], by_street=by_street, coverage=tables["coverage.csv"],
                   uncovered=tables["uncovered.csv"], households=hh, sites=tables["sites.csv"],
                   existing=tables["existing.csv"])


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The text columns of a layer as text ('' when empty), whether or not the reader declared them."""
    for col in TEXT_COLUMNS:
        if col in frame.columns:
            values = frame[col].astype(object)
            frame[col] = values.where(values.notna(), "").astype(str)
    return frame
