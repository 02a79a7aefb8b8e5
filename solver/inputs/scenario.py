"""Scenario files (TOML): loading and validation into a :class:`Scenario`.

A scenario names its data files and rules. Paths are relative to the
scenario file. Every problem in the file (unknown keys, wrong types,
out-of-range values, missing files) is collected and raised at once.
A what-if scenario extends another (the chain and ``--set`` overrides are
merged by solver/inputs/whatif.py) and may change the tables (:class:`Changes`,
applied by solver/inputs/loading.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from models.mode import Mode

from ..choices import Backend
from ..errors import InputError, Problems, did_you_mean
from ..paths import path_problem
from . import ranges
from .catalogue import SPACE_TYPES, Service, SpaceDefault
from .dates import AsOf, parse_as_of
from .grades import GradeRules, default_grade_rules, parse_grades
from .policy import POLICY_KEYS, Policy, parse_policy
from .presets import (
    DEFAULT_CATALOGUE,
    Catalogue,
    catalogue_grade_rules,
    load_catalogue,
    parse_space_defaults,
    preset,
    space_defaults,
)
from .ranges import Range
from .services import MergedServices, merge_services
from .values import ranged as _ranged
from .villages import VillageRules, parse_villages
from .whatif import Resolved, resolve


@dataclass(frozen=True, kw_only=True)
class StreetCap:
    max_sites: int | None = None
    max_yuan: float | None = None


@dataclass(frozen=True, kw_only=True)
class SolveOptions:
    backend: Backend = Backend.ORTOOLS
    time_limit_s: float = 120.0
    relative_gap: float = 0.0
    threads: int = 2
    seed: int = 0


@dataclass(frozen=True, kw_only=True)
class Changes:
    """Changes a scenario makes to its input tables (empty for a plain scenario)."""

    close: tuple[str, ...] = ()  # existing facility ids closed
    add_candidates: tuple[Path, ...] = ()  # extra candidate tables merged with the base table
    exclude: tuple[str, ...] = ()  # candidate ids removed
    forbid_space_types: tuple[str, ...] = ()  # candidate spaces of these types removed
    cost: dict[str, float] = field(default_factory=dict)  # conversion cost per candidate id
    cost_by_type: dict[str, float] = field(default_factory=dict)  # conversion cost per space type
    sources: dict[str, str] = field(default_factory=dict)  # field -> file that set it
    files: tuple[Path, ...] = ()  # the scenario files of the extends chain, base first

    @property
    def touches_tables(self) -> bool:
        return bool(self.close or self.add_candidates or self.exclude or self.forbid_space_types
                    or self.cost or self.cost_by_type)

    def source(self, fld: str) -> str:
        return self.sources.get(fld, "")


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A validated scenario: data locations, services, rules and solve options.

    A scenario given in Python with data frames (solver.run_tables) has no file:
    ``path`` and the table paths are None, and its tables come validated as a District.
    """

    name: str
    path: Path | None
    description: str
    crs: str
    households: Path | None
    candidates: Path | None
    existing: Path | None
    network_nodes: Path | None
    network_edges: Path | None
    services: dict[str, Service]
    speed_m_per_min: float
    detour_factor: float
    max_snap_m: float
    budget_yuan: float | None
    mode: Mode
    conversion_cost_default: dict[str, float]
    street_caps: dict[str, StreetCap]
    default_street_cap: StreetCap | None
    must_open: dict[str, int]
    solve: SolveOptions
    output_dir: Path | None
    grades: GradeRules = field(default_factory=lambda: default_grade_rules(()))  # [grades]: see solver/inputs/grades.py
    raw: dict = field(repr=False, compare=False, default_factory=dict)
    changes: Changes | None = None  # what-if changes to the tables (an extends chain)
    # the catalogue the services come from (solver/inputs/presets.py), its services that are off,
    # and what each space type is assumed to have where the candidate table is silent
    catalogue: Catalogue = field(default_factory=lambda: preset(DEFAULT_CATALOGUE), repr=False)
    disabled_services: tuple[str, ...] = ()
    space_defaults: dict[str, SpaceDefault] = field(default_factory=lambda: dict(space_defaults()), repr=False)
    # the name and description in Chinese (reports and tables with --lang zh; empty: the English ones)
    name_zh: str = ""
    description_zh: str = ""

    def title(self, lang: str = "en") -> tuple[str, str]:
        """(name, description) in ``lang``, falling back to the English ones."""
        if lang == "zh":
            return self.name_zh or self.name, self.description_zh or self.description
        return self.name, self.description
    # the date the existing facilities are taken on (``as_of``; solver/inputs/dates.py); None: every row
    # without a closed date counts
    as_of: AsOf | None = None
    villages: VillageRules = field(default_factory=VillageRules)  # [villages] (solver/inputs/villages.py)
    policy: Policy = field(default_factory=Policy)  # grade target and scope, fairness (solver/inputs/policy.py)

    @property
    def source(self) -> str:
        """What problems with the scenario name: its file, or ``run_tables``."""
        return str(self.path) if self.path is not None else FRAMES_SOURCE

    @property
    def folder_name(self) -> str:
        """The name as a folder name (default output folders): safe and short (solver/paths.py)."""
        from ..paths import safe_file_name

        return safe_file_name(self.name)

    @property
    def has_network(self) -> bool:
        return self.network_nodes is not None

    def cap_for(self, street: str) -> StreetCap | None:
        return self.street_caps.get(street, self.default_street_cap)

    @property
    def max_threshold_min(self) -> float:
        return max(s.threshold_min for s in self.services.values())


