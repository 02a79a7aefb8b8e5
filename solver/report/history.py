"""The quarterly evaluation as a dynamic map: ``history.html`` and ``history.csv`` from evaluation folders.

    write_history([folder_2025Q4, folder_2026Q1, ...], out_dir, lang="zh") -> HistoryFiles

Each folder is a run folder (``siting evaluate`` writes one per quarter; a solved run's
"before" state works too), read and checked like any run folder (rundata.read_run).
Every folder must describe the same demand points (ids) and services; they are ordered
by their as-of date (summary.json ``evaluation.date``), or kept in the order given when
a folder has none. Per quarter, the district, every street and every community are
evaluated with the report's own logic (solver/report/evaluation.py: coverage % per
service, grade) from the state the folder describes (``before_<s>``: the existing
facilities of that date); facilities opened and closed between neighbouring quarters
are told by the ids of their ``existing.csv``.

Files:

* ``history.html``: one self-contained page (inline SVG, CSS and script; nothing is
  fetched) with a quarter slider. The map fills every community (or street) by its
  grade or by its coverage of one service in the chosen quarter, colours the
  buildings by what they reach, and marks the facilities that count, those opened in
  the quarter (green ring) and those closed (red cross); the tables beside it give
  each street's grade and coverage with the change against the quarter before, and
  the facilities opened and closed.
* ``history.csv``: the changes between neighbouring quarters, one row each: ``kind``
  grade (an area's grade changed), coverage (an area's coverage of a service changed;
  percentages and households), opened / closed (a facility).
* ``history_series.csv``: every area's grade and coverage per service in every quarter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..folders import out_dir_problem, staged_folder, write_csv
from .evaluation import AreaEvaluation, Evaluation, evaluate
from .labels import Labels
from .rundata import RunData, read_run
from .svgmap import RAMP, ramp, service_colours

MARKER = "history.html"
GRADE_COLOURS = {"": "#dddddd", "below": RAMP[0], "basic": RAMP[2], "improved": RAMP[3], "quality": RAMP[4]}
PCT_STEPS = (50.0, 70.0, 85.0, 95.0)  # coverage classes on the map: < 50, 50-70, 70-85, 85-95, >= 95 %


@dataclass(frozen=True, kw_only=True)
class Quarter:
    label: str
    date: str | None
    run: RunData
    evaluation: Evaluation


@dataclass(frozen=True, kw_only=True)
class HistoryFiles:
    folder: Path
    html: Path
    changes_csv: Path
    series_csv: Path
    quarters: list[str]
    changes: pd.DataFrame


def history_dir_problem(out_dir: Path, folders: list[Path]) -> str | None:
    """Why ``out_dir`` may not be (re)written as a history folder (replaced whole), or None."""
    return out_dir_problem(out_dir, inputs=[(f, "an evaluation folder") for f in folders], marker=MARKER,
                           kind="an earlier history folder")


def read_quarters(folders: list[Path]) -> list[Quarter]:
    """The folders read, checked for the same demand points and services, in date order."""
    runs = [read_run(f) for f in folders]
    problems: list[Problem] = []
    first = runs[0]
    ids = set(first.households["id"].astype(str))
    labels: list[str] = []
    dates: list[str | None] = []
    for f, r in zip(folders, runs):
        if list(r.services) != list(first.services):
            problems.append(Problem(file=str(f / "summary.json"), field="parameters.services", show_value=False,
                                    rule=f"the services differ from {folders[0]}'s ({', '.join(first.services)})"))
        if set(r.households["id"].astype(str)) != ids:
            problems.append(Problem(file=str(f / "households_coverage.csv"), field="id", show_value=False,
                                    rule=f"the demand points differ from {folders[0]}'s: a history compares one "
                                    "district's quarters"))
        ev = r.summary.get("evaluation")
        ev = ev if isinstance(ev, dict) else {}
        labels.append(str(ev.get("as_of") or f.name))
        dates.append(str(ev["date"]) if ev.get("date") else None)
    seen: dict[str, Path] = {}
    for f, lab in zip(folders, labels):
        if lab in seen:
            problems.append(Problem(file=str(f), rule=f"the same quarter as {seen[lab]} ({lab})", show_value=False))
        seen[lab] = f
    if problems:
        raise InputError(problems)
    order = list(range(len(runs)))
    if all(d is not None for d in dates):
        order.sort(key=lambda k: str(dates[k]))
    return [Quarter(label=labels[k], date=dates[k], run=runs[k],
                    evaluation=evaluate(_state(runs[k]), services=tuple(runs[k].services), rules=runs[k].grades))
            for k in order]


def _state(run: RunData) -> pd.DataFrame:
    """The folder's state of each building: the facilities of its date (``before``, for ``after`` too)."""
    hh = run.households.copy()
    for s in run.services:
        hh[f"after_{s}"] = hh[f"before_{s}"]
    return hh


