"""The district family's results: trace metrics, checks across solvers, speed-up sums, the sweep ratio, targets.

Everything here is computed from one run's jobs (``jobs.jsonl``), never from stored
figures: the best plan of each case (z*) is the best checked plan any solver found in
that run, and every ratio compares solvers of that run.
"""

from __future__ import annotations

import statistics

from .reference import Case
from .traces import metrics

PEER_NAMES = {"scip": "plain SCIP", "highs": "plain HiGHS", "ours": "ours"}
GAP_TARGET = 0.005
FULL_GAP_TARGET = 0.01  # the full catalogue's, at 120 s
PROOF_TARGET_S = 10.0
DISTRICT_TARGETS = (
    "district family vs plain SCIP and plain HiGHS, same run: >= 10x faster to a 0.5 % gap on the sum over cases",
    "50 streets, density 2, 4 services, 60 s limit: gap <= 0.5 % at 60 s",
    "20 streets, 4 services, 1 M yuan per street: proven optimal <= 10 s end to end (every density and seed run)",
    "50 streets, density 2, full policy catalogue: gap <= 1 % at 120 s",
    "100 streets: a checked plan with gap <= 1 % within 5 min end to end, peak memory < 4 GB",
    "10-level sweep, 20 streets: <= 3x one solve",
)


