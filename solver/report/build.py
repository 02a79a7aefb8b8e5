"""Writing every report of a run folder, atomically.

``write_report(run_dir)`` reads the run folder, evaluates streets and
communities and writes, into ``<run_dir>/report/`` (or ``out_dir``):

* ``report.html``: the self-contained interactive report;
* ``ranked_sites.xlsx``: the ranked lists (district, evaluation, one sheet per street);
* ``evaluation.csv``: the evaluation with machine-readable keys (English);
* ``maps/overview.png``, ``maps/service_<key>.png``, ``maps/street_<n>_<name>.png``.

Everything is written into a temporary folder beside the target and moved into
place only when complete; an earlier report folder is replaced whole. Nothing
is timestamped inside the files, so the same run folder gives the same bytes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, Problem
from ..folders import out_dir_problem, staged_folder
from .evaluation import Evaluation, evaluate, evaluation_frame
from .labels import Labels
from .rundata import read_run

REPORT_MARKER = "report.html"


@dataclass(frozen=True, kw_only=True)
class ReportFiles:
    """What ``write_report`` wrote, and what the caller should know."""

    folder: Path
    html: Path
    workbook: Path
    evaluation_csv: Path
    maps: list[Path]
    evaluation: Evaluation
    timings_s: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def all(self) -> list[Path]:
        return [self.html, self.workbook, self.evaluation_csv, *self.maps]


def default_report_dir(run_dir: Path) -> Path:
    return Path(run_dir) / "report"


def report_dir_problem(out_dir: Path, run_dir: Path) -> str | None:
    """Why ``out_dir`` may not be (re)written as a report folder, or None: it is replaced whole,
    so it must not be a file nor hold (or be) the run folder, and a non-empty folder must be an
    earlier report folder (it has report.html)."""
    return out_dir_problem(out_dir, inputs=[(run_dir, "the run folder itself")], marker=REPORT_MARKER,
                           kind="an earlier report folder")


def write_report(run_dir: str | Path, *, out_dir: str | Path | None = None, lang: str = "en",
                 maps: bool = True) -> ReportFiles:
    """Read ``run_dir`` and write every report file; InputError when it is not a usable run folder."""
    from .excel import write_workbook
    from .html import render_html
    from .svgmap import map_geometry

    run_dir = Path(run_dir)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    run = read_run(run_dir)
    out = Path(out_dir) if out_dir is not None else default_report_dir(run_dir)
    why = report_dir_problem(out, run_dir)
    if why:
        raise InputError([Problem(file=str(out), rule=f"report folder {why}", show_value=False)])
    labels = Labels(lang, run.services)
    ev = evaluate(run.households, services=tuple(run.services), rules=run.grades, ranked=run.ranked)
    geo = map_geometry(run)
    timings["read_and_evaluate"] = time.perf_counter() - t
    warnings: list[str] = []

    with staged_folder(out) as tmp:
        t = time.perf_counter()
        (tmp / "report.html").write_text(render_html(run, ev, geo, labels), encoding="utf-8", newline="\n")
        timings["html"] = time.perf_counter() - t
        t = time.perf_counter()
        write_workbook(run, ev, labels, tmp / "ranked_sites.xlsx")
        timings["xlsx"] = time.perf_counter() - t
        evaluation_frame(ev).to_csv(tmp / "evaluation.csv", index=False, encoding="utf-8", lineterminator="\n")
        map_names: list[str] = []
        if maps:
            from .maps import cjk_font, draw_maps

            t = time.perf_counter()
            (tmp / "maps").mkdir()
            files = draw_maps(run, ev, geo, labels, tmp / "maps")
            map_names = [str(p.relative_to(tmp)) for p in files.all()]
            timings["png_maps"] = time.perf_counter() - t
            if cjk_font() is None:
                warnings.append("no Chinese (CJK) font found: Chinese text in the PNG maps shows as boxes; "
                                "install one, e.g. `apt-get install fonts-noto-cjk`")
    return ReportFiles(folder=out, html=out / "report.html", workbook=out / "ranked_sites.xlsx",
                       evaluation_csv=out / "evaluation.csv", maps=[out / n for n in map_names], evaluation=ev,
                       timings_s=timings, warnings=warnings)
