"""`siting solve`: solve one scenario and write its outputs."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from models.mode import Mode

from ..choices import Engine, Scope, Target
from .common import (
    DEFAULT_SCENARIO,
    as_of_option,
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


def solve(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="FOLDER", show_default=False,
                                             help="Output folder [default: the scenario's output.dir, "
                                                  "else out/<scenario name>].")] = None,
    mode: Annotated[Mode | None, typer.Option(show_default=False,
                                              help="max_coverage (needs a budget), cover (minimum cost of "
                                                   "full coverage) or grade (minimum cost, every street meets "
                                                   "--target) [default: the scenario's mode, else "
                                                   "max_coverage with a budget, cover without].")] = None,
    target: Annotated[Target | None, typer.Option(show_default=False,
                                                  help="Grade mode: the grade every street (community) must "
                                                       "reach [default: the scenario's target, else "
                                                       "basic].")] = None,
    grade_scope: Annotated[Scope | None, typer.Option("--grade-scope", show_default=False,
                                                      help="Grade mode: street or community [default: the "
                                                           "scenario's grade_scope, else street].")] = None,
    budget: Annotated[float | None, typer.Option(metavar="YUAN", show_default=False,
                                                 help="Budget in yuan [default: the scenario's "
                                                      "budget_yuan].")] = None,
    backend: BackendOpt = None,
    engine: EngineOpt = Engine.SCIP,
    time_limit: Annotated[float | None, typer.Option("--time-limit", metavar="SECONDS", show_default=False,
                                                     help="Seconds for the whole solve [default: the "
                                                          "scenario's solve.time_limit_s, else 120].")] = None,
    gap: GapOpt = None,
    threads: ThreadsOpt = None,
    set_: SetOpt = None,
    lang: LangOpt = Lang.en,
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="QUARTER", show_default=False,
                                              help="Quarter (2026Q3) or date of the dated existing facilities "
                                                   "[default: the scenario's as_of; without one every row "
                                                   "without a closed date counts].")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Solve a scenario: choose spaces and services, check the plan, write ranked lists and coverage."""
    from ..inputs import ranges
    from ..inputs.scenario import scenario_files
    from ..pipeline import RunOptions, run
    from ..results.outputs import write_outputs
    from .progress import Progress

    check_solve_options(gap=gap, time_limit=time_limit, threads=threads)
    if budget is not None and not budget >= 0:
        raise typer.BadParameter(f"must be >= 0; got {budget}", param_hint="--budget")
    check_range(budget, ranges.BUDGET_YUAN, "--budget")
    date = as_of_option(as_of)  # solver/inputs/dates.py
    with handled_errors():
        sc = load_with_overrides(scenario, set_)
        if date is not None:
            sc = dataclasses.replace(sc, as_of=date)
        out_dir = out if out is not None else (sc.output_dir or Path("out") / sc.folder_name)
        where = ("--out" if out is not None else
                 f"output.dir in {scenario}" if sc.output_dir else "the default output folder")
        check_out_dir(out_dir, scenario_files(sc), hint=where)
        options = RunOptions(mode=mode, budget_yuan=budget, backend=backend, engine=engine,
                             time_limit_s=time_limit, relative_gap=gap, threads=threads,
                             target=None if target is None else target.value,
                             grade_scope=None if grade_scope is None else grade_scope.value)
        with Progress(quiet, lang=lang.value) as progress:
            result = run(sc, options=options, progress=progress)
            progress("writing")
            with writing(out_dir, hint=where):
                files = write_outputs(result, out_dir)
    print_warnings([*result.district.warnings, *result.notes])
    if quiet:
        console.print(str(out_dir), markup=False)
    else:
        print_run(result, out_dir, files, lang=lang.value)
    if not result.result.termination.has_solution:
        raise typer.Exit(EXIT_NO_SOLUTION)


def print_run(result, out_dir: Path, files: list[Path], *, lang: str = "en") -> None:
    from rich.markup import escape
    from rich.table import Table

    from ..inputs.labels import cli_label, termination_label

    def L(key: str, **values) -> str:  # noqa: N802 - the label lookup, as in the report
        return cli_label(key, lang, **values)

    res = result.result
    sc = result.scenario
    d = result.district
    travel = L("travel_network") if result.geometry.method == "network" else L("travel_straight_line")
    name = sc.name_zh if lang == "zh" and getattr(sc, "name_zh", None) else sc.name
    console.print(L("district_line", name=f"[bold]{escape(name)}[/]", points=f"{len(d.households):,}",
                    households=f"{d.total_households:,}", candidates=f"{len(d.candidates):,}",
                    existing=f"{len(d.existing):,}", travel=travel))
    if result.geometry.method != "network":
        console.print("[yellow]note:[/] " + L("no_network_note", f=f"{sc.detour_factor:g}"))
    z = res.sizes
    if z:
        console.print(L("model_line", ib=f"{z['items_before']:,}", ia=f"{z['items_after']:,}",
                        sb=f"{z['sites_before']:,}", sa=f"{z['sites_after']:,}",
                        ob=f"{z['options_before']:,}", oa=f"{z['options_after']:,}"))
    gap = "-" if res.gap is None else f"{100 * res.gap:.3f}%"
    budget = L("no_budget") if result.budget is None else L("yuan", v=f"{result.budget:,.0f}")
    console.print(L("solve_line", mode=result.mode.value, budget=budget, solver=res.solver,
                    status=f"[bold]{termination_label(res.termination.value, lang)}[/]", gap=gap,
                    wall=f"{res.wall_s:.1f}"))
    if res.message:
        console.print(f"[yellow]{escape(res.message)}[/]")
    print_grade_target(result)
    table = Table(title=L("coverage_table"))
    for col in ("col_service", "col_threshold", "col_before", "col_after", "col_pct_before", "col_pct_after"):
        table.add_column(L(col), justify="right" if col != "col_service" else "left")
    cov = result.coverage_table[result.coverage_table["street"] == "ALL"]
    for _, row in cov.iterrows():
        svc = sc.services[row["service"]]
        label = (svc.name_zh or row["service"]) if lang == "zh" else row["service"]
        table.add_row(escape(str(label)), L("minutes", v=f"{svc.threshold_min:g}"), f"{row['covered_before']:,}",
                      f"{row['covered_after']:,}", f"{row['pct_before']:.1f}", f"{row['pct_after']:.1f}")
    console.print(table)
    if res.cost is not None:
        console.print(L("plan_line", spaces=len({c for c, _ in result.plan}), services=len(result.plan),
                        cost=L("yuan", v=f"{res.cost:,.0f}")) + (L("check_agrees") if result.check else ""))
    console.print(escape(L("outputs_in", dir=out_dir)))
    for f in files:
        console.print(f"  {escape(str(f))}")


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