def _areas(ev: Evaluation) -> list[AreaEvaluation]:
    return [ev.district, *sorted(ev.streets, key=lambda a: a.street), *ev.communities]


def _pct(a: AreaEvaluation, s: str) -> float | None:
    v = a.pct_before(s)
    return None if v is None else round(v, 3)


def series_frame(quarters: list[Quarter]) -> pd.DataFrame:
    rows = []
    for q in quarters:
        for a in _areas(q.evaluation):
            row = {"quarter": q.label, "level": a.level, "street": a.street, "community": a.community,
                   "households": a.households, "grade": "" if a.grade_before is None else a.grade_before.key}
            for s in q.evaluation.services:
                row[f"covered_{s}"] = a.covered_before[s]
                row[f"pct_{s}"] = _pct(a, s)
            rows.append(row)
    return pd.DataFrame(rows)


def _facilities(run: RunData) -> pd.DataFrame:
    ex = run.existing
    return ex.assign(id=ex["id"].astype(str)).set_index("id")


def changes_frame(quarters: list[Quarter]) -> pd.DataFrame:
    """The changes between neighbouring quarters (module docstring)."""
    cols = ["from_quarter", "to_quarter", "kind", "level", "street", "community", "service", "id", "name",
            "before", "after", "change", "households_before", "households_after"]
    rows: list[dict] = []
    for prev, cur in zip(quarters, quarters[1:]):
        base = {"from_quarter": prev.label, "to_quarter": cur.label}
        old = {(a.level, a.street, a.community): a for a in _areas(prev.evaluation)}
        for a in _areas(cur.evaluation):
            b = old.get((a.level, a.street, a.community))
            if b is None:
                continue
            where = {"level": a.level, "street": a.street, "community": a.community}
            gb = "" if b.grade_before is None else b.grade_before.key
            ga = "" if a.grade_before is None else a.grade_before.key
            if ga != gb:
                rows.append({**base, "kind": "grade", **where, "before": gb, "after": ga,
                             "change": "up" if (a.grade_before or 0) > (b.grade_before or 0) else "down"})
            for s in cur.evaluation.services:
                if a.covered_before[s] != b.covered_before[s]:
                    pb, pa = _pct(b, s), _pct(a, s)
                    rows.append({**base, "kind": "coverage", **where, "service": s, "before": pb, "after": pa,
                                 "change": None if pb is None or pa is None else round(pa - pb, 3),
                                 "households_before": b.covered_before[s], "households_after": a.covered_before[s]})
        fo, fc = _facilities(prev.run), _facilities(cur.run)
        for kind, ids, table in (("opened", sorted(set(fc.index) - set(fo.index)), fc),
                                 ("closed", sorted(set(fo.index) - set(fc.index)), fo)):
            for i in ids:
                rows.append({**base, "kind": kind, "level": "facility", "service": str(table.at[i, "service"]),
                             "id": i, "name": str(table.at[i, "name"])})
    return pd.DataFrame(rows, columns=cols)


def write_history(folders: list[str | Path], out_dir: str | Path, *, lang: str = "en") -> HistoryFiles:
    """Read the evaluation folders and write history.html, history.csv and history_series.csv (atomically)."""
    paths = [Path(f) for f in folders]
    out = Path(out_dir)
    if len(paths) < 2:
        raise InputError([Problem(file=", ".join(map(str, paths)) or "(none)", show_value=False,
                                  rule="a history needs at least two evaluation folders (quarters)")])
    why = history_dir_problem(out, paths)
    if why:
        raise InputError([Problem(file=str(out), rule=f"history folder {why}", show_value=False)])
    quarters = read_quarters(paths)
    changes = changes_frame(quarters)
    series = series_frame(quarters)
    labels = Labels(lang, quarters[-1].run.services)
    with staged_folder(out) as tmp:
        (tmp / "history.html").write_text(render_history(quarters, changes, labels), encoding="utf-8", newline="\n")
        write_csv(changes, tmp / "history.csv")
        write_csv(series, tmp / "history_series.csv")
    return HistoryFiles(folder=out, html=out / "history.html", changes_csv=out / "history.csv",
                        series_csv=out / "history_series.csv", quarters=[q.label for q in quarters], changes=changes)


