"""The options several commands share, declared once (typer ``Annotated`` style).

Each help text names its default; options whose default depends on the scenario say where it
comes from. Metavars name what to type (``KEY=VALUE``, ``YUAN``, ``FOLDER``), never a Python
type. This module stays light: ``siting --help`` imports it.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..choices import Backend, Engine


class Lang(str, Enum):
    """Language of what people read: terminal tables, reports, sweep and compare outputs."""

    en = "en"
    zh = "zh"


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario file (TOML).", metavar="SCENARIO", show_default=True)]
LangOpt = Annotated[Lang, typer.Option("--lang", help="Language of tables, labels and written reports: en or zh.",
                                       show_default=True)]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the output folder: no tables, no "
                                        "progress lines.")]
SetOpt = Annotated[list[str] | None, typer.Option("--set", metavar="KEY=VALUE",
                                                  help="Override a scenario value: dotted.key=value (a TOML "
                                                       "value), e.g. services.pharmacy.threshold_min=10. "
                                                       "Repeatable.", show_default=False)]
BackendOpt = Annotated[Backend | None, typer.Option(help="Solver library: ortools or pulp (CBC, for cross-checks) "
                                                    "[default: the scenario's solve.backend, else ortools].",
                                                    show_default=False)]
EngineOpt = Annotated[Engine, typer.Option(help="OR-Tools engine.", show_default=True)]
GapOpt = Annotated[float | None, typer.Option(metavar="FRACTION", help="Relative optimality gap to stop at, 0-1 "
                                              "(0 = prove optimal) [default: the scenario's solve.relative_gap, "
                                              "else 0].", show_default=False)]
ThreadsOpt = Annotated[int | None, typer.Option(metavar="N", help="Solver threads [default: the scenario's "
                                                "solve.threads, else 2].", show_default=False)]
