"""Writing a run's files, atomically.

Everything is written into a fresh temporary folder beside the target and
moved into place only when every file is complete, so an error never leaves
half-written outputs (and a previous run's folder is replaced whole).

Files: ranked_sites.csv / .geojson (+ by_street/<street>.csv), coverage.csv,
uncovered.csv, plan.csv (one row per opened (space, service)),
households_coverage.csv, sites.csv, existing.csv (map-ready layers) and
summary.json. Coordinates in CSV files are in the scenario's input CRS (``x``,
``y``; for ``crs = "gcj02"`` / ``"bd09"`` the lon/lat of that map, converted back
by :func:`solver.inputs.geo.project`) and in WGS84 (``lon``, ``lat``); GeoJSON is
WGS84 as RFC 7946 requires.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
from pyproj import CRS

from ..choices import Backend
from ..folders import staged_folder, write_csv
from ..inputs.dates import date_text
from ..inputs.geo import project
from ..inputs.presets import catalogue_summary, needs_record
from ..inputs.scenario import describe_changes
from ..paths import unique_file_names
from ..plain import json_value
from .gis import gpkg_crs_note, write_gpkg
from .onsite import attributes_in_use, deciding_assumptions, joined, plan_assumptions
from .run import Run


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in ("siting", "ortools", "pulp", "numpy", "scipy", "pandas", "geopandas", "pyproj"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def summary(run: Run) -> dict:
    sc = run.scenario
    res = run.result
    services = list(run.coverage.services)
    cov = run.coverage_table[run.coverage_table["street"] == "ALL"].set_index("service")
    out = {
        "scenario": {"name": sc.name, "file": None if sc.path is None else str(sc.path), "description": sc.description,
                     "what_if": describe_changes(sc),
                     **({"name_zh": sc.name_zh} if sc.name_zh else {}),
                     **({"description_zh": sc.description_zh} if sc.description_zh else {})},
        "inputs": {"fingerprints_sha256": run.district.fingerprints, "input_crs": sc.crs,
                   "working_crs": run.district.crs.to_string(),
                   "households_rows": len(run.district.households),
                   "total_households": run.district.total_households,
                   "candidates": len(run.district.candidates), "existing_facilities": len(run.district.existing)},
        "travel": {
            "method": run.geometry.method,
            "note": ("walking distances over the network; access legs from points to their nearest node count "
                     "as walking" if run.geometry.method == "network" else
                     f"NO NETWORK GIVEN: straight-line distance x detour factor {sc.detour_factor:g}"),
            "speed_m_per_min": sc.speed_m_per_min,
            "network_nodes": run.geometry.network.n_nodes if run.geometry.network is not None else 0,
            "network_edges": run.geometry.network.n_edges if run.geometry.network is not None else 0,
            "reach_pairs": run.coverage.reach.nnz,
        },
        "parameters": {
            "mode": run.mode.value, "budget_yuan": run.budget, "backend": run.backend,
            "engine": run.engine if run.backend is Backend.ORTOOLS else "cbc",
            "time_limit_s": run.params.time_limit_s, "relative_gap": run.params.relative_gap,
            "threads": run.params.threads, "seed": run.params.seed,
            "services": {k: {"name_en": s.name_en, "name_zh": s.name_zh,
                             "threshold_min": s.threshold_min, "weight": s.weight,
                             "fit_out_cost": s.fit_out_cost, "area_m2": s.area_m2, "category": s.category,
                             "min_floor": s.min_floor,
                             # combined formats (一店多能), only where a service has them
                             **({"requires": list(s.requires)} if s.requires else {}),
                             **({"shared_fit_out": dict(s.shared_fit_out)} if s.shared_fit_out else {})}
                         for k, s in sc.services.items()},
            "street_caps": {k: {"max_sites": v.max_sites, "max_yuan": v.max_yuan} for k, v in sc.street_caps.items()},
            "default_street_cap": (None if sc.default_street_cap is None else
                                   {"max_sites": sc.default_street_cap.max_sites,
                                    "max_yuan": sc.default_street_cap.max_yuan}),
            "must_open": sc.must_open,
            "grades": sc.grades.to_dict(),  # street/community grade rules (solver/inputs/grades.py)
        },
        "result": {
            "status": res.termination.value,
            "message": res.message,
            "objective": json_value(res.objective),
            "objective_sense": "max weighted households covered" if run.mode.value == "max_coverage"
            else "min cost (yuan) of the grade target" if run.mode.value == "grade"
            else "min cost (yuan) of full coverage",
            "best_bound": json_value(res.best_bound),
            "gap": json_value(res.gap),
            "weighted_coverage": json_value(res.coverage),
            "cost_yuan": json_value(res.cost),
            "spaces_opened": len({c for c, _ in run.plan}),
            "services_opened": len(run.plan),
            "heuristic_value": json_value(res.heuristic_value),
            "solve_wall_s": round(res.wall_s, 4),
            "stages": [{"name": s.name, "status": s.termination.value, "objective": json_value(s.objective),
                        "best_bound": json_value(s.best_bound), "gap": json_value(s.gap), "wall_s": round(s.wall_s, 4),
                        "solver": s.solver} for s in res.stages],
        },
        "coverage": {k: {"households": int(cov.loc[k, "households"]),
                         "covered_before": int(cov.loc[k, "covered_before"]),
                         "covered_after": int(cov.loc[k, "covered_after"]),
                         "pct_before": float(cov.loc[k, "pct_before"]),
                         "pct_after": float(cov.loc[k, "pct_after"])} for k in services},
        "reduction": res.sizes,
        "check": (None if run.check is None else {
            "agrees": True, "cost_yuan": run.check.cost, "covered_after": run.check.covered_after,
            "covered_before": run.check.covered_before}),
        "timings_s": {**run.timings, **{f"solve.{k}": round(v, 4) for k, v in res.timings.items()}},
        "versions": _versions(),
    }
    out.update(input_notes(run))
    out["gis"] = {"file": "results.gpkg", "crs": gpkg_crs_note(run)}  # solver/results/gis.py
    hh = run.district.households
    if "kind" in hh and (hh["kind"] == "village").any():  # rural travel and the village rule (inputs/villages.py)
        travel = cast(dict, out["travel"])
        travel["villages"] = {**sc.villages.to_dict(list(sc.services)),
                              "villages": int((hh["kind"] == "village").sum()),
                              "under_the_rule": int(hh["village_rule"].sum()) if "village_rule" in hh else 0}
    if run.district.dated is not None:  # the date the existing facilities were taken on (solver/inputs/dates.py)
        out["existing_dates"] = run.district.dated
    out.update(grade_sections(run))
    if needs_record(sc.catalogue, sc.services) or run.notes:  # else the folder reads as basic4's (presets.py)
        out["catalogue"] = catalogue_record(run)
    if run.notes:
        out["notes"] = list(run.notes)
    return out


def grade_sections(run: Run) -> dict:
    """summary.json ``grades`` (each street before / after), ``grade_target`` (grade mode), ``fairness``,
    ``demand`` (services counting population or elderly): solver/results/grading.py."""
    from .grading import fairness_record, street_grades, target_record

    out: dict = {"grades": street_grades(run)}
    target = target_record(run)
    if target is not None:
        out["grade_target"] = target
    fair = fairness_record(run)
    if fair is not None:
        out["fairness"] = fair
    weighted = {k: s.demand for k, s in run.scenario.services.items() if s.demand != "households"}
    if weighted:
        out["demand"] = weighted
    return out


def catalogue_record(run: Run) -> dict:
    """summary.json ``catalogue``: the catalogue, each service's further fields, the assumptions counted."""
    sc = run.scenario
    out = catalogue_summary(sc.catalogue, sc.services, sc.space_defaults)
    if attributes_in_use(sc):
        assumed = plan_assumptions(sc, run.district.candidates, run.plan)
        deciding = deciding_assumptions(sc, run.district.candidates)
        out["check_on_site"] = {
            "chosen_spaces": sum(1 for v in assumed.values() if v),
            "opened_services": sum(1 for cid, key in run.plan
                                   if set(assumed.get(cid, ())) & set(sc.services[key].needs)),
            "candidate_spaces": sum(1 for v in deciding if v),
            "note": "spaces whose water / frontage was assumed from the space type (spaces.toml) where it decides "
                    "what may open: check on site (ranked_sites.csv / sites.csv check_on_site)"}
    return out


