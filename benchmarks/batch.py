"""``python -m benchmarks batch``: `siting batch` on a local Dask cluster against the same runs in one process.

    python -m benchmarks batch [--districts 16] [--streets 5] [--budgets 2e6,5e6,1e7] [--workers 2]
                               [--time-limit 60] [--out benchmarks/results/batch]

Synthetic districts (solver/synthetic, seeds 1..N, ``--streets`` streets each, the demo's
density) are written once into ``OUT/districts/`` with a manifest that runs every district at
every budget level (max coverage). The same plan is then run, in this order, serially in this
process (``run_batch(client=None)``: each district prepared once, its runs one after another)
and on a ``LocalCluster`` of ``--workers`` processes with one thread each; wall times, the
per-run times and the peak memory of every process are printed side by side, and the two
sets of run folders are compared file by file (summary.json without its timings). The
extrapolation to a larger city round uses the per-run and per-preparation times measured
here (see ``extrapolate``).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import pickle
import statistics
import subprocess
import time
from pathlib import Path

from .runner import REPO_ROOT

SCENARIO_HEAD = """name = "{name}"
crs = "EPSG:4548"
budget_yuan = 5_000_000

"""  # then solver.synthetic.SCENARIO_SECTIONS (the tables' files, snapping, demo conversion costs)


def make_districts(folder: Path, n: int, streets: int, budgets: list[float], time_limit: float) -> Path:
    from solver.synthetic import SCENARIO_SECTIONS, generate_district, write_district

    folder.mkdir(parents=True, exist_ok=True)
    lines = ['name = "bench"', "[runs]", f"budgets = [{', '.join(f'{b:.0f}' for b in budgets)}]",
             'modes = ["max_coverage"]', "[solve]", f"time_limit_s = {time_limit:g}", "threads = 1", ""]
    for seed in range(1, n + 1):
        name = f"d{seed:02d}"
        d_dir = folder / name
        if not (d_dir / "scenario.toml").exists():
            write_district(generate_district(seed=seed, n_streets=streets), d_dir)
            (d_dir / "scenario.toml").write_text(SCENARIO_HEAD.format(name=name) + SCENARIO_SECTIONS,
                                                 encoding="utf-8")
        lines += ["[[districts]]", f'scenario = "{name}/scenario.toml"', ""]
    path = folder / "manifest.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _load() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "uptime not available"


def _stats(rows: list[dict]) -> dict:
    t = [float(r["wall_s"]) for r in rows]
    return {"runs": len(t), "sum_s": round(sum(t), 2), "median_s": round(statistics.median(t), 3),
            "max_s": round(max(t), 3)}


def _prep_times(rows: list[dict], out: Path) -> dict[str, float]:
    """Per district, the preparation's time (load + network + coverage + model) from a run's summary.json."""
    out_t: dict[str, float] = {}
    for r in rows:
        if r["district"] in out_t:
            continue
        s = json.loads((out / "runs" / r["folder"] / "summary.json").read_text(encoding="utf-8"))
        out_t[r["district"]] = round(sum(s["timings_s"].get(k, 0.0) for k in ("load", "network", "coverage",
                                                                               "model")), 3)
    return out_t


def _same(a: Path, b: Path) -> bool:
    for p in sorted(a.rglob("*")):
        if not p.is_file():
            continue
        q = b / p.relative_to(a)
        if not q.is_file():
            return False
        if p.name == "summary.json":
            sa, sb = (json.loads(x.read_text(encoding="utf-8")) for x in (p, q))
            for s in (sa, sb):
                s.pop("timings_s", None)
                s["result"].pop("solve_wall_s", None)
                for st in s["result"]["stages"]:
                    st.pop("wall_s", None)
            if sa != sb:
                return False
        elif p.read_bytes() != q.read_bytes():
            return False
    return True


def _warm() -> int:
    """Import what a run uses (the solver library included), so that neither side's timing pays for it."""
    import solver.engine.backends.ortools_backend  # noqa: F401
    import solver.pipeline  # noqa: F401
    import solver.results.outputs  # noqa: F401

    return os.getpid()


