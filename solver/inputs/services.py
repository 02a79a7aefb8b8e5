"""A catalogue's services merged with a scenario's ``[services.X]`` overrides, validated into Services.

Merging (the same for every catalogue, shipped or a user's file)::

    spec(s)    = catalogue service s, then each field the scenario's [services.s] writes
                 (``source`` merges key by key)
    enabled(s) = the scenario's ``enabled`` if it writes one, else the catalogue's;
                 a service the catalogue lacks is new and enabled unless it says otherwise
    min_floor, no_bottled_gas_underground = the spec's, else its category's (after overrides)

Combined formats (一店多能): ``requires = ["vegetable", "convenience_store"]`` lets a service open only
beside one of those (enabled) services in the same space (X+早餐: a breakfast counter in a vegetable
shop or convenience store); ``shared_fit_out = { vegetable = 90_000 }`` is the fit-out saved (yuan)
when both open in one space. A pair's saving may be written on either service (the same value if on
both); a service's savings sum to at most its own fit-out cost. The model prices them exactly
(models/structure.py).

A new service needs ``category``, ``threshold_min``, ``fit_out_cost`` and ``area_m2``;
every other field has a default (``group = "none"``: in no group of the grade rules but
"all services"). Map marks (``abbr_en``, ``abbr_zh``) must tell the enabled services apart:
one a scenario writes may not repeat another's; one it leaves out is the first letter of
the English name (first character of the Chinese) not yet taken.

:func:`build_service` validates one spec; the catalogue loader (solver/inputs/presets.py)
uses it for every service of a catalogue file too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..errors import Problems, did_you_mean
from . import ranges
from .catalogue import CATEGORIES, DEMANDS, SERVICE_FIELDS, SERVICE_GROUPS, SOURCE_KEYS, SPACE_TYPES, Service
from .values import number, ranged, unknown_keys

NEW_SERVICE_NEEDS = ("category", "threshold_min", "fit_out_cost", "area_m2")
SERVICE_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}")


def _bool(problems: Problems, file: str, fld: str, value: Any, fallback: bool) -> bool:
    if isinstance(value, bool):
        return value
    problems.add(file, "must be true or false", field=fld, value=value)
    return fallback


def _abbr(problems: Problems, file: str, fld: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 2:
        problems.add(file, "must be a text of 1 or 2 characters (a map mark)", field=fld, value=value)
        return ""
    return value.strip()


def source_pairs(problems: Problems, file: str, fld: str, value: Any) -> tuple[tuple[str, str], ...]:
    """A ``source`` table: what (SOURCE_KEYS) -> where it comes from (non-empty text)."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        problems.add(file, f"must be a table with any of: {', '.join(SOURCE_KEYS)}", field=fld, value=value)
        return ()
    out = []
    for key, text in value.items():
        if key not in SOURCE_KEYS:
            problems.add(file, f"unknown key{did_you_mean(key, SOURCE_KEYS)}; allowed: {', '.join(SOURCE_KEYS)}",
                         field=f"{fld}.{key}", show_value=False)
        elif not isinstance(text, str) or not text.strip():
            problems.add(file, "must be a non-empty text saying where the value comes from", field=f"{fld}.{key}",
                         value=text)
        else:
            out.append((key, text.strip()))
    return tuple(sorted(out, key=lambda kv: SOURCE_KEYS.index(kv[0])))


