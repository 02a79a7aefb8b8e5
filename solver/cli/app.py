"""The `siting` application: registers the commands and maps failures to exit codes.

Exit codes: 0 solved, 1 bad input, 2 usage, 3 no solution (infeasible or no
plan within the limits), 4 the independent check disagreed (a defect).
"""

from __future__ import annotations

import typer

from . import compare_cmd, sweep_cmd
from . import import_osm_cmd, solve_cmd
from . import report_cmd

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_NO_SOLUTION, EXIT_CHECK = 0, 1, 2, 3, 4

app = typer.Typer(
    name="siting",
    help="Facility siting for 15-minute convenient living circles (一刻钟便民生活圈).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("solve")(solve_cmd.solve)
app.command("report")(report_cmd.report)
app.command("sweep")(sweep_cmd.sweep_cmd)
app.command("compare")(compare_cmd.compare_cmd)
app.command("import-osm")(import_osm_cmd.import_osm)


@app.callback()
def _root() -> None:
    """Facility siting for 15-minute convenient living circles (一刻钟便民生活圈)."""


def main() -> None:
    app()
