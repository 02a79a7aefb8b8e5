"""Every label shown to a user, in English and Chinese: column headers, space types, categories,
grades, service groups, reasons, and the texts of the reports.

Reports and spreadsheets look words up here (through solver.report.labels.Labels) and
never carry strings scattered through the code. A service's own names and map marks
(name_en, name_zh, abbr_en, abbr_zh) are part of its definition in the catalogue file
(solver/inputs/catalogues/*.toml, overridable in a scenario) and reach the reports
through the run folder's summary.json.
"""

from __future__ import annotations

SPACE_TYPE_LABELS: dict[str, dict[str, str]] = {
    "vacated": {"en": "vacated shop", "zh": "腾退空间"},
    "underground": {"en": "underground space", "zh": "地下空间"},
    "boiler_room": {"en": "boiler room / coal yard", "zh": "锅炉房"},
    "bike_shed": {"en": "bike shed", "zh": "自行车棚"},
    "old_factory": {"en": "old factory", "zh": "老旧厂房"},
    "transit": {"en": "transit-station space", "zh": "交通站点空间"},
    "park": {"en": "park space", "zh": "公园空间"},
    "other": {"en": "other", "zh": "其他"},
}

CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "catering": {"en": "catering", "zh": "餐饮"},
    "retail": {"en": "retail", "zh": "零售"},
    "service": {"en": "daily service", "zh": "生活服务"},
    "housing": {"en": "housing", "zh": "居住"},
    "childcare": {"en": "childcare", "zh": "托育"},
}

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
    return SPACE_TYPE_LABELS.get(key, {}).get(lang, key)


# What a candidate space may need to have (the candidate table's optional columns water / frontage).
SPACE_ATTRIBUTE_LABELS: dict[str, dict[str, str]] = {
    "water": {"en": "water supply and drainage", "zh": "给排水"},
    "frontage": {"en": "street frontage", "zh": "临街门面"},
}


def space_attribute_label(key: str, lang: str = "en") -> str:
    return SPACE_ATTRIBUTE_LABELS.get(key, {}).get(lang, key)

# Grades of a street or community (see solver/inputs/grades.py for the rules).
GRADE_LABELS: dict[str, dict[str, str]] = {
    "below": {"en": "below basic", "zh": "未达基础型"},
    "basic": {"en": "basic", "zh": "基础型"},
    "improved": {"en": "improved", "zh": "提升型"},
    "quality": {"en": "quality", "zh": "品质型"},
}

# Service groups named by grade rules.
SERVICE_GROUP_LABELS: dict[str, dict[str, str]] = {
    "basic": {"en": "basic services (基本保障类)", "zh": "基本保障类业态"},
    "improved": {"en": "improvement services (品质提升类)", "zh": "品质提升类业态"},
    "all": {"en": "all services", "zh": "全部业态"},
    "none": {"en": "neither group", "zh": "未分类"},
}

# Why a (household, service) pair is still uncovered (uncovered.csv `reason`).
UNCOVERED_REASONS: dict[str, dict[str, str]] = {
    "unreachable": {"en": "no space within reach", "zh": "步行范围内无可用空间"},
    "not_eligible": {"en": "spaces in reach not allowed to host it", "zh": "可达空间不允许设置该业态"},
    "budget": {"en": "budget went further elsewhere", "zh": "预算优先用于其他地点"},
    "capacity": {"en": "space areas or street caps", "zh": "空间面积或街道上限不足"},
    "beyond_target": {"en": "not needed for the grade target", "zh": "达标无需覆盖"},
}

