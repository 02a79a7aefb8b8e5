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
    "village_room": {"en": "idle village room", "zh": "村集体闲置用房"},
    "coop": {"en": "supply cooperative building", "zh": "供销社用房"},
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
    "buildings": {"en": "buildings", "zh": "楼栋数"},
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
    "no_plan": {"en": "a space in reach could host it (evaluation, no plan)",
                "zh": "可达空间可设置该业态（现状评估，无规划）"},
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
    # history.html (solver/report/history.py)
    "history_title": {"en": "15-minute living circle: quarterly evaluation", "zh": "一刻钟便民生活圈季度评估"},
    "hist_quarter": {"en": "quarter", "zh": "季度"},
    "hist_view_grade": {"en": "grade", "zh": "等级"},
    "hist_view_service": {"en": "coverage: {service}", "zh": "覆盖率：{service}"},
    "hist_level_community": {"en": "communities", "zh": "社区"},
    "hist_level_street": {"en": "streets", "zh": "街道"},
    "hist_streets": {"en": "streets: grade and coverage (change against the quarter before)",
                     "zh": "各街道等级与覆盖率（与上季度相比）"},
    "hist_grade": {"en": "grade", "zh": "等级"},
    "hist_changes": {"en": "facilities opened and closed in the quarter", "zh": "本季度新开与关闭的设施"},
    "hist_new": {"en": "opened", "zh": "新开"},
    "hist_closed": {"en": "closed", "zh": "关闭"},
    "hist_open": {"en": "facilities open", "zh": "在营设施"},
    "hist_none": {"en": "none", "zh": "无"},
    "hist_reached": {"en": "building reaches it", "zh": "楼栋可达"},
    "hist_not_reached": {"en": "building does not", "zh": "楼栋不可达"},
    "hist_buildings": {"en": "buildings: services reached", "zh": "楼栋：可达业态数"},
    "hist_note": {"en": "Each quarter is the state at its end: the existing facilities that count on that day "
                        "(opened on or before it, not closed by then), evaluated like a run's report.",
                  "zh": "每季度为季末状态：截至该日已开业且未关闭的现有设施，评估方法与方案报告相同。"},
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
    "legend_roads": {"en": "walking network", "zh": "步行路网"},
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
    "change_count": {"en": "{n} {what}", "zh": "{what}{n}"},
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


# The words of the command line and of the sweep / compare outputs (solver/cli, solver/plans).
# Progress lines on stderr (solver/cli/progress.py): pipeline stage keys and counters.
PROGRESS_LABELS: dict[str, dict[str, str]] = {
    "starting": {"en": "starting", "zh": "启动"},
    "load": {"en": "reading inputs", "zh": "读取输入"},
    "network": {"en": "building the walking network", "zh": "构建步行路网"},
    "coverage": {"en": "computing walking-time coverage", "zh": "计算步行可达范围"},
    "model": {"en": "building the model", "zh": "构建模型"},
    "solve": {"en": "solving", "zh": "求解"},
    "check": {"en": "independent check", "zh": "独立校核"},
    "rank": {"en": "ranking sites", "zh": "点位排序"},
    "uncovered": {"en": "analysing uncovered households", "zh": "分析未覆盖居民"},
    "minimum-cost full coverage": {"en": "minimum-cost full coverage", "zh": "全覆盖最低费用"},
    "level": {"en": "level", "zh": "预算档"},
    "job": {"en": "job", "zh": "任务"},
    "eta": {"en": "ETA", "zh": "预计剩余"},
    "done": {"en": "done", "zh": "完成"},
    "writing": {"en": "writing outputs", "zh": "写出结果"},
    "report": {"en": "writing the report", "zh": "生成报告"},
}


def progress_label(key: str, lang: str = "en") -> str:
    """A progress message in ``lang``; an unknown message (a free text) is shown as it is."""
    return PROGRESS_LABELS.get(key, {}).get(lang, key)


# Solver statuses (solver.engine.result.Termination values) in words.
TERMINATION_LABELS: dict[str, dict[str, str]] = {
    "optimal": {"en": "optimal", "zh": "最优"},
    "feasible": {"en": "feasible (stopped at a limit)", "zh": "可行解（达到时间限制）"},
    "infeasible": {"en": "infeasible", "zh": "无可行解"},
    "no_solution": {"en": "no solution within the limits", "zh": "限制内未找到解"},
}


