"""Static PNG maps for documents (matplotlib, Agg; no pyplot state, no basemap).

* ``overview.png``: the district, buildings coloured by the number of services
  within walking time after the plan, uncovered areas, existing facilities and
  the spaces to convert;
* ``service_<key>.png`` per service: covered by an existing facility / newly
  covered by the plan / not covered, with that service's facilities and spaces;
* ``street_<n>_<name>.png`` per street (n = the street's rank in the district):
  the street zoomed, its communities, its spaces with rank and services.

Chinese text needs a CJK font: :func:`cjk_font` (solver/fonts.py) finds one (Noto Sans CJK,
Source Han Sans, WenQuanYi, ...) and registers it with matplotlib; without one
the maps are still drawn and :func:`cjk_font` returns None so the caller can
warn that Chinese characters will show as boxes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from ..fonts import cjk_font
from ..paths import safe_file_name, unique_file_names
from .evaluation import AreaEvaluation, Evaluation
from .labels import Labels
from .rundata import RunData
from .svgmap import (
    COVERED_NEW,
    COVERED_OLD,
    ROAD_COLOUR,
    STREET_TINTS,
    UNCOVERED,
    MapGeometry,
    nice_length,
    ramp,
    service_colour,
    service_colours,
)

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

DPI = 150


@dataclass(frozen=True, kw_only=True)
class MapFiles:
    overview: Path
    services: dict[str, Path]
    streets: dict[str, Path]

    def all(self) -> list[Path]:
        return [self.overview, *self.services.values(), *self.streets.values()]


def _safe(text: str) -> str:
    return safe_file_name(text, fallback="x")


def street_file_name(rank: int, street: str, name: str | None = None) -> str:
    """``street_<rank>_<street>.png``; ``name``: the street's unique file name (solver/paths.py)."""
    return f"street_{rank:02d}_{name if name is not None else _safe(street)}.png"