def build_service(key: str, spec: Mapping[str, Any], problems: Problems, file: str) -> Service | None:
    """Validate the merged ``spec`` of service ``key``; None (and problems recorded) when it is not valid."""
    fld = f"services.{key}"
    category = spec.get("category", "service")
    if not isinstance(category, str) or category not in CATEGORIES:
        problems.add(file, f"unknown category; allowed: {', '.join(CATEGORIES)}", field=f"{fld}.category",
                     value=category)
        return None
    rule = CATEGORIES[category]
    thr = ranged(problems, file, f"{fld}.threshold_min", spec.get("threshold_min", 15.0), ranges.THRESHOLD_MIN)
    weight = ranged(problems, file, f"{fld}.weight", spec.get("weight", 1.0), ranges.WEIGHT)
    fit = ranged(problems, file, f"{fld}.fit_out_cost", spec.get("fit_out_cost", 0.0), ranges.COST_YUAN)
    area = ranged(problems, file, f"{fld}.area_m2", spec.get("area_m2", 0.0), ranges.SERVICE_AREA_M2)
    min_floor = spec.get("min_floor", rule.min_floor)
    if min_floor is not None:
        min_floor = ranged(problems, file, f"{fld}.min_floor", min_floor, ranges.FLOOR)
        if min_floor == 0:
            problems.add(file, "floor 0 does not exist: use 1 for the ground floor, -1 for B1",
                         field=f"{fld}.min_floor", value=min_floor)
    allowed = spec.get("allowed_space_types", list(SPACE_TYPES))
    if not isinstance(allowed, (list, tuple)):
        problems.add(file, f"must be a list of space types from: {', '.join(SPACE_TYPES)}",
                     field=f"{fld}.allowed_space_types", value=allowed)
        allowed = list(SPACE_TYPES)
    for a in [a for a in allowed if not isinstance(a, str) or a not in SPACE_TYPES]:
        problems.add(file, f"unknown space type{did_you_mean(a, SPACE_TYPES)}; allowed: "
                     f"{', '.join(SPACE_TYPES)}", field=f"{fld}.allowed_space_types", value=a)
    allowed = [a for a in allowed if isinstance(a, str) and a in SPACE_TYPES]
    gas = _bool(problems, file, f"{fld}.no_bottled_gas_underground",
                spec.get("no_bottled_gas_underground", rule.no_bottled_gas_underground),
                rule.no_bottled_gas_underground)
    water = _bool(problems, file, f"{fld}.needs_water", spec.get("needs_water", False), False)
    frontage = _bool(problems, file, f"{fld}.needs_frontage", spec.get("needs_frontage", False), False)
    group = spec.get("group", "none")
    if group not in SERVICE_GROUPS:
        problems.add(file, f"must be one of: {', '.join(SERVICE_GROUPS)} (基本保障类, 品质提升类, neither)",
                     field=f"{fld}.group", value=group)
        group = "none"
    area_max = spec.get("area_max_m2")
    if area_max is not None:
        area_max = number(problems, file, f"{fld}.area_max_m2", area_max, minimum=area or 0.0,
                          maximum=ranges.SERVICE_AREA_M2.high)
    abbr_en = _abbr(problems, file, f"{fld}.abbr_en", spec.get("abbr_en"))
    abbr_zh = _abbr(problems, file, f"{fld}.abbr_zh", spec.get("abbr_zh"))
    source = source_pairs(problems, file, f"{fld}.source", spec.get("source"))
    if min_floor is not None and min_floor >= 1 and allowed == ["underground"]:
        problems.add(file, "no space can host it: the only allowed space type is underground, but min_floor is "
                     "above ground", field=f"{fld}.min_floor", value=min_floor)
    requires = spec.get("requires", [])
    if not isinstance(requires, (list, tuple)) or not all(isinstance(r, str) for r in requires):
        problems.add(file, "must be a list of service keys (the services that may host it)",
                     field=f"{fld}.requires", value=requires)
        requires = []
    shared = spec.get("shared_fit_out", {})
    pairs: list[tuple[str, float]] = []
    if not isinstance(shared, dict):
        problems.add(file, "must be a table: service = yuan saved when both open in one space",
                     field=f"{fld}.shared_fit_out", value=shared)
    else:
        for other, yuan in shared.items():
            v = ranged(problems, file, f"{fld}.shared_fit_out.{other}", yuan, ranges.COST_YUAN)
            if v is not None:
                pairs.append((str(other), float(v)))
    demand = spec.get("demand", "households")
    if demand not in DEMANDS:
        problems.add(file, f"must be one of: {', '.join(DEMANDS)} (a column of the household table)",
                     field=f"{fld}.demand", value=demand)
        demand = "households"
    if thr is None or weight is None or fit is None or area is None:
        return None
    return Service(
        key=key, name_en=str(spec.get("name_en", key)), name_zh=str(spec.get("name_zh", key)),
        category=category, threshold_min=float(thr), weight=float(weight),
        fit_out_cost=float(fit), area_m2=float(area),
        min_floor=None if min_floor is None else int(min_floor),
        no_bottled_gas_underground=gas, allowed_space_types=tuple(allowed), needs_water=water,
        needs_frontage=frontage, group=str(group), abbr_en=abbr_en, abbr_zh=abbr_zh,
        area_max_m2=None if area_max is None else float(area_max), source=source,
        demand=str(demand),
        requires=tuple(dict.fromkeys(requires)), shared_fit_out=tuple(pairs),
    )