def termination_label(key: str, lang: str = "en") -> str:
    return TERMINATION_LABELS.get(str(key), {}).get(lang, str(key))


# Terminal output of the commands.
CLI_LABELS: dict[str, dict[str, str]] = {
    "district_line": {"en": "{name}: {points} demand points, {households} households, {candidates} candidate "
                            "spaces, {existing} existing facilities; travel: {travel}",
                      "zh": "{name}：{points}个需求点，{households}户，{candidates}处备选空间，{existing}处现有设施；"
                            "出行：{travel}"},
    "travel_network": {"en": "network", "zh": "步行路网"},
    "travel_straight_line": {"en": "straight line", "zh": "直线距离"},
    "no_network_note": {"en": "no walking network given: straight-line distance x {f}",
                        "zh": "未提供步行路网：按直线距离×{f}计算"},
    "model_line": {"en": "model: {ib} items -> {ia} after aggregation; {sb} spaces -> {sa}; {ob} options -> {oa}",
                   "zh": "模型：{ib}个需求项→聚合后{ia}；{sb}处空间→{sa}；{ob}个选项→{oa}"},
    "solve_line": {"en": "mode {mode}, budget {budget}, solver {solver}: {status}, gap {gap}, {wall} s",
                   "zh": "模式 {mode}，预算 {budget}，求解器 {solver}：{status}，间隙 {gap}，{wall}秒"},
    "no_budget": {"en": "none", "zh": "无"},
    "coverage_table": {"en": "coverage (households within the walking threshold)",
                       "zh": "覆盖情况（步行时间内可达的户数）"},
    "col_service": {"en": "service", "zh": "业态"},
    "col_threshold": {"en": "threshold", "zh": "步行时间"},
    "col_before": {"en": "before", "zh": "现状"},
    "col_after": {"en": "after", "zh": "规划后"},
    "col_pct_before": {"en": "% before", "zh": "现状%"},
    "col_pct_after": {"en": "% after", "zh": "规划后%"},
    "plan_line": {"en": "plan: {spaces} spaces, {services} services, cost {cost}",
                  "zh": "方案：{spaces}处空间，{services}项业态，费用{cost}"},
    "check_agrees": {"en": "; independent check agrees", "zh": "；独立校核一致"},
    "outputs_in": {"en": "outputs in {dir}:", "zh": "输出文件位于 {dir}："},
    "streets_table": {"en": "streets ranked (grade today -> after the plan)", "zh": "街道排名（等级 现状→规划后）"},
    "col_rank": {"en": "#", "zh": "序"},
    "col_street": {"en": "street", "zh": "街道"},
    "col_households": {"en": "households", "zh": "户数"},
    "col_grade": {"en": "grade", "zh": "等级"},
    "col_avg_after": {"en": "avg coverage after", "zh": "规划后平均覆盖率"},
    "col_spaces": {"en": "spaces", "zh": "改造空间"},
    "report_in": {"en": "report in {dir} ({s} s):", "zh": "报告位于 {dir}（{s}秒）："},
    "sweep_done": {"en": "{n} levels in {s} s; outputs in {dir} ({files} files: {list})",
                   "zh": "{n}个预算档，用时{s}秒；输出位于 {dir}（{files}个文件：{list}）"},
    "compare_files": {"en": "files in {dir}: {list}", "zh": "文件位于 {dir}：{list}"},
    "minutes": {"en": "{v} min", "zh": "{v}分钟"},
    "yuan": {"en": "{v} yuan", "zh": "{v}元"},
    "osm_done": {"en": "{file} -> {out} in {s} s", "zh": "{file} → {out}，用时{s}秒"},
    "osm_network": {"en": "walking network: {nodes} nodes, {edges} edges, {km} km (from {segments} way segments; "
                          "{parts} detached parts dropped)",
                    "zh": "步行路网：{nodes}个节点，{edges}条边，{km}公里"
                          "（来自{segments}段道路；舍弃{parts}个孤立部分）"},
    "osm_households": {"en": "households: {h} in {points} demand points ({buildings} buildings, {areas} residential "
                             "areas without buildings)",
                       "zh": "居民：{h}户，{points}个需求点（{buildings}栋楼，{areas}处无楼栋的居住用地）"},
    "osm_existing": {"en": "existing facilities: ", "zh": "现有设施："},
    "osm_candidates": {"en": "candidate spaces (a starting list: check on site): ",
                       "zh": "备选空间（初步清单，需现场核实）："},
    "osm_left_out": {"en": "left out (see import_summary.json):", "zh": "未纳入（见 import_summary.json）："},
    "osm_ways_left_out": {"en": "walkable ways left out by highway value (network.highways): ",
                          "zh": "按 highway 取值未纳入的可步行道路（network.highways）："},
    "osm_next": {"en": "next: siting solve {scenario}", "zh": "下一步：siting solve {scenario}"},
}


