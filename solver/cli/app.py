"""The `siting` application: registers the commands (one module each; exit codes in exits.py)."""

from __future__ import annotations

import sys

import typer

from . import batch_cmd, compare_cmd, import_osm_cmd, report_cmd, solve_cmd, sweep_cmd

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
app.command("batch")(batch_cmd.batch_cmd)


@app.callback()
def _root() -> None:
    """Facility siting for 15-minute convenient living circles (一刻钟便民生活圈)."""


def main() -> None:
    from .common import EXIT_INTERRUPTED, Interrupted, sigint_interrupts

    try:
        with sigint_interrupts():
            app()
    except (Interrupted, KeyboardInterrupt):  # outside a command's own handling (while starting)
        sys.stderr.write("interrupted (Ctrl-C): stopped; nothing was written\n")
        sys.exit(EXIT_INTERRUPTED)
