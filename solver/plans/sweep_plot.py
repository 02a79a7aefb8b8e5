"""sweep.png: coverage (%) against budget, per service and in total, at print size.

1,600 x 1,000 px (8 x 5 in at 200 dpi). Every text is placed without overlapping another text
or a plotted line: :func:`place` tries a few positions around its anchor and keeps the first
whose box is clear (boxes measured by the renderer, lines sampled in display space). Service
names are written at the right end of their line (no legend to cover the curves); the note
under the plot says that optimal plans of neighbouring budgets need not be nested. Labels come
from solver/inputs/labels.py in the chosen language (Chinese needs a CJK font: solver/fonts.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..fonts import cjk_font
from ..inputs.labels import sweep_label

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 5.0, 200
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#637939")


class Placer:
    """Keeps the display-space boxes of placed texts and sample points of the lines."""

    def __init__(self, fig, ax):
        self.fig, self.ax = fig, ax
        self.renderer = fig.canvas.get_renderer()
        self.boxes: list[Any] = []
        self.points = np.empty((0, 2))

    def add_line(self, x: Sequence[float], y: Sequence[float], samples: int = 40) -> None:
        pts = self.ax.transData.transform(np.column_stack([x, y]))
        if len(pts) == 1:
            self.points = np.vstack([self.points, pts])
            return
        t = np.linspace(0, 1, samples)[:, None]
        seg = [a + t * (b - a) for a, b in zip(pts[:-1], pts[1:])]
        self.points = np.vstack([self.points, *seg])

    def clear(self, box, pad: float = 2.0) -> bool:
        x0, y0, x1, y1 = box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad
        axbox = self.ax.get_window_extent(self.renderer)
        if x0 < axbox.x0 or x1 > axbox.x1 or y0 < axbox.y0 or y1 > axbox.y1:
            return False
        if any(not (x1 < b.x0 or x0 > b.x1 or y1 < b.y0 or y0 > b.y1) for b in self.boxes):
            return False
        p = self.points
        inside = (p[:, 0] >= x0) & (p[:, 0] <= x1) & (p[:, 1] >= y0) & (p[:, 1] <= y1)
        return not bool(inside.any())

    def place(self, text: str, xy: tuple[float, float], offsets: Sequence[tuple[float, float]], *,
              keep_anyway: bool = False, **kw) -> Any | None:
        """Write ``text`` at the first offset (points) from ``xy`` (data) whose box is clear; None
        (nothing written) if none is, unless ``keep_anyway`` (then at the first offset)."""
        for k, (dx, dy) in enumerate(offsets):
            art = self.ax.annotate(text, xy, xytext=(dx, dy), textcoords="offset points", **kw)
            box = art.get_window_extent(self.renderer)
            if self.clear(box) or (keep_anyway and k == len(offsets) - 1):
                self.boxes.append(box)
                return art
            art.remove()
        return None


def plot_curve(sw, path: Path, *, lang: str = "en") -> None:
    """Draw the sweep's coverage-vs-budget curve into ``path`` (PNG, deterministic bytes)."""
    def W(key: str, **values) -> str:  # noqa: N802 - the label lookup
        return sweep_label(key, lang, **values)

    rc: dict[RcKeyType, Any] = {}
    family = cjk_font() if lang == "zh" else None
    if family:
        rc = {"font.family": "sans-serif", "font.sans-serif": [family, "DejaVu Sans"]}
    import matplotlib

    with matplotlib.rc_context(rc):
        _draw(sw, path, W, lang)


def _service_name(sw, key: str, lang: str) -> str:
    svc = sw.scenario.services.get(key)
    if svc is None:
        return key
    return (svc.name_zh or key) if lang == "zh" else (svc.name_en or key)