# ------------------------------------------------------------------------------------------
# the page


def _page_data(quarters: list[Quarter], geo_keys: dict[str, str]) -> dict:
    """Per quarter: every area's grade and coverage, every building's services, every facility's state."""
    services = list(quarters[0].evaluation.services)
    all_fac: dict[str, dict] = {}
    for q in quarters:
        for i, row in _facilities(q.run).iterrows():
            all_fac.setdefault(str(i), {"service": str(row["service"]), "name": str(row["name"]),
                                        "lon": float(row["lon"]), "lat": float(row["lat"])})
    fac_ids = sorted(all_fac)
    qdata = []
    prev_ids: set[str] | None = None
    for q in quarters:
        ev = q.evaluation
        areas = {}
        for a in _areas(ev):
            key = geo_keys.get(a.key if a.level != "district" else "", a.key)
            areas[key] = {"g": "" if a.grade_before is None else a.grade_before.key,
                          "p": [_pct(a, s) for s in services], "h": a.households}
        hh = q.run.households.sort_values("id")
        flags = hh[[f"before_{s}" for s in services]].to_numpy(int)
        bits = ["".join("1" if v > 0 else "0" for v in row) for row in flags]
        ids = set(_facilities(q.run).index.astype(str))
        state = "".join("o" if i in ids and (prev_ids is None or i in prev_ids) else "n" if i in ids
                        else "c" if prev_ids is not None and i in prev_ids else "-" for i in fac_ids)
        qdata.append({"label": q.label, "date": q.date, "areas": areas, "bits": bits, "fac": state,
                      "counts": {"open": len(ids), "new": state.count("n"), "closed": state.count("c")}})
        prev_ids = ids
    return {"services": services, "quarters": qdata, "facilities": fac_ids}


