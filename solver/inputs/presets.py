"""Catalogue files: the presets shipped with the package, a user's own file, and the space-type defaults.

A scenario chooses its catalogue with a top-level key::

    catalogue = "tongzhou2022"        # a shipped preset: basic4 (the default), tongzhou2022, zibo2024
    catalogue = "./my_city.toml"      # a file of the same schema, relative to the scenario file

and overrides it service by service (solver/inputs/services.py). Shipped presets are
``solver/inputs/catalogues/<name>.toml``; ``spaces.toml`` beside them holds what each
space type is assumed to have (water, frontage) where the candidate table is silent.

Schema of a catalogue file (version 1; every problem is reported at once, naming the
file, the field, the rule and the value)::

    schema_version = 1
    name = "my_city"                   # lower-case letters, digits, _
    title_en = "..."                   # shown in reports
    title_zh = "..."
    description = "..."
    project_defaults = ["...", ...]    # what in the file is a project choice, not a document's
    [[documents]]                      # the documents the file follows (may be none)
    id = "doc_id"                      # cited as doc:doc_id in `source` texts
    title, issuer, clause, used_for = "..."
    year = 2022
    checked = "text"                   # text | report | not_checked: how the passage was read
    note = "..."                       # optional
    [services.<key>]                   # at least one enabled
    enabled, name_en, name_zh, abbr_en, abbr_zh, group ("basic" | "improved"), category,
    threshold_min, weight, fit_out_cost, area_m2     -- all required
    area_max_m2, min_floor, no_bottled_gas_underground, allowed_space_types,
    needs_water, needs_frontage                      -- optional (see solver/inputs/catalogue.py)
    [services.<key>.source]            # required: service, threshold, weight, area, cost, rules;
                                       # each text starts with "doc:<id>" or "project default"
    [grades]                           # optional: the default level rules (solver/inputs/grades.py)
    basic = { basic_services_pct = 90 }
    improved = { basic_services_pct = 95, improved_services_pct = 80 }
    quality = { all_services_pct = 95 }
    source = "..."

The grade groups are the services' ``group`` fields (only enabled services count); a level
the file leaves out keeps the project default. Names, abbreviations (map marks) and
``name_en`` / ``name_zh`` are unique within a file.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, Problems, did_you_mean
from .catalogue import (
    GROUND_FLOOR,
    SERVICE_FIELDS,
    SOURCE_KEYS,
    SPACE_ATTRIBUTES,
    SPACE_TYPES,
    Service,
    SpaceDefault,
)
from .grades import DEFAULT_LEVELS, LEVELS, GradeRules, LevelRule, parse_grades
from .readers import read_toml
from .services import build_service
from .values import unknown_keys as _unknown_keys

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogues"
SPACES_FILE = CATALOGUE_DIR / "spaces.toml"
DEFAULT_CATALOGUE = "basic4"
PRESETS: tuple[str, ...] = ("basic4", "tongzhou2022", "zibo2024")
SCHEMA_VERSION = 1

TOP_KEYS = ("schema_version", "name", "title_en", "title_zh", "description", "project_defaults", "documents",
            "services", "grades")
DOCUMENT_KEYS = ("id", "title", "issuer", "year", "clause", "used_for", "checked", "note")
CHECKED = ("text", "report", "not_checked")
REQUIRED_SERVICE_FIELDS = ("enabled", "name_en", "name_zh", "abbr_en", "abbr_zh", "group", "category",
                           "threshold_min", "weight", "fit_out_cost", "area_m2", "source")
NAME = re.compile(r"[a-z][a-z0-9_]*")
DOC_ID = re.compile(r"[a-z0-9_]+")
DOC_REF = re.compile(r"doc:([A-Za-z0-9_]+)")
SOURCE_START = re.compile(r"(doc:[a-z0-9_]+|project default)")


@dataclass(frozen=True, kw_only=True)
class Document:
    id: str
    title: str
    issuer: str
    year: int
    clause: str
    used_for: str
    checked: str
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class Catalogue:
    """A validated catalogue file: its services as written (merged with a scenario later), its grade levels."""

    name: str
    file: Path
    sha256: str
    shipped: bool
    title_en: str
    title_zh: str
    description: str
    project_defaults: tuple[str, ...]
    documents: tuple[Document, ...]
    specs: dict[str, dict] = field(repr=False)  # service key -> fields as written (without `enabled`)
    enabled: dict[str, bool] = field(repr=False)
    levels: dict[str, LevelRule] = field(repr=False)
    grades_source: str = ""

    def title(self, lang: str = "en") -> str:
        return self.title_zh if lang == "zh" else self.title_en

    @property
    def label(self) -> str:
        """How messages and summaries name it: the preset's name, or the user's file."""
        return self.name if self.shipped else str(self.file)

    def services(self) -> dict[str, Service]:
        """Every service of the file (enabled or not) as the catalogue alone defines it."""
        problems = Problems()
        out = {k: build_service(k, spec, problems, str(self.file)) for k, spec in self.specs.items()}
        return {k: s for k, s in out.items() if s is not None}


def _text(problems: Problems, file: str, fld: str, value: Any, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        if value is None:
            problems.add(file, "is required (a non-empty text)", field=fld, show_value=False)
        else:
            problems.add(file, "must be a non-empty text", field=fld, value=value)
        return ""
    return value.strip()


def _documents(raw: Any, problems: Problems, file: str) -> tuple[Document, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(d, dict) for d in raw):
        problems.add(file, "must be an array of tables ([[documents]])", field="documents", show_value=False)
        return ()
    out: list[Document] = []
    seen: set[str] = set()
    for k, doc in enumerate(raw, start=1):
        fld = f"documents[{k}]"
        _unknown_keys(problems, file, f"{fld}.", doc.keys(), DOCUMENT_KEYS)
        doc_id = _text(problems, file, f"{fld}.id", doc.get("id"))
        if doc_id and not DOC_ID.fullmatch(doc_id):
            problems.add(file, "must be lower-case letters, digits and _", field=f"{fld}.id", value=doc_id)
        elif doc_id in seen:
            problems.add(file, "the same id is used by an earlier document", field=f"{fld}.id", value=doc_id)
        seen.add(doc_id)
        texts = {key: _text(problems, file, f"{fld}.{key}", doc.get(key))
                 for key in ("title", "issuer", "clause", "used_for")}
        year = doc.get("year")
        if isinstance(year, bool) or not isinstance(year, int) or not 1949 <= year <= 2100:
            problems.add(file, "must be a year (a whole number, 1949-2100)", field=f"{fld}.year", value=year)
            year = 0
        checked = doc.get("checked")
        if checked not in CHECKED:
            problems.add(file, f"must be one of: {', '.join(CHECKED)} (read in the text, in a report, or not "
                         "checked)", field=f"{fld}.checked", value=checked)
        note = _text(problems, file, f"{fld}.note", doc.get("note"), required=False)
        out.append(Document(id=doc_id, year=int(year), checked=str(checked), note=note, **texts))
    return tuple(out)


def _check_sources(spec: Mapping[str, Any], problems: Problems, file: str, fld: str) -> None:
    """A catalogue file's ``source`` table: every key of SOURCE_KEYS, each text from a document or a project default."""
    src = spec.get("source")
    if not isinstance(src, dict):
        return  # the type is reported by build_service, a missing table with the required fields
    missing = [k for k in SOURCE_KEYS if k not in src]
    if missing:
        problems.add(file, f"must say where every value comes from: missing {', '.join(missing)}",
                     field=f"{fld}.source", show_value=False)
    for key, text in src.items():
        if isinstance(text, str) and text.strip() and not SOURCE_START.match(text.strip()):
            problems.add(file, "must start with doc:<document id> or 'project default'", field=f"{fld}.source.{key}",
                         value=text)


