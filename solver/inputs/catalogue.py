"""The default catalogue: services, space types, categories and the rules of where a service may open.

The labels shown to a user (English and Chinese) are in solver/inputs/labels.py;
a service's own names (name_en, name_zh) are part of its definition here.

Space-type rules encode Beijing practice (see DESIGN.md): no catering at B2
or deeper and none underground with bottled gas; no retail at B3 or deeper;
housing and childcare never underground. A scenario may override any field of
any service and add new services without code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SPACE_TYPES: tuple[str, ...] = ("vacated", "underground", "boiler_room", "bike_shed", "old_factory", "transit",
                                "park", "other")  # labels: solver/inputs/labels.py

GAS_SUPPLY = ("none", "pipeline", "bottled")


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

    def label(self, lang: str = "en") -> str:
        return self.name_zh if lang == "zh" else self.name_en


# Defaults: fit-out costs are typical Beijing figures for small community
# outlets (yuan); area is the net floor area the outlet needs (m2).
DEFAULT_SERVICES: dict[str, dict] = {
    "vegetable": {
        "name_en": "vegetable retail", "name_zh": "蔬菜零售", "category": "retail",
        "threshold_min": 15.0, "weight": 1.0, "fit_out_cost": 120_000.0, "area_m2": 60.0,
    },
    "breakfast": {
        "name_en": "breakfast point", "name_zh": "早餐", "category": "catering",
        "threshold_min": 15.0, "weight": 1.0, "fit_out_cost": 150_000.0, "area_m2": 40.0,
    },
    "repair": {
        "name_en": "repair workshop", "name_zh": "便民维修", "category": "service",
        "threshold_min": 15.0, "weight": 1.0, "fit_out_cost": 50_000.0, "area_m2": 15.0,
    },
    "pharmacy": {
        "name_en": "pharmacy", "name_zh": "药店", "category": "retail",
        "threshold_min": 15.0, "weight": 1.0, "fit_out_cost": 200_000.0, "area_m2": 50.0,
    },
}

SERVICE_FIELDS = (
    "name_en", "name_zh", "category", "threshold_min", "weight", "fit_out_cost",
    "area_m2", "min_floor", "no_bottled_gas_underground", "allowed_space_types",
)


def eligible(service: Service, *, space_type: str, floor: int, gas: str) -> bool:
    """Whether ``service`` may open in a space of this type, floor and gas supply."""
    if space_type not in service.allowed_space_types:
        return False
    if service.min_floor is not None and floor < service.min_floor:
        return False
    if service.no_bottled_gas_underground and floor < 0 and gas == "bottled":
        return False
    return True


def ineligibility_reason(service: Service, *, space_type: str, floor: int, gas: str) -> str | None:
    """A short English reason why ``service`` may not open here, or None."""
    if space_type not in service.allowed_space_types:
        return f"space type {space_type} not allowed"
    if service.min_floor is not None and floor < service.min_floor:
        return f"floor {floor} below the deepest allowed ({service.min_floor})"
    if service.no_bottled_gas_underground and floor < 0 and gas == "bottled":
        return "bottled gas underground"
    return None


# 基本保障类业态 (basic-guarantee formats). The 2021 《城市一刻钟便民生活圈建设指南》
# (MOFCOM and 10 other ministries, 2021-07-20) lists 菜市场/生鲜超市(菜店), 早餐店,
# 维修点 and 药店 among them, so every default service is basic; 品质提升类业态
# (quality-improvement formats: fitness, bookshops, speciality catering, ...)
# are services a scenario adds. Grade rules use this as their default basic group.
BASIC_SERVICES: tuple[str, ...] = ("vegetable", "breakfast", "repair", "pharmacy")
