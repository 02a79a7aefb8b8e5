"""`siting compare`: what changes between two finished runs (before -> after)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import console, handled_errors, writing
from .options import Lang, LangOpt, QuietOpt


def compare_cmd(
    a: Annotated[Path, typer.Argument(metavar="BEFORE", help="Output folder of the first run (before).",
                                      show_default=False)],
    b: Annotated[Path, typer.Argument(metavar="AFTER", help="Output folder of the second run (after).",
                                      show_default=False)],
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="FOLDER", show_default=False,
                                             help="Folder for the comparison files "
                                                  "[default: out/compare-<before>-vs-<after>].")] = None,
    lang: LangOpt = Lang.en,
    quiet: QuietOpt = False,
) -> None:
    """Compare two runs: coverage per street and service before and after re-planning, grades, spaces
    added / removed / changed with names and costs, households that gain or lose coverage. Markdown to
    the terminal; CSV files, comparison.md and comparison.html (offline, with a map) to --out."""
    from ..folders import out_dir_problem
    from ..inputs.labels import cli_label
    from ..paths import path_problem, safe_file_name
    from ..plans.compare import compare_runs, comparison_markdown, write_comparison

    with handled_errors():
        result = compare_runs(a, b)
        default = Path("out") / (f"compare-{safe_file_name(Path(a).absolute().name)}"
                                 f"-vs-{safe_file_name(Path(b).absolute().name)}")
        out_dir = out if out is not None else default
        why = path_problem(out_dir)
        if why:
            raise typer.BadParameter(f"{why}; got {out_dir}", param_hint="--out")
        target = out_dir.resolve()
        for run in (a, b):
            r = Path(run).resolve()
            if target == r or target in r.parents or r in target.parents:
                raise typer.BadParameter(f"must not be inside (or hold) a run folder being compared; got {out_dir}",
                                         param_hint="--out")
        why = out_dir_problem(out_dir, inputs=(), marker="comparison.md", kind="an earlier comparison")
        if why:
            raise typer.BadParameter(f"{why}; got {out_dir}", param_hint="--out")
        with writing(out_dir, hint="--out"):
            files = write_comparison(result, out_dir, lang=lang.value)
    if quiet:
        console.print(str(out_dir), markup=False)
        return
    console.print(comparison_markdown(result, lang=lang.value), markup=False)
    console.print(cli_label("compare_files", lang.value, dir=out_dir, list=", ".join(f.name for f in files)),
                  markup=False)