COLUMN_LABELS.update({
    "x": {"en": "x (input CRS)", "zh": "X坐标(输入坐标系)"},
    "y": {"en": "y (input CRS)", "zh": "Y坐标(输入坐标系)"},
    "lon": {"en": "longitude (WGS84)", "zh": "经度(WGS84)"},
    "lat": {"en": "latitude (WGS84)", "zh": "纬度(WGS84)"},
    "newly_covered_service": {"en": "newly covered: {service}", "zh": "新增覆盖户数：{service}"},
    "pct_before_service": {"en": "before (%): {service}", "zh": "现状覆盖率(%)：{service}"},
    "pct_after_service": {"en": "after (%): {service}", "zh": "规划后覆盖率(%)：{service}"},
    "level": {"en": "level", "zh": "层级"},
    "grade_before": {"en": "grade before", "zh": "现状等级"},
    "grade_after": {"en": "grade after", "zh": "规划后等级"},
    "street_order": {"en": "rank in district", "zh": "全区排名"},
    "avg_pct_before": {"en": "average coverage before (%)", "zh": "现状平均覆盖率(%)"},
    "avg_pct_after": {"en": "average coverage after (%)", "zh": "规划后平均覆盖率(%)"},
    "sites": {"en": "spaces opened", "zh": "新建点位数"},
    "next_grade_needs": {"en": "to reach the next grade", "zh": "升级还需"},
    "water": {"en": "water supply and drainage (1 = yes)", "zh": "给排水条件(1=有)"},
    "frontage": {"en": "street frontage (1 = yes)", "zh": "临街门面(1=有)"},
    "check_on_site": {"en": "check on site (assumed from the space type)", "zh": "需现场核实(按空间类型推定)"},
})

# Number formats of spreadsheet columns whose display depends on the language.
FLOOR_NUMBER_FORMAT: dict[str, str] = {"en": '0"F";"B"0', "zh": '0"层";"地下"0"层"'}

