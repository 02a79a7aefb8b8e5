"""report.html: one self-contained page (inline CSS, SVG and script; nothing fetched).

The page holds the district map (:mod:`solver.report.svgmap`), a panel per area
(the district and each street: key figures, coverage per service, the "有没有"
checklist, what the next grade needs, households still uncovered and why), the
streets ranked, the communities, the spaces to convert in build order, the
grade rules and the run's provenance. A street selector (or a click on a street
in the map or the ranking) filters the panels and tables and zooms the map;
``report.html#<street>`` opens on that street.
"""

from __future__ import annotations

import json
from html import escape
from importlib import resources

import pandas as pd

from ..inputs.grades import LEVELS, Grade
from ..inputs.labels import termination_label
from .evaluation import AreaEvaluation, Evaluation
from .labels import Labels
from .rundata import RunData
from .svgmap import (
    COVERED_NEW,
    COVERED_OLD,
    ROAD_COLOUR,
    UNCOVERED,
    MapGeometry,
    ramp,
    service_colours,
    street_boxes,
    street_css,
    svg_map,
)


def _asset(name: str) -> str:
    return resources.files("solver.report").joinpath("assets", name).read_text(encoding="utf-8")


def _grade(L: Labels, g: Grade | None) -> str:
    if g is None:
        return f'<span class="muted">{escape(L("na"))}</span>'
    return f'<span class="grade g{int(g)}">{escape(L.grade(g))}</span>'


def _grades(L: Labels, a: AreaEvaluation) -> str:
    return f"{_grade(L, a.grade_before)} → {_grade(L, a.grade_after)}"


def _needs(L: Labels, a: AreaEvaluation) -> str:
    if a.grade_after is None:
        return L("na")
    if a.next_grade is None:
        return L("needs_top")
    parts = []
    for sf in a.next_needs:
        if sf.service is None:
            parts.append(L("needs_group_empty", group=L.group(sf.group)))
        else:
            parts.append(L("needs_item", service=L.service(sf.service), pct=f"{sf.pct:.1f}",
                           req=f"{sf.required_pct:g}"))
    return f"{L.grade(a.next_grade)}: " + L("list_sep").join(parts)


def _pct_cell(L: Labels, a: AreaEvaluation, s: str) -> str:
    after, before = a.pct_after(s), a.pct_before(s)
    return (f'<td class="n">{escape(L.pct(after))} <span class="muted">({escape(L.pct(before))})</span></td>')


def _area_name(L: Labels, a: AreaEvaluation) -> str:
    return L("district") if a.level == "district" else a.street


