"""`siting sweep`: solve a scenario at several budget levels; the coverage-vs-budget curve and every plan."""

from __future__ import annotations

from pathlib import Path

import typer

from ..choices import Backend, Engine
from ..inputs import ranges
from .common import (
    DEFAULT_SCENARIO,
    StageProgress,
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


def sweep_cmd(
    scenario: Path = typer.Argument(DEFAULT_SCENARIO, help="Scenario file (TOML).", show_default=True),
    budgets: str | None = typer.Option(None, "--budgets", help="Budget levels in yuan, comma separated "
                                          "(e.g. 1e6,2e6,5e6,1e7)."),
    start: float | None = typer.Option(None, "--from", help="Lowest budget (yuan), with --to and --steps."),
    stop: float | None = typer.Option(None, "--to", help="Highest budget (yuan)."),
    steps: int | None = typer.Option(None, "--steps", help="Number of evenly spaced levels from --from to --to."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output folder [default: out/<scenario name>-sweep]."),
    set_: list[str] | None = typer.Option(None, "--set", help="Override a scenario value: dotted.key=value "
                                             "(TOML value), e.g. services.pharmacy.threshold_min=10. Repeatable."),
    backend: Backend | None = typer.Option(None, help="ortools (default) or pulp."),
    engine: Engine = typer.Option(Engine.SCIP, help="OR-Tools engine."),
    time_limit: float | None = typer.Option(None, "--time-limit", help="Seconds for each level's solve."),
    gap: float | None = typer.Option(None, help="Relative optimality gap to stop at (0 = prove optimal)."),
    threads: int | None = typer.Option(None, help="Solver threads."),
    warm_start: bool = typer.Option(True, "--warm-start/--cold", help="Start each level from the plan of the "
                                    "level below (--cold: from the heuristic plan only)."),
    nested: bool = typer.Option(False, "--nested", help="Also solve a nested build-up path: each level keeps every "
                                "space and service of the level below; reports the households this gives up."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the output folder."),
    workers: int | None = typer.Option(None, "--workers", "-w", help="Solve the levels as tasks on a local Dask "
                                       "cluster of this many worker processes (0: in this process)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="... or on a running Dask scheduler "
                                         "(tcp://HOST:8786)."),
) -> None:
    """Solve a scenario at several budgets: coverage-vs-budget table and plot, the plan at every level,
    what changes between levels, and the budget at which full coverage is first reached."""
    from ..inputs.scenario import scenario_files
    from ..pipeline import RunOptions
    from ..plans.sweep import budget_levels, parse_budgets, sweep, sweep_markdown, write_sweep

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
                             time_limit_s=time_limit, relative_gap=gap, threads=threads)
        with StageProgress(quiet) as progress, dask_client(workers, scheduler) as client:
            if client is None:
                result = sweep(sc, budgets=levels, options=options, warm_start=warm_start, nested=nested,
                               progress=progress)
            else:  # the levels as Dask tasks (solver/plans/sweep_tasks.py)
                from ..plans.sweep_tasks import sweep_on_dask

                result = sweep_on_dask(sc, budgets=levels, options=options, client=client, progress=progress)
        with writing(out_dir, hint="--out"):
            files = write_sweep(result, out_dir)
    print_warnings(result.district.warnings, where="levels/*/summary.json")
    if quiet:
        console.print(str(out_dir))
    else:
        console.print(sweep_markdown(result), markup=False)
        console.print(f"{len(result.levels)} levels in {result.timings['total']:.1f} s; outputs in {out_dir} "
                      f"({len(files)} files: sweep.csv, sweep.png, sweep.md, changes.csv, sites_by_level.csv, "
                      "levels/<level>/, full_coverage/" + (", nested/<level>/" if nested else "") + ")", markup=False)
    if not any(lv.run.result.termination.has_solution for lv in result.levels):
        raise typer.Exit(EXIT_NO_SOLUTION)
