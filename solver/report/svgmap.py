"""The district map of report.html as inline SVG (no tiles, no scripts needed to see it).

Layers, bottom to top: street and community areas, uncovered areas (one path
per service and state, shown by the page's script), residential buildings
(circles sized by households, coloured by the number of services within
walking time after the plan), candidate spaces not chosen (hidden at first),
existing facilities (diamonds coloured by service), the street names and
the spaces the plan converts (rank in a ring, service marks beside it).

Map units are metres of the local frame (:mod:`solver.report.geometry`),
y pointing down. Symbols and text keep their size on screen when the page
zooms to a street: they are scaled by the CSS variable ``--u`` (map units per
screen pixel) that the page's script maintains.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np

from .evaluation import Evaluation
from .geometry import Cells, MapFrame, building_cells, frame_for, label_point, svg_path
from .labels import Labels
from .rundata import RunData

# sequential red -> blue ramp (colour-blind safe): 0 services ... all services
RAMP = ("#b2182b", "#ef8a62", "#fddbc7", "#92c5de", "#2166ac")
# One colour per service of the shipped catalogues, the same in every run: basic4's four first
# (ColorBrewer Dark2), then the other basic formats in hues far from theirs, then the quality
# formats (closer to the basic ones' hues: the map marks beside each symbol tell them apart).
SERVICE_COLOURS: dict[str, str] = {
    "vegetable": "#1b9e77", "breakfast": "#d95f02", "repair": "#7570b3", "pharmacy": "#e7298a",
    "convenience_store": "#66a61e", "hair_beauty": "#e6ab02", "housekeeping": "#a6761d", "parcel_locker": "#666666",
    "laundry": "#377eb8", "supermarket": "#e41a1c", "front_warehouse": "#17becf", "photo_print": "#000000",
    "specialty_food": "#bcbd22", "bakery": "#f781bf", "tea_coffee": "#8c564b", "bookstore": "#1f3b73",
    "elderly_care": "#ff7f00",
}
# services a scenario adds, in the run's order: the first of these that no service of the run uses
EXTRA_COLOURS = ("#6a3d9a", "#b15928", "#33a02c", "#fb9a99", "#cab2d6", "#fdbf6f", "#b2df8a", "#a6cee3",
                 "#999999", "#b3de69", "#fccde5", "#80b1d3")
OTHER_COLOUR = "#66a61e"  # an existing facility of a service the run does not model
COVERED_OLD, COVERED_NEW, UNCOVERED = "#92c5de", "#2166ac", "#b2182b"
# pale tints telling streets apart
# street fills: light (the buildings stay readable on them) but told apart at a glance: hues far apart on
# the colour wheel, neighbours in the list unlike each other
STREET_TINTS = ("#f4dfb0", "#c9e6bd", "#c5d8f3", "#f3c9d6", "#dccdf1", "#bfe5e0", "#ecd3b8", "#dddcc4")
ROAD_COLOUR = "#9aa0a8"
SCREEN_WIDTH_PX = 900.0  # the map's width on screen before the script measures it


def ramp(n_services: int) -> list[str]:
    """n_services + 1 colours from "none reached" (red) to "all reached" (blue)."""
    if n_services <= 0:
        return [RAMP[-1]]
    anchors = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in RAMP], dtype=float)
    t = np.linspace(0, len(RAMP) - 1, n_services + 1)
    out = []
    for v in t:
        k = min(int(v), len(RAMP) - 2)
        rgb = anchors[k] + (anchors[k + 1] - anchors[k]) * (v - k)
        out.append("#" + "".join(f"{int(round(c)):02x}" for c in rgb))
    return out


def service_colours(services: list[str]) -> dict[str, str]:
    """The colour of each service of a run (deterministic: its key, or its place among the added ones)."""
    out = {s: SERVICE_COLOURS[s] for s in services if s in SERVICE_COLOURS}
    free = [c for c in EXTRA_COLOURS if c not in out.values()]
    for k, s in enumerate(x for x in services if x not in out):
        if k < len(free):
            out[s] = free[k]
        else:  # more added services than spare colours: spread hues around the circle
            h = (0.618034 * k) % 1.0
            rgb = colorsys.hls_to_rgb(h, 0.42, 0.65)
            out[s] = "#" + "".join(f"{int(round(255 * c)):02x}" for c in rgb)
    return {s: out[s] for s in services}


def service_colour(colours: dict[str, str], key: str) -> str:
    return colours.get(key, OTHER_COLOUR)


@dataclass(frozen=True, kw_only=True)
class MapGeometry:
    """Everything positioned: shared by the SVG map and the PNG maps."""

    frame: MapFrame
    hx: np.ndarray
    hy: np.ndarray
    cells: Cells
    street_areas: dict[str, Any]  # street -> shapely geometry
    community_areas: dict[tuple[str, str], object]
    sx: np.ndarray  # candidate spaces
    sy: np.ndarray
    ex: np.ndarray  # existing facilities
    ey: np.ndarray
    bounds: tuple[float, float, float, float]  # xmin, ymin, xmax, ymax (frame metres, y north)
    roads: np.ndarray | None = None  # walking-network edges (x0, y0, x1, y1), frame metres; None: no network


def map_geometry(run: RunData) -> MapGeometry:
    hh, sites, ex = run.households, run.sites, run.existing
    lon = np.concatenate([hh["lon"].to_numpy(float), sites["lon"].to_numpy(float), ex["lon"].to_numpy(float)])
    lat = np.concatenate([hh["lat"].to_numpy(float), sites["lat"].to_numpy(float), ex["lat"].to_numpy(float)])
    frame = frame_for(lon, lat)
    hx, hy = frame.project(hh["lon"], hh["lat"])
    sx, sy = frame.project(sites["lon"], sites["lat"])
    exx, exy = frame.project(ex["lon"], ex["lat"])
    cells = building_cells(hx, hy)
    streets = hh["street"].astype(str).to_numpy()
    comms = hh["community"].astype(str).to_numpy()
    street_areas = {st: cells.merge(streets == st) for st in sorted(set(streets))}
    community_areas = {(st, cm): cells.merge((streets == st) & (comms == cm))
                       for st, cm in sorted(set(zip(streets, comms)))}
    allx = np.concatenate([hx, sx, exx])
    ally = np.concatenate([hy, sy, exy])
    pad = cells.reach
    bounds = ((float(allx.min()) - pad, float(ally.min()) - pad, float(allx.max()) + pad, float(ally.max()) + pad)
              if len(allx) else (-500.0, -500.0, 500.0, 500.0))
    return MapGeometry(frame=frame, hx=hx, hy=hy, cells=cells, street_areas=street_areas,
                       community_areas=community_areas, sx=sx, sy=sy, ex=exx, ey=exy, bounds=bounds,
                       roads=_roads(run, frame))


def _roads(run: RunData, frame) -> np.ndarray | None:
    """The walking network's edges from the run's results.gpkg (layer ``network``), in the map frame;
    None for a run without a network (or a folder written before results.gpkg existed)."""
    path = run.folder / "results.gpkg"
    if not path.is_file():
        return None
    import pyogrio
    import shapely

    if "network" not in [name for name, _ in pyogrio.list_layers(path)]:
        return None
    frame_gdf = pyogrio.read_dataframe(path, layer="network", columns=[])
    if frame_gdf.crs is not None and frame_gdf.crs.to_epsg() != 4326:
        frame_gdf = frame_gdf.to_crs(4326)
    coords = shapely.get_coordinates(frame_gdf.geometry.to_numpy())
    if len(coords) != 2 * len(frame_gdf):
        return None
    x, y = frame.project(coords[:, 0], coords[:, 1])
    return np.column_stack([x[0::2], y[0::2], x[1::2], y[1::2]])


def _fmt(v: float) -> str:
    return f"{v:.0f}"


def nice_length(target: float) -> float:
    """A round length (1, 2 or 5 x 10^k) not above ``target``."""
    if target <= 0:
        return 1.0
    k = 10 ** np.floor(np.log10(target))
    for m in (5, 2, 1):
        if m * k <= target:
            return float(m * k)
    return float(k)


def svg_map(run: RunData, ev: Evaluation, geo: MapGeometry, labels: Labels) -> str:
    """The <svg id="map"> element."""
    L = labels
    services = list(run.services)
    svc_colours = service_colours(services)
    n = len(services)
    xmin, ymin, xmax, ymax = geo.bounds
    width, height = xmax - xmin, ymax - ymin

    def to_svg(x, y):
        return np.asarray(x, dtype=float) - xmin, ymax - np.asarray(y, dtype=float)

    streets = list(geo.street_areas)
    sidx = {st: k for k, st in enumerate(streets)}
    colours = ramp(n)
    u0 = width / SCREEN_WIDTH_PX
    out: list[str] = []
    out.append(
        f'<svg id="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_fmt(width)} {_fmt(height)}" '
        f'data-full="0 0 {_fmt(width)} {_fmt(height)}" role="img" aria-label="{escape(L("layers"))}" '
        f'style="--u:{u0:.3f}" data-sel="">')
    hatch = geo.cells.reach * 0.25
    out.append(f'<defs><pattern id="hatch" patternUnits="userSpaceOnUse" width="{hatch:.0f}" height="{hatch:.0f}" '
               f'patternTransform="rotate(45)"><rect width="{hatch:.0f}" height="{hatch:.0f}" fill="{UNCOVERED}" '
               f'fill-opacity="0.10"/><line x1="0" y1="0" x2="0" y2="{hatch:.0f}" stroke="{UNCOVERED}" '
               f'stroke-width="{hatch * 0.25:.0f}" stroke-opacity="0.45"/></pattern></defs>')
    out.append(f'<rect class="sea" x="0" y="0" width="{_fmt(width)}" height="{_fmt(height)}"/>')

    # street and community areas
    out.append('<g id="lyr-areas">')
    for st, geom in geo.street_areas.items():
        out.append(f'<path class="street-area s{sidx[st]}" data-street="{escape(st)}" '
                   f'fill="{STREET_TINTS[sidx[st] % len(STREET_TINTS)]}" '
                   f'd="{svg_path(geom, to_svg)}"><title>{escape(st)}</title></path>')
    for (st, cm), geom in geo.community_areas.items():
        out.append(f'<path class="community-area" d="{svg_path(geom, to_svg)}"><title>{escape(st)} · '
                   f'{escape(cm)}</title></path>')
    out.append("</g>")

    # the walking network, thin, under everything but the areas
    if geo.roads is not None and len(geo.roads):
        x0, y0 = to_svg(geo.roads[:, 0], geo.roads[:, 1])
        x1, y1 = to_svg(geo.roads[:, 2], geo.roads[:, 3])
        d = "".join(f"M{a:.0f} {b:.0f}L{c:.0f} {e:.0f}" for a, b, c, e in zip(x0, y0, x1, y1))
        out.append(f'<g id="lyr-roads"><path class="roads" d="{d}" fill="none" stroke="{ROAD_COLOUR}" '
                   f'stroke-width="{max(width / 1200.0, 1.0):.1f}" stroke-opacity="0.8"/></g>')

    # uncovered areas: one path per state (before/after) and mode (any service / each service)
    hh = run.households
    out.append('<g id="lyr-uncovered">')
    for state in ("after", "before"):
        bits = np.column_stack([hh[f"{state}_{s}"].to_numpy(int) > 0 for s in services]) if n else \
            np.ones((len(hh), 0), dtype=bool)
        masks: dict[str, np.ndarray] = {"count": np.asarray(~bits.all(axis=1)) if n else np.zeros(len(hh), dtype=bool)}
        masks.update({s: ~bits[:, k] for k, s in enumerate(services)})
        for mode, mask in masks.items():
            d = svg_path(geo.cells.merge(mask), to_svg)
            if d:
                shown = "" if (state == "after" and mode == "count") else ' style="display:none"'
                out.append(f'<path class="uncov" data-state="{state}" data-mode="{escape(mode)}"{shown} d="{d}"/>')
    out.append("</g>")

    # residential buildings
    h = hh["households"].to_numpy(float)
    hmax = max(float(h.max()), 1.0) if len(h) else 1.0
    radius = geo.cells.reach * (0.12 + 0.26 * np.sqrt(np.clip(h, 0, None) / hmax))
    cx, cy = to_svg(geo.hx, geo.hy)
    after_bits = ["".join("1" if v > 0 else "0" for v in row)
                  for row in hh[[f"after_{s}" for s in services]].to_numpy(int)] if n else [""] * len(hh)
    before_bits = ["".join("1" if v > 0 else "0" for v in row)
                   for row in hh[[f"before_{s}" for s in services]].to_numpy(int)] if n else [""] * len(hh)
    out.append('<g id="lyr-households">')
    for k, row in enumerate(hh.itertuples(index=False)):
        a = after_bits[k]
        missing = [services[j] for j, c in enumerate(a) if c == "0"]
        tip = L("tooltip_building", id=row.id, community=row.community, h=f"{int(row.households):,}")
        tip += "\n" + (L("tooltip_missing", list=L("list_sep").join(L.service(s) for s in missing))
                       if missing else L("tooltip_all"))
        out.append(f'<circle class="h s{sidx[str(row.street)]}" cx="{cx[k]:.0f}" cy="{cy[k]:.0f}" '
                   f'r="{radius[k]:.0f}" fill="{colours[a.count("1")]}" data-a="{a}" data-b="{before_bits[k]}">'
                   f'<title>{escape(tip)}</title></circle>')
    out.append("</g>")

    # candidate spaces not chosen
    sites = run.sites
    px, py = to_svg(geo.sx, geo.sy)
    out.append('<g id="lyr-candidates" style="display:none">')
    for k, row in enumerate(sites.itertuples(index=False)):
        if int(row.chosen):
            continue
        tip = f"{row.id} {row.name}\n{L.space_type(row.space_type)}"
        out.append(f'<g class="cand" transform="translate({px[k]:.0f} {py[k]:.0f})"><rect class="sym" x="-3" '
                   f'y="-3" width="6" height="6"/><title>{escape(tip)}</title></g>')
    out.append("</g>")

    # existing facilities
    ex = run.existing
    qx, qy = to_svg(geo.ex, geo.ey)
    out.append('<g id="lyr-existing">')
    for k, row in enumerate(ex.itertuples(index=False)):
        tip = f"{row.name or row.id}\n{L('layer_existing')}: {L.service(row.service)}"
        fill = service_colour(svc_colours, row.service)
        out.append(f'<g class="ex" data-svc="{escape(str(row.service))}" transform="translate({qx[k]:.0f} '
                   f'{qy[k]:.0f})"><path class="sym" d="M0-4.5L4.5 0L0 4.5L-4.5 0Z" fill="{fill}"/>'
                   f'<title>{escape(tip)}</title></g>')
    out.append("</g>")

    # label placement at the full view, in screen pixels (symbols keep their pixel size: .sym scales by
    # --u): badges sit on their spaces; street names move off badges; service marks go to the first side
    # (right, left, above, below) that overlaps no badge, name or other marks
    chosen = sites[sites["chosen"].astype(int) == 1].copy()
    pos = {sid: k for k, sid in enumerate(sites["id"])}
    placed: list[tuple[float, float, float, float]] = []

    def clear(b: tuple[float, float, float, float]) -> bool:
        return all(b[2] <= q[0] or b[0] >= q[2] or b[3] <= q[1] or b[1] >= q[3] for q in placed)

    if len(chosen):
        chosen["rank_i"] = chosen["rank"].astype(float).astype(int)
        for row in chosen.itertuples(index=False):
            bx, by = px[pos[row.id]] / u0, py[pos[row.id]] / u0
            placed.append((bx - 11, by - 11, bx + 11, by + 11))

    # street names
    out.append('<g id="lyr-names">')
    for st, geom in geo.street_areas.items():
        p = label_point(geom)
        if p is None:
            continue
        lx, ly = to_svg([p[0]], [p[1]])
        w = _text_px(st, 16.0)
        for dx, dy in ((0, 0), (0, -20), (0, 20), (w / 2 + 14, 0), (-w / 2 - 14, 0), (0, -38), (0, 38)):
            cx_, cy_ = lx[0] / u0 + dx, ly[0] / u0 + dy
            box = (cx_ - w / 2, cy_ - 13, cx_ + w / 2, cy_ + 5)
            if clear(box):
                break
        placed.append(box)
        out.append(f'<g class="name" transform="translate({cx_ * u0:.0f} {cy_ * u0:.0f})"><text class="sym">'
                   f'{escape(st)}</text></g>')
    out.append("</g>")

    # chosen spaces, in reverse rank so that rank 1 is drawn on top
    out.append('<g id="lyr-chosen">')
    mark_at: dict[str, tuple[float, float, str]] = {}
    if len(chosen):
        for row in chosen.sort_values("rank_i").itertuples(index=False):  # rank 1 chooses first
            svc = [s for s in str(row.services).split(";") if s]
            w = _text_px("".join(L.abbr(s) for s in svc), 13.0)
            bx, by = px[pos[row.id]] / u0, py[pos[row.id]] / u0
            options = [(12.0, 4.0, "start", (bx + 12, by - 8, bx + 12 + w, by + 6)),
                       (-12.0, 4.0, "end", (bx - 12 - w, by - 8, bx - 12, by + 6)),
                       (0.0, -13.0, "middle", (bx - w / 2, by - 25, bx + w / 2, by - 11)),
                       (0.0, 24.0, "middle", (bx - w / 2, by + 12, bx + w / 2, by + 26))]
            x, y, anchor, box = next((o for o in options if clear(o[3])), options[0])
            placed.append(box)
            mark_at[str(row.id)] = (x, y, anchor)
        ranked = run.ranked.set_index("id") if len(run.ranked) else None
        for row in chosen.sort_values("rank_i", ascending=False).itertuples(index=False):
            k = pos[row.id]
            svc = [s for s in str(row.services).split(";") if s]
            marks = "".join(f'<tspan fill="{svc_colours[s] if s in services else "#333"}">'
                            f'{escape(L.abbr(s))}</tspan>' for s in svc)
            cost = float(ranked.loc[row.id, "cost"]) if ranked is not None and row.id in ranked.index else None
            tip = (f"#{row.rank_i} {row.name}\n{L.space_type(row.space_type)} · {escape(str(row.street))}\n"
                   f"{L.service_list(row.services)}\n{L.column('cost')}: {L.yuan(cost)}")
            mx, my, anchor = mark_at[str(row.id)]
            out.append(f'<g class="site" data-id="{escape(str(row.id))}" data-street="{escape(str(row.street))}" '
                       f'data-svc="{escape(";".join(svc))}" '
                       f'transform="translate({px[k]:.0f} {py[k]:.0f})"><g class="sym">'
                       f'<circle r="9"/><text class="rk" y="3.5">{row.rank_i}</text>'
                       f'<text class="mk" x="{mx:g}" y="{my:g}" text-anchor="{anchor}">{marks}</text></g>'
                       f'<title>{escape(tip)}</title></g>')
    out.append("</g>")

    # scale bar and north arrow (repositioned by the script when zooming)
    length = nice_length(width / 5)
    out.append(f'<g id="scalebar" transform="translate({width * 0.03:.0f} {height * 0.96:.0f})" '
               f'data-m="{length:g}"><g class="sym"><rect x="0" y="-6" width="{length / u0:.0f}" height="6"/>'
               f'<text x="0" y="-10">{escape(L("scale", m=f"{length:g}"))}</text></g></g>')
    out.append(f'<g id="north" transform="translate({width * 0.97:.0f} {height * 0.05:.0f})"><g class="sym">'
               f'<path d="M0-14L6 6L0 2L-6 6Z"/><text y="20">{escape(L("north"))}</text></g></g>')
    out.append("</svg>")
    return "".join(out)


def _text_px(text: str, size: float) -> float:
    """Approximate width in pixels of bold ``text`` at ``size`` px (CJK characters are square)."""
    return sum(size if ord(ch) > 0x2E80 else 0.62 * size for ch in text)


def street_css(streets: list[str]) -> str:
    """CSS dimming every street but the selected one (the script sets data-sel on the map)."""
    rules = []
    for k, _ in enumerate(streets):
        rules.append(f'#map[data-sel="{k}"] .h:not(.s{k}){{opacity:.18}}'
                     f'#map[data-sel="{k}"] .street-area.s{k}{{stroke-width:3px;fill:#fffbe6}}')
    return "".join(rules)


def street_boxes(geo: MapGeometry) -> dict[str, str]:
    """viewBox of each street's area (with a margin), in SVG units."""
    xmin, ymin, xmax, ymax = geo.bounds
    aspect = (xmax - xmin) / (ymax - ymin)
    out = {}
    for st, geom in geo.street_areas.items():
        if geom.is_empty:
            continue
        a, b, c, d = geom.bounds
        m = max(c - a, d - b) * 0.08 + geo.cells.reach
        x0, x1 = a - m - xmin, c + m - xmin
        y0, y1 = ymax - (d + m), ymax - (b - m)
        w, h = x1 - x0, y1 - y0
        if w / h < aspect:  # widen or heighten to the map's own shape, around the same centre
            x0, w = x0 - (h * aspect - w) / 2, h * aspect
        else:
            y0, h = y0 - (w / aspect - h) / 2, w / aspect
        out[st] = f"{x0:.0f} {y0:.0f} {w:.0f} {h:.0f}"
    return out
