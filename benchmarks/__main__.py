"""Command line of the benchmark suite.

    python -m benchmarks run --profile fast|full [--instances DIR] [--out DIR]
                             [--peers spopt,highs] [--time-limit S] [--peer-time-limit S]
                             [--repeats N] [--only REGEX] [--resume]
    python -m benchmarks list --profile fast|full
    python -m benchmarks report --out DIR        (rebuild CSV/Markdown/plot from a run's jobs.jsonl)

Exit codes: 0 done and every result agrees with the reference; 1 a reference
mismatch, an invalid plan or a failed job (see the summary); 2 usage.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import time
from pathlib import Path

from .peers import PEERS, SPOPT_MAX_CELLS, spopt_skip_reason
from .reference import Case, build_cases
from .report import add_comparisons, aggregate, failures, machine_info, markdown, plot, write_csv
from .runner import REPO_ROOT, hard_timeout, run_job

DEFAULT_INSTANCES = REPO_ROOT.parent / "shared" / "mclp-instances"
DEFAULT_LIMITS = {"fast": (20.0, 20.0), "full": (60.0, 300.0)}  # (ours, peers) seconds


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m benchmarks",
                                 description="Solver-core benchmark suite: public MCLP/LSCP instances vs "
                                             "reference optima, peers side by side, scaling series.")
    sub = ap.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a profile")
    run.add_argument("--profile", choices=("fast", "full"), default="fast")
    run.add_argument("--instances", type=Path, default=None,
                     help=f"instance folder (default {DEFAULT_INSTANCES} when present)")
    run.add_argument("--out", type=Path, default=None, help="output folder (default benchmarks/results/<profile>)")
    run.add_argument("--peers", default="spopt,highs",
                     help="comma-separated peers among spopt,highs; 'none' for ours only (default spopt,highs)")
    run.add_argument("--time-limit", type=float, default=None,
                     help="time limit of ours per case, seconds (fast 20, full 60)")
    run.add_argument("--peer-time-limit", type=float, default=None,
                     help="time limit of each peer per case, seconds (fast 20, full 300)")
    run.add_argument("--repeats", type=int, default=1, help="runs per (case, solver); times are medians")
    run.add_argument("--threads", type=int, default=2, help="threads for ours (default 2)")
    run.add_argument("--only", default=None, help="regular expression on case ids (e.g. 'SJC|GR')")
    run.add_argument("--resume", action="store_true", help="keep the jobs already in OUT/jobs.jsonl")
    run.add_argument("--no-baseline", action="store_true",
                     help="do not measure the idle-worker memory of each solver (saves a few seconds)")
    run.add_argument("--spopt-max-cells", type=int, default=SPOPT_MAX_CELLS,
                     help=f"skip spopt above this many customer x site cells (default {SPOPT_MAX_CELLS:.1e})")
    ls = sub.add_parser("list", help="list the cases of a profile")
    ls.add_argument("--profile", choices=("fast", "full"), default="fast")
    ls.add_argument("--instances", type=Path, default=None)
    rep = sub.add_parser("report", help="rebuild results.csv, summary.md and the plot from OUT/jobs.jsonl")
    rep.add_argument("--out", type=Path, required=True)
    return ap


def _instances_dir(arg: Path | None, notes: list[str]) -> Path | None:
    d = arg if arg is not None else DEFAULT_INSTANCES
    if (d / "computed_optima_highs.csv").exists():
        return d.resolve()
    if arg is not None:
        raise SystemExit(f"error: --instances {arg}: no computed_optima_highs.csv there")
    notes.append(f"instance folder {d} not found: only the generated scaling series are run")
    return None


def _cases(profile: str, instances: Path | None, notes: list[str]) -> list[Case]:
    if instances is not None:
        return build_cases(profile, instances, notes=notes)
    # Without the public instances: the generated cases of the profile only.
    from . import reference as R

    if profile == "fast":
        return ([R.bds_scaling_case(m, 100, peers=m <= 10_000) for m in (1_000, 10_000, 100_000)]
                + [R.district_case(5, "euclid"), R.district_case(5, "network")])
    return ([R.bds_scaling_case(m, 100) for m in (1_000, 10_000, 100_000, 1_000_000)]
            + [R.bds_scaling_case(m, 1000) for m in (1_000, 10_000, 100_000)]
            + [R.district_case(k, d) for k in (5, 20, 80) for d in ("euclid", "network")])


def cmd_list(args) -> int:
    notes: list[str] = []
    inst = _instances_dir(args.instances, notes)
    for c in _cases(args.profile, inst, notes):
        print(f"{c.case_id}\tpeers={'yes' if c.peers else 'no'}")
    for n in notes:
        print(f"note: {n}")
    return 0


def cmd_run(args) -> int:
    notes: list[str] = []
    instances = _instances_dir(args.instances, notes)
    cases = _cases(args.profile, instances, notes)
    if args.only:
        rx = re.compile(args.only)
        cases = [c for c in cases if rx.search(c.case_id)]
    if not cases:
        print("no cases selected", file=sys.stderr)
        return 2
    peers = [] if args.peers.strip().lower() in ("", "none") else [p.strip() for p in args.peers.split(",")]
    bad = [p for p in peers if p not in PEERS]
    if bad:
        print(f"unknown peer(s) {bad}; choose among {PEERS}", file=sys.stderr)
        return 2
    if "spopt" in peers and importlib.util.find_spec("spopt") is None:
        notes.append("spopt is not installed (pip install spopt, or the 'bench' extra): spopt skipped")
        peers.remove("spopt")
    tl_ours, tl_peer = DEFAULT_LIMITS[args.profile]
    tl_ours = args.time_limit if args.time_limit is not None else tl_ours
    tl_peer = args.peer_time_limit if args.peer_time_limit is not None else (
        args.time_limit if args.time_limit is not None and args.profile == "fast" else tl_peer)
    out = (args.out or REPO_ROOT / "benchmarks" / "results" / args.profile).resolve()
    out.mkdir(parents=True, exist_ok=True)
    jobs_path = out / "jobs.jsonl"
    done: dict[tuple[str, str, int], dict] = {}
    if args.resume and jobs_path.exists():
        for line in jobs_path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                j = json.loads(line)
                done[(j["case"]["case_id"], j["solver"], j["repeat"])] = j
    elif jobs_path.exists():
        jobs_path.unlink()
    settings = {"time_limit": tl_ours, "peer_time_limit": tl_peer, "threads": args.threads,
                "repeats": args.repeats, "peers": peers, "instances": str(instances) if instances else None}
    info = machine_info(REPO_ROOT)
    baselines = {}
    for s in [] if args.no_baseline else ["ours"] + peers:
        r = run_job({"solver": f"noop:{s}"}, timeout=120)
        baselines[s] = r.get("peak_rss_mb", 0.0)
    meta = {"profile": args.profile, "settings": settings, "notes": notes, "baselines": baselines, "info": info,
            "cases": [c.case_id for c in cases]}
    (out / "run.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    n_jobs = sum(args.repeats * (1 + (len(peers) if c.peers else 0)) for c in cases)
    print(f"profile {args.profile}: {len(cases)} cases, up to {n_jobs} jobs; ours {tl_ours:g} s, peers {tl_peer:g} s; "
          f"out {out}", flush=True)
    t_start = time.perf_counter()
    k = 0
    with open(jobs_path, "a", encoding="utf-8") as jf:
        for case in cases:
            solvers = ["ours"] + (peers if case.peers else [])
            for s in solvers:
                for rep in range(args.repeats):
                    k += 1
                    key = (case.case_id, s, rep)
                    if key in done:
                        continue
                    skip = spopt_skip_reason(case, args.spopt_max_cells) if s == "spopt" else None
                    if skip:
                        result = {"status": "skipped", "note": skip}
                    else:
                        tl = tl_ours if s == "ours" else tl_peer
                        spec = {"case": case.to_json(), "solver": s, "instances_dir": str(instances or ""),
                                "time_limit": tl, "threads": args.threads,
                                "spopt_max_cells": args.spopt_max_cells}
                        result = run_job(spec, timeout=hard_timeout(tl, s))
                    jf.write(json.dumps({"case": case.to_json(), "solver": s, "repeat": rep, "result": result})
                             + "\n")
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
        for s in ("ours", "highs", "spopt"):
            if (cid, s) in runs:
                rows.append(aggregate(cases[cid], s, runs[(cid, s)]))
    add_comparisons(rows, cases)
    write_csv(rows, out / "results.csv")
    md = markdown(rows, [cases[c] for c in order], meta["info"], profile=meta["profile"], settings=meta["settings"],
                  notes=meta["notes"], baselines=meta["baselines"])
    try:
        plot(rows, out / "time_vs_size.png",
             title=f"profile {meta['profile']} - {meta['info']['cpu']}, {meta['info']['cores']} cores - "
                   f"git {meta['info']['git']}")
        md += "\n![time vs size](time_vs_size.png)\n"
    except Exception as exc:  # the plot is a convenience; never lose the tables for it
        md += f"\n(plot failed: {exc})\n"
    (out / "summary.md").write_text(md, encoding="utf-8")
    print(md)
    print(f"\nwrote {out / 'results.csv'}, {out / 'summary.md'}, {out / 'time_vs_size.png'}")
    return 1 if failures(rows) else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        return cmd_list(args)
    if args.command == "report":
        return finalize(args.out.resolve())
    return cmd_run(args)


if __name__ == "__main__":
    raise SystemExit(main())