TOP_KEYS = {
    "name", "description", "name_zh", "description_zh", "crs", "mode", "budget_yuan", "data", "walking",
    "conversion_cost_default", "services", "street_caps", "must_open", "solve", "output", "grades",
}
TOP_KEYS |= {"catalogue", "space_defaults"}  # the service catalogue (solver/inputs/presets.py)
TOP_KEYS |= {"extends", "existing", "candidates"}  # what-if keys: the extends chain and the table changes
TOP_KEYS |= {"as_of"}  # the date of the existing facilities (solver/inputs/dates.py)
TOP_KEYS |= {"villages"}  # villages: rural travel and the village rule (solver/inputs/villages.py)
TOP_KEYS |= POLICY_KEYS  # grade target, scope, fairness (solver/inputs/policy.py)
DATA_KEYS = {"households", "candidates", "existing", "network_nodes", "network_edges"}
WALKING_KEYS = {"speed_m_per_min", "detour_factor", "max_snap_m"}
SOLVE_KEYS = {"backend", "time_limit_s", "relative_gap", "threads", "seed"}
CAP_KEYS = {"max_sites", "max_yuan"}
BACKENDS = tuple(b.value for b in Backend)
FRAMES_SOURCE = "run_tables"  # how problems name a scenario given in Python with data frames
FRAMES_NOT_ALLOWED = {"data", "extends", "existing", "candidates"}  # files and what-if changes
CHANGE_KEYS = {"existing": {"close"},
               "candidates": {"add", "exclude", "forbid_space_types", "cost", "cost_by_type"}}


def _unknown(problems: Problems, file: str, section: str, keys, allowed) -> None:
    for key in keys:
        if key not in allowed:
            hint = did_you_mean(key, sorted(allowed))
            if section and not section.startswith("services.") and key in TOP_KEYS and not hint:
                hint = (f" (a top-level key: put it above the first [table] of the file, "
                        f"not under [{section.rstrip('.')}])")
            problems.add(file, f"unknown key{hint}; allowed: {', '.join(sorted(allowed))}",
                         field=f"{section}{key}", show_value=False)


def _number_or(fallback: float, problems: Problems, file: str, fld: str, value: Any, rng: Range) -> float:
    """:func:`_ranged`, with ``fallback`` for a value that is not acceptable (its problem is recorded, so
    the fallback never reaches a Scenario)."""
    v = _ranged(problems, file, fld, value, rng)
    return fallback if v is None else v


