"""Import settings: the tag mapping and the estimation parameters of ``siting import-osm``.

The defaults ship in ``default_settings.toml`` beside this module (documented
there, key by key). A user's file is laid over them: scalar keys replace the
default one by one; a service under ``[existing]`` replaces that service's
rules; ``[[candidates]]`` replaces the whole candidate list. Every problem in
the merged settings is collected and raised as one InputError.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import DefectError, Problems, did_you_mean
from ..inputs import ranges
from ..inputs.catalogue import SPACE_TYPES
from ..inputs.presets import DEFAULT_CATALOGUE, preset
from ..inputs.readers import read_toml
from .tags import Rule, parse_rule

DEFAULT_FILE = "default_settings.toml"

SECTIONS: dict[str, dict[str, str]] = {
    # key -> kind: number+ (> 0), number0 (>= 0), share (0..1], int+ (whole > 0), int0, text,
    # list (list of non-empty text), crs
    "crs": {"target": "crs"},
    "network": {"highways": "list", "max_edge_m": "number0", "max_snap_m": "number+"},
    "households": {"dwelling_m2": "number+", "default_levels": "number+", "storey_height_m": "number+",
                   "min_footprint_m2": "number0", "residential_buildings": "list",
                   "generic_buildings": "list0", "residential_landuse": "list0",
                   "landuse_coverage": "share0", "calibrate_total": "int0"},
    "areas": {"street_admin_level": "text", "community_admin_level": "text", "default_street": "text0"},
    "spaces": {"min_area_m2": "number0"},
}
CANDIDATE_KEYS = {"space_type": "space", "floor": "floor", "default_area_m2": "number+", "match": "rules"}
TOP_KEYS = set(SECTIONS) | {"existing", "candidates"}


@dataclass(frozen=True, kw_only=True)
class CandidateRule:
    space_type: str
    floor: int
    default_area_m2: float
    rules: tuple[Rule, ...]


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Validated import settings (see default_settings.toml for the meaning of each)."""

    target_crs: str
    highways: tuple[str, ...]
    max_edge_m: float
    max_snap_m: float
    dwelling_m2: float
    default_levels: float
    storey_height_m: float
    min_footprint_m2: float
    residential_buildings: tuple[str, ...]
    generic_buildings: tuple[str, ...]
    residential_landuse: tuple[str, ...]
    landuse_coverage: float
    calibrate_total: int
    street_admin_level: str
    community_admin_level: str
    default_street: str
    min_space_area_m2: float
    existing: dict[str, tuple[Rule, ...]]
    candidates: tuple[CandidateRule, ...]
    raw: dict = field(repr=False, compare=False, default_factory=dict)

    def rule_keys(self) -> set[str]:
        """Every OSM key the existing-facility and candidate rules test."""
        keys: set[str] = set()
        for rules in self.existing.values():
            for r in rules:
                keys.update(r.keys)
        for c in self.candidates:
            for r in c.rules:
                keys.update(r.keys)
        return keys

    def tag_keys(self) -> tuple[str, ...]:
        """Every OSM key the rules and estimates read (sorted)."""
        estimates = {"building", "landuse", "building:levels", "building:min_level", "height", "level", "name"}
        return tuple(sorted(estimates | self.rule_keys()))


def default_text() -> str:
    """The text of the shipped default settings (what ``--print-settings`` prints)."""
    return resources.files(__package__).joinpath(DEFAULT_FILE).read_text(encoding="utf-8")


def _defaults() -> dict:
    import tomllib

    return tomllib.loads(default_text())