def _services(raw: Any, problems: Problems, file: str) -> tuple[dict[str, dict], dict[str, bool]]:
    if not isinstance(raw, dict) or not raw:
        problems.add(file, "is required: a table of services ([services.<key>])", field="services",
                     value=raw if raw is not None else None, show_value=raw is not None)
        return {}, {}
    specs: dict[str, dict] = {}
    enabled: dict[str, bool] = {}
    allowed = tuple(SERVICE_FIELDS) + ("enabled",)
    valid: dict[str, Service] = {}
    for key, spec in raw.items():
        fld = f"services.{key}"
        if not isinstance(spec, dict):
            problems.add(file, "must be a table", field=fld, value=spec)
            continue
        if not NAME.fullmatch(key) or len(key) > 32:
            problems.add(file, "a service key is lower-case letters, digits and _ (at most 32, a letter first)",
                         field=fld, value=key)
        _unknown_keys(problems, file, f"{fld}.", spec.keys(), allowed)
        missing = [f for f in REQUIRED_SERVICE_FIELDS if f not in spec]
        if missing:
            problems.add(file, f"a catalogue service writes every field; missing: {', '.join(missing)}", field=fld,
                         show_value=False)
        on = spec.get("enabled", True)
        if not isinstance(on, bool):
            problems.add(file, "must be true or false", field=f"{fld}.enabled", value=on)
            on = True
        if spec.get("group", "basic") == "none":
            problems.add(file, "a catalogue service belongs to a group: basic or improved", field=f"{fld}.group",
                         value="none")
        _check_sources(spec, problems, file, fld)
        for attr in ("name_en", "name_zh"):
            _text(problems, file, f"{fld}.{attr}", spec.get(attr, key))
        svc = build_service(key, spec, problems, file)
        if svc is not None:
            valid[key] = svc
        specs[key] = {k: v for k, v in spec.items() if k != "enabled"}
        enabled[key] = on
    if specs and not any(enabled.values()):
        problems.add(file, "at least one service must be enabled", field="services", show_value=False)
    for attr in ("name_en", "name_zh", "abbr_en", "abbr_zh"):
        first: dict[str, str] = {}
        for key, svc in valid.items():
            value = getattr(svc, attr)
            if value in first:
                problems.add(file, f"the same {attr} as service {first[value]}: each service needs its own",
                             field=f"services.{key}.{attr}", value=value)
            first.setdefault(value, key)
    return specs, enabled