def _median(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def _maximize(case: Case) -> bool:
    return not case.minimize


def _better(case: Case, a: float, b: float, tol: float) -> int:
    """+1 if a is better than b by more than tol, -1 if worse, 0 if equal."""
    if abs(a - b) <= tol:
        return 0
    return (1 if a > b else -1) if _maximize(case) else (1 if a < b else -1)


def _tol(row: dict, z: float) -> float:
    """Checked plan values are exact sums: half the coverage granularity apart counts (cover mode: rounding)."""
    delta = float(row.get("tol") or 0.0)
    return 0.5 * delta if delta > 0 else 1e-9 * max(1.0, abs(z))


def add_district_metrics(rows: list[dict], runs: dict[tuple[str, str], list[dict]], cases: dict[str, Case]) -> None:
    """Fill z_best and the trace metrics (medians over repeats) of every district row."""
    by_case: dict[str, list[dict]] = {}
    for r in rows:
        if r["series"] == "district" and cases[r["case_id"]].source.get("kind") != "sweep":
            by_case.setdefault(r["case_id"], []).append(r)
    for cid, rs in by_case.items():
        case = cases[cid]
        plans = [r["objective"] for r in rs if r["objective"] is not None and r.get("plan_ok", True)]
        z_best = None
        if plans:
            z_best = max(plans) if _maximize(case) else min(plans)
        for r in rs:
            r["z_best"] = z_best
            per_run = []
            for job in runs.get((cid, r["solver"]), []):
                if job.get("status") in ("skipped", "error", "killed"):
                    continue
                T = float(job.get("time_limit") or r.get("time_limit") or 60.0)
                tol = float(job.get("tol") or 0.0)
                if z_best is not None:
                    tol = max(tol, 1e-6 * abs(z_best))
                ev = [tuple(e) for e in job.get("events") or []]
                m = metrics(ev, maximize=_maximize(case), z_best=z_best, horizon=T, tol=tol)
                m1 = metrics(ev, maximize=_maximize(case), z_best=z_best, horizon=T, tol=tol, gap_target=0.01)
                m["t_gap_1pct"] = m1["t_gap_05pct"]
                if job.get("status") == "infeasible":  # a proof that no plan exists: no plan to measure
                    m = dict.fromkeys(m)
                m["t_proof"] = job.get("solve_s") if job.get("status") in ("optimal", "infeasible") else None
                m["trace_events"] = len(ev)
                per_run.append(m)
            for k in ("t_first_plan", "t_within_1pct", "t_gap_05pct", "t_gap_1pct", "t_proof", "primal_integral",
                      "trace_events"):
                r[k] = _median([m[k] for m in per_run])
            r["tol"] = _median([j.get("tol") for j in runs.get((cid, r["solver"]), [])])
            r["cover_complete"] = next((j.get("cover_complete") for j in runs.get((cid, r["solver"]), [])), None)


def district_checks(rows: list[dict], cases: dict[str, Case]) -> None:
    """Cross-check the district rows of each case: a proven optimum that another solver's checked
    plan beats is a MISMATCH; ours ending without a plan is a failure (NO PLAN)."""
    by_case: dict[str, list[dict]] = {}
    for r in rows:
        if r["series"] == "district":
            by_case.setdefault(r["case_id"], []).append(r)
    for cid, rs in by_case.items():
        case = cases[cid]
        sweep = case.source.get("kind") == "sweep"
        planned = [r for r in rs if r["objective"] is not None and r.get("plan_ok", True)]
        # cover mode where full coverage is impossible (space areas): the plain models prove it
        # infeasible; ours covers the most that can be covered together, at least cost
        partial = [r for r in rs if r.get("cover_complete") is False]
        full = [r for r in planned if r.get("cover_complete") is not False]
        for r in rs:
            if r["check"] or r["status"] == "skipped":
                continue
            if sweep:
                r["check"] = "NO PLAN at some level" if r["status"] == "no_solution" else "ok (checked)"
                continue
            if r.get("cover_complete") is False:
                r["check"] = (f"MISMATCH (full coverage called impossible, but {full[0]['solver']} covered everything)"
                              if full else "ok (checked; full coverage impossible: the most that can be covered, "
                                           "at least cost)")
                continue
            if r["status"] == "infeasible" and partial and not full:
                r["check"] = "infeasible (agrees: full coverage is impossible)"
                continue
            if r["objective"] is None:
                others = [o["solver"] for o in planned if o is not r]
                if r["status"] == "infeasible" and others:
                    r["check"] = f"MISMATCH (infeasible, but {', '.join(others)} found a plan)"
                elif r["solver"] == "ours":
                    r["check"] = f"NO PLAN ({r['status']})"
                else:
                    r["check"] = f"no plan ({r['status']})"
                continue
            beaten = [o for o in planned if o is not r
                      and _better(case, o["objective"], r["objective"], _tol(r, r["objective"])) > 0]
            if r["status"] == "optimal" and beaten:
                r["check"] = (f"MISMATCH (proven optimal, but the plan of {beaten[0]['solver']} is better: "
                              f"{beaten[0]['objective']:,.2f})")
            else:
                r["check"] = "ok (checked)"


def speedup(rows: list[dict], peer: str, *, field: str = "t_gap_05pct") -> dict | None:
    """Sum over the cases both ran of the time to a 0.5 % gap, a solver that never reached it
    counted at its time limit (a censored value). Grade cases are not in it (their gaps stay far above
    0.5 %: ``grade_rows`` compares their plans)."""
    ours = {r["case_id"]: r for r in rows if r["series"] == "district" and r["solver"] == "ours"}
    n = 0
    s_ours = s_peer = 0.0
    c_ours = c_peer = 0
    for r in rows:
        if r["series"] != "district" or r["solver"] != peer or r["status"] in ("skipped", "error", "killed"):
            continue
        if r.get("problem") == "GRADE":
            continue
        o = ours.get(r["case_id"])
        if o is None or o["status"] in ("skipped", "error", "killed") or o.get("z_best") is None:
            continue
        if o.get("cover_complete") is False or "infeasible" in (o["status"], r["status"]):
            continue  # not the same question answered: no time to a gap to compare
        n += 1
        for row, is_ours in ((o, True), (r, False)):
            t = row.get(field)
            if t is None:
                t = float(row.get("time_limit") or 0.0)
                if is_ours:
                    c_ours += 1
                else:
                    c_peer += 1
            if is_ours:
                s_ours += t
            else:
                s_peer += t
    if n == 0:
        return None
    ratio = s_peer / s_ours if s_ours > 0 else None
    kind = "=" if not c_ours and not c_peer else (">=" if not c_ours else ("<=" if not c_peer else "~"))
    return {"peer": peer, "cases": n, "ours_s": s_ours, "peer_s": s_peer, "ours_censored": c_ours,
            "peer_censored": c_peer, "ratio": ratio, "kind": kind}


def sweep_ratio(rows: list[dict], cases: dict[str, Case]) -> list[dict]:
    """Per sweep case: the sweep's end-to-end time over one solve of its partner (prepare + solve), same run."""
    ours = {r["case_id"]: r for r in rows if r["solver"] == "ours"}
    out = []
    for r in rows:
        case = cases.get(r["case_id"])
        if case is None or case.source.get("kind") != "sweep" or r["solver"] != "ours":
            continue
        partner = ours.get(case.source.get("partner", ""))
        one = partner.get("total_s") if partner and partner["status"] not in ("error", "killed", "skipped") else None
        total = r.get("total_s")
        out.append({"case_id": r["case_id"], "partner": case.source.get("partner"), "sweep_s": total,
                    "one_s": one, "ratio": total / one if total and one else None, "levels": case.source["levels"],
                    "status": r["status"], "partner_status": partner["status"] if partner else None})
    return out


def grade_rows(rows: list[dict]) -> list[dict]:
    """Per grade case (least cost at which every street that can reach the target does): each solver's
    checked plan cost and gap at the end, and how much cheaper ours' plan is than each peer's."""
    by: dict[str, dict[str, dict]] = {}
    for r in rows:
        if r["series"] == "district" and r.get("problem") == "GRADE" and r["status"] not in ("skipped",):
            by.setdefault(r["case_id"], {})[r["solver"]] = r
    out = []
    for cid, rs in by.items():
        o = rs.get("ours")
        row = {"case_id": cid}
        for s, r in rs.items():
            ok = r["objective"] is not None and r.get("plan_ok", True)
            row[s] = {"cost": r["objective"] if ok else None, "gap": r.get("gap"), "status": r["status"]}
        if o is not None and o["objective"] is not None:
            for s in ("scip", "highs"):
                p = row.get(s, {}).get("cost")
                if p:
                    row[s]["ours_cheaper"] = (p - o["objective"]) / p
        out.append(row)
    return out


def _grade_cell(g: dict, solver: str) -> str:
    v = g.get(solver)
    if v is None or v["cost"] is None:
        return "–" if v is None else f"no plan ({v['status']})"
    return f"{v['cost']:,.0f} (gap {_pct(v['gap'])})"


def _cheaper_cell(g: dict, solver: str) -> str:
    v = g.get(solver) or {}
    return "–" if v.get("ours_cheaper") is None else f"{100 * v['ours_cheaper']:.1f} %"


def _fmt_s(v) -> str:
    return "–" if v is None else (f"{v:.1f}" if v >= 10 else f"{v:.2f}")


def _pct(v) -> str:
    return "–" if v is None else f"{100 * v:.2f} %"


def _ratio_text(sp: dict) -> str:
    if sp["ratio"] is None:
        return "–"
    sign = {"=": "", ">=": ">= ", "<=": "<= ", "~": "~ "}[sp["kind"]]
    return f"{sign}{sp['ratio']:.2f}x"


def targets(rows: list[dict], cases: dict[str, Case]) -> list[tuple[str, str, str]]:
    """(target, measured in this run, met / not met / not in this run)."""
    out = []
    sps = [sp for sp in (speedup(rows, p) for p in ("scip", "highs")) if sp]
    if sps:
        met = all(sp["ratio"] is not None and sp["ratio"] >= 10 and sp["kind"] in ("=", ">=") for sp in sps)
        text = "; ".join(f"{PEER_NAMES[sp['peer']]} {_ratio_text(sp)} over {sp['cases']} case(s)" for sp in sps)
        out.append((DISTRICT_TARGETS[0], text, "met" if met else "not met"))
    else:
        out.append((DISTRICT_TARGETS[0], "–", "not in this run"))
    ours = [r for r in rows if r["series"] == "district" and r["solver"] == "ours"]

    def pick(**want) -> list[dict]:
        """Ours' district rows whose case has these source fields (any generator seed); not grade mode, which
        has its own table (grade_rows): the targets predate it and are about the max-coverage and cover cases."""
        return [r for r in ours if r["status"] != "skipped" and cases[r["case_id"]].source.get("kind") == "district"
                and cases[r["case_id"]].source.get("mode") != "grade"
                and all(cases[r["case_id"]].source.get(k) == v for k, v in want.items())]

    def gap_target(target: str, picked: list[dict], gap: float, limit: float) -> None:
        """Every picked case within ``gap`` at a time limit of at most ``limit`` seconds."""
        if not picked:
            out.append((target, "–", "not in this run"))
            return
        gaps = [(r["case_id"].split("/", 1)[1], r.get("gap"), r.get("time_limit")) for r in picked]
        met = all(g is not None and g <= gap and (tl or 0) <= limit for _, g, tl in gaps)
        out.append((target, ", ".join(f"{w}: {_pct(g)} (limit {tl:g} s)" for w, g, tl in gaps),
                    "met" if met else "not met"))

    gap_target(DISTRICT_TARGETS[1], pick(n_streets=50, density=2, catalogue="basic4"), GAP_TARGET, 60)
    s20 = pick(n_streets=20, catalogue="basic4", mode="max_coverage", level_m_per_street=1)
    if s20:
        e2e = [None if r.get("t_proof") is None else (r.get("prepare_s") or 0.0) + r["t_proof"] for r in s20]
        n_ok = sum(1 for t in e2e if t is not None and t <= PROOF_TARGET_S)
        parts = [f"{r['case_id'].split('/')[1]}: {'not proven' if t is None else f'{t:.1f} s'}"
                 for r, t in zip(s20, e2e)]
        out.append((DISTRICT_TARGETS[2], f"{n_ok} of {len(s20)} within {PROOF_TARGET_S:g} s (" + ", ".join(parts) + ")",
                    "met" if n_ok == len(s20) else "not met"))
    else:
        out.append((DISTRICT_TARGETS[2], "–", "not in this run"))
    gap_target(DISTRICT_TARGETS[3], pick(n_streets=50, density=2, catalogue="tongzhou2022"), FULL_GAP_TARGET, 120)
    s100 = pick(n_streets=100)
    if s100:
        parts, met = [], True
        for r in s100:
            t1 = r.get("t_gap_1pct")
            e2e = None if t1 is None else (r.get("prepare_s") or 0.0) + t1
            mb = r.get("peak_rss_mb") or 0.0
            ok = e2e is not None and e2e <= 300 and r.get("plan_ok") and mb < 4096
            met = met and bool(ok)
            parts.append(f"{r['case_id'].split('/', 1)[1]}: gap {_pct(r.get('gap'))}, <= 1 % at "
                         f"{_fmt_s(e2e)} s end to end, {mb:,.0f} MB")
        out.append((DISTRICT_TARGETS[4], "; ".join(parts), "met" if met else "not met"))
    else:
        out.append((DISTRICT_TARGETS[4], "–", "not in this run"))
    sw = [s for s in sweep_ratio(rows, cases) if cases[s["case_id"]].source.get("n_streets") == 20
          and s["ratio"] is not None]
    if sw:
        text = ", ".join(f"{s['case_id'].split('/')[1]}: {s['ratio']:.2f}x ({_fmt_s(s['sweep_s'])} s vs "
                         f"{_fmt_s(s['one_s'])} s)" for s in sw)
        out.append((DISTRICT_TARGETS[5], text, "met" if all(s["ratio"] <= 3 for s in sw) else "not met"))
    else:
        out.append((DISTRICT_TARGETS[5], "–", "not in this run"))
    return out


def markdown(rows: list[dict], cases: dict[str, Case], order: list[str]) -> list[str]:
    drows = [r for r in rows if r["series"] == "district"]
    if not drows:
        return []
    out = ["## District family", "",
           "Same run, each (case, solver) its own process. Times from the start of the solve (ours: "
           "`solve_instance`, which reduces, warm-starts, builds and solves; a peer: its model build + solve); "
           "the preparation (tables, network, coverage, model instance; the same `prepare()` for every solver) "
           "is its own column. z* = the best checked plan of the case in this run.", ""]
    for peer in ("scip", "highs"):
        sp = speedup(rows, peer)
        if sp is None:
            continue
        cens = []
        if sp["peer_censored"]:
            cens.append(f"{PEER_NAMES[peer]} never reached 0.5 % on {sp['peer_censored']} (counted at its limit)")
        if sp["ours_censored"]:
            cens.append(f"ours never reached 0.5 % on {sp['ours_censored']} (counted at its limit)")
        cases_text = f"{sp['cases']} case" + ("s" if sp["cases"] != 1 else "")
        out.append(f"- **Time to a 0.5 % gap, summed over the {cases_text} both ran: ours "
                   f"{_fmt_s(sp['ours_s'])} s, {PEER_NAMES[peer]} {_fmt_s(sp['peer_s'])} s: "
                   f"{PEER_NAMES[peer]} / ours = {_ratio_text(sp)}**"
                   + (f" ({'; '.join(cens)})" if cens else ""))
    for s in sweep_ratio(rows, cases):
        ratio = "–" if s["ratio"] is None else f"{s['ratio']:.2f}x"
        out.append(f"- **Sweep** `{s['case_id']}`: {s['levels']} levels + full coverage in {_fmt_s(s['sweep_s'])} s "
                   f"end to end vs one solve `{s['partner']}` in {_fmt_s(s['one_s'])} s (prepare + solve): "
                   f"**{ratio}** (sweep {s['status']}, one solve {s['partner_status']})")
    grades = grade_rows(rows)
    if grades:
        out += ["", "Grade cases (the least cost at which every street that can reach the policy's target grade "
                "does; plans checked; a plan's cost at the end of the limit, its gap to its own bound):", "",
                "| case | ours | plain SCIP | plain HiGHS | ours cheaper than plain SCIP | than plain HiGHS |",
                "|---|---|---|---|---|---|"]
        for g in grades:
            out.append(f"| {g['case_id']} | {_grade_cell(g, 'ours')} | {_grade_cell(g, 'scip')} | "
                       f"{_grade_cell(g, 'highs')} | {_cheaper_cell(g, 'scip')} | {_cheaper_cell(g, 'highs')} |")
    out += ["", "Targets (measured in this run):", "", "| target | this run | |", "|---|---|---|"]
    out += [f"| {t} | {m} | {v} |" for t, m, v in targets(rows, cases)]
    out += ["", "| case | items x options (nnz) | limit s | solver | status | objective | gap | prepare s | "
            "solve s | first plan s | within 1 % of z* s | gap <= 0.5 % s | proof s | primal integral s | MB | check |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    by = {(r["case_id"], r["solver"]): r for r in drows}
    skipped: dict[str, list[str]] = {}
    for cid in order:
        for s in ("ours", "scip", "highs"):
            r = by.get((cid, s))
            if r is None:
                continue
            size = "–"
            if r.get("n_customers"):
                size = f"{r['n_customers']:,} x {r['n_sites']:,} ({(r.get('nnz') or 0):,})"
            if r["status"] == "skipped":
                ids = skipped.setdefault(str(r.get("note") or "skipped"), [])
                if cid not in ids:
                    ids.append(cid)
                continue
            obj = "–" if r["objective"] is None else f"{r['objective']:,.0f}"
            out.append("| " + " | ".join([
                cid, size, _fmt_s(r.get("time_limit")), PEER_NAMES.get(s, s), r["status"] or "–", obj,
                _pct(r.get("gap")), _fmt_s(r.get("prepare_s")), _fmt_s(r.get("solve_s")),
                _fmt_s(r.get("t_first_plan")), _fmt_s(r.get("t_within_1pct")), _fmt_s(r.get("t_gap_05pct")),
                _fmt_s(r.get("t_proof")), _fmt_s(r.get("primal_integral")), _fmt_s(r.get("peak_rss_mb")),
                r.get("check") or "–"]) + " |")
    for note, ids in skipped.items():
        out += ["", f"Skipped, every solver ({len(ids)} cases): {note}: " + ", ".join(f"`{c}`" for c in ids)]
    out += ["", "Columns: *gap* = |bound - plan| / max(|plan|, 1) at the end; *within 1 % of z\\** = the first "
            "time the solver held a plan whose primal gap to z* is <= 1 %; *gap <= 0.5 %* = the first time its own "
            "plan and bound were within 0.5 %; *proof* = the end of a solve that proved optimality; *primal "
            "integral* = the integral of the primal gap over [0, limit] (Berthold 2013), seconds; *MB* = peak "
            "resident memory of the job (ru_maxrss, preparation included). Sweep rows: *solve s* is every "
            "level plus full coverage; ours' trace is the engine's when it has one (detail `trace`).", ""]
    return out