def input_notes(run: Run) -> dict:
    """The input's warnings (plausible but suspicious data) and the rows left out of the model, with why."""
    left = run.district.left_out
    return {"warnings": [str(w) for w in run.district.warnings],
            "left_out": [] if left is None else [{k: json_value(v) if not isinstance(v, str) else v
                                                  for k, v in row.items()} for row in left.to_dict("records")]}


WGS84 = CRS.from_epsg(4326)


def with_coordinates(table: pd.DataFrame, run: Run) -> pd.DataFrame:
    """Replace working-CRS ``x``, ``y`` by input-CRS ``x``, ``y`` and add WGS84 ``lon``, ``lat``."""
    out = table.copy()
    x, y = out["x"].to_numpy(dtype=float), out["y"].to_numpy(dtype=float)
    ix, iy = project(run.district.crs, run.district.input_crs, x, y)
    lon, lat = project(run.district.crs, WGS84, x, y)
    out["x"], out["y"] = np.round(ix, 7 if run.district.input_crs.is_geographic else 2), np.round(
        iy, 7 if run.district.input_crs.is_geographic else 2)
    out["lon"], out["lat"] = np.round(lon, 7), np.round(lat, 7)
    return out


def uncovered_with_coordinates(run: Run) -> pd.DataFrame:
    """uncovered.csv: the uncovered pairs with their demand point's input-CRS x, y and WGS84 lon, lat."""
    unc = run.uncovered_table
    hh = run.district.households
    pos = pd.Index(hh["id"]).get_indexer(unc["id"])
    table = unc.copy()
    table["x"] = hh["x"].to_numpy(dtype=float)[pos]
    table["y"] = hh["y"].to_numpy(dtype=float)[pos]
    return with_coordinates(table, run)