def _panel(run: RunData, ev: Evaluation, L: Labels, a: AreaEvaluation, uncovered: pd.DataFrame) -> str:
    res = run.summary.get("result", {})
    params = run.summary.get("parameters", {})
    kpis = [(L.int(a.households), L("households_total")), (L.int(a.buildings), L("buildings"))]
    if a.level == "district":
        budget = params.get("budget_yuan")
        kpis += [(escape(L.yuan(budget)) if budget is not None else escape(L("no_budget")), L("budget")),
                 (escape(L.yuan(res.get("cost_yuan"))), L("plan_cost")),
                 (f'{L.int(res.get("spaces_opened"))} / {L.int(res.get("services_opened"))}',
                  f'{L("spaces_opened")} / {L("services_opened")}')]
    else:
        kpis += [(L.int(a.sites), L("spaces_opened")), (escape(L.yuan(a.cost)), L("plan_cost"))]
    out = [f'<div class="panel" data-area="{escape(a.street)}"{"" if a.level == "district" else " hidden"}>',
           f"<h2>{escape(_area_name(L, a))}</h2><div class=\"kpis\">",
           f'<div class="kpi wide3"><div class="k">{escape(L("grade_now"))}</div><div class="v">{_grades(L, a)}</div>'
           f"</div>"]
    for value, key in kpis:
        out.append(f'<div class="kpi"><div class="v">{value}</div><div class="k">{escape(key)}</div></div>')
    out.append("</div>")
    # coverage per service
    out.append(f'<h3>{escape(L("coverage_title"))}</h3><table class="cov"><thead><tr>'
               f'<th>{escape(L.column("service"))}</th><th class="n">{escape(L("threshold"))}</th>'
               f'<th class="n">{escape(L("before"))}</th><th class="n">{escape(L("after"))}</th><th></th>'
               f"</tr></thead><tbody>")
    colours = service_colours(list(ev.services))
    for s in ev.services:
        pb, pa = a.pct_before(s), a.pct_after(s)
        out.append(f'<tr><td><span class="svcdot" style="background:{colours[s]}"></span>'
                   f'{escape(L.service(s))}</td><td class="n">{escape(L.minutes(run.services[s].threshold_min))}</td>'
                   f'<td class="n">{escape(L.pct(pb))}</td><td class="n"><b>{escape(L.pct(pa))}</b></td>'
                   f'<td><div class="bar"><i class="after" style="width:{pa or 0:.1f}%"></i>'
                   f'<i class="before" style="width:{pb or 0:.1f}%"></i></div></td></tr>')
    out.append("</tbody></table>")
    # 有没有 checklist
    marks = {"all": ("✓", L("checklist_all")), "part": ("◐", L("checklist_part")), "none": ("✗", L("checklist_none"))}
    out.append(f'<h3>{escape(L("checklist_title"))}</h3><table class="chk"><thead><tr>'
               f'<th>{escape(L.column("service"))}</th><th class="n">{escape(L("checklist_households"))}</th>'
               f'<th>{escape(L("before"))} → {escape(L("after"))}</th></tr></thead><tbody>')
    for s in ev.services:
        mb, ma = a.checklist(s, after=False), a.checklist(s, after=True)
        out.append(f"<tr><td>{escape(L.service(s))}</td><td class=\"n\">{L.int(a.covered_before[s])} → "
                   f"<b>{L.int(a.covered_after[s])}</b></td><td><span class=\"mark {mb}\" "
                   f"title=\"{escape(marks[mb][1])}\">{marks[mb][0]}</span> → "
                   f"<span class=\"mark {ma}\">{marks[ma][0]} {escape(marks[ma][1])}</span>"
                   f"</td></tr>")
    out.append("</tbody></table>")
    out.append(f'<h3>{escape(L.column("next_grade_needs"))}</h3><p class="needs">{escape(_needs(L, a))}</p>')
    # uncovered by reason
    out.append(f'<h3>{escape(L("uncovered_title"))}</h3>')
    part = uncovered if a.level == "district" else uncovered[uncovered["street"] == a.street]
    if not len(part):
        out.append(f'<p class="needs">{escape(L("nothing_uncovered"))}</p>')
    else:
        reasons = [r for r in ("unreachable", "not_eligible", "budget", "capacity", "beyond_target")
                   if r in set(part["reason"])]
        reasons += sorted(set(part["reason"]) - set(reasons))
        table = part.pivot_table(index="service", columns="reason", values="households", aggfunc="sum", fill_value=0)
        out.append(f'<table class="unc"><thead><tr><th>{escape(L.column("service"))}</th>'
                   + "".join(f'<th class="n">{escape(L.reason(r))}</th>' for r in reasons) + "</tr></thead><tbody>")
        for s in ev.services:
            if s not in table.index:
                continue
            out.append(f"<tr><td>{escape(L.service(s))}</td>"
                       + "".join(f'<td class="n">{L.int(table.loc[s, r]) if r in table.columns else 0}</td>'
                                 for r in reasons) + "</tr>")
        out.append("</tbody></table>")
    out.append("</div>")
    return "".join(out)


def _streets_table(ev: Evaluation, L: Labels) -> str:
    head = (f'<th class="n">{escape(L.column("street_order"))}</th><th>{escape(L.column("street"))}</th>'
            f'<th class="n">{escape(L.column("households"))}</th><th>{escape(L("grade_now"))}</th>'
            f'<th class="n">{escape(L.column("avg_pct_after"))}</th>'
            + "".join(f'<th class="n">{escape(L.service(s))}</th>' for s in ev.services)
            + f'<th class="n">{escape(L.column("sites"))}</th><th class="n">{escape(L.column("cost"))}</th>'
            f'<th>{escape(L.column("next_grade_needs"))}</th>')
    def row(a: AreaEvaluation) -> str:
        total = a.level == "district"
        opening = '<tr class="total"><td></td>' if total else (f'<tr data-street="{escape(a.street)}">'
                                                                f'<td class="n">{a.rank}</td>')
        return (f'{opening}<td class="nw"><b>{escape(_area_name(L, a))}</b></td><td class="n">{L.int(a.households)}'
                f'</td><td class="nw">{_grades(L, a)}</td><td class="n">{escape(L.pct(a.avg_pct(after=True)))}</td>'
                + "".join(_pct_cell(L, a, s) for s in ev.services)
                + f'<td class="n">{a.sites}</td><td class="n">{L.int(a.cost)}</td>'
                f'<td class="needs">{escape(_needs(L, a))}</td></tr>')

    rows = [row(a) for a in ev.streets] + [row(ev.district)]
    return (f'<section class="card" id="streets-card"><h2>{escape(L("streets_title"))}</h2>'
            f'<p class="note">{escape(L("streets_note"))} {escape(L("click_hint"))}</p>'
            f'<table id="streets"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></section>')