def _services(raw: dict, base: Path, problems: Problems, file: str) -> tuple[Catalogue | None, MergedServices]:
    """The scenario's catalogue (``catalogue = ...``, default basic4) merged with its [services] overrides.

    When the catalogue cannot be loaded, its problems are recorded and no service is
    validated (the overrides would only show follow-on problems).
    """
    catalogue = load_catalogue(raw.get("catalogue"), base=base, problems=problems, file=file)
    if catalogue is None:
        return None, MergedServices(services={}, declared=(), known=())
    return catalogue, merge_services(catalogue.specs, catalogue.enabled, raw.get("services"), problems, file,
                                     catalogue_name=catalogue.label)


def _cap(problems: Problems, file: str, fld: str, spec: Any) -> StreetCap | None:
    if not isinstance(spec, dict):
        problems.add(file, "must be a table with max_sites and/or max_yuan", field=fld, value=spec)
        return None
    _unknown(problems, file, fld + ".", spec.keys(), CAP_KEYS)
    sites = spec.get("max_sites")
    yuan = spec.get("max_yuan")
    if sites is not None:
        sites = _ranged(problems, file, f"{fld}.max_sites", sites, ranges.SITES)
    if yuan is not None:
        yuan = _ranged(problems, file, f"{fld}.max_yuan", yuan, ranges.BUDGET_YUAN)
    return StreetCap(max_sites=None if sites is None else int(sites),
                     max_yuan=None if yuan is None else float(yuan))


def _data_paths(raw: dict, base: Path, problems: Problems, file: str) -> dict[str, Any]:
    """The [data] table: a resolved path per table (None when not given or not a path)."""
    data = raw.get("data", {})
    if not isinstance(data, dict):
        problems.add(file, "must be a table", field="data", value=data)
        data = {}
    _unknown(problems, file, "data.", data.keys(), DATA_KEYS)
    paths: dict[str, Any] = {}
    for key in sorted(DATA_KEYS):
        value = data.get(key)
        if value is None:
            paths[key] = None
            if key in ("households", "candidates"):
                problems.add(file, "is required", field=f"data.{key}", show_value=False)
            continue
        if not isinstance(value, str):
            problems.add(file, "must be a file path", field=f"data.{key}", value=value)
            paths[key] = None
            continue
        why = path_problem(base / value)
        if why:
            problems.add(file, why, field=f"data.{key}", value=value)
            paths[key] = None
            continue
        p = (base / value).resolve()
        if p.is_dir():
            problems.add(file, "is a folder, not a data file", field=f"data.{key}", value=value)
        elif not p.is_file():
            problems.add(file, "file not found (paths are relative to the scenario file)",
                         field=f"data.{key}", value_text=f"{value!r} (looked for {p})")
        paths[key] = p
    if (paths["network_nodes"] is None) != (paths["network_edges"] is None):
        problems.add(file, "network_nodes and network_edges must be given together",
                     field="data", show_value=False)
    return paths


def _frame_arguments(frames: Mapping[str, Any], problems: Problems, file: str) -> dict[str, Any]:
    """The tables given as data frames (solver.run_tables): each a DataFrame, a GeoDataFrame or None."""
    import pandas as pd

    paths: dict[str, Any] = {}
    for key in sorted(DATA_KEYS):
        value = frames.get(key)
        if value is None:
            if key in ("households", "candidates"):
                problems.add(file, "is required: a pandas DataFrame or GeoDataFrame", field=key, show_value=False)
        elif not isinstance(value, pd.DataFrame):
            problems.add(file, "must be a pandas DataFrame or GeoDataFrame", field=key,
                         value_text=type(value).__name__)
            value = None
        paths[key] = value
    if (paths["network_nodes"] is None) != (paths["network_edges"] is None):
        problems.add(file, "network_nodes and network_edges must be given together", field="network_nodes",
                     show_value=False)
    return paths