def _cpu_s() -> float:
    """CPU seconds (user + system) this process has used."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _noop(k: int) -> int:
    return k


def task_overhead(client, n: int = 400) -> float:
    """Seconds per task of Dask's own machinery: ``n`` trivial tasks submitted and gathered."""
    t = time.perf_counter()
    client.gather(client.map(_noop, range(n), pure=False))
    return (time.perf_counter() - t) / n


def extrapolate(per_run_s: float, max_run_s: float, prep_s: list[float], *, districts: int, levels: int,
                whatifs: int, workers: int, overhead_s: float, startup_s: float) -> float:
    """Estimated wall time of ``districts`` x ``levels`` x (1 + ``whatifs``) runs on ``workers`` workers.

    Work = every run (median measured run time) + one preparation per district and per what-if
    (the worst case: every what-if changes a table); spread evenly over the workers, plus the
    scheduler's overhead per task (measured: the Dask wall time not explained by the work); never
    less than the longest chain: the largest district's preparation and its longest run.
    """
    runs = districts * levels * (1 + whatifs)
    preps = districts * (1 + whatifs)
    mean_prep = statistics.mean(prep_s)
    work = runs * per_run_s + preps * mean_prep
    chain = max(prep_s) + max_run_s
    return startup_s + max(work / workers, chain) + (runs + preps) * overhead_s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks batch", description=__doc__.splitlines()[0])
    ap.add_argument("--districts", type=int, default=16)
    ap.add_argument("--streets", type=int, default=5)
    ap.add_argument("--budgets", default="2e6,5e6,1e7")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results" / "batch")
    args = ap.parse_args(argv)
    from distributed import Client, LocalCluster

    from solver.pipeline import RunOptions
    from solver.plans.batch import plan_batch, prepare_task, run_batch
    from solver.plans.manifest import read_manifest

    budgets = [float(b) for b in args.budgets.split(",")]
    out = args.out.resolve()
    t = time.perf_counter()
    manifest_path = make_districts(out / "districts", args.districts, args.streets, budgets, args.time_limit)
    print(f"{args.districts} districts of {args.streets} streets in {out / 'districts'} "
          f"({time.perf_counter() - t:.1f} s); load before: {_load()}")
    manifest = read_manifest(manifest_path)
    options = RunOptions(**manifest.solve)
    results = {}
    for how in ("serial", "dask"):
        plan = plan_batch(manifest, out / how, options)
        if how == "serial":
            _warm()
            t = time.perf_counter()
            c0 = _cpu_s()
            res = run_batch(plan)
            wall = time.perf_counter() - t
            cpu = {"local": _cpu_s() - c0}
            startup = 0.0
        else:
            t0 = time.perf_counter()
            import dask

            dask.config.set({"distributed.worker.profile.enabled": False})  # as solver/cli/cluster.py
            cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", silence_logs=logging.CRITICAL)
            client = Client(cluster)
            client.run(_warm)
            startup = time.perf_counter() - t0
            overhead = task_overhead(client)
            try:
                c0s = client.run(_cpu_s)
                t = time.perf_counter()
                res = run_batch(plan, client=client)
                wall = time.perf_counter() - t
                cpu = {w: v - c0s.get(w, 0.0) for w, v in client.run(_cpu_s).items()}
            finally:
                client.close()
                cluster.close()
        bad = [r for r in res.rows if r["outcome"] != "solved"]
        results[how] = {"wall_s": round(wall, 2), "startup_s": round(startup, 2), **_stats(res.rows),
                        "cpu_s": {w: round(v, 1) for w, v in cpu.items()},
                        "workers": res.workers, "not_solved": len(bad),
                        "statuses": sorted({r["status"] for r in res.rows}), "rows": res.rows}
        print(f"{how}: {wall:.1f} s wall (+{startup:.1f} s cluster start), {len(res.rows)} runs, "
              f"{len(bad)} not solved; load: {_load()}")
    s, d = results["serial"], results["dask"]
    speedup = s["wall_s"] / d["wall_s"]
    speedup_all = s["wall_s"] / (d["wall_s"] + d["startup_s"])
    same = sum(_same(out / "serial" / "runs" / r["folder"], out / "dask" / "runs" / r["folder"])
               for r in s["rows"])
    prep = _prep_times(s["rows"], out / "serial")
    lines = [f"# siting batch: {args.districts} districts x {len(budgets)} budget levels, "
             f"{args.workers} Dask workers vs serial", "",
             f"command: python -m benchmarks batch --districts {args.districts} --streets {args.streets} "
             f"--budgets {args.budgets} --workers {args.workers} --time-limit {args.time_limit:g}", "",
             f"machine: {os.cpu_count()} cores; load at the end: {_load()}", "",
             "| | wall (s) | cluster start (s) | runs | sum of run times (s) | median run (s) | longest run (s) "
             "| peak RSS per process (MB) | CPU s per process |", "|---|---|---|---|---|---|---|---|---|"]
    for how, r in results.items():
        rss = ", ".join(f"{v.get('peak_rss_mb', '?')}" for v in r["workers"].values())
        lines.append(f"| {how} | {r['wall_s']:.1f} | {r['startup_s']:.1f} | {r['runs']} | {r['sum_s']:.1f} | "
                     f"{r['median_s']:.2f} | {r['max_s']:.2f} | {rss} | "
                     f"{', '.join(f'{v:.1f}' for v in r['cpu_s'].values())} |")
    lines += ["", f"speed-up (serial wall / Dask wall): **{speedup:.2f}x** on {args.workers} workers "
              f"({speedup_all:.2f}x counting the cluster's start); run folders identical to the serial run's "
              f"(timings aside): {same} of {len(s['rows'])}", "",
              f"CPU time: serial {sum(s['cpu_s'].values()):.1f} s in one process; Dask "
              f"{sum(d['cpu_s'].values()):.1f} s over {len(d['cpu_s'])} workers, the busiest "
              f"{max(d['cpu_s'].values()):.1f} s. With a core per worker the Dask wall time is about the busiest "
              f"worker's CPU time, so the speed-up a machine with free cores gives is about "
              f"**{sum(s['cpu_s'].values()) / max(d['cpu_s'].values()):.2f}x** (serial CPU / busiest worker's CPU); "
              "on a machine whose cores are taken by other work (Linux shares the CPU between sessions, "
              "sched_autogroup) the wall-time ratio above is what is left.", ""]
    sample = next(iter(manifest.districts))
    from solver.pipeline import load

    size_mb = len(pickle.dumps(prepare_task(load(sample.scenario)))) / 1e6
    per_run = s["median_s"]
    lines += [f"preparation per district (load + network + coverage + model, serial): median "
              f"{statistics.median(prep.values()):.2f} s, max {max(prep.values()):.2f} s; a pickled `Prepared` "
              f"is {size_mb:.1f} MB (what a worker copies when it runs another worker's district); Dask's own "
              f"overhead per task (400 trivial tasks on this cluster): {1000 * overhead:.1f} ms", "",
              "Extrapolated city round, 16 districts x 10 budget levels x (1 + 5 what-ifs) = 960 runs, every "
              "what-if prepared anew (the worst case), from the measured serial per-run median "
              f"({per_run:.2f} s) and preparation times:", "",
              "| workers | estimated wall |", "|---|---|"]
    for w in (1, 8, 64):
        est = extrapolate(per_run, s["max_s"], list(prep.values()), districts=16, levels=10, whatifs=5, workers=w,
                          overhead_s=overhead if w > 1 else 0.0, startup_s=0.0 if w == 1 else d["startup_s"])
        lines.append(f"| {w} | {est / 60:.1f} min ({est:,.0f} s) |")
    chain = max(prep.values()) + s["max_s"]
    lines += ["", f"Scaling stops where a worker's share of the work ({960 * per_run:,.0f} s of runs / W) "
              f"meets the longest chain (the largest district's preparation and its longest run, {chain:.1f} s "
              f"here): at W ≈ {math.ceil((960 * per_run + 96 * statistics.mean(prep.values())) / chain)} "
              "workers; the scheduler's overhead per task is small against runs of seconds."]
    text = "\n".join(lines) + "\n"
    (out / "summary.md").write_text(text, encoding="utf-8")
    with open(out / "results.json", "w", encoding="utf-8") as fh:
        json.dump({k: {kk: vv for kk, vv in v.items() if kk != "rows"} for k, v in results.items()}
                  | {"speedup": speedup, "cpu_speedup": sum(s["cpu_s"].values()) / max(d["cpu_s"].values()),
                     "prep_s": prep, "overhead_s": overhead, "prepared_mb": size_mb}, fh,
                  indent=2)
    print(text)
    return 0
