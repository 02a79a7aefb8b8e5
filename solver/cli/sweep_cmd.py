"""`siting sweep`: solve a scenario at several budget levels; the coverage-vs-budget curve and every plan."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from ..choices import Engine, Target
from .common import (
    DEFAULT_SCENARIO,
    check_out_dir,
    check_range,
    check_solve_options,
    console,
    handled_errors,
    load_with_overrides,
    print_warnings,
    writing,
)
from .exits import EXIT_NO_SOLUTION
from .options import BackendOpt, EngineOpt, GapOpt, Lang, LangOpt, QuietOpt, ScenarioArg, SetOpt, ThreadsOpt


def sweep_cmd(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    budgets: Annotated[str | None, typer.Option("--budgets", metavar="YUAN,YUAN,...", show_default=False,
                                                help="Budget levels in yuan, comma separated (e.g. "
                                                     "1e6,2e6,5e6,1e7); or use --from, --to and "
                                                     "--steps.")] = None,
    start: Annotated[float | None, typer.Option("--from", metavar="YUAN", show_default=False,
                                                help="Lowest budget, with --to and --steps.")] = None,
    stop: Annotated[float | None, typer.Option("--to", metavar="YUAN", show_default=False,
                                               help="Highest budget.")] = None,
    steps: Annotated[int | None, typer.Option("--steps", metavar="N", show_default=False,
                                              help="Number of evenly spaced levels from --from to "
                                                   "--to.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="FOLDER", show_default=False,
                                             help="Output folder [default: out/<scenario name>-sweep].")] = None,
    set_: SetOpt = None,
    backend: BackendOpt = None,
    engine: EngineOpt = Engine.SCIP,
    time_limit: Annotated[float | None, typer.Option("--time-limit", metavar="SECONDS", show_default=False,
                                                     help="Seconds for each level's solve [default: the "
                                                          "scenario's solve.time_limit_s, else 120].")] = None,
    gap: GapOpt = None,
    threads: ThreadsOpt = None,
    warm_start: Annotated[bool, typer.Option("--warm-start/--cold",
                                             help="Start each level from the plan of the level below (--cold: "
                                                  "from the heuristic plan only).")] = True,
    nested: Annotated[bool, typer.Option("--nested",
                                         help="Also solve a nested build-up path: each level keeps every space "
                                              "and service of the level below; reports the households this "
                                              "gives up.")] = False,
    target: Annotated[Target | None, typer.Option(show_default=False,
                                                  help="The grade whose least budget the sweep solves [default: "
                                                       "the scenario's target, else basic].")] = None,
    lang: LangOpt = Lang.en,
    workers: Annotated[int | None, typer.Option("--workers", "-w", metavar="N", show_default=False,
                                                help="Solve the levels as tasks on a local Dask cluster of N "
                                                     "worker processes (0: in this process) [default: in this "
                                                     "process].")] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", metavar="tcp://HOST:8786", show_default=False,
                                                  help="... or on a running Dask scheduler.")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Solve a scenario at several budgets: coverage-vs-budget table and plot, the plan at every level,
    what changes between levels, and the budget at which full coverage is first reached."""
    from ..inputs import ranges
    from ..inputs.labels import cli_label
    from ..inputs.scenario import scenario_files
    from ..pipeline import RunOptions
    from ..plans.sweep import budget_levels, parse_budgets, sweep, sweep_markdown, write_sweep
    from .progress import Progress

    check_range(steps, ranges.SWEEP_STEPS, "--steps")
    check_range(start, ranges.BUDGET_YUAN, "--from")
    check_range(stop, ranges.BUDGET_YUAN, "--to")
    try:
        levels = budget_levels(budgets=parse_budgets(budgets) if budgets is not None else None,
                               start=start, stop=stop, steps=steps)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--budgets / --from --to --steps") from None
    for level in levels:
        check_range(level, ranges.BUDGET_YUAN, "--budgets")
    check_range(len(levels), ranges.SWEEP_STEPS, "--budgets")
    check_solve_options(gap=gap, time_limit=time_limit, threads=threads)
    from .cluster import check_cluster_options, dask_client

    check_cluster_options(workers, scheduler)
    if nested and (workers or scheduler):
        raise typer.BadParameter("the nested path is sequential: run --nested without --workers / --scheduler",
                                 param_hint="--nested")
    with handled_errors():
        sc = load_with_overrides(scenario, set_)
        out_dir = out if out is not None else Path("out") / f"{sc.folder_name}-sweep"
        check_out_dir(out_dir, scenario_files(sc), hint="--out" if out is not None else "the default output folder")
        options = RunOptions(backend=backend, engine=engine,
                             time_limit_s=time_limit, relative_gap=gap, threads=threads,
                             target=None if target is None else target.value)
        if target is not None:
            sc = replace(sc, policy=replace(sc.policy, target=target.value))
        # without --workers / --scheduler: the serial sweep, with warm starts between levels
        pool = 0 if workers is None and scheduler is None else workers
        with Progress(quiet, lang=lang.value) as progress, dask_client(pool, scheduler) as client:
            if client is None:
                result = sweep(sc, budgets=levels, options=options, warm_start=warm_start, nested=nested,
                               progress=progress)
            else:  # the levels as Dask tasks (solver/plans/sweep_tasks.py)
                from ..plans.sweep_tasks import sweep_on_dask

                result = sweep_on_dask(sc, budgets=levels, options=options, client=client, progress=progress)
            progress("writing")
            with writing(out_dir, hint="--out"):
                files = write_sweep(result, out_dir, lang=lang.value)
    print_warnings(result.district.warnings, where="levels/*/summary.json")
    if quiet:
        console.print(str(out_dir), markup=False)
    else:
        console.print(sweep_markdown(result, lang=lang.value), markup=False)
        listed = ("sweep.csv, sweep.png, sweep.md, changes.csv, sites_by_level.csv, levels/<level>/, full_coverage/, "
                  "grade_target/"
                  + (", nested/<level>/" if nested else ""))
        console.print(cli_label("sweep_done", lang.value, n=len(result.levels), s=f"{result.timings['total']:.1f}",
                                dir=out_dir, files=len(files), list=listed), markup=False)
    if not any(lv.run.result.termination.has_solution for lv in result.levels):
        raise typer.Exit(EXIT_NO_SOLUTION)