def build_scenario(raw: dict, *, path: Path | None, check_tables_on_error: bool = False,
                   frames: Mapping[str, Any] | None = None, later_checks: LaterChecks | None = None) -> Scenario:
    """Validate a raw scenario mapping (as read from TOML) into a Scenario.

    With ``check_tables_on_error``, a scenario with problems still has its data
    files checked (with what the scenario gives), and the raised InputError
    lists the scenario's problems followed by the tables' problems.

    With ``frames`` (table key -> DataFrame or None; solver.run_tables), the tables are
    data frames, not the [data] files: ``path`` is None, the problems name ``run_tables``
    and relative paths are relative to the current folder.
    """
    file = str(path) if path is not None else FRAMES_SOURCE
    base = path.parent if path is not None else Path.cwd()
    problems = Problems()
    paths: dict[str, Any]
    if frames is not None:
        _unknown(problems, file, "", raw.keys(), TOP_KEYS - FRAMES_NOT_ALLOWED)
        paths = _frame_arguments(frames, problems, file)
    else:
        _unknown(problems, file, "", raw.keys(), TOP_KEYS)
        paths = _data_paths(raw, base, problems, file)

    crs = raw.get("crs")
    if not isinstance(crs, str) or not crs:
        problems.add(file, "is required: the CRS of the input coordinates (e.g. 'EPSG:4326')",
                     field="crs", value=crs)
        crs = ""
    else:
        from .geo import parse_crs

        try:
            parse_crs(crs)
        except ValueError as exc:
            problems.add(file, str(exc), field="crs", value=crs)

    walking = raw.get("walking", {})
    if not isinstance(walking, dict):
        problems.add(file, "must be a table", field="walking", value=walking)
        walking = {}
    _unknown(problems, file, "walking.", walking.keys(), WALKING_KEYS)
    speed = _number_or(60.0, problems, file, "walking.speed_m_per_min", walking.get("speed_m_per_min", 60.0),
                       ranges.SPEED_M_PER_MIN)
    detour = _number_or(1.3, problems, file, "walking.detour_factor", walking.get("detour_factor", 1.3),
                        ranges.DETOUR)
    snap = _number_or(500.0, problems, file, "walking.max_snap_m", walking.get("max_snap_m", 500.0), ranges.SNAP_M)

    catalogue, merged = _services(raw, base, problems, file)
    services, declared_services = merged.services, merged.declared
    grades = default_grade_rules(())
    if catalogue is not None:
        grades = parse_grades(raw.get("grades"), services=tuple(services), declared=declared_services,
                              problems=problems, file=file, disabled=merged.disabled,
                              defaults=catalogue_grade_rules(catalogue, services))
    space = parse_space_defaults(raw.get("space_defaults"), problems, file)
    policy = parse_policy(raw, services=tuple(services), problems=problems, file=file)

    budget = raw.get("budget_yuan")
    if budget is not None:
        budget = _ranged(problems, file, "budget_yuan", budget, ranges.BUDGET_YUAN)
    mode_raw = raw.get("mode")
    if mode_raw is None:
        mode = Mode.MAX_COVERAGE if budget is not None else Mode.COVER
    else:
        try:
            mode = Mode(mode_raw)
        except ValueError:
            problems.add(file, f"must be one of: {', '.join(m.value for m in Mode)}", field="mode",
                         value=mode_raw)
            mode = Mode.COVER
    if mode is Mode.MAX_COVERAGE and budget is None and "budget_yuan" not in raw:
        problems.add(file, "mode 'max_coverage' needs budget_yuan", field="budget_yuan",
                     show_value=False)

    conv = raw.get("conversion_cost_default", {})
    conv_out: dict[str, float] = {}
    if not isinstance(conv, dict):
        problems.add(file, "must be a table of space type = yuan", field="conversion_cost_default",
                     value=conv)
        conv = {}
    _unknown(problems, file, "conversion_cost_default.", conv.keys(), set(SPACE_TYPES))
    for key, value in conv.items():
        v = _ranged(problems, file, f"conversion_cost_default.{key}", value, ranges.COST_YUAN)
        if v is not None and key in SPACE_TYPES:
            conv_out[key] = float(v)

    caps_raw = raw.get("street_caps", {})
    caps: dict[str, StreetCap] = {}
    default_cap = None
    if not isinstance(caps_raw, dict):
        problems.add(file, "must be a table", field="street_caps", value=caps_raw)
        caps_raw = {}
    for street, spec in caps_raw.items():
        cap = _cap(problems, file, f"street_caps.{street}", spec)
        if cap is None:
            continue
        if street == "default":
            default_cap = cap
        else:
            caps[str(street)] = cap

    must_raw = raw.get("must_open", {})
    must: dict[str, int] = {}
    if not isinstance(must_raw, dict):
        problems.add(file, "must be a table of service = minimum number of sites", field="must_open",
                     value=must_raw)
        must_raw = {}
    for key, value in must_raw.items():
        if key not in services:
            if key in declared_services or catalogue is None:
                continue  # the service (or the catalogue) itself has a problem, reported above
            if key in merged.known:
                rule = "service is disabled in this scenario (enabled = false)"
            else:
                rule = (f"unknown service{did_you_mean(key, declared_services)}; known: "
                        f"{', '.join(declared_services)}")
            problems.add(file, rule, field=f"must_open.{key}", value=key)
            continue
        v = _ranged(problems, file, f"must_open.{key}", value, ranges.SITES)
        if v is not None:
            must[key] = int(v)

    solve_raw = raw.get("solve", {})
    if not isinstance(solve_raw, dict):
        problems.add(file, "must be a table", field="solve", value=solve_raw)
        solve_raw = {}
    _unknown(problems, file, "solve.", solve_raw.keys(), SOLVE_KEYS)
    backend = solve_raw.get("backend", Backend.ORTOOLS.value)
    if backend not in BACKENDS:
        problems.add(file, f"must be one of: {', '.join(BACKENDS)}", field="solve.backend",
                     value=backend)
        backend = Backend.ORTOOLS.value
    tl = _number_or(120.0, problems, file, "solve.time_limit_s", solve_raw.get("time_limit_s", 120.0),
                    ranges.TIME_LIMIT_S)
    gap = _number_or(0.0, problems, file, "solve.relative_gap", solve_raw.get("relative_gap", 0.0), ranges.GAP)
    threads = _number_or(2, problems, file, "solve.threads", solve_raw.get("threads", 2), ranges.THREADS)
    seed = _number_or(0, problems, file, "solve.seed", solve_raw.get("seed", 0), ranges.SEED)

    out_raw = raw.get("output", {})
    out_dir = None
    if not isinstance(out_raw, dict):
        problems.add(file, "must be a table with only 'dir'", field="output", value=out_raw)
    else:
        _unknown(problems, file, "output.", out_raw.keys(), {"dir"})
        if "dir" in out_raw:
            if isinstance(out_raw["dir"], str) and out_raw["dir"].strip():
                why = path_problem(base / out_raw["dir"])
                if why:
                    problems.add(file, why, field="output.dir", value=out_raw["dir"])
                else:
                    out_dir = (base / out_raw["dir"]).resolve()
            else:
                problems.add(file, "must be a folder path", field="output.dir", value=out_raw["dir"])

    as_of = None
    if "as_of" in raw:
        as_of = parse_as_of(str(raw["as_of"])) if isinstance(raw["as_of"], str) else None
        if as_of is None:
            problems.add(file, "must be a quarter (\"2026Q3\", its last day) or a date (\"2026-09-30\")",
                         field="as_of", value=raw["as_of"])

    villages = parse_villages(raw.get("villages"), problems, file, tuple(services))

    default_name = path.stem if path is not None else "tables"
    name = raw.get("name", default_name)
    why = name_problem(name)
    if why:
        problems.add(file, why, field="name", value=name)
        name = default_name
    texts = {}
    for key in ("description", "name_zh", "description_zh"):
        why = text_problem(raw.get(key, ""), one_line=key == "name_zh")
        if why:
            problems.add(file, why, field=key, value=raw.get(key))
        texts[key] = raw.get(key, "") if not why else ""

    if problems and check_tables_on_error and catalogue is not None:  # without it, services are unknown
        _check_tables_anyway(problems, file=file, paths=paths, crs=crs, services=declared_services,
                             disabled=merged.disabled, space=space, conversion=conv, caps=caps,
                             later_checks=later_checks, max_snap_m=snap)
    problems.raise_if_any()
    files = {k: v if isinstance(v, Path) else None for k, v in paths.items()}  # data frames have no path
    return Scenario(
        name=name, path=path.resolve() if path is not None else None, description=texts["description"],
        name_zh=texts["name_zh"], description_zh=texts["description_zh"],
        crs=crs, households=files["households"], candidates=files["candidates"],
        existing=files["existing"], network_nodes=files["network_nodes"],
        network_edges=files["network_edges"], services=services,
        speed_m_per_min=float(speed), detour_factor=float(detour), max_snap_m=float(snap),
        budget_yuan=None if budget is None else float(budget), mode=mode,
        conversion_cost_default=conv_out, street_caps=caps, default_street_cap=default_cap,
        must_open=must,
        solve=SolveOptions(backend=Backend(backend), time_limit_s=float(tl), relative_gap=float(gap),
                           threads=int(threads), seed=int(seed)),
        output_dir=out_dir, grades=grades, raw=raw,
        catalogue=catalogue if catalogue is not None else preset(DEFAULT_CATALOGUE),
        disabled_services=merged.disabled, space_defaults=space, as_of=as_of,
        villages=villages, policy=policy,
    )