def _grades(raw: Any, problems: Problems, file: str) -> tuple[dict[str, LevelRule], str]:
    if raw is None:
        return dict(DEFAULT_LEVELS), ""
    if not isinstance(raw, dict):
        problems.add(file, "must be a table", field="grades", value=raw)
        return dict(DEFAULT_LEVELS), ""
    allowed = (*LEVELS, "source")
    for key in raw:
        if key in ("basic_services", "improved_services"):
            problems.add(file, "a catalogue's grade groups are its services' `group` fields: remove this list",
                         field=f"grades.{key}", show_value=False)
        elif key not in allowed:
            problems.add(file, f"unknown key{did_you_mean(key, allowed)}; allowed: {', '.join(allowed)}",
                         field=f"grades.{key}", show_value=False)
    levels = parse_grades({k: v for k, v in raw.items() if k in LEVELS}, services=(), declared=(), problems=problems,
                          file=file).levels
    source = _text(problems, file, "grades.source", raw.get("source"), required=False)
    return levels, source


def _doc_refs(raw: Any, known: set[str], problems: Problems, file: str, fld: str = "") -> None:
    """Every doc:<id> in the file's texts names one of its [[documents]]."""
    if isinstance(raw, dict):
        for k, v in raw.items():
            if fld == "" and k == "documents":
                continue
            _doc_refs(v, known, problems, file, f"{fld}.{k}" if fld else str(k))
    elif isinstance(raw, list):
        for v in raw:
            _doc_refs(v, known, problems, file, fld)
    elif isinstance(raw, str):
        for ref in DOC_REF.findall(raw):
            if ref not in known:
                problems.add(file, f"cites a document that is not among [[documents]]{did_you_mean(ref, known)}",
                             field=fld, value=f"doc:{ref}")


def read_catalogue(path: Path, *, shipped: bool = False) -> Catalogue:
    """Read and validate a catalogue file; raise InputError listing every problem."""
    file = str(path)
    raw = read_toml(path)
    problems = Problems()
    _unknown_keys(problems, file, "", raw.keys(), TOP_KEYS)
    version = raw.get("schema_version")
    if version != SCHEMA_VERSION:
        problems.add(file, f"must be {SCHEMA_VERSION} (the catalogue schema this siting reads)",
                     field="schema_version", value=version, show_value=version is not None)
    name = _text(problems, file, "name", raw.get("name"))
    if name and not NAME.fullmatch(name):
        problems.add(file, "must be lower-case letters, digits and _ (a letter first)", field="name", value=name)
    texts = {k: _text(problems, file, k, raw.get(k)) for k in ("title_en", "title_zh", "description")}
    defaults = raw.get("project_defaults", [])
    if not isinstance(defaults, list) or not all(isinstance(d, str) for d in defaults):
        problems.add(file, "must be a list of texts", field="project_defaults", value=defaults)
        defaults = []
    documents = _documents(raw.get("documents"), problems, file)
    specs, enabled = _services(raw.get("services"), problems, file)
    levels, grades_source = _grades(raw.get("grades"), problems, file)
    _doc_refs(raw, {d.id for d in documents}, problems, file)
    problems.raise_if_any()
    return Catalogue(name=name, file=path, sha256=hashlib.sha256(path.read_bytes()).hexdigest(), shipped=shipped,
                     project_defaults=tuple(defaults), documents=documents, specs=specs, enabled=enabled,
                     levels=levels, grades_source=grades_source, **texts)