# Every other piece of text in the HTML report, the PNG maps and the workbook.
REPORT_LABELS: dict[str, dict[str, str]] = {
    "title": {"en": "15-minute living circle: siting plan", "zh": "一刻钟便民生活圈设施选址方案"},
    "district": {"en": "whole district", "zh": "全区"},
    "street": {"en": "street", "zh": "街道"},
    "show_on_map": {"en": "map shows", "zh": "地图显示"},
    "services_reached": {"en": "number of services reached", "zh": "可达业态数量"},
    "state_after": {"en": "after the plan", "zh": "规划后"},
    "state_before": {"en": "today (existing only)", "zh": "现状"},
    "layers": {"en": "layers", "zh": "图层"},
    "layer_households": {"en": "residential buildings", "zh": "居民楼"},
    "layer_uncovered": {"en": "uncovered areas", "zh": "未覆盖区域"},
    "layer_existing": {"en": "existing facilities", "zh": "现有设施"},
    "layer_chosen": {"en": "spaces to convert (plan)", "zh": "规划改造空间"},
    "layer_candidates": {"en": "other candidate spaces", "zh": "其他备选空间"},
    "layer_boundaries": {"en": "street / community areas", "zh": "街道/社区范围"},
    "legend": {"en": "legend", "zh": "图例"},
    "legend_services_reached": {"en": "{n} of {total} services within reach", "zh": "可达{n}/{total}类业态"},
    "legend_covered_existing": {"en": "covered by an existing facility", "zh": "现有设施已覆盖"},
    "legend_covered_new": {"en": "newly covered by the plan", "zh": "规划新增覆盖"},
    "legend_uncovered": {"en": "not covered", "zh": "未覆盖"},
    "legend_size": {"en": "circle size: households in the building", "zh": "圆点大小：楼栋户数"},
    "legend_chosen": {"en": "space to convert: rank and services", "zh": "规划改造空间：序号与业态"},
    "legend_existing": {"en": "existing facility (colour = service)", "zh": "现有设施（颜色=业态）"},
    "legend_candidate": {"en": "candidate space not chosen", "zh": "未选用的备选空间"},
    "legend_uncovered_area": {"en": "area with a service missing", "zh": "缺少业态的区域"},
    "scale": {"en": "{m} m", "zh": "{m}米"},
    "north": {"en": "N", "zh": "北"},
    "summary": {"en": "summary", "zh": "概况"},
    "households_total": {"en": "households", "zh": "居民户数"},
    "buildings": {"en": "residential buildings", "zh": "居民楼栋"},
    "budget": {"en": "budget", "zh": "预算"},
    "no_budget": {"en": "none (full coverage)", "zh": "无（全覆盖模式）"},
    "plan_cost": {"en": "cost of the plan", "zh": "方案费用"},
    "spaces_opened": {"en": "spaces to convert", "zh": "改造空间"},
    "services_opened": {"en": "services to open", "zh": "新设业态"},
    "grade_now": {"en": "grade today → after", "zh": "等级 现状→规划后"},
    "yuan": {"en": "{v} yuan", "zh": "{v}元"},
    "status": {"en": "solver status", "zh": "求解状态"},
    "status_line": {"en": "{status}, optimality gap {gap}; independent check: {check}",
                    "zh": "{status}，最优性间隙 {gap}；独立校核：{check}"},
    "check_agrees": {"en": "agrees", "zh": "一致"},
    "check_missing": {"en": "not run", "zh": "未运行"},
    "coverage_title": {"en": "coverage by service", "zh": "各业态覆盖率"},
    "threshold": {"en": "walking time", "zh": "步行时间"},
    "minutes": {"en": "{v} min", "zh": "{v}分钟"},
    "before": {"en": "today", "zh": "现状"},
    "after": {"en": "after", "zh": "规划后"},
    "change": {"en": "change", "zh": "变化"},
    "streets_title": {"en": "streets ranked", "zh": "街道排名"},
    "streets_note": {"en": "Ranked by grade after the plan, then by average coverage across services. "
                              "Cells: coverage after the plan (today in brackets).",
                     "zh": "按规划后等级排序，同等级按各业态平均覆盖率排序。单元格：规划后覆盖率（括号内为现状）。"},
    "communities_title": {"en": "communities", "zh": "社区"},
    "checklist_title": {"en": "“有没有” checklist: is each service within reach?",
                        "zh": "“有没有”清单：各业态是否步行可达"},
    "checklist_all": {"en": "everyone", "zh": "全部可达"},
    "checklist_part": {"en": "partly", "zh": "部分可达"},
    "checklist_none": {"en": "no one", "zh": "无"},
    "checklist_households": {"en": "households reaching it", "zh": "可达户数"},
    "sites_title": {"en": "spaces to convert, in build order", "zh": "改造空间清单（按建设顺序）"},
    "sites_note": {"en": "Ordered by households newly covered per yuan: build from the top as money arrives.",
                   "zh": "按每元新增覆盖户数排序：资金到位后自上而下依次建设。"},
    "no_sites": {"en": "No space is converted here.", "zh": "本范围内无改造空间。"},
    "uncovered_title": {"en": "households still without a service, and why", "zh": "仍未覆盖的户数及原因"},
    "nothing_uncovered": {"en": "Every household reaches every service.", "zh": "所有居民户均可步行到达全部业态。"},
    "grades_title": {"en": "how grades are given", "zh": "等级评定规则"},
    "grades_intro": {"en": "A street or community has the highest grade whose rule holds together with the "
                              "rules of every lower grade. Coverage = share of households within the walking "
                              "time of the service.",
                     "zh": "街道或社区取满足条件的最高等级（须同时满足所有较低等级的条件）。"
                           "覆盖率=步行时间内可达该业态的户数占比。"},
    "grades_rule_pct": {"en": "every one of the {group} reaches ≥ {pct}% of households",
                        "zh": "{group}中每一类的覆盖率≥{pct}%"},
    "grades_group_members": {"en": "{group}: {members}", "zh": "{group}：{members}"},
    "grades_group_empty": {"en": "none in this scenario, so grades that need them cannot be reached",
                           "zh": "本方案未设置，需要此类业态的等级无法达到"},
    "grades_source": {"en": "Service groups follow the 2021 MOFCOM 《城市一刻钟便民生活圈建设指南》. "
                               "The percentages are project defaults (no official thresholds exist); "
                               "set them in the scenario's [grades] table.",
                      "zh": "业态分类依据2021年商务部等部门《城市一刻钟便民生活圈建设指南》。覆盖率阈值为本项目默认值"
                            "（无官方统一标准），可在方案文件 [grades] 中修改。"},
    "needs_item": {"en": "{service} {pct}% → {req}%", "zh": "{service} {pct}%→{req}%"},
    "needs_group_empty": {"en": "add {group}", "zh": "需增设{group}"},
    "needs_top": {"en": "top grade", "zh": "已达最高等级"},
    "na": {"en": "—", "zh": "—"},
    "about_title": {"en": "about this run", "zh": "运行信息"},
    "scenario": {"en": "scenario", "zh": "方案"},
    "travel": {"en": "walking times", "zh": "步行时间计算"},
    "travel_network": {"en": "over the walking network at {speed} m/min", "zh": "沿步行路网，步速{speed}米/分钟"},
    "travel_straight": {"en": "NO NETWORK: straight-line distance × detour factor, at {speed} m/min",
                        "zh": "无路网：直线距离×绕行系数，步速{speed}米/分钟"},
    "coords_note": {"en": "Coordinates: WGS84 longitude/latitude (web maps in China use GCJ-02 and show "
                             "points a few hundred metres off).",
                    "zh": "坐标为WGS84经纬度（国内网络地图使用GCJ-02坐标，直接粘贴会偏移数百米）。"},
    "generated_by": {"en": "Made with siting {version} from the run folder; opens offline.",
                     "zh": "由 siting {version} 根据运行结果生成，可离线打开。"},
    "map_title_overview": {"en": "{name}: services within walking time after the plan",
                           "zh": "{name}：规划后步行可达业态数量"},
    "map_title_service": {"en": "{name}: {service} within {minutes} min",
                          "zh": "{name}：{service}（{minutes}分钟步行）"},
    "map_title_street": {"en": "{street}: services within walking time after the plan",
                         "zh": "{street}：规划后步行可达业态数量"},
    "sheet_district": {"en": "District", "zh": "全区"},
    "sheet_evaluation": {"en": "Evaluation", "zh": "街道社区评价"},
    "level_district": {"en": "district", "zh": "全区"},
    "level_street": {"en": "street", "zh": "街道"},
    "level_community": {"en": "community", "zh": "社区"},
    "list_sep": {"en": ", ", "zh": "、"},
    "click_hint": {"en": "Click a street here or on the map to select it.", "zh": "点击此处或地图上的街道可切换。"},
    "tooltip_building": {"en": "{id} · {community}: {h} households", "zh": "{id} · {community}：{h}户"},
    "tooltip_missing": {"en": "missing after the plan: {list}", "zh": "规划后仍缺：{list}"},
    "tooltip_all": {"en": "every service within walking time", "zh": "全部业态步行可达"},
    "catalogue": {"en": "service catalogue", "zh": "业态目录"},
    "catalogue_title": {"en": "service catalogue: {title}", "zh": "业态目录：{title}"},
    "catalogue_note": {"en": "Per service: its group, the walking time, the floor area the plan reserves (usual range "
                             "in brackets), its own fit-out cost on top of the space's conversion, its weight in the "
                             "plan and what a space must have. Where each number comes from: summary.json, "
                             "catalogue.services.<service>.source.",
                       "zh": "各业态：类别、步行时间、方案预留面积（括号内为常见范围）、"
                             "业态自身装修费用（另计空间改造费用）、方案权重及对空间的要求。"
                             "各数值来源见 summary.json 中 catalogue.services.<业态>.source。"},
    "weight": {"en": "weight", "zh": "权重"},
    "catalogue_group": {"en": "group", "zh": "类别"},
    "needs": {"en": "space must have", "zh": "空间条件"},
    "check_on_site_note": {"en": "⚠ check on site: {what} assumed from the space type",
                           "zh": "⚠ 需现场核实：{what}按空间类型推定"},
    "grades_source_catalogue": {"en": "Service groups and grade percentages come from the service catalogue "
                                       "“{title}” (the shipped catalogues' percentages are project defaults: no "
                                       "official thresholds exist); set them in the scenario's [grades] table.",
                                "zh": "业态分类与覆盖率阈值取自业态目录“{title}”"
                                      "（随软件提供的目录中阈值为本项目默认值，无官方统一标准），"
                                      "可在方案文件 [grades] 中修改。"},
}


def report_label(key: str, lang: str = "en", **values) -> str:
    """A report label in ``lang``, with ``{placeholders}`` filled from ``values``."""
    text = REPORT_LABELS[key][lang]
    return text.format(**values) if values else text
