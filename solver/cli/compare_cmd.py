"""`siting compare`: what changes between two finished runs (before -> after)."""

from __future__ import annotations

from pathlib import Path

import typer

from .common import console, handled_errors, writing


def compare_cmd(
    a: Path = typer.Argument(..., help="Output folder of the first run (before)."),
    b: Path = typer.Argument(..., help="Output folder of the second run (after)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Folder for the CSV files "
                                       "[default: out/compare-<a>-vs-<b>]."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the output folder."),
) -> None:
    """Compare two runs: coverage per street and service, spaces added / removed / changed, cost
    difference, households that gain or lose coverage. Markdown to the terminal, CSV files to --out."""
    from ..folders import out_dir_problem
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
            files = write_comparison(result, out_dir)
    if quiet:
        console.print(str(out_dir))
        return
    console.print(comparison_markdown(result), markup=False)
    console.print(f"CSV files in {out_dir}: " + ", ".join(f.name for f in files), markup=False)
