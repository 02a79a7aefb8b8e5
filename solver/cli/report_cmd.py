"""`siting report`: street-office deliverables from a run folder (no re-solving)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import console, err_console, handled_errors, writing
from .options import Lang, LangOpt, QuietOpt

__all__ = ["Lang", "report"]


def report(
    run: Annotated[Path, typer.Argument(metavar="RUN", help="Run folder written by `siting solve` (e.g. out/demo).",
                                        show_default=False)],
    lang: LangOpt = Lang.en,
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="FOLDER", show_default=False,
                                             help="Report folder [default: RUN/report].")] = None,
    maps: Annotated[bool, typer.Option("--maps/--no-maps", help="Also draw the PNG maps (a few "
                                       "seconds).")] = True,
    quiet: QuietOpt = False,
) -> None:
    """Write report.html (offline map + tables), ranked_sites.xlsx, evaluation.csv and PNG maps."""
    from rich.markup import escape
    from rich.table import Table

    from ..inputs.labels import cli_label
    from ..report.build import default_report_dir, report_dir_problem, write_report
    from ..report.labels import Labels

    target = out if out is not None else default_report_dir(run)
    if run.is_dir():  # a missing run folder is bad input (exit 1), reported by write_report
        why = report_dir_problem(target, run)
        if why:
            raise typer.BadParameter(f"{why}; got {target}", param_hint="--out" if out is not None else "RUN")
    with handled_errors():
        with writing(target, hint="--out", what="the report"):
            files = write_report(run, out_dir=out, lang=lang.value, maps=maps)
    for w in files.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(str(w))}", markup=True)
    if quiet:
        console.print(str(files.folder), markup=False)
        return
    ev = files.evaluation

    def L(key: str, **values) -> str:  # noqa: N802 - the label lookup, as in the report
        return cli_label(key, lang.value, **values)

    labels = Labels(lang.value, {})
    table = Table(title=L("streets_table"))
    for col in ("col_rank", "col_street", "col_households", "col_grade", "col_avg_after", "col_spaces"):
        table.add_column(L(col), justify="left" if col in ("col_street", "col_grade") else "right")
    for a in ev.streets:
        table.add_row(str(a.rank), escape(a.street), f"{a.households:,}",
                      f"{labels.grade(a.grade_before)} -> {labels.grade(a.grade_after)}",
                      labels.pct(a.avg_pct(after=True)), str(a.sites))
    console.print(table)
    total = sum(files.timings_s.values())
    console.print(escape(L("report_in", dir=files.folder, s=f"{total:.1f}")))
    for p in files.all():
        console.print(f"  {escape(str(p))}")
