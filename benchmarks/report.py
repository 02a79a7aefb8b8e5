"""Results: reference checks, the results CSV, the Markdown summary and the time-vs-size plot."""

from __future__ import annotations

import csv
import json
import os
import platform
import statistics
import subprocess
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import hard_rows
from .reference import MINIMIZE, Case

SOLVERS = ("ours", "highs", "spopt", "scip")
CSV_COLUMNS = [
    "case_id", "series", "problem", "family", "instance", "n_customers", "n_sites", "nnz", "radius", "rule", "p",
    "solver", "repeats", "status", "objective", "bound", "gap", "read_s", "cover_s", "model_s", "solve_s",
    "total_s", "peak_rss_mb", "ref_objective", "ref_status", "ref_bound", "ref_seconds", "check",
    "objective_vs_ours", "time_ratio_ours_over_this", "plan_ok",
    # district family (benchmarks/district_report.py): limits, the best plan of the run, trace metrics
    "time_limit", "prepare_s", "check_s", "z_best", "t_first_plan", "t_within_1pct", "t_gap_05pct", "t_gap_1pct",
    "t_proof", "primal_integral", "trace_events", "note", "detail",
]
# A row whose check starts with one of these makes the run exit 1 (README "Exit code").
FAIL_CHECKS = ("MISMATCH", "PLAN ERROR", "ERROR", "KILLED", "NO PLAN", "WORSE")
KILLED = "KILLED (hard wall-clock limit)"


# --------------------------------------------------------------------------------------------
# Machine and versions


