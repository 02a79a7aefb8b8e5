"""The rules of the service catalogue: services, space types, categories, and where a service may open.

The services themselves are data: the catalogue presets shipped with the package
(``solver/inputs/catalogues/*.toml``, loaded and validated by
:mod:`solver.inputs.presets`) or a user's own file of the same schema, merged with a
scenario's ``[services.X]`` overrides by :mod:`solver.inputs.services`. The labels shown
to a user (English and Chinese) are in :mod:`solver.inputs.labels`; a service's own
names and map marks (name_en, name_zh, abbr_en, abbr_zh) are part of its definition.

Where service s may open in candidate space j (the eligibility e_js of the model)::

    e_js = type_j in allowed_space_types_s
       and (min_floor_s is None or floor_j >= min_floor_s)
       and not (no_bottled_gas_underground_s and floor_j < 0 and gas_j == "bottled")
       and (not needs_water_s    or water_j)
       and (not needs_frontage_s or frontage_j)
       and area_m2_s <= area_j                      (checked with the areas: solver/travel/coverage.py)

``min_floor`` and ``no_bottled_gas_underground`` default to the service's category
(Beijing practice, DESIGN.md): no catering at B2 or deeper and none underground with
bottled gas; no retail at B3 or deeper (GB 50016 5.4.3: no shop sales floor at B3 or
below); housing and childcare never underground. ``water_j`` (water supply and drainage)
and ``frontage_j`` (its own entrance on a public pedestrian space) come from the
candidate table's optional ``water`` / ``frontage`` columns, or, where a cell is empty,
from the space type's default (``solver/inputs/catalogues/spaces.toml``, overridable by
a scenario's ``[space_defaults]``); outputs mark the spaces whose eligibility rests on
such an assumed value (``check_on_site``).

:func:`eligible` is what the coverage uses; :func:`ineligibility_reason` is a separate
implementation of the same rules, which the independent checker (solver/results/check.py)
uses, so that a mistake in one is caught by the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SPACE_TYPES: tuple[str, ...] = ("vacated", "underground", "boiler_room", "bike_shed", "old_factory", "transit",
                                "park", "other",
                                # rural: idle rooms of a village collective (村集体闲置用房) and supply-and-marketing
                                # cooperative buildings of a township (供销社)
                                "village_room", "coop")  # labels: solver/inputs/labels.py

GAS_SUPPLY = ("none", "pipeline", "bottled")

# 基本保障类 (basic-guarantee formats), 品质提升类 (quality-improvement formats), or neither
# (a service a scenario adds without a group: only in the grade rules' "all services")
SERVICE_GROUPS: tuple[str, ...] = ("basic", "improved", "none")

# space attributes a service may need, read from the candidate table's optional columns
SPACE_ATTRIBUTES: tuple[str, ...] = ("water", "frontage")
GROUND_FLOOR = "ground_floor"  # a space-type default: frontage only on floor 1


@dataclass(frozen=True, kw_only=True)
class CategoryRule:
    """Placement rules shared by the services of one category.

    ``min_floor`` is the deepest floor allowed (-1 = B1, 1 = ground floor,
    i.e. never underground); ``None`` means any floor.
    """

    name: str
    min_floor: int | None
    no_bottled_gas_underground: bool = False


CATEGORIES: dict[str, CategoryRule] = {
    "catering": CategoryRule(name="catering", min_floor=-1, no_bottled_gas_underground=True),
    "retail": CategoryRule(name="retail", min_floor=-2),
    "service": CategoryRule(name="service", min_floor=None),
    "housing": CategoryRule(name="housing", min_floor=1),
    "childcare": CategoryRule(name="childcare", min_floor=1),
}


@dataclass(frozen=True, kw_only=True)
class Service:
    """One service type of the catalogue (after scenario overrides)."""

    key: str
    name_en: str
    name_zh: str
    category: str
    threshold_min: float
    weight: float
    fit_out_cost: float
    area_m2: float
    min_floor: int | None = None
    no_bottled_gas_underground: bool = False
    allowed_space_types: tuple[str, ...] = field(default_factory=lambda: tuple(SPACE_TYPES))
    needs_water: bool = False
    needs_frontage: bool = False
    group: str = "none"
    abbr_en: str = ""  # map marks; empty: the first letter of name_en / character of name_zh
    abbr_zh: str = ""
    area_max_m2: float | None = None  # the usual upper end of the area: for reports only
    source: tuple[tuple[str, str], ...] = ()  # (what, where it comes from): service, threshold, ...
    # combined formats (一店多能): the services that may host this one in the same space (any one of them;
    # empty: it may open alone), and the fit-out saved when it opens beside another service (yuan)
    requires: tuple[str, ...] = ()
    shared_fit_out: tuple[tuple[str, float], ...] = ()
    demand: str = "households"  # what its coverage counts (DEMANDS): the objective, grades and floors

    def label(self, lang: str = "en") -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def abbr(self, lang: str = "en") -> str:
        if lang == "zh":
            return self.abbr_zh or self.name_zh[:1]
        return self.abbr_en or self.name_en[:1].upper()

    @property
    def needs(self) -> tuple[str, ...]:
        """The space attributes (SPACE_ATTRIBUTES) this service needs."""
        return tuple(a for a, on in (("water", self.needs_water), ("frontage", self.needs_frontage)) if on)


# Every field a catalogue file or a scenario's [services.X] may set ("enabled" aside).
SERVICE_FIELDS = (
    "name_en", "name_zh", "abbr_en", "abbr_zh", "group", "category", "threshold_min", "weight", "fit_out_cost",
    "area_m2", "area_max_m2", "min_floor", "no_bottled_gas_underground", "allowed_space_types", "needs_water",
    "needs_frontage", "source", "requires", "shared_fit_out", "demand",
)
# what a service's coverage counts: households (default), or the household table's population / elderly
DEMANDS: tuple[str, ...] = ("households", "population", "elderly")
SOURCE_KEYS = ("service", "threshold", "weight", "area", "cost", "rules")  # what a `source` table explains


@dataclass(frozen=True, kw_only=True)
class SpaceDefault:
    """What a space type is assumed to have when the candidate table leaves ``water`` / ``frontage`` empty."""

    space_type: str
    water: bool
    frontage: bool | str  # True, False or GROUND_FLOOR (only on floor 1)
    source: str = ""

    def value(self, attribute: str, floor: int) -> bool:
        v = self.water if attribute == "water" else self.frontage
        return floor == 1 if v == GROUND_FLOOR else bool(v)


def eligible(service: Service, *, space_type: str, floor: int, gas: str, water: bool = True,
             frontage: bool = True) -> bool:
    """Whether ``service`` may open in a space of this type, floor, gas supply, water and frontage."""
    if space_type not in service.allowed_space_types:
        return False
    if service.min_floor is not None and floor < service.min_floor:
        return False
    if service.no_bottled_gas_underground and floor < 0 and gas == "bottled":
        return False
    if service.needs_water and not water:
        return False
    return not (service.needs_frontage and not frontage)


def ineligibility_reason(service: Service, *, space_type: str, floor: int, gas: str, water: bool = True,
                         frontage: bool = True) -> str | None:
    """A short English reason why ``service`` may not open here, or None (the checker's own rules)."""
    reasons = []
    if space_type not in service.allowed_space_types:
        reasons.append(f"space type {space_type} not allowed")
    if service.min_floor is not None and floor < service.min_floor:
        reasons.append(f"floor {floor} below the deepest allowed ({service.min_floor})")
    if service.no_bottled_gas_underground and floor < 0 and gas == "bottled":
        reasons.append("bottled gas underground")
    if service.needs_water and water is not True:
        reasons.append("no water supply")
    if service.needs_frontage and frontage is not True:
        reasons.append("no street frontage")
    return "; ".join(reasons) or None


# basic4's basic group (基本保障类: vegetables, breakfast, repair, pharmacies, MOFCOM 2021 guide): the
# default grade rules of a run folder that records none (solver/inputs/grades.py). A test checks
# it equals the group of catalogues/basic4.toml.
BASIC_SERVICES: tuple[str, ...] = ("vegetable", "breakfast", "repair", "pharmacy")
