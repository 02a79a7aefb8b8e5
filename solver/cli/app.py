"""The `siting` application: registers the commands (one module each; exit codes in exits.py).

Help is fast and plain (solver/cli/help.py): command modules import only typer and the light
option declarations at module level; everything heavy is imported inside the command.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from . import batch_cmd, compare_cmd, evaluate_cmd, history_cmd, import_osm_cmd, report_cmd, solve_cmd, sweep_cmd
from .help import SitingCommand, SitingGroup

app = typer.Typer(
    name="siting",
    help="Facility siting for 15-minute convenient living circles (一刻钟便民生活圈).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=SitingGroup,
)
app.command("solve", cls=SitingCommand, short_help="Solve a scenario and write the plan, ranked sites and "
            "coverage.")(solve_cmd.solve)
app.command("report", cls=SitingCommand, short_help="Street-office report of a run: HTML page, XLSX, PNG "
            "maps.")(report_cmd.report)
app.command("sweep", cls=SitingCommand, short_help="Solve at several budgets: the coverage-vs-budget "
            "curve.")(sweep_cmd.sweep_cmd)
app.command("compare", cls=SitingCommand, short_help="What changes between two runs (before -> "
            "after).")(compare_cmd.compare_cmd)
app.command("import-osm", cls=SitingCommand, short_help="Input tables and a starter scenario from an OSM "
            "extract.")(import_osm_cmd.import_osm)
app.command("evaluate", cls=SitingCommand, short_help="Grade streets and communities from the existing "
            "facilities on a date (no plan).")(evaluate_cmd.evaluate_cmd)
app.command("history", cls=SitingCommand, short_help="Quarterly evaluations as one dynamic map "
            "(history.html).")(history_cmd.history_cmd)
app.command("batch", cls=SitingCommand, short_help="A city round: many districts, budgets and what-ifs as "
            "tasks on Dask.")(batch_cmd.batch_cmd)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"siting {version('siting')}")
        except PackageNotFoundError:  # a source tree that is not installed (as solver.__version__)
            typer.echo("siting 0+unknown")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Facility siting for 15-minute convenient living circles (一刻钟便民生活圈).

    Run `siting COMMAND --help` for a command's options; `siting solve` solves the demo district.
    """


def main() -> None:
    from .common import EXIT_INTERRUPTED, Interrupted, sigint_interrupts

    try:
        with sigint_interrupts():
            app()
    except (Interrupted, KeyboardInterrupt):  # outside a command's own handling (while starting)
        sys.stderr.write("interrupted (Ctrl-C): stopped; nothing was written\n")
        sys.exit(EXIT_INTERRUPTED)


if __name__ == "__main__":
    main()