@dataclass(frozen=True, kw_only=True)
class MergedServices:
    services: dict[str, Service]  # enabled and valid, in catalogue order (then the scenario's new ones)
    declared: tuple[str, ...]  # every enabled service, valid or not
    known: tuple[str, ...]  # every service of the catalogue and the scenario, enabled or not

    @property
    def disabled(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.known) - set(self.declared)))


def merge_services(catalogue_services: Mapping[str, Mapping[str, Any]], catalogue_enabled: Mapping[str, bool],
                   raw_services: Any, problems: Problems, file: str, *, catalogue_name: str) -> MergedServices:
    """The catalogue's services with the scenario's ``[services]`` table merged in (module docstring)."""
    if raw_services is None:
        raw_services = {}
    if not isinstance(raw_services, dict):
        problems.add(file, "must be a table of services", field="services", value=raw_services)
        raw_services = {}
    merged: dict[str, dict] = {k: dict(v) for k, v in catalogue_services.items()}
    enabled: dict[str, bool] = dict(catalogue_enabled)
    allowed_keys = set(SERVICE_FIELDS) | {"enabled"}
    for key, over in raw_services.items():
        fld = f"services.{key}"
        if not isinstance(over, dict):
            problems.add(file, "must be a table", field=fld, value=over)
            continue
        unknown_keys(problems, file, f"{fld}.", over, allowed_keys)
        base = merged.get(key, {})
        if key not in merged:
            missing = [f for f in NEW_SERVICE_NEEDS if f not in over]
            if missing:
                hint = did_you_mean(key, list(merged))
                where = "" if catalogue_name == "basic4" else f" in catalogue '{catalogue_name}'"
                what = (f"unknown service{where}{hint}: a new service needs" if hint else "a new service needs")
                problems.add(file, f"{what} {', '.join(missing)}", field=fld, show_value=False)
            if not SERVICE_KEY.fullmatch(str(key)):
                problems.add(file, "a service key is lower-case letters, digits and _ (at most 32, a letter first)",
                             field=fld, value=key)
        spec = {**base, **{k: v for k, v in over.items() if k != "enabled"}}
        if isinstance(base.get("source"), dict) and isinstance(over.get("source"), dict):
            spec["source"] = {**base["source"], **over["source"]}
        merged[key] = spec
        if "enabled" in over:
            enabled[key] = _bool(problems, file, f"{fld}.enabled", over["enabled"], True)
        else:
            enabled.setdefault(key, True)
    out: dict[str, Service] = {}
    for key, spec in merged.items():
        if enabled[key]:
            svc = build_service(key, spec, problems, file)
            if svc is not None:
                out[key] = svc
    out = _marks(out, problems, file)
    out = _combinations(out, set(merged), problems, file)
    if not out and not problems.items:
        problems.add(file, "at least one service must be enabled", field="services", show_value=False)
    declared = tuple(k for k in merged if enabled[k])
    return MergedServices(services=out, declared=declared, known=tuple(merged))