def _draw(sw, path: Path, W, lang: str) -> None:
    from matplotlib.figure import Figure

    services = list(sw.full.coverage.services)
    t = sw.table[sw.table["status"].isin(["existing facilities only", "optimal", "feasible"])]
    t = t[t["level"] != "full_coverage"]
    x = t["budget_yuan"].to_numpy(dtype=float) / 1e6
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.085, 0.2, 0.70, 0.7))
    total = t["total_pct"].to_numpy(dtype=float)
    lines: list[tuple[str, np.ndarray, str]] = []
    for k, s in enumerate(services):
        y = t[f"{s}_pct"].to_numpy(dtype=float)
        colour = COLOURS[k % len(COLOURS)]
        ax.plot(x, y, ".--", lw=1.2, ms=5, color=colour)
        lines.append((_service_name(sw, s, lang), y, colour))
    ax.plot(x, total, "o-", color="black", lw=2.2, ms=6, zorder=3)
    lines.insert(0, (W("plot_all"), total, "black"))
    if sw.nested and "nested_total_pct" in t:
        ok = t["nested_total_pct"].notna().to_numpy()
        yn = t.loc[ok, "nested_total_pct"].to_numpy(dtype=float)
        ax.plot(x[ok], yn, "s:", color="#b2182b", lw=1.5, ms=4)
        lines.append((W("plot_nested"), np.where(ok, t["nested_total_pct"].to_numpy(dtype=float), np.nan), "#b2182b"))
    budget_full = sw.full.result.cost if sw.full.result.x is not None else None
    full_row = sw.table[sw.table["level"] == "full_coverage"]
    if budget_full is not None:
        ax.axvline(budget_full / 1e6, color="grey", ls=":", lw=1)
        if len(full_row):
            ax.plot([budget_full / 1e6], full_row["total_pct"], "*", color="black", ms=12)
    ys = np.concatenate([ln[1][~np.isnan(ln[1])] for ln in lines])
    lo, hi = float(np.nanmin(ys)), float(np.nanmax(ys))
    span = max(hi - lo, 5.0)
    ax.set_ylim(max(0.0, lo - 0.12 * span), min(100.0, hi + 0.12 * span) + 0.02 * span)
    xmax = max(float(x.max()) if len(x) else 0.0, (budget_full or 0) / 1e6)
    ax.set_xlim(-0.03 * max(xmax, 1e-9), xmax * 1.04 if xmax > 0 else 1.0)
    ax.set_xlabel(W("plot_x"))
    ax.set_ylabel(W("plot_y"))
    name = sw.scenario.title(lang)[0] if hasattr(sw.scenario, "title") else sw.scenario.name
    ax.set_title(W("plot_title", name=name), fontsize=11, loc="left")
    ax.grid(True, alpha=0.3)
    placer = Placer(fig, ax)
    for _, y, _ in lines:
        ok = ~np.isnan(y)
        placer.add_line(x[ok], y[ok])
    # total coverage at every level above the existing row: above the point, else below, else skipped
    offsets = [(0, 8), (0, -14), (14, 6), (-14, 6), (14, -12), (-14, -12), (0, 18), (0, -24), (22, 14),
               (-22, 14), (22, -20), (-22, -20), (0, 30), (0, -36), (30, 0), (-30, 0)]
    for xv, yv in zip(x[1:], total[1:]):
        placer.place(f"{yv:.1f}%", (xv, yv), offsets, ha="center", va="bottom", fontsize=7.5)
    # line names at their right ends, outside the axes (de-overlapped vertically)
    _end_labels(fig, ax, [(lbl, y[~np.isnan(y)][-1] if (~np.isnan(y)).any() else np.nan, c) for lbl, y, c in lines])
    if budget_full is not None:
        what = W("plot_full") if sw.full_reached else W("plot_stops")
        placer.place(W("plot_full_at", what=what, v=f"{budget_full / 1e6:,.2f}"), (budget_full / 1e6, ax.get_ylim()[0]),
                     [(-4, 4), (4, 4)], ha="right", va="bottom", rotation=90, fontsize=7.5, color="#555",
                     keep_anyway=True)
    fig.text(0.085, 0.035, W("not_nested_plot"), fontsize=7.5, color="#444", ha="left", va="bottom",
             wrap=True)
    fig.savefig(path, dpi=DPI, metadata={"Software": None})


def _end_labels(fig, ax, items: list[tuple[str, float, str]]) -> None:
    """Names at the right of the axes, at their lines' last values, pushed apart to not overlap."""
    renderer = fig.canvas.get_renderer()
    items = [it for it in items if not np.isnan(it[1])]
    if not items:
        return
    trans = ax.transData
    axbox = ax.get_window_extent(renderer)
    ys_disp = [trans.transform((0, v))[1] for _, v, _ in items]
    probe = fig.text(0, 0, "Hg", fontsize=8)
    h = probe.get_window_extent(renderer).height * 1.15
    probe.remove()
    order = np.argsort(ys_disp)
    placed: list[float] = []
    for i in order:  # bottom to top: each at least one line height above the one below
        y = max(ys_disp[i], placed[-1] + h) if placed else ys_disp[i]
        placed.append(y)
    # shift the whole column down if it runs above the axes top
    over = placed[-1] - axbox.y1
    if over > 0:
        placed = [p - over for p in placed]
    inv = fig.transFigure.inverted()
    x_fig = inv.transform((axbox.x1 + 6, 0))[0]
    for rank, i in enumerate(order):
        label, _, colour = items[i]
        y_fig = inv.transform((0, placed[rank]))[1]
        fig.text(x_fig, y_fig, label, fontsize=8, color=colour, ha="left", va="center",
                 fontweight="bold" if colour == "black" else "normal")


def sweep_csv_frame(table: pd.DataFrame, services: Sequence[str], names: dict[str, str], lang: str) -> pd.DataFrame:
    """sweep.csv in ``lang``: Chinese headers (service columns by the service's name) and status words;
    English keeps the column keys."""
    if lang != "zh":
        return table
    from ..inputs.labels import SWEEP_COLUMNS_ZH, sweep_label

    rename = {}
    for col in table.columns:
        if col in SWEEP_COLUMNS_ZH:
            rename[col] = SWEEP_COLUMNS_ZH[col]
            continue
        for s in services:
            for suffix in ("households", "pct"):
                if col == f"{s}_{suffix}":
                    rename[col] = SWEEP_COLUMNS_ZH["{service}_" + suffix].format(service=names.get(s, s))
    out = table.copy()
    if "status" in out:
        out["status"] = [sweep_label(str(v), "zh") for v in out["status"]]
    return out.rename(columns=rename)