def cli_label(key: str, lang: str = "en", **values) -> str:
    """A command-line label in ``lang``, with ``{placeholders}`` filled from ``values``."""
    text = CLI_LABELS[key][lang]
    return text.format(**values) if values else text


# The budget sweep's sweep.md, sweep.png and sweep.csv headers (solver/plans/sweep.py, sweep_plot.py).
SWEEP_LABELS: dict[str, dict[str, str]] = {
    "title": {"en": "Budget sweep: {name}", "zh": "预算情景分析：{name}"},
    "list_sep": {"en": ", ", "zh": "、"},
    "budget": {"en": "budget (yuan)", "zh": "预算(元)"},
    "status": {"en": "status", "zh": "求解状态"},
    "cost": {"en": "cost (yuan)", "zh": "费用(元)"},
    "spaces": {"en": "spaces", "zh": "改造空间"},
    "service_pct": {"en": "{service} %", "zh": "{service}%"},
    "total_pct": {"en": "total %", "zh": "合计%"},
    "marginal": {"en": "households / +10k yuan", "zh": "每增1万元新增户数"},
    "changes_below": {"en": "changes vs level below", "zh": "较上一档的变化"},
    "existing_row": {"en": "0 (existing)", "zh": "0（现状）"},
    "full_row": {"en": "{v} (full coverage)", "zh": "{v}（全覆盖）"},
    "existing facilities only": {"en": "existing facilities only", "zh": "仅现有设施"},
    "added": {"en": "added", "zh": "新增"},
    "removed": {"en": "removed", "zh": "撤除"},
    "services added": {"en": "services added", "zh": "增设业态"},
    "services changed": {"en": "services changed", "zh": "业态调整"},
    "nested": {"en": "(nested)", "zh": "（嵌套）"},
    "same_plan": {"en": "same plan", "zh": "方案相同"},
    "totals_note": {"en": "Totals count each household once per service ((household, service) pairs); the marginal "
                          "column is the extra pairs covered per extra 10,000 yuan against the row above.",
                    "zh": "合计按“户×业态”计数（每户每类业态计一次）；"
                          "边际列为较上一行每增加1万元新增覆盖的“户×业态”数。"},
    "full_reached": {"en": "Full coverage (every household within reach of a candidate space, for every service) is "
                           "first reached at **{v} yuan** (minimum-cost full-coverage plan, {status}); more money "
                           "covers nobody else.",
                     "zh": "在 **{v}元** 首次达到全覆盖（凡步行范围内有备选空间的居民，每类业态均可达；"
                           "全覆盖最低费用方案，{status}）；再增加资金不会覆盖更多居民。"},
    "full_unreachable": {"en": "Full coverage cannot be reached ({message}); coverage stops growing at {v} yuan.",
                         "zh": "无法达到全覆盖（{message}）；费用超过{v}元后覆盖率不再增加。"},
    "no_full": {"en": "No full-coverage plan: {status}. {message}", "zh": "无全覆盖方案：{status}。{message}"},
    "never_covered": {"en": "{n} (household, service) pairs stay uncovered at any budget: no eligible candidate "
                            "space lies within their walking threshold.",
                      "zh": "{n}个“户×业态”在任何预算下都无法覆盖：步行时间内没有可设置该业态的备选空间。"},
    "spend_first": {"en": "**Spend first on these** ({n} spaces chosen at the lowest level and kept at every level "
                          "above, in build order): {list}",
                    "zh": "**优先投资**（{n}处空间：最低一档即被选中且在所有更高预算下保留，按建设顺序）：{list}"},
    "no_spend_first": {"en": "No space is chosen at the lowest level and kept at every level above.",
                       "zh": "没有在最低一档选中且在所有更高预算下都保留的空间。"},
    "nested_title": {"en": "Nested build-up (each level keeps every space and service of the level below):",
                     "zh": "嵌套式逐步建设（每一档保留上一档的全部空间和业态）："},
    "optimal_total_pct": {"en": "optimal total %", "zh": "最优方案合计%"},
    "given_up": {"en": "households given up", "zh": "损失的户数"},
    "not_nested_note": {"en": "Optimal plans of neighbouring budgets need not be nested: with more money a different "
                              "set of spaces can cover more, so a space chosen at a lower budget may be dropped and "
                              "the coverage of a single service may even fall while the total rises. "
                              "`siting sweep --nested` gives a build-up path that keeps every level's spaces.",
                        "zh": "相邻预算的最优方案不一定是嵌套的：资金增加后，另一组空间可能覆盖更多居民，"
                              "因此低预算下选中的空间可能被替换，个别业态的覆盖率甚至可能下降而总覆盖率上升。"
                              "`siting sweep --nested` 给出逐步建设路径（每一档保留上一档的全部空间）。"},
    "not_nested_plot": {"en": "Optimal plans of neighbouring budgets need not be nested: a service's coverage can "
                              "fall while the total rises.",
                        "zh": "相邻预算的最优方案不一定嵌套：总覆盖率上升时个别业态的覆盖率可能下降。"},
    "changes_title": {"en": "Spaces that change between neighbouring levels:", "zh": "相邻预算档之间变化的空间："},
    "n_added": {"en": "+{n} added", "zh": "新增{n}处"},
    "removed_list": {"en": "removed {list}", "zh": "撤除 {list}"},
    "changed_list": {"en": "services changed at {list}", "zh": "业态调整 {list}"},
    "plot_all": {"en": "all services", "zh": "全部业态"},
    "plot_nested": {"en": "all services, nested build-up", "zh": "全部业态（嵌套式建设）"},
    "plot_full": {"en": "minimum-cost full coverage", "zh": "全覆盖最低费用"},
    "plot_stops": {"en": "coverage stops growing", "zh": "覆盖率不再增加"},
    "plot_full_at": {"en": "{what}: {v}M yuan", "zh": "{what}：{v}百万元"},
    "plot_x": {"en": "budget (million yuan)", "zh": "预算（百万元）"},
    "plot_y": {"en": "households covered (%)", "zh": "覆盖户数占比（%）"},
    "plot_title": {"en": "Coverage vs budget: {name}", "zh": "覆盖率与预算：{name}"},
}