def merge(base: dict, over: dict) -> dict:
    """``over`` laid over ``base`` (see the module docstring for the rule per section)."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if key in SECTIONS and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key].update(copy.deepcopy(value))
        elif key == "existing" and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key].update(copy.deepcopy(value))
        else:
            out[key] = copy.deepcopy(value)
    return out


def _limit(fld: str) -> ranges.Range | None:
    """The range of setting ``fld`` (``candidates[3].floor`` -> ``candidates.*.floor``)."""
    key = re.sub(r"^candidates\[\d+\]", "candidates.*", fld)
    return ranges.OSM_RANGES.get(key)


def _check_value(problems: Problems, file: str, fld: str, kind: str, value: Any) -> Any:
    def bad(rule: str) -> None:
        problems.add(file, rule, field=fld, value=value)

    if kind.startswith(("number", "share", "int")):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            bad("must be a finite number")
            return None
        if kind.startswith("int") and float(value) != int(value):
            bad("must be a whole number")
            return None
        strict = kind.endswith("+")
        if (value <= 0) if strict else (value < 0):
            bad(f"must be {'>' if strict else '>='} 0")
            return None
        if kind.startswith("share") and value > 1:
            bad("must be a share between 0 and 1")
            return None
        limit = _limit(fld)
        why = limit.problem(value) if limit is not None else None
        if why:  # within what the estimates handle (solver/inputs/ranges.py)
            bad(why)
            return None
        return int(value) if kind.startswith("int") else float(value)
    if kind in ("text", "text0", "crs"):
        if not isinstance(value, str) or (kind != "text0" and not value.strip()):
            bad("must be text" if kind == "text0" else "must be non-empty text")
            return None
        if kind == "crs" and value.strip().lower() != "auto":
            from ..inputs.geo import offset_system, parse_crs

            try:
                crs = parse_crs(value)
            except ValueError as exc:
                bad(f"{exc}; use \"auto\" or a metric EPSG code such as \"EPSG:4548\"")
                return None
            if not crs.is_projected or offset_system(crs) is not None:
                bad("must be \"auto\" or a projected (metric) CRS, e.g. \"EPSG:4548\" "
                    "(CGCS2000 / 3-degree Gauss-Kruger CM 117E)")
                return None
        return value.strip() if kind != "text0" else value
    if kind in ("list", "list0"):
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            bad("must be a list of non-empty text values")
            return None
        if kind == "list" and not value:
            bad("must not be empty")
            return None
        return tuple(v.strip() for v in value)
    if kind == "space":
        if not isinstance(value, str) or value not in SPACE_TYPES:
            problems.add(file, f"unknown space type{did_you_mean(value, SPACE_TYPES)}; must be one of: "
                         f"{', '.join(SPACE_TYPES)}", field=fld, value=value)
            return None
        return value
    if kind == "floor":
        if isinstance(value, bool) or not isinstance(value, int) or value == 0:
            bad("must be a whole floor number other than 0 (1 = ground floor, -1 = B1)")
            return None
        why = ranges.FLOOR.problem(value)
        if why:
            bad(why)
            return None
        return int(value)
    if kind == "rules":
        return _rules(problems, file, fld, value)
    raise DefectError(f"unknown kind of setting {kind!r}")


def _rules(problems: Problems, file: str, fld: str, value: Any) -> tuple[Rule, ...] | None:
    if not isinstance(value, list):
        problems.add(file, "must be a list of rules, e.g. [ { shop = \"greengrocer\" } ]", field=fld,
                     value=value)
        return None
    out: list[Rule] = []
    ok = True
    for k, raw in enumerate(value):
        rule, errors = parse_rule(raw)
        for e in errors:
            problems.add(file, e, field=f"{fld}[{k}]", value=raw)
        if rule is None:
            ok = False
        else:
            out.append(rule)
    return tuple(out) if ok else None


def validate(raw: dict, *, file: str) -> Settings:
    """Check merged settings; raise one InputError listing every problem."""
    problems = Problems()
    for key in raw:
        if key not in TOP_KEYS:
            problems.add(file, f"unknown section{did_you_mean(key, sorted(TOP_KEYS))}; allowed: "
                         f"{', '.join(sorted(TOP_KEYS))}", field=key, show_value=False)
    values: dict[str, Any] = {}
    for section, spec in SECTIONS.items():
        table = raw.get(section, {})
        if not isinstance(table, dict):
            problems.add(file, "must be a table", field=section, value=table)
            continue
        for key in table:
            if key not in spec:
                problems.add(file, f"unknown key{did_you_mean(key, sorted(spec))}; allowed: "
                             f"{', '.join(sorted(spec))}", field=f"{section}.{key}", show_value=False)
        for key, kind in spec.items():
            if key not in table:
                problems.add(file, "is required", field=f"{section}.{key}", show_value=False)
                continue
            values[f"{section}.{key}"] = _check_value(problems, file, f"{section}.{key}", kind, table[key])

    existing_raw = raw.get("existing", {})
    existing: dict[str, tuple[Rule, ...]] = {}
    if not isinstance(existing_raw, dict):
        problems.add(file, "must be a table of service = [rules]", field="existing", value=existing_raw)
        existing_raw = {}
    known = list(preset(DEFAULT_CATALOGUE).specs)  # the starter scenario uses the default catalogue
    for service, rules in existing_raw.items():
        fld = f"existing.{service}"
        if service not in known:
            problems.add(file, f"unknown service{did_you_mean(service, known)}: the tag mapping "
                         f"can only name services of the catalogue ({', '.join(known)}); "
                         "add a new service to the scenario and its facilities to existing.csv by hand",
                         field=fld, value=service)
            continue
        parsed = _rules(problems, file, fld, rules)
        if parsed is not None:
            existing[service] = parsed

    cands_raw = raw.get("candidates", [])
    candidates: list[CandidateRule] = []
    if not isinstance(cands_raw, list) or not all(isinstance(c, dict) for c in cands_raw):
        problems.add(file, "must be a list of [[candidates]] tables", field="candidates", show_value=False)
        cands_raw = []
    for k, spec in enumerate(cands_raw):
        fld = f"candidates[{k}]"
        for key in spec:
            if key not in CANDIDATE_KEYS:
                problems.add(file, f"unknown key{did_you_mean(key, sorted(CANDIDATE_KEYS))}; allowed: "
                             f"{', '.join(sorted(CANDIDATE_KEYS))}", field=f"{fld}.{key}", show_value=False)
        got: dict[str, Any] = {}
        for key, kind in CANDIDATE_KEYS.items():
            if key not in spec:
                problems.add(file, "is required", field=f"{fld}.{key}", show_value=False)
                got[key] = None
                continue
            got[key] = _check_value(problems, file, f"{fld}.{key}", kind, spec[key])
        if None not in got.values():
            candidates.append(CandidateRule(space_type=got["space_type"], floor=got["floor"],
                                            default_area_m2=got["default_area_m2"], rules=got["match"]))
    problems.raise_if_any()
    v = values
    return Settings(
        target_crs=v["crs.target"], highways=v["network.highways"], max_edge_m=v["network.max_edge_m"],
        max_snap_m=v["network.max_snap_m"], dwelling_m2=v["households.dwelling_m2"],
        default_levels=v["households.default_levels"], storey_height_m=v["households.storey_height_m"],
        min_footprint_m2=v["households.min_footprint_m2"],
        residential_buildings=v["households.residential_buildings"],
        generic_buildings=v["households.generic_buildings"],
        residential_landuse=v["households.residential_landuse"],
        landuse_coverage=v["households.landuse_coverage"],
        calibrate_total=v["households.calibrate_total"],
        street_admin_level=v["areas.street_admin_level"],
        community_admin_level=v["areas.community_admin_level"],
        default_street=v["areas.default_street"], min_space_area_m2=v["spaces.min_area_m2"],
        existing=existing, candidates=tuple(candidates), raw=raw,
    )


def load_settings(path: Path | None = None, *, overrides: dict | None = None) -> Settings:
    """The defaults, with the file at ``path`` and then ``overrides`` laid over them."""
    raw = _defaults()
    file = "default settings"
    if path is not None:
        path = Path(path)
        user = read_toml(path)
        raw = merge(raw, user)
        file = str(path)
    if overrides:
        raw = merge(raw, overrides)
    return validate(raw, file=file)


# ------------------------------------------------------------------------------------------
# writing the effective settings back (osm_settings.toml in the output folder)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def _toml_key(key: str) -> str:
    bare = key and all(ch.isalnum() or ch in "-_" for ch in key) and key.isascii()
    return key if bare else _toml_value(key)


def _toml_entry(key: str, value: Any) -> list[str]:
    return _toml_array(key, value) if isinstance(value, list) else [f"{_toml_key(key)} = {_toml_value(value)}"]


def _toml_array(name: str, values: list) -> list[str]:
    if values and all(isinstance(v, dict) for v in values):
        return [f"{_toml_key(name)} = ["] + [f"    {_toml_value(v)}," for v in values] + ["]"]
    return [f"{_toml_key(name)} = {_toml_value(values)}"]


def dump(raw: dict, *, header: str = "") -> str:
    """TOML text of merged settings (the schema of default_settings.toml only)."""
    lines = [f"# {ln}" if ln else "#" for ln in header.splitlines()]
    for section in (*SECTIONS, "existing"):
        table = raw.get(section)
        if not isinstance(table, dict):
            continue
        lines += ["", f"[{section}]"]
        for key, value in table.items():
            lines += _toml_entry(key, value)
    for spec in raw.get("candidates", []):
        lines += ["", "[[candidates]]"]
        for key, value in spec.items():
            lines += _toml_entry(key, value)
    return "\n".join(lines).lstrip("\n") + "\n"
