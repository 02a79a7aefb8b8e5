"""comparison.html: a comparison of two runs as one offline page (inline SVG and CSS, nothing fetched).

The map shows every demand point of the second run (grey; green where a building gains a service,
red where it loses one) and the spaces of either plan: added (green), removed (red, crossed),
services changed or added (orange), kept (dark grey). Positions are the runs' WGS84 lon/lat,
drawn in an equirectangular projection scaled by cos(latitude) (a district is small enough for
it to keep shapes). Tables: the totals, coverage before re-planning (the change's own effect) and
after, the grades, the spaces that change with names and costs. Deterministic: the same two run
folders give the same bytes.
"""

from __future__ import annotations

import math
from html import escape
from typing import TYPE_CHECKING

import numpy as np

from ..inputs.labels import compare_label

if TYPE_CHECKING:  # compare.py imports this module to write the page
    from .compare import Comparison

WIDTH, HEIGHT, PAD = 900.0, 620.0, 24.0
GAINED, LOST, SAME = "#1a9850", "#d73027", "#c7c7c7"
SITE_COLOURS = {"added": "#1a9850", "removed": "#d73027", "services changed": "#f28e2b", "services added": "#f28e2b",
                "kept": "#4d4d4d"}

CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;
margin:0;color:#222;background:#fafafa}
header{padding:14px 22px;background:#fff;border-bottom:1px solid #ddd}h1{font-size:20px;margin:0 0 4px}
main{display:flex;flex-wrap:wrap;gap:18px;padding:16px 22px}
.map{background:#fff;border:1px solid #ddd;flex:0 0 auto}
.side{flex:1 1 380px;min-width:340px}
table{border-collapse:collapse;font-size:13px;margin:6px 0 14px;background:#fff}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:left}td.n{text-align:right}
th{background:#f0f0f0}.muted{color:#666;font-size:12px}.legend{font-size:12px;padding:6px 10px}
.legend span{display:inline-block;margin-right:14px;white-space:nowrap}
.wide{padding:0 22px 16px}h2{font-size:16px;margin:10px 0 4px}.changed{font-weight:bold}
"""


def _project(lon: np.ndarray, lat: np.ndarray, all_lon: np.ndarray, all_lat: np.ndarray):
    lat0 = float(np.mean(all_lat)) if len(all_lat) else 0.0
    k = math.cos(math.radians(lat0))
    x_all, y_all = all_lon * k, all_lat
    x0, x1 = float(x_all.min()), float(x_all.max())
    y0, y1 = float(y_all.min()), float(y_all.max())
    span = max(x1 - x0, y1 - y0, 1e-9)
    scale = min((WIDTH - 2 * PAD) / max(x1 - x0, span * 1e-3), (HEIGHT - 2 * PAD) / max(y1 - y0, span * 1e-3))
    return PAD + (lon * k - x0) * scale, HEIGHT - PAD - (lat - y0) * scale


def _map(c: Comparison, L) -> str:
    hh = c.b.households
    sites = c.sites.dropna(subset=["lon", "lat"])
    all_lon = np.concatenate([hh["lon"].to_numpy(float), sites["lon"].to_numpy(float)])
    all_lat = np.concatenate([hh["lat"].to_numpy(float), sites["lat"].to_numpy(float)])
    if not len(all_lon):
        return ""
    gained = set(c.households.loc[c.households["change"] == "gained", "id"])
    lost = set(c.households.loc[c.households["change"] == "lost", "id"])
    hx, hy = _project(hh["lon"].to_numpy(float), hh["lat"].to_numpy(float), all_lon, all_lat)
    out = [f'<svg class="map" xmlns="http://www.w3.org/2000/svg" width="{WIDTH:.0f}" height="{HEIGHT:.0f}" '
           f'viewBox="0 0 {WIDTH:.0f} {HEIGHT:.0f}" role="img" aria-label="{escape(L("map_title"))}">',
           f'<rect width="{WIDTH:.0f}" height="{HEIGHT:.0f}" fill="#fff"/>']
    weight = hh["households"].to_numpy(float)
    radius = 1.6 + 2.4 * np.sqrt(weight / max(float(weight.max()), 1.0))
    layers: dict[str, list[str]] = {"same": [], "changed": []}
    for hid, x, y, r in zip(hh["id"], hx, hy, radius):
        colour = LOST if hid in lost else GAINED if hid in gained else SAME
        layer = "same" if colour == SAME else "changed"
        layers[layer].append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}" fill-opacity="0.8">'
                             f"<title>{escape(str(hid))}</title></circle>")
    out += layers["same"] + layers["changed"]
    sx, sy = _project(sites["lon"].to_numpy(float), sites["lat"].to_numpy(float), all_lon, all_lat)
    order = {"kept": 0, "services added": 1, "services changed": 1, "removed": 2, "added": 3}
    rows = sorted(zip(sites.itertuples(), sx, sy), key=lambda t: (order[t[0].change], t[0].id))
    for row, x, y in rows:
        colour = SITE_COLOURS[row.change]
        tip = escape(f"{row.id} {row.name} · {L(row.change)}")
        if row.change == "removed":
            out.append(f'<g><title>{tip}</title><rect x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" '
                       f'fill="#fff" stroke="{colour}" stroke-width="2"/><path d="M{x - 4:.1f} {y - 4:.1f}L{x + 4:.1f} '
                       f'{y + 4:.1f}M{x - 4:.1f} {y + 4:.1f}L{x + 4:.1f} {y - 4:.1f}" stroke="{colour}" '
                       'stroke-width="2"/></g>')
        else:
            size = 7 if row.change != "kept" else 5
            out.append(f'<g><title>{tip}</title><rect x="{x - size:.1f}" y="{y - size:.1f}" width="{2 * size}" '
                       f'height="{2 * size}" fill="{colour}" stroke="#fff" stroke-width="1.5"/></g>')
    out.append("</svg>")
    legend = [(f'<svg width="14" height="14"><rect x="1" y="1" width="12" height="12" fill="{SITE_COLOURS[k]}"/>'
               f"</svg> {escape(L(label))}") for k, label in (("added", "legend_added"),
                                                              ("services changed", "legend_changed"),
                                                              ("kept", "legend_kept"))]
    legend.insert(1, f'<svg width="14" height="14"><rect x="1" y="1" width="12" height="12" fill="#fff" '
                     f'stroke="{SITE_COLOURS["removed"]}" stroke-width="2"/><path d="M3 3L11 11M3 11L11 3" '
                     f'stroke="{SITE_COLOURS["removed"]}" stroke-width="2"/></svg> {escape(L("legend_removed"))}')
    legend += [f'<svg width="14" height="14"><circle cx="7" cy="7" r="5" fill="{col}"/></svg> {escape(L(key))}'
               for col, key in ((GAINED, "legend_gained"), (LOST, "legend_lost"), (SAME, "legend_same"))]
    return ('<div><div class="muted">' + escape(L("map_title")) + "</div>" + "".join(out)
            + '<div class="legend">' + "".join(f"<span>{x}</span>" for x in legend) + "</div></div>")


def _md_table(lines: list[str]) -> str:
    """A Markdown table (as comparison_markdown writes it) as HTML."""
    rows = [ln.strip().strip("|").split(" | ") for ln in lines if not ln.startswith("|---")]
    head, body = rows[0], rows[1:]

    def cell(v: str, tag: str) -> str:
        v = v.strip()
        numeric = bool(v) and v.replace(",", "").replace("+", "").replace("-", "").replace(".", "").isdigit()
        cls = ' class="n"' if numeric and tag == "td" else ""
        return f"<{tag}{cls}>{escape(v)}</{tag}>"

    return ("<table><tr>" + "".join(cell(h, "th") for h in head) + "</tr>"
            + "".join("<tr>" + "".join(cell(v, "td") for v in r) + "</tr>" for r in body) + "</table>")


def _markdown_html(md: str) -> str:
    """The comparison's Markdown (headings, tables, paragraphs, lists) as HTML: one text, two forms."""
    out, table, items = [], [], []
    for line in md.splitlines() + [""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            out.append(_md_table(table))
            table = []
        if line.startswith("- "):
            items.append(f"<li>{escape(line[2:])}</li>")
            continue
        if items:
            out.append("<ul>" + "".join(items) + "</ul>")
            items = []
        if line.startswith("# "):
            continue  # the page header carries the title
        if line.strip():
            text = escape(line)
            out.append(f"<h2>{text[:-1]}</h2>" if line.endswith(":") and len(line) < 80 else f"<p>{text}</p>")
    return "".join(out)


def comparison_html(c: Comparison, markdown: str, *, lang: str = "en") -> str:
    """The page: the map beside ``markdown`` (comparison.md's text, the same words) as HTML."""
    def L(key: str, **values) -> str:  # noqa: N802 - the label lookup
        return compare_label(key, lang, **values)

    title = L("page_title", a=c.a.name, b=c.b.name)
    body = _markdown_html(markdown)
    return "".join([
        "<!DOCTYPE html>\n",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{escape(title)}</h1></header>",
        f'<main>{_map(c, L)}<div class="side">{body}</div></main>',
        f'<div class="wide muted">{escape(L("generated_by"))}</div>',
        "</body></html>\n",
    ])
