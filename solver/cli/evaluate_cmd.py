"""`siting evaluate`: grade every street and community from the existing facilities on a date (no plan)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import (
    DEFAULT_SCENARIO,
    as_of_option,
    check_out_dir,
    console,
    handled_errors,
    print_warnings,
    writing,
)
from .options import Lang, LangOpt, QuietOpt, ScenarioArg, SetOpt

AsOfOpt = Annotated[str | None, typer.Option("--as-of", metavar="QUARTER",
                                             help="Quarter (2026Q3 = its last day) or date (2026-09-30) of the "
                                                  "existing facilities (their opened/closed columns) [default: the "
                                                  "scenario's as_of; without one every row without a closed date "
                                                  "counts].", show_default=False)]


def evaluate_cmd(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    as_of: AsOfOpt = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="FOLDER", show_default=False,
                                             help="Output folder [default: out/<scenario>_<as-of>].")] = None,
    lang: LangOpt = Lang.en,
    maps: Annotated[bool, typer.Option("--maps/--no-maps", help="Also draw the report's PNG maps.")] = False,
    set_: SetOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Evaluate the present state: coverage and grades per street and community from the existing
    facilities alone (no plan, no solve); writes a run folder and its report/."""
    from dataclasses import replace

    from ..folders import staged_folder
    from ..inputs.scenario import scenario_files
    from ..plans.evaluate import evaluate, write_evaluation
    from ..report.build import write_report
    from .common import load_with_overrides
    from .progress import Progress

    date = as_of_option(as_of)
    with handled_errors():
        sc = load_with_overrides(scenario, set_)
        if date is not None:
            sc = replace(sc, as_of=date)
        suffix = f"_{sc.as_of.label}" if sc.as_of is not None else "_evaluation"
        out_dir = out if out is not None else Path("out") / f"{sc.folder_name}{suffix}"
        hint = "--out" if out is not None else "the default output folder"
        check_out_dir(out_dir, scenario_files(sc), hint=hint)
        with Progress(quiet, lang=lang.value) as progress:
            run = evaluate(sc, progress=progress)
        with writing(out_dir, hint=hint):
            with staged_folder(out_dir) as tmp:
                write_evaluation(run, tmp)
                files = write_report(tmp, out_dir=tmp / "report", lang=lang.value, maps=maps)
    print_warnings([*run.district.warnings, *run.notes])
    if quiet:
        console.print(str(out_dir))
        return
    when = "no as-of date" if sc.as_of is None else f"as of {sc.as_of.label} ({sc.as_of.iso})"
    console.print(f"[bold]{sc.name}[/] evaluated {when}: {len(run.district.existing):,} existing facilities count; "
                  "independent check agrees")
    for a in files.evaluation.streets:
        pcts = a.pcts(after=False) or {}
        cov = ", ".join(f"{s} {v:.1f}%" for s, v in pcts.items())
        grade = "-" if a.grade_before is None else a.grade_before.key
        console.print(f"  {a.rank}. {a.street}: grade {grade}; {cov}")
    console.print(f"outputs in {out_dir} (report in {out_dir / 'report'})")
