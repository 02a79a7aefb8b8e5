"""Command line of the benchmark suite.

    python -m benchmarks run --profile fast|full|maximo|district [--instances DIR] [--out DIR]
                             [--peers spopt,highs,scip] [--time-limit S] [--peer-time-limit S]
                             [--district-time-limit S] [--repeats N] [--only REGEX] [--resume]
    python -m benchmarks list --profile fast|full|maximo|district
    python -m benchmarks report --out DIR        (rebuild CSV/Markdown/plot from a run's jobs.jsonl)
    python -m benchmarks fetch [--out DIR] [--source URL-TEMPLATE|DIR]   (the public instances, SHA-256 checked)
    python -m benchmarks batch [--districts N] [--workers W] ...   (siting batch on Dask vs serial: batch.py)

Exit codes: 0 done, every check passed; 1 a failure (see the summary's Failures:
a job killed at its hard wall-clock limit, an error, ours ending without a plan,
ours worse than a proven reference optimum, a reference mismatch, an invalid plan);
2 usage.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import time
from pathlib import Path

from . import district_report, districts
from .peers import PEERS, SPOPT_MAX_CELLS, applies, spopt_skip_reason
from .reference import Case, build_cases, proven_rows
from .report import SOLVERS, add_comparisons, aggregate, failures, machine_info, markdown, plot, write_csv
from .runner import REPO_ROOT, hard_timeout, run_job

DEFAULT_INSTANCES = REPO_ROOT.parent / "shared" / "mclp-instances"
FETCHED_INSTANCES = REPO_ROOT / "benchmarks" / "results" / "instances"  # python -m benchmarks fetch
PROFILES = ("fast", "full", "maximo", "district")
DEFAULT_LIMITS = {"fast": (20.0, 20.0), "full": (60.0, 300.0), "maximo": (60.0, 300.0),
                  "district": (60.0, 60.0)}  # (ours, peers) s
DEFAULT_PEERS = {"fast": "spopt,highs,scip", "full": "spopt,highs,scip", "maximo": "none",
                 "district": "scip,highs"}


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m benchmarks",
                                 description="Solver-core benchmark suite: public MCLP/LSCP instances vs "
                                             "reference optima, the district family, peers side by side in "
                                             "the same run, scaling series.")
    sub = ap.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a profile")
    run.add_argument("--profile", choices=PROFILES, default="fast")
    run.add_argument("--instances", type=Path, default=None,
                     help=f"instance folder (default {DEFAULT_INSTANCES} when present)")
    run.add_argument("--out", type=Path, default=None, help="output folder (default benchmarks/results/<profile>)")
    run.add_argument("--peers", default=None,
                     help="comma-separated peers among spopt,highs,scip; 'none' for ours only (default: "
                          "fast and full spopt,highs,scip; district scip,highs)")
    run.add_argument("--time-limit", type=float, default=None,
                     help="time limit of ours per textbook case, seconds (fast 20, full 60); in the district "
                          "profile the same as --district-time-limit")
    run.add_argument("--peer-time-limit", type=float, default=None,
                     help="time limit of each peer per textbook case, seconds (fast 20, full 300)")
    run.add_argument("--district-time-limit", type=float, default=None,
                     help="time limit of every solver on every district case, seconds (default per case: 60, "
                          "120 with the full catalogue, 300 at 100 streets; fast 20)")
    run.add_argument("--district-seed", type=int, default=None,
                     help="seed of the synthetic districts (default: the generator's, the demo's seed)")
    run.add_argument("--cache", type=Path, default=None,
                     help="folder of the district data (default benchmarks/results/cache/districts)")
    run.add_argument("--repeats", type=int, default=1, help="runs per (case, solver); times are medians")
    run.add_argument("--threads", type=int, default=2, help="threads for ours (default 2)")
    run.add_argument("--only", default=None, help="regular expression on case ids (e.g. 'SJC|GR')")
    run.add_argument("--resume", action="store_true", help="keep the jobs already in OUT/jobs.jsonl")
    run.add_argument("--no-baseline", action="store_true",
                     help="do not measure the idle-worker memory of each solver (saves a few seconds)")
    run.add_argument("--spopt-max-cells", type=int, default=SPOPT_MAX_CELLS,
                     help=f"skip spopt above this many customer x site cells (default {SPOPT_MAX_CELLS:.1e})")
    ls = sub.add_parser("list", help="list the cases of a profile")
    ls.add_argument("--profile", choices=PROFILES, default="fast")
    ls.add_argument("--instances", type=Path, default=None)
    ls.add_argument("--district-seed", type=int, default=None)
    fe = sub.add_parser("fetch", help="download the public instance files at pinned commits, SHA-256 checked")
    fe.add_argument("--out", type=Path, default=None, help="folder (default benchmarks/results/instances)")
    fe.add_argument("--source", default=None, help="URL template with {repository} {commit} {path} (default: "
                                                   "raw.githubusercontent.com), or a folder in the suite's layout")
    fe.add_argument("--only", default=None, help="regular expression on the files (e.g. 'SJC|GR')")
    fe.add_argument("--manifest", type=Path, default=None, help=argparse.SUPPRESS)  # tests: another file list
    rep = sub.add_parser("report", help="rebuild results.csv, summary.md and the plot from OUT/jobs.jsonl")
    rep.add_argument("--out", type=Path, required=True)
    sub.add_parser("batch", help="siting batch on a local Dask cluster vs serial (benchmarks/batch.py; batch --help)")
    return ap


def _instances_dir(arg: Path | None, notes: list[str]) -> Path | None:
    d = arg if arg is not None else DEFAULT_INSTANCES
    if arg is None and not d.exists() and (FETCHED_INSTANCES / "computed_optima_highs.csv").exists():
        d = FETCHED_INSTANCES  # `python -m benchmarks fetch` put them there
    if (d / "computed_optima_highs.csv").exists():
        return d.resolve()
    if arg is not None:
        raise SystemExit(f"error: --instances {arg}: no computed_optima_highs.csv there")
    notes.append(f"instance folder {d} not found: only the generated scaling series are run")
    return None


def _cases(profile: str, instances: Path | None, notes: list[str], *, seed: int | None = None) -> list[Case]:
    cases = build_cases(profile, instances, notes=notes)
    if seed is not None:
        cases = [c for c in cases if c.series != "district"] + (
            districts.family_cases(seed=seed) if profile in ("full", "district") else [])
    return cases


def cmd_list(args) -> int:
    notes: list[str] = []
    inst = None if args.profile == "district" else _instances_dir(args.instances, notes)
    for c in _cases(args.profile, inst, notes, seed=args.district_seed):
        extra = f"\ttime_limit={c.time_limit:g}" if c.time_limit else ""
        print(f"{c.case_id}\tpeers={'yes' if c.peers else 'no'}{extra}")
    for n in notes:
        print(f"note: {n}")
    return 0


def cmd_run(args) -> int:
    notes: list[str] = []
    profile = args.profile
    instances = None if profile == "district" else _instances_dir(args.instances, notes)
    universe = _cases(profile, instances, notes, seed=args.district_seed)
    cases = universe
    if args.only:
        rx = re.compile(args.only)
        cases = [c for c in universe if rx.search(c.case_id)]
    cases, partner_notes = districts.with_partners(cases, universe)
    notes += partner_notes
    if not cases:
        print("no cases selected", file=sys.stderr)
        return 2
    text = DEFAULT_PEERS[profile] if args.peers is None else args.peers
    peers = [] if text.strip().lower() in ("", "none") else [p.strip() for p in text.split(",")]
    bad = [p for p in peers if p not in PEERS]
    if bad:
        print(f"unknown peer(s) {bad}; choose among {PEERS}", file=sys.stderr)
        return 2
    if "spopt" in peers and importlib.util.find_spec("spopt") is None:
        notes.append("spopt is not installed (pip install spopt, or the 'bench' extra): spopt skipped")
        peers.remove("spopt")
    tl_ours, tl_peer = DEFAULT_LIMITS[profile]
    tl_ours = args.time_limit if args.time_limit is not None else tl_ours
    tl_peer = args.peer_time_limit if args.peer_time_limit is not None else (
        args.time_limit if args.time_limit is not None and profile == "fast" else tl_peer)
    tl_district = args.district_time_limit
    if tl_district is None and profile == "district":
        tl_district = args.time_limit
    out = (args.out or REPO_ROOT / "benchmarks" / "results" / profile).resolve()
    cache = (args.cache or districts.default_cache(REPO_ROOT)).resolve()
    settings = {"time_limit": tl_ours, "peer_time_limit": tl_peer, "district_time_limit": tl_district,
                "threads": args.threads, "repeats": args.repeats, "peers": peers,
                "instances": str(instances) if instances else None, "district_cache": str(cache),
                "spopt_max_cells": args.spopt_max_cells}
    return run_cases(cases, out=out, profile=profile, peers=peers, settings=settings, notes=notes,
                     resume=args.resume, baseline=not args.no_baseline,
                     proven=len(proven_rows(instances)))


def _limit(case: Case, solver: str, settings: dict) -> float:
    if case.series == "district":
        return float(settings.get("district_time_limit") or case.time_limit or settings["time_limit"])
    return float(settings["time_limit"] if solver == "ours" else settings["peer_time_limit"])


def run_cases(cases: list[Case], *, out: Path, profile: str, peers: list[str], settings: dict,
              notes: list[str], resume: bool = False, baseline: bool = True, proven: int = 0) -> int:
    """Run every (case, solver) job in its own subprocess, then :func:`finalize`."""
    out.mkdir(parents=True, exist_ok=True)
    jobs_path = out / "jobs.jsonl"
    done: dict[tuple[str, str, int], dict] = {}
    if resume and jobs_path.exists():
        for line in jobs_path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                j = json.loads(line)
                done[(j["case"]["case_id"], j["solver"], j["repeat"])] = j
    elif jobs_path.exists():
        jobs_path.unlink()
    scenarios: dict[str, str] = {}
    if any(c.series == "district" for c in cases):
        skip = {c.case_id for c in cases if c.series == "district" and districts.skip_reason(c)}
        scenarios = districts.prepare_data([c for c in cases if c.case_id not in skip],
                                           Path(settings["district_cache"]), notes)
        if skip:
            notes.append(f"{len(skip)} district cases skipped: " + str(districts.skip_reason(
                next(c for c in cases if c.case_id in skip))))
    if "scip" in peers or "spopt" in peers:
        notes.append("peer scip (plain SCIP) runs on the district family only, spopt on the textbook cases only")
    info = machine_info(REPO_ROOT)
    baselines = {}
    for s in ["ours"] + peers if baseline else []:
        r = run_job({"solver": f"noop:{s}"}, timeout=120)
        baselines[s] = r.get("peak_rss_mb", 0.0)
    meta = {"profile": profile, "settings": settings, "notes": notes, "baselines": baselines, "info": info,
            "cases": [c.case_id for c in cases], "proven_rows": proven}
    (out / "run.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    plan = [(c, s) for c in cases for s in ["ours"] + [p for p in peers if c.peers and applies(p, c)]]
    repeats = int(settings.get("repeats", 1))
    n_jobs = len(plan) * repeats
    print(f"profile {profile}: {len(cases)} cases, up to {n_jobs} jobs; ours {settings['time_limit']:g} s, "
          f"peers {settings['peer_time_limit']:g} s on textbook cases, district cases their own limit; out {out}",
          flush=True)
    t_start = time.perf_counter()
    k = 0
    with open(jobs_path, "a", encoding="utf-8") as jf:
        for case, s in plan:
            for rep in range(repeats):
                k += 1
                if (case.case_id, s, rep) in done:
                    continue
                tl = _limit(case, s, settings)
                skip = spopt_skip_reason(case, settings["spopt_max_cells"]) if s == "spopt" else None
                if case.series == "district":
                    skip = districts.skip_reason(case)
                if skip:
                    result = {"status": "skipped", "note": skip}
                else:
                    spec = {"case": case.to_json(), "solver": s, "instances_dir": settings.get("instances") or "",
                            "time_limit": tl, "threads": settings["threads"],
                            "spopt_max_cells": settings["spopt_max_cells"], "scenario": scenarios.get(case.case_id)}
                    solves = int(case.source.get("levels", 0)) + 1 if case.source.get("kind") == "sweep" else 1
                    result = run_job(spec, timeout=hard_timeout(tl, s, solves=solves))
                result["time_limit"] = tl
                jf.write(json.dumps({"case": case.to_json(), "solver": s, "repeat": rep, "result": result}) + "\n")
                jf.flush()
                obj = result.get("objective")
                print(f"[{k}/{n_jobs} {time.perf_counter() - t_start:6.0f}s] {case.case_id} {s}: "
                      f"{result.get('status')} obj={obj if obj is None else f'{obj:,.2f}'} "
                      f"total={result.get('total_s', 0) or 0:.2f}s mem={result.get('peak_rss_mb', 0) or 0:.0f}MB",
                      flush=True)
                if skip:
                    break
    return finalize(out)


def finalize(out: Path) -> int:
    """Aggregate OUT/jobs.jsonl into results.csv, summary.md and time_vs_size.png; print the summary."""
    meta = json.loads((out / "run.json").read_text(encoding="utf-8"))
    runs: dict[tuple[str, str], list[dict]] = {}
    cases: dict[str, Case] = {}
    for line in (out / "jobs.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        j = json.loads(line)
        c = Case.from_json(j["case"])
        cases[c.case_id] = c
        runs.setdefault((c.case_id, j["solver"]), []).append(j["result"])
    order = [cid for cid in meta["cases"] if cid in cases]
    order += [cid for cid in cases if cid not in order]
    rows = []
    for cid in order:
        for s in SOLVERS:
            if (cid, s) in runs:
                rows.append(aggregate(cases[cid], s, runs[(cid, s)]))
    add_comparisons(rows, cases)
    district_report.add_district_metrics(rows, runs, cases)
    district_report.district_checks(rows, cases)
    write_csv(rows, out / "results.csv")
    md = markdown(rows, [cases[c] for c in order], meta["info"], profile=meta["profile"], settings=meta["settings"],
                  notes=meta["notes"], baselines=meta["baselines"], proven=int(meta.get("proven_rows") or 0),
                  district=district_report.markdown(rows, cases, order))
    textbook = any(r["series"] != "district" for r in rows)
    try:
        if not textbook:
            raise LookupError("no textbook or scaling rows in this run")
        plot(rows, out / "time_vs_size.png",
             title=f"profile {meta['profile']} - {meta['info']['cpu']}, {meta['info']['cores']} cores - "
                   f"git {meta['info']['git']}")
        md += "\n![time vs size](time_vs_size.png)\n"
    except LookupError as exc:
        md += f"\n(no plot: {exc})\n"
    except Exception as exc:  # the plot is a convenience; never lose the tables for it
        md += f"\n(plot failed: {exc})\n"
    (out / "summary.md").write_text(md, encoding="utf-8")
    print(md)
    wrote = [out / "results.csv", out / "summary.md"] + ([out / "time_vs_size.png"] if textbook else [])
    print("\nwrote " + ", ".join(map(str, wrote)))
    return 1 if failures(rows) else 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["batch"]:
        from . import batch

        return batch.main(argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "list":
        return cmd_list(args)
    if args.command == "report":
        return finalize(args.out.resolve())
    if args.command == "fetch":
        from .fetch import main as fetch_main

        return fetch_main(args)
    return cmd_run(args)


if __name__ == "__main__":
    raise SystemExit(main())