MAX_NAME_CHARS = 200


def name_problem(name: Any) -> str | None:
    """Why a scenario name cannot name the scenario and its default output folder, or None. (The folder
    is the name made a safe file name, solver/paths.py: any other text is fine.)"""
    if not isinstance(name, str) or not name or any(c in name for c in "/\\"):
        return "must be a non-empty name without slashes"
    if not name.strip(" ."):
        return "must name the scenario: it names the output folder, and '.', '..' or blanks would name another"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "must not contain control characters (a line break or tab)"
    if len(name) > MAX_NAME_CHARS:
        return f"must be at most {MAX_NAME_CHARS} characters"
    return None


MAX_DESCRIPTION_CHARS = 2000


def text_problem(text: Any, *, one_line: bool) -> str | None:
    """Why ``text`` cannot be a scenario's description (or, ``one_line``, its Chinese name), or None."""
    if not isinstance(text, str):
        return "must be a text (a quoted TOML string)"
    limit = MAX_NAME_CHARS if one_line else MAX_DESCRIPTION_CHARS
    if any((ord(c) < 32 and not (c in "\n\t" and not one_line)) or ord(c) == 127 for c in text):
        return "must not contain control characters" + (" (a line break or tab)" if one_line else "")
    if len(text) > limit:
        return f"must be at most {limit} characters"
    return None


