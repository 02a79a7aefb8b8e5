"""`siting batch`: a city round (districts x budgets x what-ifs x modes) as tasks on Dask distributed."""

from __future__ import annotations

from pathlib import Path

import typer

from ..choices import Backend
from .cluster import check_cluster_options, dask_client, describe
from .common import check_solve_options, console, err_console, handled_errors, writing


def batch_cmd(
    manifest: Path = typer.Argument(..., help="Batch manifest (TOML): the districts and their runs."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Batch folder (default: the manifest's output.dir, "
                                    "else out/<manifest name>-batch)."),
    workers: int | None = typer.Option(None, "--workers", "-w", help="Worker processes of a local Dask cluster "
                                       "(1 thread each; default: one per core); 0 runs everything in this "
                                       "process, without Dask."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Address of a running Dask scheduler "
                                         "(tcp://HOST:8786) instead of a local cluster."),
    resume: bool = typer.Option(False, "--resume", help="Skip runs whose folder is complete and whose input "
                                "fingerprints and parameters match."),
    backend: Backend | None = typer.Option(None, help="ortools or pulp (overrides the manifest's [solve])."),
    time_limit: float | None = typer.Option(None, "--time-limit", help="Seconds for each run's solve."),
    gap: float | None = typer.Option(None, help="Relative optimality gap to stop at (0 = prove optimal)."),
    threads: int | None = typer.Option(None, help="Solver threads per run."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the batch folder."),
) -> None:
    """Run a city round from a manifest: each district prepared once, its runs (budget levels, what-ifs,
    modes) as Dask tasks; one run folder each, batch.csv and a city roll-up (city_summary.csv, city.md).

    Exit 0 when every run has a plan, 1 when some run failed on bad input (the others are done;
    batch.csv says which and why), 3 when some run has no plan, 4 for a defect of ours."""
    check_cluster_options(workers, scheduler)
    check_solve_options(gap=gap, time_limit=time_limit, threads=threads)
    from ..folders import out_dir_problem
    from ..pipeline import RunOptions
    from ..plans.batch import batch_inputs, plan_batch, run_batch, start_marker, write_batch
    from ..plans.manifest import read_manifest

    with handled_errors():
        m = read_manifest(manifest)
        out_dir = out if out is not None else (m.output_dir or Path("out") / f"{m.folder_name}-batch")
        hint = "--out" if out is not None else ("output.dir in the manifest" if m.output_dir else
                                                "the default output folder")
        given = {"backend": backend, "time_limit_s": time_limit, "relative_gap": gap, "threads": threads}
        options = RunOptions(**{**m.solve, **{k: v for k, v in given.items() if v is not None}})
        plan = plan_batch(m, out_dir, options)
        why = out_dir_problem(out_dir, inputs=batch_inputs(plan), marker="batch.json",
                              kind="the folder of an earlier batch")
        if why:
            raise typer.BadParameter(f"{why}; got {out_dir}", param_hint=hint)

        def line(done: int, total: int, row: dict) -> None:
            if quiet:
                return
            budget = "" if row.get("budget_yuan") is None else f" {row['budget_yuan']:,.0f}"
            what = f"{row['outcome']}" if row["outcome"] in ("failed", "error") else row["status"]
            extra = f", gap {100 * row['gap']:.2f}%" if isinstance(row.get("gap"), float) else ""
            where = f" on worker {row['worker']}" if row.get("worker") else ""
            console.print(f"[{done}/{total}] {row['district']} / {row['scenario']} / {row['mode']}{budget}: "
                          f"{what}{extra}, {row.get('wall_s') or 0:.1f} s{where}", markup=False)

        with writing(out_dir, hint=hint):
            start_marker(out_dir, m)
        with dask_client(workers, scheduler) as client:
            if not quiet:
                err_console.print(f"{m.name}: {plan.n_runs} runs of {len(m.districts)} districts, "
                                  f"{len(plan.groups)} preparations, {describe(client, scheduler)}", markup=False)
            result = run_batch(plan, client=client, resume=resume, progress=line)
        with writing(out_dir, hint=hint):
            write_batch(result)
    rows = result.rows
    if quiet:
        console.print(str(out_dir))
    else:
        counts = {o: sum(r["outcome"] == o for r in rows) for o in ("solved", "resumed", "failed", "error")}
        said = ", ".join(f"{n} {o}" for o, n in counts.items() if n)
        console.print(f"{len(rows)} runs ({said}) in {result.wall_s:.1f} s; outputs in {out_dir} "
                      "(batch.csv, city_summary.csv, city.md, batch.json, runs/<district>/<scenario>/<run>/)",
                      markup=False)
        for r in rows:
            if r["outcome"] in ("failed", "error"):
                first = str(r["message"]).strip().splitlines()
                err_console.print(f"{r['outcome']}: {r['folder']}: {first[0] if first else ''}"
                                  + (" ..." if len(first) > 1 else ""), markup=False)
    if result.exit_code:
        raise typer.Exit(result.exit_code)