def machine_info(repo_root: Path) -> dict:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    versions = {"python": platform.python_version()}
    for dist in ("ortools", "scipy", "numpy", "spopt", "pulp"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = "not installed"
    sha = "unknown"
    try:
        r = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=repo_root, capture_output=True,
                           text=True, timeout=10)
        sha = r.stdout.strip() if r.returncode == 0 else "no commit yet"
        d = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo_root,
                           capture_output=True, text=True, timeout=10)
        if r.returncode == 0 and d.stdout.strip():
            sha += " (+ uncommitted changes)"
    except (OSError, subprocess.SubprocessError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram_gb, "platform": platform.platform(),
            "versions": versions, "git": sha, "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


# --------------------------------------------------------------------------------------------
# Checks


def _tol(ref: float) -> float:
    # Reference values are printed with 2 decimals (Beasley/GR demands are not integers).
    return 0.006 + 1e-9 * abs(ref)


def _better(problem: str, a: float, b: float) -> int:
    """+1 if a is better than b, -1 if worse, 0 if equal (within the reference tolerance)."""
    if abs(a - b) <= _tol(b):
        return 0
    if problem in MINIMIZE:
        return 1 if a < b else -1
    return 1 if a > b else -1


def reference_check(case: Case, status: str, objective: float | None) -> str:
    """Compare one result with the case's reference row (or literature value)."""
    if status in ("error",):
        return "ERROR"
    ref = case.ref
    if ref is not None:
        if objective is None:
            return f"no solution ({status})"
        cmp = _better(case.problem, objective, ref["objective"])
        if ref["status"] == "optimal":
            if cmp > 0:
                return "MISMATCH (better than a proven optimum)"
            if cmp < 0:
                return "MISMATCH" if status == "optimal" else "worse (time limit)"
            return "ok" if status == "optimal" else "ok (not proven)"
        # reference stopped at its time limit: report better / equal / worse
        ref_bound = ref.get("bound")
        if ref_bound is not None and _better(case.problem, objective, ref_bound) > 0:
            return "MISMATCH (beyond the reference bound)"
        if cmp < 0 and status == "optimal":
            return "MISMATCH (proven optimum below a known solution)"
        return {1: "better than ref", 0: "equal to ref", -1: "worse than ref"}[cmp]
    lit = case.literature
    if lit is not None:
        if objective is None:
            return f"no solution ({status})"
        cmp = _better(case.problem, objective, float(lit["value"]))
        word = {1: "better than", 0: "equal to", -1: "worse than"}[cmp]
        return f"{word} literature ({lit['kind']})"
    return "-" if objective is not None else f"no solution ({status})"


def _ours_strict(solver: str, check: str) -> str:
    """Ours may not end without a plan, nor below a proven optimum (the peers' limits are theirs)."""
    if solver != "ours":
        return check
    if check.startswith("no solution"):
        return "NO PLAN " + check[len("no solution"):].strip()
    if check == "worse (time limit)":
        return "WORSE than the proven optimum (time limit)"
    return check


def objective_vs(case: Case, a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return ""
    return {1: "better", 0: "equal", -1: "worse"}[_better(case.problem, a, b)]


# --------------------------------------------------------------------------------------------
# Aggregation


def _median(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def aggregate(case: Case, solver: str, runs: list[dict]) -> dict:
    """One row from the repeated runs of (case, solver): medians of the times and memory."""
    first = runs[0]
    objs = {r.get("objective") for r in runs}
    note = first.get("note", "") or ""
    if len(objs) > 1:
        note = (note + "; " if note else "") + f"objective differs across repeats: {sorted(objs, key=str)}"
    detail = first.get("detail") or {}
    plan_ok = all(r.get("plan_ok", True) for r in runs)
    row = {
        "case_id": case.case_id, "series": case.series, "problem": case.problem, "family": case.family,
        "instance": case.source.get("file") or json.dumps(case.source, sort_keys=True),
        "n_customers": first.get("n_customers") or case.n_customers,
        "n_sites": first.get("n_sites") or case.n_sites, "nnz": first.get("nnz"),
        "radius": case.radius, "rule": case.rule, "p": case.p, "solver": solver, "repeats": len(runs),
        "status": first.get("status"), "objective": first.get("objective"), "bound": first.get("bound"),
        "gap": None,
    }
    for k in ("read_s", "cover_s", "model_s", "solve_s", "total_s", "peak_rss_mb"):
        row[k] = _median([r.get(k) for r in runs])
    if row["objective"] is not None and row["bound"] is not None:
        row["gap"] = abs(row["bound"] - row["objective"]) / max(abs(row["objective"]), 1.0)
    ref = case.ref or {}
    row.update(ref_objective=ref.get("objective"), ref_status=ref.get("status"), ref_bound=ref.get("bound"),
               ref_seconds=ref.get("seconds"))
    if case.ref is None and case.literature is not None:
        row.update(ref_objective=case.literature["value"], ref_status=f"literature {case.literature['kind']}")
    for k in ("time_limit", "prepare_s", "check_s"):
        row[k] = _median([r.get(k) for r in runs])
    statuses = {r.get("status") for r in runs}
    if row["status"] in ("skipped",):
        row["check"] = ""
    elif "killed" in statuses:
        row["status"], row["check"] = "killed", KILLED
    elif "error" in statuses:
        row["status"], row["check"] = "error", "ERROR"
    elif not plan_ok:
        row["check"] = "PLAN ERROR: " + str(detail.get("plan_problem", ""))
    elif case.series == "district":
        row["check"] = ""  # filled by district_report.district_checks, against the other solvers' plans
    else:
        row["check"] = _ours_strict(solver, reference_check(case, row["status"], row["objective"]))
    row["plan_ok"] = plan_ok
    if detail.get("message") and row["status"] not in ("optimal",):
        note = (note + "; " if note else "") + str(detail["message"])[:200]
    row["note"] = note
    row["detail"] = json.dumps(detail, sort_keys=True, default=str)[:4000]
    return row


def add_comparisons(rows: list[dict], cases: dict[str, Case]) -> None:
    """Fill objective_vs_ours and the time ratio (ours total / this solver's total)."""
    ours = {r["case_id"]: r for r in rows if r["solver"] == "ours"}
    for r in rows:
        o = ours.get(r["case_id"])
        if r["solver"] == "ours" or o is None:
            r["objective_vs_ours"] = ""
            r["time_ratio_ours_over_this"] = None
            continue
        case = cases[r["case_id"]]
        # How the peer's objective compares with ours ("better": the peer found more).
        r["objective_vs_ours"] = objective_vs(case, r["objective"], o["objective"])
        if o.get("total_s") and r.get("total_s") and r["status"] != "skipped":
            r["time_ratio_ours_over_this"] = o["total_s"] / r["total_s"]
        else:
            r["time_ratio_ours_over_this"] = None


def write_csv(rows: list[dict], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: _csv_val(r.get(k)) for k in CSV_COLUMNS})


def _csv_val(v):
    if isinstance(v, float):
        return f"{v:.6g}" if abs(v) < 1e6 else f"{v:.2f}"
    return "" if v is None else v


# --------------------------------------------------------------------------------------------
# Markdown


def _f(v, nd=2):
    if v is None or v == "":
        return "–"
    if isinstance(v, float):
        if abs(v) >= 1000:
            return f"{v:,.0f}" if abs(v - round(v)) < 1e-9 else f"{v:,.2f}"
        return f"{v:.{nd}f}"
    return str(v)


def _obj(v):
    if v is None:
        return "–"
    return f"{v:,.0f}" if abs(v - round(v)) < 1e-9 else f"{v:,.2f}"


def _short_status(s: str | None) -> str:
    return {"optimal": "opt", "time_limit": "TL", "no_solution": "none", "killed": "killed",
            "skipped": "skip", "error": "ERR", "infeasible": "inf"}.get(s or "", s or "–")


def failures(rows: list[dict]) -> list[dict]:
    return [r for r in rows if any(str(r.get("check", "")).startswith(f) for f in FAIL_CHECKS)]


def reference_coverage(rows: list[dict], proven: int) -> str:
    """How many of the reference CSV's proven rows this run checked, and how."""
    ours = [r for r in rows if r["series"] == "reference" and r["solver"] == "ours" and r.get("ref_status") == "optimal"
            and r["status"] != "skipped"]
    counts: dict[str, int] = {}
    for r in ours:
        key = str(r["check"]).split(":")[0]
        counts[key] = counts.get(key, 0) + 1
    how = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    return (f"**Reference check: {len(ours)} of {proven} proven rows checked**" + (f" ({how})" if how else "")
            + ("" if len(ours) == proven else " (this run selects a part of the reference rows)") + ".")


def headline_highs(rows: list[dict], settings: dict) -> str | None:
    """Ours vs the plain textbook HiGHS MILP on the textbook rows both ran in this run (end-to-end sums)."""
    by = {(r["case_id"], r["solver"]): r for r in rows}
    pairs = []
    for r in rows:
        if r["solver"] != "highs" or r["series"] == "district" or r["status"] in ("skipped", "error", "killed"):
            continue
        o = by.get((r["case_id"], "ours"))
        if o and o.get("total_s") and r.get("total_s") and o["status"] not in ("error", "killed"):
            pairs.append((o, r))
    if not pairs:
        return None
    s_ours = sum(o["total_s"] for o, _ in pairs)
    s_highs = sum(h["total_s"] for _, h in pairs)
    cut = sum(h["status"] != "optimal" for _, h in pairs)
    cut_ours = sum(o["status"] != "optimal" for o, _ in pairs)
    bound = ">= " if cut and not cut_ours else ""
    tail = []
    if cut:
        tail.append(f"HiGHS stopped at its {settings['peer_time_limit']:g}-s limit on {cut}: its sum is a lower bound")
    if cut_ours:
        tail.append(f"ours stopped at its {settings['time_limit']:g}-s limit on {cut_ours}")
    return (f"**Headline: plain textbook HiGHS (scipy.optimize.milp) / ours = {bound}{s_highs / s_ours:.2f}x** on "
            f"the sum of end-to-end times over the {len(pairs)} textbook rows both ran in this run (ours "
            f"{s_ours:,.1f} s, HiGHS {s_highs:,.1f} s" + ("; " + "; ".join(tail) if tail else "") + ").")


def markdown(rows: list[dict], cases: list[Case], info: dict, *, profile: str, settings: dict,
             notes: list[str], baselines: dict[str, float], proven: int = 0,
             district: list[str] | None = None) -> str:
    by = {(r["case_id"], r["solver"]): r for r in rows}
    fails = failures(rows)
    v = info["versions"]
    ram = f"{info['ram_gb']:.1f} GiB" if info.get("ram_gb") else "?"
    out = [f"# Solver-core benchmark: profile `{profile}`", ""]
    if fails:
        kinds = sorted({str(r["check"]).split(" ")[0].rstrip(":") for r in fails})
        out += [f"**FAILURES: {len(fails)} row(s) failed ({', '.join(kinds)}; see Failures below): exit code 1.**",
                ""]
    else:
        out += ["No failures: no job killed, no error, every plan checked, ours never without a plan nor below "
                "a proven optimum, no reference mismatch.", ""]
    if any(r["series"] == "reference" for r in rows):
        out += [reference_coverage(rows, proven), ""]
    head = headline_highs(rows, settings)
    if head:
        out += [head, ""]
    out += [
        f"- machine: {info['cpu']}, {info['cores']} cores, {ram} RAM ({info['platform']})",
        f"- versions: python {v['python']}, ortools {v['ortools']} (SCIP), scipy {v['scipy']} (HiGHS), "
        f"numpy {v['numpy']}, "
        f"spopt {v['spopt']}, pulp {v['pulp']} (CBC)",
        f"- git: {info['git']}; run at {info['date']}",
        f"- time limits: ours {settings['time_limit']:g} s, peers {settings['peer_time_limit']:g} s on the textbook "
        f"cases; district cases: every solver "
        + (f"{settings['district_time_limit']:g} s" if settings.get("district_time_limit") else "the case's limit")
        + f"; threads {settings['threads']}; repeats {settings['repeats']} (times are medians)",
        "- baseline memory of an idle worker (interpreter + imports): "
        + (", ".join(f"{k} {v:.0f} MB" for k, v in baselines.items()) or "not measured"),
    ]
    out += [f"- note: {n}" for n in notes]
    out += [""]
    order = [c for c in cases if (c.case_id, "ours") in by]
    main = [c for c in order if c.series in ("reference", "maximo")]
    if len(main) > 30:
        out += family_summary(rows, main)
    if main:
        out += ["## Public instances vs the reference optima", "",
                "| case | customers x sites | reference | ours | status | cover s | solve s | total s | MB | check "
                "| HiGHS total s | ours/HiGHS | HiGHS obj | spopt total s | ours/spopt | spopt obj |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for c in main:
            o = by[(c.case_id, "ours")]
            ref = "–"
            if o.get("ref_objective") is not None:
                ref = f"{_obj(o['ref_objective'])} ({o['ref_status']})"
            cells = [c.case_id, f"{o['n_customers']:,} x {o['n_sites']:,}", ref, _obj(o["objective"]),
                     _short_status(o["status"]), _f(o["cover_s"], 3), _f(o["solve_s"]), _f(o["total_s"]),
                     _f(o["peak_rss_mb"], 0), _check_md(o["check"])]
            for s in ("highs", "spopt"):
                cells += _peer_cells(by.get((c.case_id, s)))
            out.append("| " + " | ".join(cells) + " |")
        out += [""]
        out += hard_rows.section(rows, main)
    scal = [c for c in order if c.series.startswith("scaling")]
    if scal:
        out += ["## Scaling", "",
                "| case | customers | sites | nnz | ours cover s | ours solve s | ours total s | ours MB | ours obj "
                "| HiGHS total s | HiGHS MB | HiGHS obj | spopt total s | spopt MB | spopt obj |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for c in scal:
            o = by[(c.case_id, "ours")]
            cells = [c.case_id, f"{o['n_customers']:,}", f"{o['n_sites']:,}", _f(o["nnz"]), _f(o["cover_s"], 3),
                     _f(o["solve_s"]), _f(o["total_s"]), _f(o["peak_rss_mb"], 0),
                     f"{_obj(o['objective'])} ({_short_status(o['status'])})"]
            for s in ("highs", "spopt"):
                r = by.get((c.case_id, s))
                if r is None:
                    cells += ["–", "–", "–"]
                elif r["status"] == "skipped":
                    cells += ["skip", "–", "–"]
                else:
                    cells += [f"{_f(r['total_s'])} ({_short_status(r['status'])})", _f(r["peak_rss_mb"], 0),
                              f"{_obj(r['objective'])} {_vs(r)}"]
            out.append("| " + " | ".join(cells) + " |")
        out += [""]
    out += district or []
    if fails:
        out += ["## Failures", ""]
        for r in fails:
            out.append(f"- `{r['case_id']}` [{r['solver']}]: {r['check']}; objective {_obj(r['objective'])} "
                       f"({r['status']}), reference {_obj(r['ref_objective'])} ({r['ref_status']}). {r['note']}")
        out += [""]
    skipped = [r for r in rows if r["status"] == "skipped" and r["series"] != "district"]
    if skipped:
        out += ["## Skipped peer runs", ""]
        for r in skipped:
            out.append(f"- `{r['case_id']}` [{r['solver']}]: {r['note']}")
        out += [""]
    if not main and not scal:
        return "\n".join(out)
    out += ["Columns: *total s* = read + coverage (or cost matrix) + model build + solve, end to end in the worker "
            "process; *ours/X* = ours total / X total (< 1: ours faster); *MB* = peak resident memory of the "
            "job's process (ru_maxrss, includes the baseline above); HiGHS/spopt obj: their objective and how it "
            "compares with ours (= equal, + better, − worse). Status: opt = proven optimal, TL = time limit hit "
            "with a solution, killed = wall-clock kill.", ""]
    return "\n".join(out)


def family_summary(rows: list[dict], cases: list[Case]) -> list[str]:
    """One line per (problem, family, instance file): how many cases, how the checks came out, times."""
    by = {(r["case_id"], r["solver"]): r for r in rows}
    groups: dict[tuple[str, str, str], list[Case]] = {}
    for c in cases:
        groups.setdefault((c.problem, c.family, c.source.get("file", "")), []).append(c)
    out = ["## Summary by instance file", "",
           "| problem | file | cases | ours: checks | ours median / max total s | ours TL | HiGHS: runs, opt, "
           "median ours/HiGHS | spopt: runs, opt, median ours/spopt |",
           "|---|---|---|---|---|---|---|---|"]
    for (prob, _fam, file), cs in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
        o = [by[(c.case_id, "ours")] for c in cs]
        checks: dict[str, int] = {}
        for r in o:
            checks[r["check"]] = checks.get(r["check"], 0) + 1
        chk = ", ".join(f"{'**' + k + '**' if any(k.startswith(f) for f in FAIL_CHECKS) else k} {v}"
                        for k, v in sorted(checks.items()))
        times = [r["total_s"] for r in o if r.get("total_s") is not None]
        tl = sum(r["status"] != "optimal" for r in o)
        cells = [prob, file, str(len(cs)), chk,
                 f"{_f(_median(times))} / {_f(max(times) if times else None)}", str(tl)]
        for s in ("highs", "spopt"):
            pr = [by[(c.case_id, s)] for c in cs if (c.case_id, s) in by and by[(c.case_id, s)]["status"] != "skipped"]
            if not pr:
                cells.append("–")
                continue
            ratios = [r["time_ratio_ours_over_this"] for r in pr if r.get("time_ratio_ours_over_this")]
            n_opt = sum(r["status"] == "optimal" for r in pr)
            cells.append(f"{len(pr)}, {n_opt}, {_f(_median(ratios))}")
        out.append("| " + " | ".join(cells) + " |")
    return out + [""]


def _vs(r: dict) -> str:
    return {"equal": "=", "better": "(+)", "worse": "(−)", "": ""}[r.get("objective_vs_ours", "") or ""]


def _check_md(check: str) -> str:
    if any(str(check).startswith(f) for f in FAIL_CHECKS):
        return f"**{check}**"
    return check or "–"


def _peer_cells(r: dict | None) -> list[str]:
    if r is None:
        return ["–", "–", "–"]
    if r["status"] == "skipped":
        return ["skip", "–", "–"]
    ratio = r.get("time_ratio_ours_over_this")
    obj = f"{_obj(r['objective'])} {_vs(r)}"
    if any(str(r.get("check", "")).startswith(f) for f in FAIL_CHECKS):
        obj += f" **{r['check']}**"
    return [f"{_f(r['total_s'])} ({_short_status(r['status'])})", "–" if ratio is None else f"{ratio:.2f}", obj]


# --------------------------------------------------------------------------------------------
# Plot


def plot(rows: list[dict], path: Path, *, title: str) -> Path | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = {"ours": "tab:blue", "highs": "tab:orange", "spopt": "tab:green"}
    labels = {"ours": "ours (OR-Tools)", "highs": "HiGHS textbook (scipy.milp)", "spopt": "spopt + CBC"}
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2))
    ax = axes[0]
    done = False
    for s in SOLVERS:
        pts = [(r["n_customers"] * r["n_sites"], r["total_s"]) for r in rows
               if r["solver"] == s and r["series"] in ("reference", "maximo") and r.get("total_s")
               and r["status"] not in ("skipped", "error")]
        if pts:
            xs, ys = zip(*pts)
            ax.scatter(xs, ys, s=14, alpha=0.7, color=colors[s], label=labels[s])
            done = True
        tl = [(r["n_customers"] * r["n_sites"], r["total_s"]) for r in rows
              if r["solver"] == s and r["series"] in ("reference", "maximo") and r.get("total_s")
              and r["status"] in ("time_limit", "no_solution")]
        if tl:
            ax.scatter(*zip(*tl), marker="x", s=40, color=colors[s], zorder=5,
                       label=f"{labels[s]}: time limit hit")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("customers x sites")
    ax.set_ylabel("total time, s (read + coverage + build + solve)")
    ax.set_title("public instances")
    if done:
        ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    ax = axes[1]
    done = False
    tl_labelled = False
    styles = {"BDS-like/100": "-o", "BDS-like/1000": "--s", "district/euclid": ":^", "district/network": "-.v"}
    for fam, st in styles.items():
        for s in SOLVERS:
            sel = sorted(((r["n_customers"], r["total_s"], r["status"]) for r in rows
                          if r["solver"] == s and r["family"] == fam and r.get("total_s")
                          and r["status"] not in ("skipped", "error", "killed")), key=lambda t: t[:2])
            if sel:
                xs, ys, st_ = zip(*sel)
                ax.plot(xs, ys, st, color=colors[s], label=f"{labels[s]}, {fam}", markersize=5)
                tl = [(x, y) for x, y, z in sel if z != "optimal"]
                if tl:
                    ax.scatter(*zip(*tl), marker="x", s=60, color="black", zorder=5,
                               label=None if tl_labelled else "time limit hit (not proven)")
                    tl_labelled = True
                done = True
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("customers")
    ax.set_ylabel("total time, s")
    ax.set_title("scaling series")
    if done:
        ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