# the checks of later stages on a district of usable rows (the walking network's snapping:
# solver.pipeline.network_problems), run here when the scenario itself has problems
LaterChecks = Callable[[Any, float], Problems]


def _check_tables_anyway(problems: Problems, *, file: str, paths: dict[str, Any], crs: str,
                         services: tuple[str, ...], disabled: tuple[str, ...], space: dict[str, SpaceDefault],
                         conversion: dict, caps: dict, later_checks: LaterChecks | None = None,
                         max_snap_m: float = 500.0) -> None:
    """Add the data files' problems to a scenario that has problems of its own.

    Only what the scenario gives reliably is used: files that exist (or data frames),
    the crs when it parses, every enabled service (also those whose settings are wrong)
    and every conversion_cost_default key that names a space type.
    """
    from .geo import parse_crs
    from .tables import TableSources, check_district, check_tables

    usable = {k: (p if p is not None and (not isinstance(p, Path) or p.is_file()) else None)
              for k, p in paths.items()}
    if usable["households"] is None and usable["candidates"] is None:
        return
    if (usable["network_nodes"] is None) != (usable["network_edges"] is None):
        usable["network_nodes"] = usable["network_edges"] = None
    try:
        in_crs = parse_crs(crs) if crs else None
    except ValueError:
        in_crs = None
    conv = {k: 0.0 for k in (conversion if isinstance(conversion, dict) else {}) if k in SPACE_TYPES}
    src = TableSources(scenario_file=file, households=usable["households"],
                       candidates=usable["candidates"], existing=usable["existing"],
                       network_nodes=usable["network_nodes"], network_edges=usable["network_edges"],
                       crs=in_crs, services=services, disabled_services=disabled, space_defaults=space,
                       conversion_cost_default=conv, street_caps=tuple(caps))
    try:
        if later_checks is None or in_crs is None or src.households is None or src.candidates is None:
            check_tables(src, problems)
            return
        district, found = check_district(src)
        problems.extend(found)
        if district is not None:
            problems.extend(later_checks(district, max_snap_m))
    except Exception:  # a best-effort extra; the scenario's own problems are raised regardless
        return


