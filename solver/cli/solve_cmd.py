"""`siting solve`: solve one scenario and write its outputs."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from models.mode import Mode

from ..choices import Backend, Engine, Scope, Target
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


def solve(
    scenario: Path = typer.Argument(DEFAULT_SCENARIO, help="Scenario file (TOML).", show_default=True),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output folder [default: out/<scenario name>]."),
    mode: Mode | None = typer.Option(None, help="max_coverage (needs a budget), cover (min cost, full coverage) "
                                     "or grade (min cost, every street meets --target)."),
    target: Target | None = typer.Option(None, help="Grade mode: the grade every street (community) must reach "
                                         "[default: the scenario's target, else basic]."),
    grade_scope: Scope | None = typer.Option(None, "--grade-scope", help="Grade mode: street or community "
                                             "[default: the scenario's grade_scope, else street]."),
    budget: float | None = typer.Option(None, help="Budget in yuan (overrides the scenario)."),
    backend: Backend | None = typer.Option(None, help="ortools (default) or pulp (CBC, for cross-checks)."),
    engine: Engine = typer.Option(Engine.SCIP, help="OR-Tools engine."),
    time_limit: float | None = typer.Option(None, "--time-limit", help="Seconds for the whole solve."),
    gap: float | None = typer.Option(None, help="Relative optimality gap to stop at (0 = prove optimal)."),
    threads: int | None = typer.Option(None, help="Solver threads."),
    set_: list[str] | None = typer.Option(None, "--set", help="Override a scenario value: dotted.key=value "
                                             "(TOML value), e.g. services.pharmacy.threshold_min=10. Repeatable."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the output folder."),
) -> None:
    """Solve a scenario: choose spaces and services, check the plan, write ranked lists and coverage."""
    from ..inputs.scenario import scenario_files
    from ..pipeline import RunOptions, run
    from ..results.outputs import write_outputs

    check_solve_options(gap=gap, time_limit=time_limit, threads=threads)
    if budget is not None and not budget >= 0:
        raise typer.BadParameter(f"must be >= 0; got {budget}", param_hint="--budget")
    check_range(budget, ranges.BUDGET_YUAN, "--budget")
    with handled_errors():
        sc = load_with_overrides(scenario, set_)
        out_dir = out if out is not None else (sc.output_dir or Path("out") / sc.folder_name)
        where = ("--out" if out is not None else
                 f"output.dir in {scenario}" if sc.output_dir else "the default output folder")
        check_out_dir(out_dir, scenario_files(sc), hint=where)
        options = RunOptions(mode=mode, budget_yuan=budget, backend=backend, engine=engine,
                             time_limit_s=time_limit, relative_gap=gap, threads=threads,
                             target=None if target is None else target.value,
                             grade_scope=None if grade_scope is None else grade_scope.value)
        with StageProgress(quiet) as progress:
            result = run(sc, options=options, progress=progress)
        with writing(out_dir, hint=where):
            files = write_outputs(result, out_dir)
    print_warnings([*result.district.warnings, *result.notes])
    if quiet:
        console.print(str(out_dir))
    else:
        print_run(result, out_dir, files)
    if not result.result.termination.has_solution:
        raise typer.Exit(EXIT_NO_SOLUTION)


def print_run(result, out_dir: Path, files: list[Path]) -> None:
    res = result.result
    sc = result.scenario
    d = result.district
    console.print(f"[bold]{sc.name}[/]: {len(d.households):,} demand points, {d.total_households:,} households, "
                  f"{len(d.candidates):,} candidate spaces, {len(d.existing):,} existing facilities; "
                  f"travel: {result.geometry.method.replace('_', ' ')}")
    if result.geometry.method != "network":
        console.print(f"[yellow]note:[/] no walking network given: straight-line distance x {sc.detour_factor:g}")
    z = res.sizes
    if z:
        console.print(f"model: {z['items_before']:,} items -> {z['items_after']:,} after aggregation; "
                      f"{z['sites_before']:,} spaces -> {z['sites_after']:,}; "
                      f"{z['options_before']:,} options -> {z['options_after']:,}")
    gap = "-" if res.gap is None else f"{100 * res.gap:.3f}%"
    budget = "none" if result.budget is None else f"{result.budget:,.0f}"
    console.print(f"mode {result.mode.value}, budget {budget} yuan, solver {res.solver}: "
                  f"[bold]{res.termination.value}[/], gap {gap}, {res.wall_s:.1f} s")
    if res.message:
        console.print(f"[yellow]{res.message}[/]")
    print_grade_target(result)
    table = Table(title="coverage (households within the walking threshold)")
    for col in ("service", "threshold", "before", "after", "% before", "% after"):
        table.add_column(col, justify="right" if col != "service" else "left")
    cov = result.coverage_table[result.coverage_table["street"] == "ALL"]
    for _, row in cov.iterrows():
        thr = sc.services[row["service"]].threshold_min
        table.add_row(row["service"], f"{thr:g} min", f"{row['covered_before']:,}", f"{row['covered_after']:,}",
                      f"{row['pct_before']:.1f}", f"{row['pct_after']:.1f}")
    console.print(table)
    if res.cost is not None:
        console.print(f"plan: {len({c for c, _ in result.plan})} spaces, {len(result.plan)} services, "
                      f"cost {res.cost:,.0f} yuan" + ("; independent check agrees" if result.check else ""))
    console.print(f"outputs in {out_dir}:")
    for f in files:
        console.print(f"  {f}")


def print_grade_target(result) -> None:
    """Grade mode: the target, the areas met and, for each unmet one, what stops it."""
    from ..results.grading import target_record

    rec = target_record(result)
    if rec is None:
        return
    console.print(f"grade target [bold]{rec['target']}[/] per {rec['scope']}: {len(rec['met'])} of {rec['areas']} "
                  f"met" + ("" if rec["least_cost_yuan"] is None else f", least cost {rec['least_cost_yuan']:,.0f} yuan"
                             + (" (proven)" if rec["proven_least"] else " (not proven least)")))
    for area, stops in rec["unmet"].items():
        blocking = [e for e in stops if not isinstance(e["why"], str)]
        if blocking and len(blocking) < len(stops):
            console.print(f"  [yellow]{area}[/]: {len(stops) - len(blocking)} other services short of the target "
                          "are not planned for, since no plan reaches it (summary.json grade_target)")
        for e in blocking or stops:
            best = "-" if e["best_reachable_pct"] is None else f"{e['best_reachable_pct']:.1f}%"
            why = e["why"] if isinstance(e["why"], str) else "; ".join(
                f"{v['demand']:,.0f} {v['text']}" for v in e["why"].values())
            console.print(f"  [yellow]{area}[/]: {e['service']} at most {best} (needs {e['required_pct']:g}%): {why}")