@functools.cache
def preset(name: str) -> Catalogue:
    """A shipped preset (validated once per process)."""
    if name not in PRESETS:
        raise KeyError(name)
    return read_catalogue(CATALOGUE_DIR / f"{name}.toml", shipped=True)


def is_path(ref: str) -> bool:
    """Whether a ``catalogue`` value names a file rather than a shipped preset."""
    return "/" in ref or "\\" in ref or ref.lower().endswith(".toml")


def load_catalogue(ref: Any, *, base: Path, problems: Problems, file: str) -> Catalogue | None:
    """The catalogue a scenario's ``catalogue`` value names (None, with problems recorded, when it cannot)."""
    if ref is None:
        return preset(DEFAULT_CATALOGUE)
    if not isinstance(ref, str) or not ref.strip():
        problems.add(file, f"must be a preset name ({', '.join(PRESETS)}) or the path of a catalogue file",
                     field="catalogue", value=ref)
        return None
    ref = ref.strip()
    if not is_path(ref):
        if ref not in PRESETS:
            problems.add(file, f"unknown catalogue preset{did_you_mean(ref, PRESETS)}; shipped: {', '.join(PRESETS)} "
                         "(or give the path of your own file, e.g. './my_city.toml')", field="catalogue", value=ref)
            return None
        return preset(ref)
    path = (base / ref).resolve()
    if path.is_dir():
        problems.add(file, "is a folder, not a catalogue file", field="catalogue", value=ref)
        return None
    if not path.is_file():
        problems.add(file, "catalogue file not found (paths are relative to the scenario file)", field="catalogue",
                     value_text=f"{ref!r} (looked for {path})")
        return None
    try:
        return read_catalogue(path)
    except InputError as exc:
        problems.extend(exc.problems)
        return None


# ------------------------------------------------------------------------------------------
# space-type defaults


def _space_default(space_type: str, spec: Any, problems: Problems, file: str, fld: str,
                   base: SpaceDefault | None) -> SpaceDefault | None:
    if not isinstance(spec, dict):
        problems.add(file, "must be a table with water and/or frontage", field=fld, value=spec)
        return None
    allowed = (*SPACE_ATTRIBUTES, "source")
    _unknown_keys(problems, file, f"{fld}.", spec.keys(), allowed)
    out: dict[str, Any] = {} if base is None else {"water": base.water, "frontage": base.frontage,
                                                   "source": base.source}
    for attr in SPACE_ATTRIBUTES:
        if attr not in spec:
            if base is None:
                problems.add(file, "is required (true or false)", field=f"{fld}.{attr}", show_value=False)
            continue
        value = spec[attr]
        if isinstance(value, bool) or (attr == "frontage" and value == GROUND_FLOOR):
            out[attr] = value
        else:
            choices = "true or false" + (f" or '{GROUND_FLOOR}' (on floor 1 only)" if attr == "frontage" else "")
            problems.add(file, f"must be {choices}", field=f"{fld}.{attr}", value=value)
    if "source" in spec:
        out["source"] = _text(problems, file, f"{fld}.source", spec["source"])
    elif base is not None and any(a in spec for a in SPACE_ATTRIBUTES):
        out["source"] = f"scenario: [space_defaults.{space_type}]"
    if not all(a in out for a in SPACE_ATTRIBUTES):
        return None
    return SpaceDefault(space_type=space_type, water=out["water"], frontage=out["frontage"],
                        source=str(out.get("source", "")))