# sweep.csv column headers in Chinese (English keeps the column keys); {service} columns by name.
SWEEP_COLUMNS_ZH: dict[str, str] = {
    "level": "预算档", "budget_yuan": "预算(元)", "status": "求解状态", "cost_yuan": "费用(元)", "spaces": "改造空间数",
    "services_opened": "新设业态数", "total_households": "合计覆盖(户×业态)", "total_pct": "合计覆盖率(%)",
    "weighted_coverage": "加权覆盖值", "marginal_households_per_10k_yuan": "每增1万元新增覆盖(户×业态)",
    "nested_cost_yuan": "嵌套方案费用(元)", "nested_total_households": "嵌套方案合计覆盖(户×业态)",
    "nested_total_pct": "嵌套方案合计覆盖率(%)", "nested_gives_up_households": "嵌套方案损失(户×业态)",
    "{service}_households": "{service}覆盖户数", "{service}_pct": "{service}覆盖率(%)",
}


def sweep_label(key: str, lang: str = "en", **values) -> str:
    """A sweep label in ``lang``; an unknown key (a status text) is shown as it is."""
    entry = SWEEP_LABELS.get(key)
    if entry is None:
        return termination_label(key, lang)
    text = entry[lang]
    return text.format(**values) if values else text


# `siting compare`: comparison.md and comparison.html (solver/plans/compare.py, compare_page.py).
COMPARE_LABELS: dict[str, dict[str, str]] = {
    "title": {"en": "{a} -> {b}", "zh": "{a} → {b}"},
    "page_title": {"en": "Comparison: {a} -> {b}", "zh": "方案对比：{a} → {b}"},
    "difference": {"en": "difference", "zh": "差异"},
    "status": {"en": "status", "zh": "求解状态"},
    "budget": {"en": "budget (yuan)", "zh": "预算(元)"},
    "cost": {"en": "cost (yuan)", "zh": "费用(元)"},
    "spaces": {"en": "spaces", "zh": "改造空间"},
    "none": {"en": "none", "zh": "无"},
    "coverage_title": {"en": "Coverage (all streets), households covered:", "zh": "覆盖情况（全区），覆盖户数："},
    "service": {"en": "service", "zh": "业态"},
    "households": {"en": "households", "zh": "户数"},
    "existing_a": {"en": "existing {a}", "zh": "{a}现状"},
    "existing_b": {"en": "existing {b}", "zh": "{b}现状"},
    "change_before": {"en": "change before re-planning", "zh": "重新规划前的变化"},
    "plan_a": {"en": "plan {a}", "zh": "{a}规划后"},
    "plan_b": {"en": "plan {b}", "zh": "{b}规划后"},
    "change_after": {"en": "change after re-planning", "zh": "重新规划后的变化"},
    "effect_note": {"en": "Before re-planning: the change's own effect on what the existing facilities reach "
                          "(e.g. a closed market), from each run's coverage before its plan. After re-planning: "
                          "the difference between the two plans' coverage.",
                    "zh": "重新规划前：变化本身对现有设施覆盖的影响（如关闭菜市场），取两次运行规划前的覆盖。"
                          "重新规划后：两个方案规划后覆盖的差异。"},
    "streets_changed": {"en": "Streets whose coverage changes (after re-planning):",
                        "zh": "覆盖发生变化的街道（重新规划后）："},
    "grades_title": {"en": "Grades (today -> after the plan)", "zh": "等级（现状→规划后）"},
    "street": {"en": "street", "zh": "街道"},
    "district": {"en": "whole district", "zh": "全区"},
    "grade_a": {"en": "{a}", "zh": "{a}"},
    "spaces_line": {"en": "Spaces: {added} added, {removed} removed, {changed} with changed services, "
                          "{more} with services added, {kept} kept.",
                    "zh": "空间：新增{added}处，撤除{removed}处，业态调整{changed}处，"
                          "增设业态{more}处，保留{kept}处。"},
    "added": {"en": "added", "zh": "新增"},
    "removed": {"en": "removed", "zh": "撤除"},
    "services changed": {"en": "services changed", "zh": "业态调整"},
    "services added": {"en": "services added", "zh": "增设业态"},
    "kept": {"en": "kept", "zh": "保留"},
    "and_more": {"en": " ... and {n} more", "zh": " ……另有{n}处"},
    "pairs_line": {"en": "(household, service) pairs that gain coverage: {g} households in {gb} buildings; that "
                         "lose it: {lo} households in {lb} buildings.",
                   "zh": "覆盖增加的“户×业态”：{gb}栋楼{g}户；覆盖减少的：{lb}栋楼{lo}户。"},
    "only_one": {"en": "Services in one run only (not compared household by household): {list}",
                 "zh": "仅在一次运行中出现的业态（未逐户比较）：{list}"},
    "id": {"en": "id", "zh": "编号"},
    "name": {"en": "name", "zh": "名称"},
    "change": {"en": "change", "zh": "变化"},
    "services_a": {"en": "services {a}", "zh": "{a}业态"},
    "services_b": {"en": "services {b}", "zh": "{b}业态"},
    "cost_a": {"en": "cost {a} (yuan)", "zh": "{a}费用(元)"},
    "cost_b": {"en": "cost {b} (yuan)", "zh": "{b}费用(元)"},
    "map_title": {"en": "Spaces added and removed, households that gain or lose a service",
                  "zh": "新增与撤除的空间，覆盖增减的居民楼"},
    "legend_added": {"en": "space added", "zh": "新增空间"},
    "legend_removed": {"en": "space removed", "zh": "撤除空间"},
    "legend_changed": {"en": "services changed or added", "zh": "业态调整或增设"},
    "legend_kept": {"en": "space kept", "zh": "保留空间"},
    "legend_gained": {"en": "building gains a service", "zh": "居民楼覆盖增加"},
    "legend_lost": {"en": "building loses a service", "zh": "居民楼覆盖减少"},
    "legend_same": {"en": "building unchanged", "zh": "居民楼无变化"},
    "sites_title": {"en": "Spaces that change", "zh": "变化的空间"},
    "generated_by": {"en": "Made by siting compare from two run folders; opens offline.",
                     "zh": "由 siting compare 根据两次运行结果生成，可离线打开。"},
    "list_sep": {"en": ", ", "zh": "、"},
}


def compare_label(key: str, lang: str = "en", **values) -> str:
    """A comparison label in ``lang``; an unknown key (a status) is shown as the solver status."""
    entry = COMPARE_LABELS.get(key)
    if entry is None:
        return termination_label(key, lang)
    text = entry[lang]
    return text.format(**values) if values else text