def render_history(quarters: list[Quarter], changes: pd.DataFrame, L: Labels) -> str:
    """history.html as text (deterministic: the same folders give the same bytes)."""
    from .geometry import frame_for
    from .svgmap import STREET_TINTS

    last = quarters[-1]
    services = list(last.evaluation.services)
    colours = service_colours(services)
    # one map for every quarter: the buildings of the last folder (the same ids in every folder)
    hh = last.run.households.sort_values("id").reset_index(drop=True)
    facs: dict[str, tuple[float, float, str, str]] = {}
    for q in quarters:
        for i, row in _facilities(q.run).iterrows():
            facs.setdefault(str(i), (float(row["lon"]), float(row["lat"]), str(row["service"]), str(row["name"])))
    fac_ids = sorted(facs)
    lon = np.concatenate([hh["lon"].to_numpy(float), np.array([facs[i][0] for i in fac_ids], dtype=float)])
    lat = np.concatenate([hh["lat"].to_numpy(float), np.array([facs[i][1] for i in fac_ids], dtype=float)])
    frame = frame_for(lon, lat)
    hx, hy = frame.project(hh["lon"], hh["lat"])
    fx, fy = frame.project(np.array([facs[i][0] for i in fac_ids]), np.array([facs[i][1] for i in fac_ids]))
    from .geometry import building_cells, svg_path

    cells = building_cells(hx, hy)
    streets = hh["street"].astype(str).to_numpy()
    comms = hh["community"].astype(str).to_numpy()
    allx, ally = np.concatenate([hx, fx]), np.concatenate([hy, fy])
    pad = cells.reach
    xmin, ymin = float(allx.min()) - pad, float(ally.min()) - pad
    xmax, ymax = float(allx.max()) + pad, float(ally.max()) + pad
    width, height = xmax - xmin, ymax - ymin

    def to_svg(x, y):
        return np.asarray(x, dtype=float) - xmin, ymax - np.asarray(y, dtype=float)

    u = width / 900.0
    svg = [f'<svg id="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'style="--u:{u:.3f}" role="img" aria-label="{escape(L("history_title"))}">',
           f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#f4f4f0"/>']
    street_names = sorted(set(streets))
    svg.append('<g id="lyr-communities">')
    for st, cm in sorted(set(zip(streets, comms))):
        d = svg_path(cells.merge((streets == st) & (comms == cm)), to_svg)
        svg.append(f'<path class="area community" data-key="{escape(st)}/{escape(cm)}" d="{d}" fill="#ddd">'
                   f"<title>{escape(st)} · {escape(cm)}</title></path>")
    svg.append('</g><g id="lyr-streets">')
    for k, st in enumerate(street_names):
        d = svg_path(cells.merge(streets == st), to_svg)
        svg.append(f'<path class="area street" data-key="{escape(st)}" d="{d}" '
                   f'data-tint="{STREET_TINTS[k % len(STREET_TINTS)]}" fill="none"><title>{escape(st)}</title></path>')
    svg.append('</g><g id="lyr-buildings">')
    cx, cy = to_svg(hx, hy)
    h = hh["households"].to_numpy(float)
    r = pad * (0.10 + 0.2 * np.sqrt(np.clip(h, 0, None) / max(float(h.max()), 1.0)))
    for k in range(len(hh)):
        svg.append(f'<circle class="b" cx="{cx[k]:.0f}" cy="{cy[k]:.0f}" r="{r[k]:.0f}"/>')
    svg.append('</g><g id="lyr-facilities">')
    ex_x, ex_y = to_svg(fx, fy)
    for k, i in enumerate(fac_ids):
        _, _, svc, name = facs[i]
        col = colours.get(svc, "#666")
        svg.append(f'<g class="f" data-id="{escape(i)}" transform="translate({ex_x[k]:.0f} {ex_y[k]:.0f})">'
                   f'<title>{escape(i)} {escape(name)} ({escape(L.service(svc))})</title>'
                   f'<circle class="ring" r="0"/><path class="d" d="M0-1L1 0L0 1L-1 0Z" fill="{col}"/>'
                   f'<path class="x xh" d="M-1-1L1 1M-1 1L1-1"/><path class="x" d="M-1-1L1 1M-1 1L1-1"/></g>')
    svg.append("</g>")
    for st in street_names:  # street names on top
        pts = np.flatnonzero(streets == st)
        lx, ly = to_svg(np.median(hx[pts]), np.median(hy[pts]))
        svg.append(f'<text class="lbl" x="{float(lx):.0f}" y="{float(ly):.0f}">{escape(st)}</text>')
    svg.append("</svg>")

    geo_keys = {a.key: a.key for q in quarters for a in _areas(q.evaluation)}
    data = _page_data(quarters, geo_keys)
    data.update({"gradeColours": GRADE_COLOURS, "ramp": ramp(len(services)), "pctSteps": list(PCT_STEPS),
                 "pctColours": list(RAMP), "grades": {k: L("na") if not k else _grade_label(L, k)
                                                      for k in GRADE_COLOURS},
                 "streets": street_names, "serviceNames": [L.service(s) for s in services],
                 "text": {k: L(k) for k in ("hist_new", "hist_closed", "hist_open", "hist_none", "district")}})
    data_json = json.dumps(data, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    names_json = json.dumps({i: [facs[i][2], facs[i][3]] for i in fac_ids}, ensure_ascii=False,
                            sort_keys=True).replace("</", "<\\/")
    n = len(quarters)
    views = [f'<option value="grade">{escape(L("hist_view_grade"))}</option>']
    views += [f'<option value="{k}">{escape(L("hist_view_service", service=L.service(s)))}</option>'
              for k, s in enumerate(services)]
    legend_grades = "".join(f'<span class="key"><i style="background:{c}"></i>{escape(_grade_label(L, g))}</span>'
                            for g, c in GRADE_COLOURS.items() if g)
    legend_grades += (f'<span class="key">{escape(L("hist_buildings"))}:</span>'
                      + "".join(f'<span class="key"><i style="background:{c}"></i>{k}</span>'
                                for k, c in enumerate(ramp(len(services)))))
    bounds = ["<50", "50–70", "70–85", "85–95", "≥95"]
    legend_pct = "".join(f'<span class="key"><i style="background:{c}"></i>{b}%</span>' for c, b in zip(RAMP, bounds))
    legend_pct += (f'<span class="key"><i style="background:#2166ac;border-radius:6px"></i>{escape(L("hist_reached"))}'
                   f'</span><span class="key"><i style="background:#b2182b;border-radius:6px"></i>'
                   f'{escape(L("hist_not_reached"))}</span>')
    legend_fac = (f'<span class="key"><svg width="14" height="14"><circle cx="7" cy="7" r="5" fill="none" '
                  f'stroke="#1a9641" stroke-width="2.5"/></svg>{escape(L("hist_new"))}</span>'
                  f'<span class="key"><svg width="14" height="14"><path d="M2 2L12 12M2 12L12 2" stroke="#111" '
                  f'stroke-width="2.5"/></svg>{escape(L("hist_closed"))}</span>')
    head = "".join(f"<th>{escape(L.service(s))}</th>" for s in services)
    title = f'{L("history_title")} — {last.run.name}'
    return "".join([
        "<!DOCTYPE html>\n",
        f'<html lang="{"zh-CN" if L.lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{escape(title)}</h1>",
        f'<div class="controls"><label for="q">{escape(L("hist_quarter"))}</label><span class="slider">'
        f'<input type="range" id="q" min="0" max="{n - 1}" step="1" value="{n - 1}">'
        f'<span class="ticks">{"".join(f"<span>{escape(q.label)}</span>" for q in quarters)}</span></span>'
        f'<b id="qlabel">{escape(quarters[-1].label)}</b>'
        f'<label>{escape(L("show_on_map"))} <select id="view">{"".join(views)}</select></label>'
        f'<span class="seg"><label><input type="radio" name="level" value="community" checked>'
        f'{escape(L("hist_level_community"))}</label><label><input type="radio" name="level" value="street">'
        f'{escape(L("hist_level_street"))}</label></span></div></header>',
        f'<main><section class="mapbox">{"".join(svg)}',
        f'<div class="legend"><div id="leg-grade">{legend_grades}</div><div id="leg-pct" hidden>{legend_pct}</div>'
        f"<div>{legend_fac}</div></div></section>",
        '<section class="side">',
        f'<p id="counts"></p><h3>{escape(L("hist_streets"))}</h3>',
        f'<table id="streets"><thead><tr><th>{escape(L("street"))}</th><th>{escape(L("hist_grade"))}</th>{head}'
        "</tr></thead><tbody></tbody></table>",
        f'<h3>{escape(L("hist_changes"))}</h3><ul id="facchanges"></ul>',
        f'<p class="note">{escape(L("hist_note"))}</p></section></main>',
        f'<script type="application/json" id="history-data">{data_json}</script>',
        f'<script type="application/json" id="facility-names">{names_json}</script>',
        f"<script>{SCRIPT}</script></body></html>\n",
    ])


def _grade_label(L: Labels, key: str) -> str:
    from ..inputs.grades import Grade

    return L.grade(next(g for g in Grade if g.key == key))


CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;color:#222}
header{padding:8px 16px;border-bottom:1px solid #ccc}h1{font-size:20px;margin:4px 0}
.controls{display:flex;gap:18px;align-items:center;flex-wrap:wrap}#q{width:320px;vertical-align:middle}
#qlabel{font-size:20px;min-width:80px}.slider{display:inline-flex;flex-direction:column}
.ticks{display:flex;justify-content:space-between;width:320px;font-size:11px;color:#666}.seg label{margin-right:8px}
main{display:flex;gap:12px;padding:8px 16px}.mapbox{flex:1 1 62%;min-width:0}.side{flex:1 1 38%;font-size:13px}
#map{width:100%;height:auto;border:1px solid #bbb;background:#f4f4f0}
.area.community{stroke:#fff;stroke-width:calc(var(--u)*0.8)}
.area.street{fill:none;stroke:#333;stroke-width:calc(var(--u)*2)}
.b{stroke:#333;stroke-width:calc(var(--u)*0.3);fill-opacity:.9}
.f .d{transform:scale(calc(var(--u)*5));stroke:#222;stroke-width:.15}
.f .ring{fill:none;stroke:#1a9641;stroke-width:calc(var(--u)*2.5)}
.f .x{stroke:#111;stroke-width:.4;transform:scale(calc(var(--u)*7));display:none}.f .xh{stroke:#fff;stroke-width:.8}
.f.gone .d{display:none}.f.gone .x{display:inline}.f.absent{display:none}
.lbl{font-size:calc(var(--u)*15px);font-weight:bold;text-anchor:middle;paint-order:stroke;stroke:#fff;
stroke-width:calc(var(--u)*3)}
.legend{display:flex;gap:16px;flex-wrap:wrap;margin-top:6px;font-size:12px}.key{margin-right:10px;white-space:nowrap}
.key i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle;border:1px solid #999}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:3px 5px;text-align:right}
th:first-child,td:first-child{text-align:left}.up{color:#1a9641}.down{color:#d7191c}
.g{display:inline-block;padding:0 6px;border-radius:3px}.note{color:#555;font-size:12px}
#facchanges{max-height:260px;overflow:auto;padding-left:18px}
"""

SCRIPT = r"""
(function(){
const D=JSON.parse(document.getElementById('history-data').textContent);
const names=JSON.parse(document.getElementById('facility-names').textContent);
const slider=document.getElementById('q'),view=document.getElementById('view');
const svgNS='http://www.w3.org/2000/svg';
function pctColour(p){if(p===null||p===undefined)return '#dddddd';let k=0;
  for(const s of D.pctSteps){if(p>=s)k++;}return D.pctColours[k];}
function level(){return document.querySelector('input[name=level]:checked').value;}
function fmt(p){return p===null||p===undefined?'—':p.toFixed(1)+'%';}
function arrow(now,before){if(before===undefined||before===null||now===null)return '';const d=now-before;
  if(Math.abs(d)<0.05)return '';return ' <span class="'+(d>0?'up':'down')+'">'+(d>0?'▲':'▼')+
  Math.abs(d).toFixed(1)+'</span>';}
function draw(){
  const qi=+slider.value,Q=D.quarters[qi],P=qi>0?D.quarters[qi-1]:null,v=view.value,lvl=level();
  document.getElementById('qlabel').textContent=Q.label;
  document.getElementById('leg-grade').hidden=v!=='grade';document.getElementById('leg-pct').hidden=v==='grade';
  document.querySelectorAll('.area').forEach(el=>{
    const isStreet=el.classList.contains('street');const a=Q.areas[el.dataset.key];
    let fill='#dddddd';if(a){fill=v==='grade'?D.gradeColours[a.g]:pctColour(a.p[+v]);}
    if(isStreet){el.setAttribute('fill',lvl==='street'?fill:'none');}
    else{el.setAttribute('fill',lvl==='community'?fill:'#eeeeee');}
    el.dataset.fill=fill;});
  const bs=document.querySelectorAll('.b');
  bs.forEach((el,k)=>{const bits=Q.bits[k];let c;
    if(v==='grade'){let n=0;for(const ch of bits)if(ch==='1')n++;c=D.ramp[n];}
    else{c=bits[+v]==='1'?'#2166ac':'#b2182b';}
    el.setAttribute('fill',c);});
  const fs=document.querySelectorAll('.f');
  fs.forEach((el,k)=>{const s=Q.fac[k];el.classList.toggle('absent',s==='-');el.classList.toggle('gone',s==='c');
    el.querySelector('.ring').setAttribute('r',s==='n'?String(8*parseFloat(getComputedStyle(
      document.getElementById('map')).getPropertyValue('--u'))):'0');el.dataset.state=s;});
  const tb=document.querySelector('#streets tbody');tb.innerHTML='';
  for(const key of [''].concat(D.streets)){const a=Q.areas[key];if(!a)continue;const b=P?P.areas[key]:undefined;
    const tr=document.createElement('tr');tr.dataset.street=key;
    let html='<td>'+(key===''?'<b>'+D.text.district+'</b>':key)+'</td><td><span class="g" style="background:'+
      D.gradeColours[a.g]+'">'+D.grades[a.g]+'</span></td>';
    a.p.forEach((p,k)=>{html+='<td>'+fmt(p)+arrow(p,b?b.p[k]:undefined)+'</td>';});
    tr.innerHTML=html;tb.appendChild(tr);}
  const ul=document.getElementById('facchanges');ul.innerHTML='';
  D.facilities.forEach((id,k)=>{const s=Q.fac[k];if(s!=='n'&&s!=='c')return;const li=document.createElement('li');
    const nm=names[id];li.className=s==='n'?'up':'down';li.dataset.kind=s==='n'?'opened':'closed';
    li.textContent=(s==='n'?D.text.hist_new:D.text.hist_closed)+': '+id+' '+nm[1]+' ('+
      D.serviceNames[D.services.indexOf(nm[0])]+')';ul.appendChild(li);});
  if(!ul.children.length){const li=document.createElement('li');li.textContent=D.text.hist_none;ul.appendChild(li);}
  document.getElementById('counts').textContent=D.text.hist_open+': '+Q.counts.open+' · '+D.text.hist_new+': '+
    Q.counts.new+' · '+D.text.hist_closed+': '+Q.counts.closed;
  document.body.dataset.quarter=Q.label;
}
slider.addEventListener('input',draw);view.addEventListener('change',draw);
document.querySelectorAll('input[name=level]').forEach(r=>r.addEventListener('change',draw));
const m=/[#&]q=([^&]+)/.exec(location.hash);if(m){const k=D.quarters.findIndex(q=>q.label===decodeURIComponent(m[1]));
  if(k>=0)slider.value=k;}
draw();
})();
"""
