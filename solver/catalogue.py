"""The default catalogue: services, space types, categories and their labels.

Every label shown to a user (English and Chinese) comes from here, so reports
and spreadsheets never carry strings scattered through the code.

Space-type rules encode Beijing practice (see DESIGN.md): no catering at B2
or deeper and none underground with bottled gas; no retail at B3 or deeper;
housing and childcare never underground. A scenario may override any field of
any service and add new services without code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SPACE_TYPES: dict[str, dict[str, str]] = {
    "vacated": {"en": "vacated shop", "zh": "腾退空间"},
    "underground": {"en": "underground space", "zh": "地下空间"},
    "boiler_room": {"en": "boiler room / coal yard", "zh": "锅炉房"},
    "bike_shed": {"en": "bike shed", "zh": "自行车棚"},
    "old_factory": {"en": "old factory", "zh": "老旧厂房"},
    "transit": {"en": "transit-station space", "zh": "交通站点空间"},
    "park": {"en": "park space", "zh": "公园空间"},
    "other": {"en": "other", "zh": "其他"},
}

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
    label_en: str = ""
    label_zh: str = ""


CATEGORIES: dict[str, CategoryRule] = {
    "catering": CategoryRule(
        name="catering", min_floor=-1, no_bottled_gas_underground=True,
        label_en="catering", label_zh="餐饮",
    ),
    "retail": CategoryRule(name="retail", min_floor=-2, label_en="retail", label_zh="零售"),
    "service": CategoryRule(name="service", min_floor=None, label_en="daily service", label_zh="生活服务"),
    "housing": CategoryRule(name="housing", min_floor=1, label_en="housing", label_zh="居住"),
    "childcare": CategoryRule(name="childcare", min_floor=1, label_en="childcare", label_zh="托育"),
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


# Column headers of the outputs, in both languages.
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "rank": {"en": "rank", "zh": "排序"},
    "street_rank": {"en": "street rank", "zh": "街道内排序"},
    "id": {"en": "id", "zh": "编号"},
    "name": {"en": "name", "zh": "名称"},
    "street": {"en": "street", "zh": "街道"},
    "community": {"en": "community", "zh": "社区"},
    "space_type": {"en": "space type", "zh": "空间类型"},
    "floor": {"en": "floor", "zh": "楼层"},
    "area_m2": {"en": "area (m²)", "zh": "面积(平方米)"},
    "services": {"en": "services", "zh": "服务业态"},
    "conversion_cost": {"en": "conversion cost (yuan)", "zh": "改造费用(元)"},
    "fit_out_cost": {"en": "fit-out cost (yuan)", "zh": "装修费用(元)"},
    "cost": {"en": "cost (yuan)", "zh": "费用(元)"},
    "cumulative_cost": {"en": "cumulative cost (yuan)", "zh": "累计费用(元)"},
    "newly_covered": {"en": "households newly covered", "zh": "新增覆盖户数"},
    "cumulative_coverage_pct": {"en": "cumulative coverage (%)", "zh": "累计覆盖率(%)"},
    "households": {"en": "households", "zh": "户数"},
    "covered_before": {"en": "covered before", "zh": "现状覆盖户数"},
    "covered_after": {"en": "covered after", "zh": "规划后覆盖户数"},
    "pct_before": {"en": "coverage before (%)", "zh": "现状覆盖率(%)"},
    "pct_after": {"en": "coverage after (%)", "zh": "规划后覆盖率(%)"},
    "service": {"en": "service", "zh": "服务业态"},
    "reason": {"en": "reason", "zh": "原因"},
}


def column_label(key: str, lang: str = "en") -> str:
    return COLUMN_LABELS.get(key, {}).get(lang, key)


def space_type_label(key: str, lang: str = "en") -> str:
    return SPACE_TYPES.get(key, {}).get(lang, key)