class _Painter:
    """Draws the shared layers of one map on a matplotlib Axes."""

    def __init__(self, run: RunData, geo: MapGeometry, labels: Labels):
        self.run, self.geo, self.L = run, geo, labels
        self.services = list(run.services)
        self.colours = service_colours(self.services)
        self.unit = geo.cells.reach

    def figure(self, box: tuple[float, float, float, float], *, legend_rows: int):
        """A figure sized to the map: title band, map, scale band, legend rows (all in inches)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        x0, y0, x1, y1 = box
        aspect = (y1 - y0) / max(x1 - x0, 1.0)
        width, margin = 10.0, 0.2
        map_w = width - 2 * margin
        map_h = map_w * aspect
        if map_h > 10.5:
            map_h = 10.5
            map_w = map_h / aspect
        top, band, legend_h = 0.85, 0.4, 0.2 * legend_rows + 0.15
        height = top + map_h + band + legend_h
        fig = Figure(figsize=(width, height), dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_axes(((width - map_w) / 2 / width, (legend_h + band) / height, map_w / width, map_h / height))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal", adjustable="box")
        ax.set_axis_off()
        self.layout = {"height": height, "legend_h": legend_h, "band": band, "top": top}
        self.boxes: list[tuple[float, float, float, float]] = []  # display boxes of the labels placed
        return fig, ax

    def patch(self, ax, geom, **kw) -> None:
        from matplotlib.patches import PathPatch
        from matplotlib.path import Path as MPath

        if geom is None or geom.is_empty:
            return
        verts, codes = [], []
        for poly in shapely.get_parts(geom):
            if poly.geom_type != "Polygon":
                continue
            for ring in (poly.exterior, *poly.interiors):
                xy = np.asarray(ring.coords)
                if len(xy) < 4:
                    continue
                verts.extend(xy.tolist())
                codes.extend([MPath.MOVETO] + [MPath.LINETO] * (len(xy) - 2) + [MPath.CLOSEPOLY])
        if verts:
            ax.add_patch(PathPatch(MPath(verts, codes), **kw))

    def areas(self, ax, *, communities: bool = False) -> None:
        for k, geom in enumerate(self.geo.street_areas.values()):
            self.patch(ax, geom, facecolor=STREET_TINTS[k % len(STREET_TINTS)], edgecolor="#3b4048", linewidth=1.2,
                       zorder=1)
        if communities:
            for geom in self.geo.community_areas.values():
                self.patch(ax, geom, facecolor="none", edgecolor="#8a8a8a", linewidth=0.6, linestyle=(0, (4, 3)),
                           zorder=2)

    def roads(self, ax) -> None:
        """The walking network, thin grey lines over the street fills and under everything else."""
        from matplotlib.collections import LineCollection

        roads = self.geo.roads
        if roads is None or not len(roads):
            return
        segs = list(roads.reshape(-1, 2, 2))
        ax.add_collection(LineCollection(segs, colors=ROAD_COLOUR, linewidths=0.55, alpha=0.9, zorder=1.5))

    def uncovered(self, ax, mask: np.ndarray) -> None:
        self.patch(ax, self.geo.cells.merge(mask), facecolor=(0.70, 0.09, 0.17, 0.08), edgecolor=UNCOVERED,
                   hatch="////", linewidth=0.6, linestyle=(0, (3, 2)), zorder=3)

    def buildings(self, ax, colours: list[str], *, alpha: np.ndarray | None = None) -> None:
        h = self.run.households["households"].to_numpy(float)
        hmax = max(float(h.max()), 1.0) if len(h) else 1.0
        # marker area in points^2 from a radius in metres (the axes scale)
        r_m = self.unit * (0.12 + 0.26 * np.sqrt(np.clip(h, 0, None) / hmax))
        pts_per_m = self._points_per_metre(ax)
        sizes = (r_m * pts_per_m) ** 2 * np.pi
        rgba = _rgba(colours)
        if alpha is not None:
            rgba[:, 3] = alpha
        ax.scatter(self.geo.hx, self.geo.hy, s=sizes, c=rgba, edgecolors=(0.2, 0.2, 0.2, 0.6), linewidths=0.3,
                   zorder=4)

    def _points_per_metre(self, ax) -> float:
        fig = ax.figure
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        bbox = ax.get_position()
        w_in = bbox.width * fig.get_figwidth()
        h_in = bbox.height * fig.get_figheight()
        return min(w_in / (x1 - x0), h_in / (y1 - y0)) * 72.0

    def existing(self, ax, *, only: str | None = None) -> None:
        ex = self.run.existing
        if not len(ex):
            return
        keys = ex["service"].astype(str).to_numpy()
        for s in self.services:
            m = keys == s
            if only is not None and s != only or not m.any():
                continue
            ax.scatter(self.geo.ex[m], self.geo.ey[m], s=22, marker="D", c=self.colours[s], edgecolors="#222",
                       linewidths=0.5, zorder=6)

    def sites(self, ax, *, only_service: str | None = None, only_street: str | None = None,
              big: bool = False) -> None:
        """The spaces to convert: a numbered circle on the space, its service marks beside it, on the
        first side (right, left, above, below) where they overlap no other label (:meth:`_clear`)."""
        from matplotlib import patheffects

        sites = self.run.sites
        chosen = np.flatnonzero(sites["chosen"].astype(int).to_numpy() == 1)
        halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
        renderer = ax.figure.canvas.get_renderer()
        rows = []
        for i in sorted(chosen, key=lambda i: float(sites["rank"].iloc[i])):
            row = sites.iloc[i]
            svc = [s for s in str(row["services"]).split(";") if s]
            if only_service is not None and only_service not in svc:
                continue
            if only_street is not None and str(row["street"]) != only_street:
                continue
            rows.append((i, row, svc))
        size = 170 if big else 120
        r_pt = float(np.sqrt(size / np.pi)) + 1.0
        for i, row, _svc in rows:  # badges first: every badge sits on its space
            x, y = self.geo.sx[i], self.geo.sy[i]
            ax.scatter([x], [y], s=size, c="white", edgecolors="#111", linewidths=1.6, zorder=7)
            ax.text(x, y, str(int(float(row["rank"]))), ha="center", va="center", fontsize=6.5 if not big else 7.5,
                    fontweight="bold", zorder=8)
            cx, cy = ax.transData.transform((x, y))
            r_px = r_pt * ax.figure.dpi / 72.0
            self.boxes.append((cx - r_px, cy - r_px, cx + r_px, cy + r_px))
        fs = 8 if not big else 9.5
        gap = r_pt + 2.0
        for i, _row, svc in rows:  # then the marks, rank 1 first
            x, y = self.geo.sx[i], self.geo.sy[i]
            text = " ".join(self.L.abbr(s) for s in svc)
            for dx, dy, ha, va in ((gap, 0, "left", "center"), (-gap, 0, "right", "center"),
                                   (0, gap, "center", "bottom"), (0, -gap, "center", "top"),
                                   (gap, gap, "left", "bottom"), (-gap, -gap, "right", "top")):
                probe = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                                    fontsize=fs, fontweight="bold")
                bb = probe.get_window_extent(renderer)
                probe.remove()
                box = (bb.x0, bb.y0, bb.x1, bb.y1)
                if self._clear(box):
                    break
            self.boxes.append(box)
            # the marks in their services' colours, one after another from the box's left edge
            inv = ax.transData.inverted()
            left = bb.x0
            for k, s in enumerate(svc):
                part = self.L.abbr(s) + (" " if k < len(svc) - 1 else "")
                ax.annotate(part, inv.transform((left, (bb.y0 + bb.y1) / 2)), ha="left", va="center", fontsize=fs,
                            fontweight="bold", color=service_colour(self.colours, s), zorder=8, path_effects=halo)
                probe = ax.annotate(part, (0, 0), fontsize=fs, fontweight="bold")
                left += probe.get_window_extent(renderer).width
                probe.remove()

    def _clear(self, box: tuple[float, float, float, float]) -> bool:
        x0, y0, x1, y1 = box
        return all(x1 <= b[0] or x0 >= b[2] or y1 <= b[1] or y0 >= b[3] for b in self.boxes)

    def names(self, ax, items: list[tuple[str, tuple[float, float] | None]], *, size: float = 10.0) -> None:
        """Street (or community) names at their area's label point, moved off the spaces' labels."""
        from matplotlib import patheffects

        halo = [patheffects.withStroke(linewidth=3, foreground="white")]
        renderer = ax.figure.canvas.get_renderer()
        for text, p in items:
            if p is None:
                continue
            for dx, dy in ((0, 0), (0, 14), (0, -14), (28, 0), (-28, 0), (0, 26), (0, -26), (40, 14), (-40, -14)):
                art = ax.annotate(text, p, xytext=(dx, dy), textcoords="offset points", ha="center", va="center",
                                  fontsize=size, fontweight="bold", color="#2b2f36", zorder=6.5, path_effects=halo,
                                  annotation_clip=True)
                bb = art.get_window_extent(renderer)
                box = (bb.x0, bb.y0, bb.x1, bb.y1)
                if self._clear(box) or (dx, dy) == (-40, -14):
                    self.boxes.append(box)
                    break
                art.remove()

    def furniture(self, fig, ax, title: str, subtitle: str) -> None:
        """Title and subtitle above the map; scale bar and north arrow in the band below it."""
        h = self.layout["height"]
        fig.text(0.02, 1 - 0.18 / h, title, fontsize=14, fontweight="bold", va="top")
        if subtitle:
            fig.text(0.02, 1 - 0.55 / h, subtitle, fontsize=9.5, color="#444", va="top")
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        length = nice_length((x1 - x0) / 5)
        pos = ax.get_position()
        y_band = (self.layout["legend_h"] + self.layout["band"] * 0.45) / h
        frac = length / (x1 - x0) * pos.width
        fig.add_artist(_line(fig, [pos.x0, pos.x0 + frac], [y_band, y_band]))
        fig.text(pos.x0 + frac + 0.01, y_band, self.L("scale", m=f"{length:g}"), fontsize=8, va="center")
        fig.text(pos.x1, y_band, "▲ " + self.L("north"), fontsize=9, va="center", ha="right")

    def legend(self, fig, entries: list[tuple[str, dict[str, Any]]], *, ncol: int = 3) -> None:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        handles: list[Any] = []
        for text, spec in entries:
            if spec.get("kind") == "line":
                handles.append(Line2D([], [], color=spec["color"], linewidth=1.5, label=text))
            elif spec.get("kind") == "patch":
                handles.append(Patch(facecolor=spec["facecolor"], edgecolor=spec.get("edgecolor", "#555"),
                                     hatch=spec.get("hatch"), label=text))
            else:
                handles.append(Line2D([], [], linestyle="none", marker=spec.get("marker", "o"),
                                      markersize=spec.get("size", 8), markerfacecolor=spec["color"],
                                      markeredgecolor=spec.get("edge", "#333"), label=text))
        fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.02, 0.04 / self.layout["height"]),
                   ncol=ncol, fontsize=8, borderaxespad=0, labelspacing=0.45,
                   frameon=False, handletextpad=0.4, columnspacing=1.4)

    def rows(self, n_entries: int, ncol: int = 3) -> int:
        return -(-n_entries // ncol)


def _line(fig, xs, ys):
    from matplotlib.lines import Line2D

    return Line2D(xs, ys, transform=fig.transFigure, color="#222", linewidth=3, solid_capstyle="butt")


def _rgba(colours: list[str]) -> np.ndarray:
    from matplotlib.colors import to_rgba_array

    return np.array(to_rgba_array(colours)) if colours else np.zeros((0, 4))


def _bits(run: RunData, state: str) -> np.ndarray:
    hh = run.households
    if not run.services:
        return np.ones((len(hh), 0), dtype=bool)
    return np.column_stack([hh[f"{state}_{s}"].to_numpy(int) > 0 for s in run.services])


def _full_box(geo: MapGeometry) -> tuple[float, float, float, float]:
    return geo.bounds


def _street_box(geo: MapGeometry, street: str) -> tuple[float, float, float, float]:
    a, b, c, d = geo.street_areas[street].bounds
    m = max(c - a, d - b) * 0.06 + geo.cells.reach
    return a - m, b - m, c + m, d + m


MARKS_WIDTH = 70  # display width of one legend line of service marks (a CJK character counts 2)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _marks_entries(p: _Painter) -> list[str]:
    """The service marks ("V vegetable retail  B breakfast point ..."), in lines that fit a legend column."""
    lines: list[str] = []
    for s in p.services:
        item = f"{p.L.abbr(s)} {p.L.service(s)}"
        if lines and _width(lines[-1]) + 2 + _width(item) <= MARKS_WIDTH:
            lines[-1] += "  " + item
        else:
            lines.append(item)
    return lines


def draw_maps(run: RunData, ev: Evaluation, geo: MapGeometry, labels: Labels, out_dir: Path) -> MapFiles:
    """Write every PNG map into ``out_dir`` (which exists)."""
    import matplotlib

    family = cjk_font()
    rc: dict[RcKeyType, Any] = {"font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
                                "hatch.linewidth": 0.6, "svg.hashsalt": "siting", "axes.unicode_minus": False}
    L = labels
    p = _Painter(run, geo, L)
    n = len(p.services)
    after, before = _bits(run, "after"), _bits(run, "before")
    count_colours = ramp(n)
    streets_hh = run.households["street"].astype(str).to_numpy()
    name_points = [(st, _label_point(geom)) for st, geom in geo.street_areas.items()]
    common_symbols: list[tuple[str, dict[str, Any]]] = [
        (L("legend_uncovered_area"), {"kind": "patch", "facecolor": (0.70, 0.09, 0.17, 0.08), "edgecolor": UNCOVERED,
                                      "hatch": "////"}),
        (L("legend_chosen"), {"color": "white", "edge": "#111", "size": 10}),
    ]
    # existing facilities: one diamond per service in its colour (the colour key)
    common_symbols += [(f'{L("layer_existing")}: {L.service(s)}', {"color": service_colour(p.colours, s),
                                                                   "marker": "D", "size": 6})
                       for s in p.services if (run.existing["service"].astype(str) == s).any()]
    if geo.roads is not None and len(geo.roads):
        common_symbols.append((L("legend_roads"), {"kind": "line", "color": ROAD_COLOUR}))
    common_symbols += [(line, {"color": "white", "edge": "white", "size": 1}) for line in _marks_entries(p)]
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        files_services: dict[str, Path] = {}
        files_streets: dict[str, Path] = {}

        # overview
        overview_legend = [(L("legend_services_reached", n=k, total=n), {"color": count_colours[k]})
                           for k in range(n, -1, -1)] + common_symbols
        fig, ax = p.figure(_full_box(geo), legend_rows=p.rows(len(overview_legend)))
        p.areas(ax)
        p.roads(ax)
        p.uncovered(ax, np.asarray(~after.all(axis=1)) if n else np.zeros(len(after), dtype=bool))
        p.buildings(ax, [count_colours[k] for k in after.sum(axis=1)])
        p.existing(ax)
        p.sites(ax)
        p.names(ax, name_points)
        d = ev.district
        p.furniture(fig, ax, L("map_title_overview", name=run.title(L.lang)[0]),
                    _subtitle(L, d, run))
        p.legend(fig, overview_legend)
        overview = out_dir / "overview.png"
        _save(fig, overview)

        # per service
        for k, s in enumerate(p.services):
            colours = np.where(after[:, k], np.where(before[:, k], COVERED_OLD, COVERED_NEW), UNCOVERED).tolist()
            fig, ax = p.figure(_full_box(geo), legend_rows=2)
            p.areas(ax)
            p.roads(ax)
            p.uncovered(ax, ~after[:, k])
            p.buildings(ax, colours)
            p.existing(ax, only=s)
            p.sites(ax, only_service=s)
            p.names(ax, name_points)
            info = run.services[s]
            sub = (f"{L('before')} {L.pct(d.pct_before(s))} → {L('after')} {L.pct(d.pct_after(s))}"
                   f"  ·  {L.column('households')} {L.int(d.covered_before[s])} → {L.int(d.covered_after[s])}"
                   f" / {L.int(d.households)}")
            p.furniture(fig, ax, L("map_title_service", name=run.title(L.lang)[0], service=L.service(s),
                                   minutes=f"{info.threshold_min:g}"), sub)
            p.legend(fig, [(L("legend_covered_existing"), {"color": COVERED_OLD}),
                           (L("legend_covered_new"), {"color": COVERED_NEW}),
                           (L("legend_uncovered"), {"color": UNCOVERED}),
                           (L("legend_uncovered_area"), common_symbols[0][1]),
                           (L("legend_chosen"), common_symbols[1][1]),
                           (f'{L("layer_existing")}: {L.service(s)}', {"color": p.colours[s], "marker": "D",
                                                                      "size": 6})])
            path = out_dir / f"service_{unique_file_names(run.services)[s]}.png"
            _save(fig, path)
            files_services[s] = path

        # per street
        street_names = unique_file_names(a.street for a in ev.streets)
        for a in ev.streets:
            st = a.street
            fig, ax = p.figure(_street_box(geo, st), legend_rows=p.rows(len(overview_legend)))
            p.areas(ax, communities=True)
            p.roads(ax)
            inside = streets_hh == st
            p.uncovered(ax, inside & (~after.all(axis=1) if n else np.zeros(len(after), dtype=bool)))
            p.buildings(ax, [count_colours[k] for k in after.sum(axis=1)], alpha=np.where(inside, 1.0, 0.2))
            p.existing(ax)
            p.sites(ax, only_street=st, big=True)
            comm = [(cm, _label_point(geom)) for (s2, cm), geom in geo.community_areas.items() if s2 == st]
            p.names(ax, comm, size=8.5)
            p.furniture(fig, ax, L("map_title_street", street=st), _subtitle(L, a, run))
            p.legend(fig, overview_legend)
            path = out_dir / street_file_name(a.rank or 0, st, street_names[st])
            _save(fig, path)
            files_streets[st] = path
    return MapFiles(overview=overview, services=files_services, streets=files_streets)


def _subtitle(L: Labels, a: AreaEvaluation, run: RunData) -> str:
    parts = [f"{L.column('households')} {L.int(a.households)}",
             f"{L('grade_now')}: {L.grade(a.grade_before)} → {L.grade(a.grade_after)}",
             f"{L('spaces_opened')} {a.sites}", f"{L('plan_cost')} {L.yuan(a.cost)}"]
    return "  ·  ".join(parts)


def _label_point(geom):
    from .geometry import label_point

    return label_point(geom)


def _save(fig, path: Path) -> None:
    """PNG with a 256-colour palette (a third of the RGB size, no visible loss on these flat maps)."""
    from PIL import Image

    fig.canvas.draw()
    w, h = fig.canvas.get_width_height()
    image = Image.frombuffer("RGBA", (w, h), fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    image = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    image.save(path, format="PNG", dpi=(DPI, DPI))