def household_layer(run: Run) -> pd.DataFrame:
    """One row per demand point: services reached before and after the plan."""
    hh = run.district.households
    services = list(run.coverage.services)
    before = run.coverage.covered_before
    after = run.covered_after if run.covered_after is not None else before
    out = pd.DataFrame({"id": hh["id"], "street": hh["street"], "community": hh["community"],
                        "households": hh["households"], "x": hh["x"], "y": hh["y"]})
    for s, key in enumerate(services):
        out[f"before_{key}"] = before[:, s].astype(int)
        out[f"after_{key}"] = after[:, s].astype(int)
    out["services_before"] = before.sum(axis=1)
    out["services_after"] = after.sum(axis=1)
    return with_coordinates(out, run)


def site_layer(run: Run) -> pd.DataFrame:
    """Every candidate space, with whether and for what the plan opens it."""
    cand = run.district.candidates
    opened: dict[str, list[str]] = {}
    for cid, key in run.plan:
        opened.setdefault(cid, []).append(key)
    rank = {r: k for r, k in zip(run.ranked_table["id"], run.ranked_table["rank"])}
    out = pd.DataFrame({
        "id": cand["id"], "name": cand["name"], "street": cand["street"], "community": cand["community"],
        "space_type": cand["space_type"], "floor": cand["floor"], "area_m2": cand["area_m2"],
        "conversion_cost": cand["conversion_cost"], "gas": cand["gas"],
        "chosen": [int(c in opened) for c in cand["id"]],
        "rank": [rank.get(c, "") for c in cand["id"]],
        "services": [";".join(opened.get(c, [])) for c in cand["id"]],
        "x": cand["x"], "y": cand["y"],
    })
    attrs = attributes_in_use(run.scenario)
    if attrs:  # the space attributes the services need, and where an assumed one decides eligibility
        at = out.columns.get_loc("services") + 1
        for k, a in enumerate(attrs):
            out.insert(at + k, a, cand[a].astype(int).to_numpy())
        out.insert(at + len(attrs), "check_on_site",
                   [joined(v) for v in deciding_assumptions(run.scenario, cand)])
    return with_coordinates(out, run)