def _marks(services: dict[str, Service], problems: Problems, file: str) -> dict[str, Service]:
    """Map marks: written ones must differ; missing ones become the first free letter of the name."""
    out = dict(services)
    for lang in ("en", "zh"):
        attr = f"abbr_{lang}"
        taken: dict[str, str] = {}
        for key, svc in services.items():
            mark = getattr(svc, attr)
            if not mark:
                continue
            if mark in taken:
                problems.add(file, f"map mark also used by service {taken[mark]}: the marks must tell the enabled "
                             "services apart", field=f"services.{key}.{attr}", value=mark)
            taken.setdefault(mark, key)
        for key, svc in services.items():
            if getattr(svc, attr):
                continue
            name = svc.name_en if lang == "en" else svc.name_zh
            chars = [c.upper() if lang == "en" else c for c in name + key if c.isalnum()]
            mark = next((c for c in chars + [str(d) for d in range(1, 10)] if c not in taken), key[:2])
            taken[mark] = key
            out[key] = replace(out[key], abbr_en=mark) if lang == "en" else replace(out[key], abbr_zh=mark)
    return out


def _combinations(services: dict[str, Service], known: set[str], problems: Problems,
                  file: str) -> dict[str, Service]:
    """Check ``requires`` and ``shared_fit_out`` across services (module docstring). Hosts and partners
    that are known but not enabled drop out (they never open); a service left without any host is a
    problem, as is an unknown key, a pair written twice with two values, or savings above a fit-out."""
    out = dict(services)
    saving: dict[tuple[str, str], tuple[float, str]] = {}
    for key, svc in services.items():
        for h in svc.requires:
            if h not in known or h == key:
                problems.add(file, "a service cannot host itself" if h == key else
                             f"unknown service{did_you_mean(h, sorted(known))}", field=f"services.{key}.requires",
                             value=h)
        if svc.requires:
            hosts = tuple(h for h in svc.requires if h in services and h != key)
            if not hosts and all(h in known and h != key for h in svc.requires):
                problems.add(file, "none of the services that may host it is enabled: it could never open",
                             field=f"services.{key}.requires", value=list(svc.requires))
            out[key] = replace(out[key], requires=hosts)
        for other, yuan in svc.shared_fit_out:
            fld = f"services.{key}.shared_fit_out.{other}"
            if other not in known or other == key:
                problems.add(file, "a service cannot share fit-out with itself" if other == key else
                             f"unknown service{did_you_mean(other, sorted(known))}", field=fld, value=other)
                continue
            if other not in services:
                continue
            pair = (min(key, other), max(key, other))
            if pair in saving and saving[pair][0] != yuan:
                problems.add(file, f"the pair's saving is also written as {saving[pair][0]:,.0f} on "
                             f"services.{saving[pair][1]}: write it once", field=fld, value=yuan)
            saving.setdefault(pair, (yuan, key))
    total: dict[str, float] = {}
    for (a, b), (yuan, _) in saving.items():
        total[a] = total.get(a, 0.0) + yuan
        total[b] = total.get(b, 0.0) + yuan
    for key, t in total.items():
        if t > services[key].fit_out_cost + 1e-9:
            problems.add(file, f"the fit-out savings of this service sum to {t:,.0f} yuan, more than its own "
                         f"fit_out_cost {services[key].fit_out_cost:,.0f}: a combination cannot cost less than "
                         "nothing", field=f"services.{key}.shared_fit_out", show_value=False)
    # each pair kept once, on both services, so that either side reads it
    for key in out:
        pairs = tuple(sorted((b if a == key else a, yuan) for (a, b), (yuan, _) in saving.items() if key in (a, b)))
        out[key] = replace(out[key], shared_fit_out=pairs)
    return out
