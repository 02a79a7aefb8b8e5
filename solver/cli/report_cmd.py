"""`siting report`: street-office deliverables from a run folder (no re-solving)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer
from rich.table import Table

from .common import console, err_console, handled_errors, writing


class Lang(str, Enum):
    en = "en"
    zh = "zh"


def report(
    run: Path = typer.Argument(..., help="Run folder written by `siting solve` (e.g. out/demo)."),
    lang: Lang = typer.Option(Lang.en, "--lang", help="Language of headers, names and labels: en or zh."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Report folder \\[default: <run>/report]."),
    maps: bool = typer.Option(True, "--maps/--no-maps", help="Also draw the PNG maps (a few seconds)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the report folder."),
) -> None:
    """Write report.html (offline map + tables), ranked_sites.xlsx, evaluation.csv and PNG maps."""
    from ..report.build import default_report_dir, report_dir_problem, write_report

    target = out if out is not None else default_report_dir(run)
    if run.is_dir():  # a missing run folder is bad input (exit 1), reported by write_report
        why = report_dir_problem(target, run)
        if why:
            raise typer.BadParameter(f"{why}; got {target}", param_hint="--out" if out is not None else "RUN")
    with handled_errors():
        with writing(target, hint="--out", what="the report"):
            files = write_report(run, out_dir=out, lang=lang.value, maps=maps)
    for w in files.warnings:
        err_console.print(f"[yellow]warning:[/] {w}", markup=True)
    if quiet:
        console.print(str(files.folder))
        return
    ev = files.evaluation
    from ..report.labels import Labels

    labels = Labels(lang.value, {})
    table = Table(title="streets ranked (grade today -> after the plan)")
    for col in ("#", "street", "households", "grade", "avg coverage after", "spaces"):
        table.add_column(col, justify="left" if col in ("street", "grade") else "right")
    for a in ev.streets:
        table.add_row(str(a.rank), a.street, f"{a.households:,}",
                      f"{labels.grade(a.grade_before)} -> {labels.grade(a.grade_after)}",
                      labels.pct(a.avg_pct(after=True)), str(a.sites))
    console.print(table)
    total = sum(files.timings_s.values())
    console.print(f"report in {files.folder} ({total:.1f} s):")
    for p in files.all():
        console.print(f"  {p}")
