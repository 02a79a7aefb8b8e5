"""Comparing two finished runs (output folders of `siting solve`, or levels of a sweep).

    compare_runs(a, b) -> Comparison     (a = before, b = after)
    write_comparison(comparison, out_dir)

Read from each folder: summary.json, coverage.csv, plan.csv, sites.csv and
households_coverage.csv. The comparison gives coverage per street and service
in both runs, the spaces added, removed or with changed services (names and
costs), the cost difference, the grades of every street in both runs
(solver/inputs/grades.py), and the (household, service) pairs that gain or lose
coverage. The change's effect is given twice: before re-planning (what the
existing facilities reach in each run: a closed market's own effect) and after
(the two plans). Households are matched by id; runs over different districts
are refused. Written in English or Chinese (labels: solver/inputs/labels.py);
comparison.html (compare_page.py) shows it with a map of the spaces added and
removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DefectError, InputError, Problems
from ..folders import staged_folder, write_csv
from ..inputs.grades import Grade, GradeRules, rules_from_dict
from ..inputs.labels import GRADE_LABELS, compare_label
from ..runfolders import COUNT, FLAG, ID, NUMBER, TEXT, check_folder, read_layer, read_summary
from .compare_page import comparison_html


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

    def service_name(self, key: str, lang: str) -> str:
        info = self.summary.get("parameters", {}).get("services", {}).get(key) or {}
        return str(info.get("name_zh") or key) if lang == "zh" else key

    @property
    def grade_rules(self) -> GradeRules:
        return rules_from_dict(self.summary.get("parameters", {}).get("grades"), tuple(self.services))

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
    sites: pd.DataFrame  # id, name, street, change, services_a, services_b, cost a/b, lon, lat
    households: pd.DataFrame  # id, street, community, households, service, change (gained / lost)
    grades: pd.DataFrame  # street ('ALL' = district), grade before / after the plan in a and in b
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
    sites = read_layer(path / "sites.csv", {"id": TEXT, "name": TEXT, "street": TEXT, "lon": NUMBER,
                                            "lat": NUMBER}, problems)
    services = list(dict.fromkeys(coverage["service"])) if coverage is not None else []
    households = read_layer(path / "households_coverage.csv",
                            {"id": ID, "street": TEXT, "community": TEXT, "households": COUNT,
                             "lon": NUMBER, "lat": NUMBER,
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
        row["change_before_households"] = (None if x is None or y is None else
                                           row["covered_before_b"] - row["covered_before_a"])
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
                          "cost_b": costs_b.get(cid, 0.0 if not sb else None),
                          "lon": float(info.loc[cid, "lon"]) if cid in info.index else None,
                          "lat": float(info.loc[cid, "lat"]) if cid in info.index else None})
    order = {"added": 0, "removed": 1, "services changed": 2, "services added": 3, "kept": 4}
    sites = pd.DataFrame(site_rows, columns=["id", "name", "street", "change", "services_a", "services_b",
                                             "cost_a", "cost_b", "lon", "lat"])
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
                      only_a=only_a, only_b=only_b, grades=_grades(ra, rb))


def _area_grades(run: RunFolder) -> dict[str, tuple[Grade | None, Grade | None]]:
    """street ('ALL' for the district) -> (grade before the plan, after it), from coverage.csv."""
    rules = run.grade_rules
    out = {}
    for street, part in run.coverage.groupby("street", sort=False):
        hh = part.set_index("service")
        pcts = []
        for col in ("covered_before", "covered_after"):
            pct = {s: 100.0 * float(hh.loc[s, col]) / float(hh.loc[s, "households"])
                   for s in run.services if s in hh.index and float(hh.loc[s, "households"]) > 0}
            pcts.append(pct if len(pct) == len(run.services) else None)
        out[str(street)] = (rules.grade(pcts[0]), rules.grade(pcts[1]))
    return out


def _grades(ra: RunFolder, rb: RunFolder) -> pd.DataFrame:
    ga, gb = _area_grades(ra), _area_grades(rb)
    streets = sorted((set(ga) | set(gb)) - {"ALL"}) + ["ALL"]

    def key(g: Grade | None) -> str:
        return "" if g is None else g.key

    rows = [{"street": st, "grade_before_a": key(ga.get(st, (None, None))[0]),
             "grade_after_a": key(ga.get(st, (None, None))[1]),
             "grade_before_b": key(gb.get(st, (None, None))[0]),
             "grade_after_b": key(gb.get(st, (None, None))[1])} for st in streets]
    return pd.DataFrame(rows, columns=["street", "grade_before_a", "grade_after_a", "grade_before_b",
                                       "grade_after_b"])


def grade_word(key: str, lang: str) -> str:
    return GRADE_LABELS[key][lang] if key in GRADE_LABELS else "—"


def comparison_markdown(c: Comparison, *, lang: str = "en") -> str:
    a, b = c.a, c.b

    def L(key: str, **values) -> str:  # noqa: N802 - the label lookup
        return compare_label(key, lang, **values)

    lines = [f"# {L('title', a=a.name, b=b.name)}", ""]
    sa, sb = a.summary.get("result", {}), b.summary.get("result", {})
    ba, bb = a.summary.get("parameters", {}).get("budget_yuan"), b.summary.get("parameters", {}).get("budget_yuan")

    def money(v):
        return L("none") if v is None else f"{float(v):,.0f}"

    def svc(key: str) -> str:
        return b.service_name(key, lang) if key in b.services else a.service_name(key, lang)

    lines.append(f"| | {a.name} | {b.name} | {L('difference')} |")
    lines.append("|---|---|---|---|")
    lines.append(f"| {L('status')} | {L(sa.get('status', ''))} | {L(sb.get('status', ''))} | |")
    lines.append(f"| {L('budget')} | {money(ba)} | {money(bb)} | |")
    lines.append(f"| {L('cost')} | {a.cost:,.0f} | {b.cost:,.0f} | {c.cost_difference:+,.0f} |")
    lines.append(f"| {L('spaces')} | {sa.get('spaces_opened', '')} | {sb.get('spaces_opened', '')} | |")
    lines.append("")
    lines.append(L("coverage_title"))
    lines.append("")
    lines.append(f"| {L('service')} | {L('households')} | {L('existing_a', a=a.name)} | {L('existing_b', b=b.name)} | "
                 f"{L('change_before')} | {L('plan_a', a=a.name)} | {L('plan_b', b=b.name)} | {L('change_after')} |")
    lines.append("|---|---|---|---|---|---|---|---|")

    def n(v):
        return "" if v is None or pd.isna(v) else f"{int(v):,}"

    def signed(v):
        return "" if v is None or pd.isna(v) else f"{int(v):+,}"

    for _, r in c.coverage[c.coverage["street"] == "ALL"].iterrows():
        lines.append(f"| {svc(r['service'])} | {r['households']:,} | {n(r['covered_before_a'])} | "
                     f"{n(r['covered_before_b'])} | {signed(r['change_before_households'])} | "
                     f"{n(r['covered_after_a'])} | {n(r['covered_after_b'])} | {signed(r['change_households'])} |")
    lines.append("")
    lines.append(L("effect_note"))
    changed = c.coverage[(c.coverage["street"] != "ALL") & (c.coverage["change_households"].fillna(0) != 0)]
    if len(changed):
        lines.append("")
        lines.append(L("streets_changed") + " " + "; ".join(
            f"{r['street']} {svc(r['service'])} {int(r['change_households']):+,}" for _, r in changed.iterrows()))
    lines.append("")
    lines.append(f"{L('grades_title')}:")
    lines.append("")
    lines.append(f"| {L('street')} | {a.name} | {b.name} |")
    lines.append("|---|---|---|")
    for _, g in c.grades.iterrows():
        street = L("district") if g["street"] == "ALL" else g["street"]
        ga = f"{grade_word(g['grade_before_a'], lang)} -> {grade_word(g['grade_after_a'], lang)}"
        gb = f"{grade_word(g['grade_before_b'], lang)} -> {grade_word(g['grade_after_b'], lang)}"
        mark = "" if (g["grade_before_a"], g["grade_after_a"]) == (g["grade_before_b"], g["grade_after_b"]) else " *"
        lines.append(f"| {street} | {ga} | {gb}{mark} |")
    lines.append("")
    counts = c.sites["change"].value_counts()
    lines.append(L("spaces_line", added=counts.get("added", 0), removed=counts.get("removed", 0),
                   changed=counts.get("services changed", 0), more=counts.get("services added", 0),
                   kept=counts.get("kept", 0)))

    def services_text(joined: str) -> str:
        return L("list_sep").join(svc(k) for k in str(joined).split(";") if k) or "-"

    def cost_text(v) -> str:
        return "" if v is None or pd.isna(v) else f"{float(v):,.0f}"

    for what in ("added", "removed", "services changed", "services added"):
        part = c.sites[c.sites["change"] == what]
        if not len(part):
            continue
        lines.append("")
        lines.append(f"{L(what)}:")
        lines.append("")
        lines.append(f"| {L('id')} | {L('name')} | {L('street')} | {L('services_a', a=a.name)} | "
                     f"{L('services_b', b=b.name)} | {L('cost_a', a=a.name)} | {L('cost_b', b=b.name)} |")
        lines.append("|---|---|---|---|---|---|---|")
        for _, r in part.head(50).iterrows():
            lines.append(f"| {r['id']} | {r['name']} | {r['street']} | {services_text(r['services_a'])} | "
                         f"{services_text(r['services_b'])} | {cost_text(r['cost_a'])} | {cost_text(r['cost_b'])} |")
        if len(part) > 50:
            lines.append(L("and_more", n=len(part) - 50))
    h = c.households
    gained = h[h["change"] == "gained"]
    lost = h[h["change"] == "lost"]
    lines.append("")
    lines.append(L("pairs_line", g=f"{int(gained['households'].sum()):,}", gb=f"{len(gained):,}",
                   lo=f"{int(lost['households'].sum()):,}", lb=f"{len(lost):,}"))
    for s in c.services:
        g = int(gained.loc[gained["service"] == s, "households"].sum())
        lo = int(lost.loc[lost["service"] == s, "households"].sum())
        if g or lo:
            lines.append(f"- {svc(s)}: +{g:,} / -{lo:,}")
    if c.only_a or c.only_b:
        lines.append("")
        lines.append(L("only_one", list=", ".join([f"{svc(s)} ({a.name})" for s in c.only_a]
                                                  + [f"{svc(s)} ({b.name})" for s in c.only_b])))
    return "\n".join(lines) + "\n"


def write_comparison(c: Comparison, out_dir: Path, *, lang: str = "en") -> list[Path]:
    """coverage.csv, sites.csv, households.csv, grades.csv, comparison.md and comparison.html (offline,
    with a map) into ``out_dir`` (replaced atomically)."""
    out_dir = Path(out_dir)
    with staged_folder(out_dir) as tmp:
        write_csv(c.coverage, tmp / "coverage.csv")
        write_csv(c.sites, tmp / "sites.csv")
        write_csv(c.households, tmp / "households.csv")
        write_csv(c.grades, tmp / "grades.csv")
        md = comparison_markdown(c, lang=lang)
        (tmp / "comparison.md").write_text(md, encoding="utf-8")
        (tmp / "comparison.html").write_text(comparison_html(c, md, lang=lang), encoding="utf-8")
    return sorted(p for p in out_dir.rglob("*") if p.is_file())