@functools.cache
def space_defaults() -> dict[str, SpaceDefault]:
    """The shared space-type defaults (spaces.toml), validated once per process."""
    file = str(SPACES_FILE)
    raw = read_toml(SPACES_FILE)
    problems = Problems()
    _unknown_keys(problems, file, "", raw.keys(), ("schema_version", "space_types"))
    if raw.get("schema_version") != SCHEMA_VERSION:
        problems.add(file, f"must be {SCHEMA_VERSION}", field="schema_version", value=raw.get("schema_version"))
    given = raw.get("space_types")
    types: dict = given if isinstance(given, dict) else {}
    out: dict[str, SpaceDefault] = {}
    for t in SPACE_TYPES:
        if t not in types:
            problems.add(file, "every space type needs its defaults", field=f"space_types.{t}", show_value=False)
            continue
        d = _space_default(t, types[t], problems, file, f"space_types.{t}", None)
        if d is not None:
            out[t] = d
    _unknown_keys(problems, file, "space_types.", types.keys(), SPACE_TYPES)
    problems.raise_if_any()
    return out


def parse_space_defaults(raw: Any, problems: Problems, file: str) -> dict[str, SpaceDefault]:
    """The shared defaults with a scenario's ``[space_defaults.<type>]`` tables merged in, field by field."""
    out = dict(space_defaults())
    if raw is None:
        return out
    if not isinstance(raw, dict):
        problems.add(file, "must be a table of space types", field="space_defaults", value=raw)
        return out
    for t, spec in raw.items():
        fld = f"space_defaults.{t}"
        if t not in SPACE_TYPES:
            problems.add(file, f"unknown space type{did_you_mean(t, SPACE_TYPES)}; allowed: {', '.join(SPACE_TYPES)}",
                         field=fld, value=t)
            continue
        d = _space_default(t, spec, problems, file, fld, out[t])
        if d is not None:
            out[t] = d
    return out


def catalogue_summary(catalogue: Catalogue, services: Mapping[str, Service],
                      space: Mapping[str, SpaceDefault]) -> dict:
    """Plain data for summary.json: the catalogue, what each service adds to ``parameters.services``."""
    needs = sorted({a for s in services.values() for a in s.needs}, key=SPACE_ATTRIBUTES.index)
    out: dict[str, Any] = {
        "name": catalogue.name, "title_en": catalogue.title_en, "title_zh": catalogue.title_zh,
        "file": f"shipped: {catalogue.name}" if catalogue.shipped else str(catalogue.file),
        "sha256": catalogue.sha256,
        "services": {k: {"group": s.group, "abbr_en": s.abbr_en, "abbr_zh": s.abbr_zh,
                         "area_max_m2": s.area_max_m2, "allowed_space_types": list(s.allowed_space_types),
                         "no_bottled_gas_underground": s.no_bottled_gas_underground,
                         "needs_water": s.needs_water, "needs_frontage": s.needs_frontage,
                         "source": dict(s.source)} for k, s in services.items()},
    }
    if needs:
        out["space_defaults"] = {t: {a: getattr(d, a) for a in needs} for t, d in space.items()}
    return out



def catalogue_grade_rules(catalogue: Catalogue, services: Mapping[str, Service]) -> GradeRules:
    """The default grade rules of a scenario: its enabled services' groups, the catalogue's levels."""
    keys = tuple(services)
    return GradeRules(basic_services=tuple(k for k in keys if services[k].group == "basic"),
                      improved_services=tuple(k for k in keys if services[k].group == "improved"),
                      services=keys, levels=dict(catalogue.levels))


def implicit_marks(key: str, name_en: str, name_zh: str) -> tuple[str, str]:
    """The map marks a run folder without a ``catalogue`` record implies: basic4's, else the first letters."""
    spec = preset(DEFAULT_CATALOGUE).specs.get(key)
    if spec is not None:
        return str(spec["abbr_en"]), str(spec["abbr_zh"])
    return name_en[:1].upper(), name_zh[:1]


def needs_record(catalogue: Catalogue, services: Mapping[str, Service]) -> bool:
    """Whether a run must record its catalogue (summary.json ``catalogue``): anything but basic4's
    services with the map marks a reader would assume and no space attribute needed. Without
    the record a run folder reads as before catalogues existed."""
    if not catalogue.shipped or catalogue.name != DEFAULT_CATALOGUE:
        return True
    return any(s.needs or (s.abbr_en, s.abbr_zh) != implicit_marks(k, s.name_en, s.name_zh)
               for k, s in services.items())