def existing_layer(run: Run) -> pd.DataFrame:
    ex = run.district.existing
    out = pd.DataFrame({"id": ex["id"], "name": ex["name"], "service": ex["service"], "x": ex["x"], "y": ex["y"]})
    for col in ("opened", "closed"):  # dated facilities (solver/inputs/dates.py)
        if col in ex and ex[col].notna().any():
            out[col] = date_text(ex[col])
    return with_coordinates(out, run)


def _geojson(table: pd.DataFrame) -> dict:
    """Point features from a table with ``lon``, ``lat`` columns (WGS84)."""
    lon, lat = table["lon"].to_numpy(), table["lat"].to_numpy()
    feats = []
    for k, (_, row) in enumerate(table.iterrows()):
        props = {c: json_value(row[c]) if not isinstance(row[c], str) else row[c] for c in table.columns
                 if c not in ("x", "y", "lon", "lat")}
        feats.append({"type": "Feature", "properties": props,
                      "geometry": {"type": "Point", "coordinates": [round(float(lon[k]), 7), round(float(lat[k]), 7)]}})
    return {"type": "FeatureCollection", "features": feats}


def write_outputs(run: Run, out_dir: Path) -> list[Path]:
    """Write every output file of ``run`` into ``out_dir`` (replaced atomically)."""
    out_dir = Path(out_dir)
    with staged_folder(out_dir) as tmp:
        write_files(run, tmp)
    return sorted(p for p in out_dir.rglob("*") if p.is_file())


def write_files(run: Run, tmp: Path, *, summary_doc: dict | None = None) -> None:
    """The files of :func:`write_outputs` into the (staged, empty) folder ``tmp``; ``summary_doc``: the
    summary.json to write instead of :func:`summary` (an evaluation's, solver/plans/evaluate.py)."""
    ranked = with_coordinates(run.ranked_table, run)
    write_csv(ranked, tmp / "ranked_sites.csv")
    with open(tmp / "ranked_sites.geojson", "w", encoding="utf-8") as fh:
        json.dump(_geojson(ranked), fh, ensure_ascii=False, indent=1)
    households, sites, existing = household_layer(run), site_layer(run), existing_layer(run)
    write_csv(households, tmp / "households_coverage.csv")
    write_csv(sites, tmp / "sites.csv")
    write_csv(existing, tmp / "existing.csv")
    by_street = tmp / "by_street"
    by_street.mkdir()
    # file names from street names: safe, short and unique (solver/paths.py); the name itself is the
    # file's street column
    names = unique_file_names(str(s) for s in ranked["street"].unique())
    for street, part in ranked.groupby("street", sort=True):
        part = part.copy()
        part.insert(1, "street_rank", np.arange(1, len(part) + 1))
        write_csv(part, by_street / f"{names[str(street)]}.csv")
    write_csv(run.coverage_table, tmp / "coverage.csv")
    uncovered = uncovered_with_coordinates(run)
    write_csv(uncovered, tmp / "uncovered.csv")
    write_gpkg(run, tmp / "results.gpkg", households=households, sites=sites, existing=existing,
               ranked=ranked, uncovered=uncovered)
    plan = pd.DataFrame(run.plan, columns=["id", "service"])
    write_csv(plan, tmp / "plan.csv")
    if run.district.left_out is not None and len(run.district.left_out):
        write_csv(run.district.left_out, tmp / "left_out.csv")  # rows the model could not use, and why
    with open(tmp / "summary.json", "w", encoding="utf-8") as fh:
        json.dump(summary(run) if summary_doc is None else summary_doc, fh, ensure_ascii=False, indent=2)
