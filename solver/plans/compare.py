"""Comparing two finished runs (output folders of `siting solve`, or levels of a sweep).

    compare_runs(a, b) -> Comparison     (a = before, b = after)
    write_comparison(comparison, out_dir)

Read from each folder: summary.json, coverage.csv, plan.csv, sites.csv and
households_coverage.csv. The comparison gives coverage per street and service
in both runs, the spaces added, removed or with changed services, the cost
difference, and the (household, service) pairs that gain or lose coverage.
Households are matched by id; runs over different districts are refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DefectError, InputError, Problems
from ..folders import staged_folder, write_csv
from ..runfolders import COUNT, FLAG, ID, NUMBER, TEXT, check_folder, read_layer, read_summary


@dataclass(frozen=True, kw_only=True)
class RunFolder:
    path: Path
    summary: dict
    coverage: pd.DataFrame
    plan: pd.DataFrame
    sites: pd.DataFrame
    households: pd.DataFrame

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def services(self) -> list[str]:
        return list(dict.fromkeys(self.coverage["service"]))

    @property
    def cost(self) -> float:
        return float(self.summary.get("result", {}).get("cost_yuan") or 0.0)


@dataclass(frozen=True, kw_only=True)
class Comparison:
    a: RunFolder
    b: RunFolder
    coverage: pd.DataFrame  # street, service, households, covered_after a/b, pct a/b, change
    sites: pd.DataFrame  # id, name, street, change, services_a, services_b, cost a/b
    households: pd.DataFrame  # id, street, community, households, service, change (gained / lost)
    services: list[str]  # services in both runs
    only_a: list[str]  # services in a only
    only_b: list[str]

    @property
    def cost_difference(self) -> float:
        return self.b.cost - self.a.cost


def read_run(path: Path) -> RunFolder:
    """Read a run folder; InputError naming every missing or unreadable file, column and value
    (a run folder may have been edited: solver/runfolders.py)."""
    path = Path(path)
    problems = Problems()
    if not check_folder(path, problems):
        problems.raise_if_any()
    summary = read_summary(path / "summary.json", {"result": "object", "result.status": "text",
                                                   "result.cost_yuan": "number_or_null",
                                                   "result.spaces_opened": "count_or_null",
                                                   "parameters": "object",
                                                   "parameters.budget_yuan": "number_or_null"}, problems)
    coverage = read_layer(path / "coverage.csv", {"street": TEXT, "service": TEXT, "households": COUNT,
                                                  "covered_before": COUNT, "covered_after": COUNT,
                                                  "pct_after": NUMBER}, problems)
    if coverage is not None and coverage.duplicated(["street", "service"]).any():
        k = int(np.flatnonzero(coverage.duplicated(["street", "service"]).to_numpy())[0])
        problems.add(str(path / "coverage.csv"), "(street, service) appears twice", field="street,service",
                     row=k + 2, value=f"{coverage['street'].iat[k]}, {coverage['service'].iat[k]}")
        coverage = None
    plan = read_layer(path / "plan.csv", {"id": TEXT, "service": TEXT}, problems)
    sites = read_layer(path / "sites.csv", {"id": TEXT, "name": TEXT, "street": TEXT}, problems)
    services = list(dict.fromkeys(coverage["service"])) if coverage is not None else []
    households = read_layer(path / "households_coverage.csv",
                            {"id": ID, "street": TEXT, "community": TEXT, "households": COUNT,
                             **{f"after_{s}": FLAG for s in services}}, problems)
    problems.raise_if_any()
    if summary is None or coverage is None or plan is None or sites is None or households is None:
        raise DefectError(f"{path}: a run file was not read, yet no problem was reported")
    return RunFolder(path=path, summary=summary, coverage=coverage, plan=plan, sites=sites, households=households)


def services_by_site(plan: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """(space id, service) pairs of a plan -> the services of each space, sorted."""
    out: dict[str, list[str]] = {}
    for cid, key in plan:
        out.setdefault(cid, []).append(key)
    return {c: tuple(sorted(v)) for c, v in out.items()}


def _site_costs(run: RunFolder) -> dict[str, float]:
    """Cost per chosen space (conversion + fit-out), from ranked_sites.csv when present."""
    f = run.path / "ranked_sites.csv"
    if not f.is_file():
        return {}
    problems = Problems()
    t = read_layer(f, {"id": TEXT, "cost": NUMBER}, problems)
    problems.raise_if_any()
    if t is None:
        raise DefectError(f"{f}: not read, yet no problem was reported")
    return dict(zip(t["id"], t["cost"].astype(float)))


def compare_runs(a: Path, b: Path) -> Comparison:
    """Compare run ``a`` (before) with run ``b`` (after)."""
    problems = Problems()
    runs: list[RunFolder] = []
    for path in (a, b):
        try:
            runs.append(read_run(path))
        except InputError as exc:
            problems.extend(exc.problems)
    problems.raise_if_any()  # both folders are read before any is refused
    ra, rb = runs
    ids_a, ids_b = set(ra.households["id"]), set(rb.households["id"])
    common = ids_a & ids_b
    if not common:
        problems.add(str(rb.path / "households_coverage.csv"), "no household id in common with "
                     f"{ra.path / 'households_coverage.csv'}: the runs are of different districts", show_value=False)
    problems.raise_if_any()
    services = [s for s in ra.services if s in rb.services]
    only_a = [s for s in ra.services if s not in rb.services]
    only_b = [s for s in rb.services if s not in ra.services]

    # coverage per street and service
    ca = ra.coverage.set_index(["street", "service"])
    cb = rb.coverage.set_index(["street", "service"])
    keys = list(ca.index) + [k for k in cb.index if k not in ca.index]
    rows = []
    for street, service in keys:
        x = ca.loc[(street, service)] if (street, service) in ca.index else None
        y = cb.loc[(street, service)] if (street, service) in cb.index else None
        hh = int((cb if y is not None else ca).loc[(street, service), "households"])
        row = {"street": street, "service": service, "households": hh,
               "covered_before_a": None if x is None else int(x["covered_before"]),
               "covered_after_a": None if x is None else int(x["covered_after"]),
               "covered_before_b": None if y is None else int(y["covered_before"]),
               "covered_after_b": None if y is None else int(y["covered_after"]),
               "pct_after_a": None if x is None else float(x["pct_after"]),
               "pct_after_b": None if y is None else float(y["pct_after"])}
        row["change_households"] = (None if x is None or y is None else
                                    row["covered_after_b"] - row["covered_after_a"])
        row["change_pct"] = (None if x is None or y is None else round(row["pct_after_b"] - row["pct_after_a"], 3))
        rows.append(row)
    coverage = pd.DataFrame(rows)
    coverage["_all"] = coverage["street"] == "ALL"
    coverage = coverage.sort_values(["_all", "street"], kind="stable").drop(columns="_all").reset_index(drop=True)

    # spaces
    pa, pb = (services_by_site(zip(r.plan["id"].astype(str), r.plan["service"].astype(str))) for r in (ra, rb))
    costs_a, costs_b = _site_costs(ra), _site_costs(rb)
    info = pd.concat([rb.sites, ra.sites], ignore_index=True).drop_duplicates("id").set_index("id")
    site_rows = []
    for cid in sorted(set(pa) | set(pb)):
        sa, sb = pa.get(cid, ()), pb.get(cid, ())
        if sa == sb:
            change = "kept"
        elif not sa:
            change = "added"
        elif not sb:
            change = "removed"
        else:
            change = "services added" if set(sa) <= set(sb) else "services changed"
        site_rows.append({"id": cid, "name": info.loc[cid, "name"] if cid in info.index else "",
                          "street": info.loc[cid, "street"] if cid in info.index else "", "change": change,
                          "services_a": ";".join(sa), "services_b": ";".join(sb),
                          "cost_a": costs_a.get(cid, 0.0 if not sa else None),
                          "cost_b": costs_b.get(cid, 0.0 if not sb else None)})
    order = {"added": 0, "removed": 1, "services changed": 2, "services added": 3, "kept": 4}
    sites = pd.DataFrame(site_rows, columns=["id", "name", "street", "change", "services_a", "services_b",
                                             "cost_a", "cost_b"])
    sites = sites.sort_values(["change", "id"], key=lambda c: c.map(order) if c.name == "change" else c,
                              kind="stable").reset_index(drop=True)

    # households that gain or lose coverage
    ha = ra.households.set_index("id").loc[sorted(common)]
    hb = rb.households.set_index("id").loc[sorted(common)]
    hh_rows = []
    for s in services:
        before, after = ha[f"after_{s}"].astype(int), hb[f"after_{s}"].astype(int)
        for label, mask in (("gained", (before == 0) & (after == 1)), ("lost", (before == 1) & (after == 0))):
            part = hb.loc[mask.to_numpy()]
            for hid, r in part.iterrows():
                hh_rows.append({"id": hid, "street": r["street"], "community": r["community"],
                                "households": int(r["households"]), "service": s, "change": label})
    households = pd.DataFrame(hh_rows, columns=["id", "street", "community", "households", "service", "change"])
    return Comparison(a=ra, b=rb, coverage=coverage, sites=sites, households=households, services=services,
                      only_a=only_a, only_b=only_b)


def comparison_markdown(c: Comparison) -> str:
    a, b = c.a, c.b
    lines = [f"# {a.name} -> {b.name}", ""]
    sa, sb = a.summary.get("result", {}), b.summary.get("result", {})
    ba, bb = a.summary.get("parameters", {}).get("budget_yuan"), b.summary.get("parameters", {}).get("budget_yuan")

    def money(v):
        return "none" if v is None else f"{float(v):,.0f}"

    lines.append("| | " + a.name + " | " + b.name + " | difference |")
    lines.append("|---|---|---|---|")
    lines.append(f"| status | {sa.get('status', '')} | {sb.get('status', '')} | |")
    lines.append(f"| budget (yuan) | {money(ba)} | {money(bb)} | |")
    lines.append(f"| cost (yuan) | {a.cost:,.0f} | {b.cost:,.0f} | {c.cost_difference:+,.0f} |")
    lines.append(f"| spaces | {sa.get('spaces_opened', '')} | {sb.get('spaces_opened', '')} | |")
    lines.append("")
    lines.append("Coverage (all streets), households covered after the plan:")
    lines.append("")
    lines.append(f"| service | households | {a.name} | {b.name} | change | % {a.name} | % {b.name} |")
    lines.append("|---|---|---|---|---|---|---|")
    def n(v):
        return "" if v is None or pd.isna(v) else f"{int(v):,}"

    def pct(v):
        return "" if v is None or pd.isna(v) else f"{v:.1f}"

    for _, r in c.coverage[c.coverage["street"] == "ALL"].iterrows():
        ch = r["change_households"]
        change = "" if ch is None or pd.isna(ch) else f"{int(ch):+,}"
        lines.append(f"| {r['service']} | {r['households']:,} | {n(r['covered_after_a'])} | "
                     f"{n(r['covered_after_b'])} | {change} | {pct(r['pct_after_a'])} | {pct(r['pct_after_b'])} |")
    changed = c.coverage[(c.coverage["street"] != "ALL") & (c.coverage["change_households"].fillna(0) != 0)]
    if len(changed):
        lines.append("")
        lines.append("Streets whose coverage changes: " + "; ".join(
            f"{r['street']} {r['service']} {int(r['change_households']):+,}" for _, r in changed.iterrows()))
    lines.append("")
    counts = c.sites["change"].value_counts()
    lines.append(f"Spaces: {counts.get('added', 0)} added, {counts.get('removed', 0)} removed, "
                 f"{counts.get('services changed', 0)} with changed services, {counts.get('services added', 0)} "
                 f"with services added, {counts.get('kept', 0)} kept.")
    for what in ("added", "removed", "services changed", "services added"):
        part = c.sites[c.sites["change"] == what]
        if len(part):
            shown = ", ".join(f"{r['id']} ({r['services_a'] or '-'} -> {r['services_b'] or '-'})"
                              if what.startswith("services") else
                              f"{r['id']} ({r['services_b'] if what == 'added' else r['services_a']})"
                              for _, r in part.head(30).iterrows())
            more = f" ... and {len(part) - 30} more" if len(part) > 30 else ""
            lines.append(f"- {what}: {shown}{more}")
    h = c.households
    gained = h[h["change"] == "gained"]
    lost = h[h["change"] == "lost"]
    lines.append("")
    lines.append(f"(household, service) pairs that gain coverage: {int(gained['households'].sum()):,} households "
                 f"in {len(gained):,} buildings; that lose it: {int(lost['households'].sum()):,} households in "
                 f"{len(lost):,} buildings.")
    for s in c.services:
        g = int(gained.loc[gained["service"] == s, "households"].sum())
        lo = int(lost.loc[lost["service"] == s, "households"].sum())
        if g or lo:
            lines.append(f"- {s}: +{g:,} / -{lo:,}")
    if c.only_a or c.only_b:
        lines.append("")
        lines.append("Services in one run only (not compared household by household): "
                     + ", ".join([f"{s} ({a.name})" for s in c.only_a] + [f"{s} ({b.name})" for s in c.only_b]))
    return "\n".join(lines) + "\n"



def write_comparison(c: Comparison, out_dir: Path) -> list[Path]:
    """coverage.csv, sites.csv, households.csv and comparison.md into ``out_dir`` (replaced atomically)."""
    out_dir = Path(out_dir)
    with staged_folder(out_dir) as tmp:
        write_csv(c.coverage, tmp / "coverage.csv")
        write_csv(c.sites, tmp / "sites.csv")
        write_csv(c.households, tmp / "households.csv")
        (tmp / "comparison.md").write_text(comparison_markdown(c), encoding="utf-8")
    return sorted(p for p in out_dir.rglob("*") if p.is_file())