# ------------------------------------------------------------------------------------------
# what-if scenarios: the table changes, and loading a scenario file


def _str_list(value: Any, fld: str, file: str, problems: Problems) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                              for v in value):
        problems.add(file, "must be a list of ids (text)", field=fld, value=value)
        return ()
    return tuple(str(v) for v in value)


def _changes(raw: dict, resolved: Resolved, leaf: Path, problems: Problems) -> Changes:
    """Validate the [existing] and [candidates] change tables of a what-if scenario."""
    default = str(leaf)
    sources: dict[str, str] = {}

    def src(fld: str) -> str:
        sources[fld] = resolved.origin(fld, default)
        return sources[fld]

    tables: dict[str, dict] = {}
    for sect, allowed in CHANGE_KEYS.items():
        value = raw.get(sect, {})
        if not isinstance(value, dict):
            problems.add(src(sect), f"must be a table with: {', '.join(sorted(allowed))}", field=sect,
                         value=value)
            value = {}
        for key in value:
            if key not in allowed:
                fld = f"{sect}.{key}"
                problems.add(src(fld), f"unknown key{did_you_mean(key, sorted(allowed))}; allowed: "
                             f"{', '.join(sorted(allowed))}", field=fld, show_value=False)
        tables[sect] = value
    ex, cand = tables["existing"], tables["candidates"]
    close = _str_list(ex["close"], "existing.close", src("existing.close"), problems) if "close" in ex else ()
    exclude = (_str_list(cand["exclude"], "candidates.exclude", src("candidates.exclude"), problems)
               if "exclude" in cand else ())
    add: list[Path] = []
    if "add" in cand:
        file = src("candidates.add")
        values = cand["add"] if isinstance(cand["add"], list) else [cand["add"]]
        for v in values:
            if not isinstance(v, str) or not v.strip():
                problems.add(file, "must be the path of a candidate table (or a list of paths)",
                             field="candidates.add", value=cand["add"])
                continue
            why = path_problem(leaf.parent / v)
            if why:
                problems.add(file, why, field="candidates.add", value=v)
                continue
            p = (leaf.parent / v).resolve()
            if p.is_dir():
                problems.add(file, "is a folder, not a data file", field="candidates.add", value=v)
            elif not p.is_file():
                problems.add(file, "file not found (paths are relative to the scenario file)",
                             field="candidates.add", value_text=f"{v!r} (looked for {p})")
            else:
                add.append(p)
    forbid: tuple[str, ...] = ()
    if "forbid_space_types" in cand:
        file = src("candidates.forbid_space_types")
        types = _str_list(cand["forbid_space_types"], "candidates.forbid_space_types", file, problems)
        for v in types:
            if v not in SPACE_TYPES:
                problems.add(file, f"unknown space type{did_you_mean(v, SPACE_TYPES)}; allowed: "
                             f"{', '.join(SPACE_TYPES)}", field="candidates.forbid_space_types", value=v)
        forbid = tuple(v for v in types if v in SPACE_TYPES)
    cost: dict[str, float] = {}
    by_type: dict[str, float] = {}
    for key, out in (("cost", cost), ("cost_by_type", by_type)):
        if key not in cand:
            continue
        fld = f"candidates.{key}"
        value = cand[key]
        if not isinstance(value, dict):
            what = "candidate id" if key == "cost" else "space type"
            problems.add(src(fld), f"must be a table of {what} = yuan", field=fld, value=value)
            continue
        for k, v in value.items():
            sub = f"{fld}.{k}"
            file = src(sub)
            if key == "cost_by_type" and k not in SPACE_TYPES:
                problems.add(file, f"unknown space type{did_you_mean(k, SPACE_TYPES)}; allowed: "
                             f"{', '.join(SPACE_TYPES)}", field=sub, value=k)
                continue
            num = _ranged(problems, file, sub, v, ranges.COST_YUAN)
            if num is not None:
                out[str(k)] = float(num)
    for fld in ("existing.close", "candidates.exclude", "candidates.add"):
        src(fld)
    return Changes(close=close, add_candidates=tuple(add), exclude=exclude, forbid_space_types=forbid,
                   cost=cost, cost_by_type=by_type, sources=sources, files=tuple(f.resolve() for f in resolved.files))