def _communities_table(ev: Evaluation, L: Labels) -> str:
    head = (f'<th>{escape(L.column("street"))}</th><th>{escape(L.column("community"))}</th>'
            f'<th class="n">{escape(L.column("households"))}</th><th>{escape(L("grade_now"))}</th>'
            + "".join(f'<th class="n">{escape(L.service(s))}</th>' for s in ev.services)
            + f'<th class="n">{escape(L.column("sites"))}</th><th>{escape(L.column("next_grade_needs"))}</th>')
    rows = [f'<tr data-street="{escape(a.street)}"><td class="nw">{escape(a.street)}</td><td class="nw"><b>'
            f'{escape(a.community)}</b></td><td class="n">{L.int(a.households)}</td><td class="nw">{_grades(L, a)}</td>'
            + "".join(_pct_cell(L, a, s) for s in ev.services)
            + f'<td class="n">{a.sites}</td><td class="needs">{escape(_needs(L, a))}</td></tr>'
            for a in ev.communities]
    return (f'<section class="card" id="communities-card"><h2>{escape(L("communities_title"))}</h2>'
            f'<p class="note">{escape(L("streets_note"))}</p>'
            f'<table id="communities" class="filter"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            f"</tbody></table></section>")


def _floor(L: Labels, floor: int) -> str:
    return (f"{floor}F" if floor > 0 else f"B{-floor}") if L.lang == "en" else (
        f"{floor}层" if floor > 0 else f"地下{-floor}层")


def _sites_table(run: RunData, L: Labels) -> str:
    services = list(run.services)
    colours = service_colours(services)
    cols = ["rank", "street_rank", "name", "street", "community", "space_type", "floor", "area_m2", "services",
            "cost", "cumulative_cost"]
    numeric = {"rank", "street_rank", "floor", "area_m2", "cost", "cumulative_cost"}
    head1 = "".join(f'<th rowspan="2"{" class=n" if c in numeric else ""}>{escape(L.column(c))}</th>' for c in cols)
    head1 += f'<th colspan="{len(services)}" class="grp">{escape(L.column("newly_covered"))}</th>'
    head1 += f'<th rowspan="2" class="n">{escape(L.column("cumulative_coverage_pct"))}</th>'
    head2 = "".join(f'<th class="n">{escape(L.service(s))}</th>' for s in services)
    ranked = run.ranked.copy()
    ranked["street_rank"] = ranked.groupby("street").cumcount() + 1 if len(ranked) else []
    rows = []
    checks = (ranked["check_on_site"].fillna("").astype(str).tolist() if "check_on_site" in ranked
              else [""] * len(ranked))
    for r, check in zip(ranked.itertuples(index=False), checks):
        note = "" if not check else (
            '<br><span class="muted">' + escape(L("check_on_site_note", what=L.space_attributes(check))) + "</span>")
        svc = "".join(f'<span class="svcdot" style="background:{colours[s]}"></span>'
                      for s in str(r.services).split(";") if s in services)
        news = [int(getattr(r, "new_" + s)) for s in services]
        rows.append(
            f'<tr id="site-{escape(str(r.id))}" data-street="{escape(str(r.street))}"><td class="n">{int(r.rank)}</td>'
            f'<td class="n">{int(r.street_rank)}</td><td class="nm"><b>{escape(str(r.name))}</b> <span class="muted">'
            f'{escape(str(r.id))}</span>{note}</td><td class="nw">{escape(str(r.street))}</td><td class="nw">'
            f'{escape(str(r.community))}</td><td class="nw">{escape(L.space_type(r.space_type))}</td>'
            f'<td class="n">{escape(_floor(L, int(r.floor)))}</td><td class="n">{float(r.area_m2):,.1f}</td>'
            f'<td class="sv">{svc}{escape(L.service_list(r.services))}</td>'
            f'<td class="n">{L.int(r.cost)}</td><td class="n">{L.int(r.cumulative_cost)}</td>'
            + "".join(f'<td class="n">{f"{v:,}" if v else ""}</td>' for v in news)
            + f'<td class="n">{float(r.cumulative_coverage_pct):.1f}</td></tr>')
    ncols = len(cols) + len(services) + 1
    rows.append(f'<tr class="empty"{" hidden" if len(ranked) else ""}><td colspan="{ncols}">{escape(L("no_sites"))}'
                f"</td></tr>")
    return (f'<section class="card" id="sites-card"><h2>{escape(L("sites_title"))}</h2>'
            f'<p class="note">{escape(L("sites_note"))}</p><table id="sites" class="filter"><thead><tr>{head1}</tr>'
            f'<tr>{head2}</tr></thead><tbody>{"".join(rows)}</tbody></table></section>')


def _title(L: Labels, record: dict) -> str:
    return str(record.get(f"title_{L.lang}") or record.get("name") or "")


def _wide_css(services: list[str]) -> str:
    """With many services, "what the next grade needs" lists many: a wider cell keeps the rows short."""
    if len(services) <= 6:
        return ""
    return f"td.needs{{min-width:{min(520, 260 + 30 * (len(services) - 6))}px}}"


def _catalogue_card(run: RunData, L: Labels) -> str:
    """The services of a run that records its catalogue (summary.json): group, numbers, space needs."""
    record = run.catalogue
    if record is None:
        return ""
    specs = run.summary.get("parameters", {}).get("services", {})
    extra = record.get("services", {}) if isinstance(record.get("services"), dict) else {}
    colours = service_colours(list(run.services))
    head = "".join(f"<th{' class=n' if n else ''}>{escape(t)}</th>" for t, n in (
        (L.column("service"), False), (L("catalogue_group"), False),
        (L("threshold"), True), (L.column("area_m2"), True), (L.column("fit_out_cost"), True), (L("weight"), True),
        (L("needs"), False)))
    rows = []
    for s, info in run.services.items():
        spec, more = specs.get(s, {}), extra.get(s, {})
        area = f"{float(spec.get('area_m2', 0)):,.0f}"
        if more.get("area_max_m2") is not None:
            area += f" (–{float(more['area_max_m2']):,.0f})"
        needs = L("list_sep").join(L.space_attribute(a) for a in ("water", "frontage") if more.get(f"needs_{a}"))
        group = more.get("group") or "none"
        rows.append(f'<tr><td><span class="svcdot" style="background:{colours[s]}"></span>{escape(L.service(s))}</td>'
                    f"<td>{escape(L.group(group) if group in ('basic', 'improved', 'none') else group)}</td>"
                    f'<td class="n">{escape(L.minutes(info.threshold_min))}</td><td class="n">{area}</td>'
                    f'<td class="n">{L.int(spec.get("fit_out_cost"))}</td>'
                    f'<td class="n">{float(spec.get("weight", 1)):g}</td><td>{escape(needs or L("na"))}</td></tr>')
    return (f'<div class="wide"><section class="card" id="catalogue-card"><h2>'
            f'{escape(L("catalogue_title", title=_title(L, record)))}</h2><p class="note">{escape(L("catalogue_note"))}'
            f'</p><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></section></div>')


def _rules(run: RunData, ev: Evaluation, L: Labels) -> str:
    r = ev.rules
    out = [f'<section class="card" id="rules-card"><h2>{escape(L("grades_title"))}</h2>'
           f'<p class="note">{escape(L("grades_intro"))}</p><ul class="rules">']
    for k, level in enumerate(LEVELS, start=1):
        reqs = [L("grades_rule_pct", group=L.group(g), pct=f"{p:g}") for g, p in r.levels[level].requirements()]
        out.append(f"<li>{_grade(L, Grade(k))} {escape('; '.join(reqs))}</li>")
    out.append("</ul><ul class=\"rules\">")
    for g in ("basic", "improved"):
        members = r.group(g)
        text = L("list_sep").join(L.service(s) for s in members) if members else L("grades_group_empty")
        out.append(f"<li>{escape(L('grades_group_members', group=L.group(g), members=text))}</li>")
    record = run.catalogue
    source = L("grades_source") if record is None else L("grades_source_catalogue", title=_title(L, record))
    out.append(f'</ul><p class="note">{escape(source)}</p></section>')
    return "".join(out)


def _legend(run: RunData, L: Labels, *, roads: bool = False) -> str:
    """Under the map: building colours (by mode), then the symbols."""
    services = list(run.services)
    n = len(services)
    colours = ramp(n)

    def swatch(colour: str, text: str) -> str:
        return f'<div class="row"><span class="sw" style="background:{colour}"></span>{escape(text)}</div>'

    out = ['<div class="legend" id="legend"><div>']
    out.append(f'<h4 data-legend-title="count">{escape(L("services_reached"))}</h4>')
    for s in services:
        out.append(f'<h4 data-legend-title="{escape(s)}" hidden>{escape(L.service(s))} '
                   f'({escape(L.minutes(run.services[s].threshold_min))})</h4>')
    out.append('<div data-legend="count">')
    out += [swatch(colours[k], L("legend_services_reached", n=k, total=n)) for k in range(n, -1, -1)]
    out.append('</div><div data-legend="service" hidden>' + swatch(COVERED_OLD, L("legend_covered_existing"))
               + '</div><div data-legend="service-new" hidden>' + swatch(COVERED_NEW, L("legend_covered_new"))
               + '</div><div data-legend="service" hidden>' + swatch(UNCOVERED, L("legend_uncovered")) + "</div>")
    out.append(f'<div class="note">{escape(L("legend_size"))}</div></div><div>')
    out.append(f'<div class="row"><span class="sq" style="background:repeating-linear-gradient(45deg,'
               f'rgba(178,24,43,.45) 0 2px,rgba(178,24,43,.1) 2px 5px);border:1px dashed {UNCOVERED}"></span>'
               f'{escape(L("legend_uncovered_area"))}</div>')
    out.append('<div class="row"><svg width="16" height="16" viewBox="-8 -8 16 16"><circle r="6.5" fill="#fff" '
               f'stroke="#111" stroke-width="2.2"/></svg>{escape(L("legend_chosen"))}</div>')
    svc_colours = service_colours(services)
    marks = " ".join(f'<span style="color:{svc_colours[s]};font-weight:700">{escape(L.abbr(s))}</span> '
                     f"{escape(L.service(s))}" for s in services)
    out.append(f'<div class="row note">{marks}</div>')
    present = set(run.existing["service"].astype(str)) if len(run.existing) else set()
    for s in services:  # the colour key of the existing facilities
        if s in present:
            out.append(f'<div class="row"><svg width="12" height="12"><path transform="translate(6 6)" '
                       f'd="M0-4.5L4.5 0L0 4.5L-4.5 0Z" fill="{svc_colours[s]}" stroke="#222" stroke-width=".8"/>'
                       f'</svg>{escape(L("layer_existing"))}: {escape(L.service(s))}</div>')
    if roads:
        out.append(f'<div class="row"><svg width="16" height="12"><line x1="1" y1="6" x2="15" y2="6" '
                   f'stroke="{ROAD_COLOUR}" stroke-width="2"/></svg>{escape(L("legend_roads"))}</div>')
    out.append('<div class="row"><svg width="12" height="12"><rect x="2" y="2" width="8" height="8" fill="#fff" '
               f'stroke="#666"/></svg>{escape(L("legend_candidate"))}</div>')
    out.append("</div></div>")
    return "".join(out)


def _about(run: RunData, L: Labels) -> str:
    sm = run.summary
    res = sm.get("result", {})
    travel = sm.get("travel", {})
    gap = res.get("gap")
    status = L("status_line", status=termination_label(res.get("status", "?"), L.lang),
               gap="—" if gap is None else f"{100 * gap:.3f}%",
               check=L("check_agrees") if sm.get("check") else L("check_missing"))
    speed = f'{travel.get("speed_m_per_min", 0):g}'
    how = (L("travel_network", speed=speed) if travel.get("method") == "network"
           else L("travel_straight", speed=speed))
    name, description = run.title(L.lang)
    version = sm.get("versions", {}).get("siting", "")
    return (f'<footer><h3>{escape(L("about_title"))}</h3>'
            f'<p>{escape(L("scenario"))}: <b>{escape(name)}</b> — {escape(description)}</p>'
            + (f'<p>{escape(L("catalogue"))}: {escape(_title(L, run.catalogue))} '
               f'({escape(str(run.catalogue.get("name", "")))})</p>' if run.catalogue is not None else "")
            + f'<p>{escape(L("status"))}: {escape(status)}</p><p>{escape(L("travel"))}: {escape(how)}</p>'
            f'<p>{escape(L("coords_note"))}</p><p>{escape(L("generated_by", version=version))}</p></footer>')


def render_html(run: RunData, ev: Evaluation, geo: MapGeometry, labels: Labels) -> str:
    """The whole page as text (deterministic: the same run folder gives the same bytes)."""
    L = labels
    services = list(run.services)
    streets = list(geo.street_areas)
    # streets listed in the selector in their district rank
    ranked_streets = [a.street for a in ev.streets]
    uncovered = run.uncovered
    data = {"services": services, "streets": streets, "boxes": street_boxes(geo), "ramp": ramp(len(services)),
            "colours": {"old": COVERED_OLD, "new": COVERED_NEW, "none": UNCOVERED},
            "scaleLabel": L("scale", m="{m}")}
    name, description = run.title(L.lang)
    title = f'{L("title")} — {name}'
    opts = [f'<option value="">{escape(L("district"))}</option>']
    opts += [f'<option value="{escape(s)}">{a.rank}. {escape(s)} · {escape(L.grade(a.grade_after))}</option>'
             for s, a in zip(ranked_streets, ev.streets)]
    modes = [f'<option value="count">{escape(L("services_reached"))}</option>']
    modes += [f'<option value="{escape(s)}">{escape(L.service(s))}</option>' for s in services]
    layers = [("lyr-households", "layer_households", True), ("lyr-uncovered", "layer_uncovered", True),
              ("lyr-existing", "layer_existing", True), ("lyr-chosen", "layer_chosen", True),
              ("lyr-candidates", "layer_candidates", False), ("lyr-areas", "layer_boundaries", True)]
    tools = "".join(f'<label><input type="checkbox" data-layer="{lid}"{" checked" if on else ""}> '
                    f"{escape(L(key))}</label>" for lid, key, on in layers)
    panels = [_panel(run, ev, L, ev.district, uncovered)] + [_panel(run, ev, L, a, uncovered) for a in ev.streets]
    data_json = json.dumps(data, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    has_roads = geo.roads is not None and len(geo.roads) > 0
    return "".join([
        "<!DOCTYPE html>\n",
        f'<html lang="{"zh-CN" if L.lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_asset('report.css')}{street_css(streets)}{_wide_css(services)}"
        "</style></head><body>",
        f'<header><h1>{escape(title)}</h1><p class="desc">{escape(description)}</p>',
        f'<div class="controls"><label>{escape(L("street"))} <select id="area">{"".join(opts)}</select></label>',
        f'<label>{escape(L("show_on_map"))} <select id="mode">{"".join(modes)}</select></label>',
        f'<span class="seg"><label><input type="radio" name="state" value="after" checked>{escape(L("state_after"))}'
        f'</label><label><input type="radio" name="state" value="before">{escape(L("state_before"))}</label></span>',
        "</div></header><main>",
        f'<section class="mapbox" id="mapbox">{svg_map(run, ev, geo, L)}{_legend(run, L, roads=has_roads)}',
        f'<div class="maptools"><b>{escape(L("layers"))}:</b> {tools}</div></section>',
        f'<div class="side" id="panels">{"".join(panels)}</div></main>',
        f'<div class="wide">{_streets_table(ev, L)}</div>',
        f'<div class="wide">{_sites_table(run, L)}</div>',
        f'<div class="wide">{_communities_table(ev, L)}</div>',
        f'<div class="wide">{_rules(run, ev, L)}</div>',
        _catalogue_card(run, L),
        _about(run, L),
        f'<script type="application/json" id="report-data">{data_json}</script>',
        f"<script>{_asset('report.js')}</script></body></html>\n",
    ])