def load_scenario(path: str | Path, *, overrides: Sequence[str] = (),
                  later_checks: LaterChecks | None = None) -> Scenario:
    """Load and validate a scenario file; raise InputError listing every problem.

    ``extends`` chains and ``overrides`` (``--set`` texts) are merged first
    (solver/inputs/whatif.py); each problem names the file that wrote the value. When
    the scenario itself has problems, its data files are checked too (as far as the
    scenario allows) so that one error lists everything wrong. A malformed override
    raises SetSyntaxError.
    """
    path = Path(path)
    resolved = resolve(path, overrides=overrides)
    # without its base the scenario would only show follow-on problems
    resolved.chain_problems.raise_if_any()
    raw = resolved.raw
    leaf = str(path)
    problems = Problems()
    problems.extend(resolved.problems)
    change_raw = {k: raw.pop(k) for k in list(raw) if k in CHANGE_KEYS}
    changes = _changes(change_raw, resolved, path, problems)
    try:
        sc = build_scenario(raw, path=path, check_tables_on_error=True, later_checks=later_checks)
    except InputError as exc:
        problems.extend(resolved.attribute(exc.problems, leaf))
        raise InputError(problems.items) from None
    problems.raise_if_any()
    return replace(sc, changes=changes, raw={**raw, **change_raw})


def scenario_files(scenario: Scenario) -> list[Path]:
    """Every file a scenario reads (for refusing an output folder that holds one)."""
    out = [scenario.path, scenario.households, scenario.candidates, scenario.existing,
           scenario.network_nodes, scenario.network_edges]
    changes = scenario.changes
    if changes is not None:
        out += list(changes.files) + list(changes.add_candidates)
    return [p for p in out if p is not None]


def describe_changes(scenario: Scenario) -> dict:
    """The changes of a scenario as plain data (for summaries)."""
    ch = scenario.changes
    if ch is None:
        return {}
    return {"extends": [str(f) for f in ch.files[:-1]], "closed_existing": list(ch.close),
            "added_candidate_tables": [str(p) for p in ch.add_candidates],
            "excluded_candidates": list(ch.exclude), "forbidden_space_types": list(ch.forbid_space_types),
            "conversion_cost": dict(ch.cost), "conversion_cost_by_type": dict(ch.cost_by_type)}
