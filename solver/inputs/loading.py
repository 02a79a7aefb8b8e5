"""The district tables of a scenario: read, validated, and with a what-if scenario's changes applied.

    load_district(scenario) -> District      the tables the scenario names, validated
    load_inputs(scenario) -> District        ... with its changes (closed facilities, excluded,
                                             forbidden or re-priced spaces, added candidate tables)
    check_inputs(scenario) -> (District | None, Problems)   the same without raising (what is usable)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..errors import DefectError, Problems, did_you_mean
from .geo import parse_crs
from .readers import file_digest
from .scenario import Scenario
from .tables import District, TableSources, check_candidate_table, check_district, read_tables


def table_sources(scenario: Scenario, *, frames: Mapping[str, pd.DataFrame | None] | None = None) -> TableSources:
    """What table validation needs from a valid scenario: its files, or the data frames given
    for a scenario without a file (solver.inputs.frames)."""
    given = dict(frames) if frames is not None else {
        "households": scenario.households, "candidates": scenario.candidates, "existing": scenario.existing,
        "network_nodes": scenario.network_nodes, "network_edges": scenario.network_edges}
    fingerprint = None
    if scenario.path is None:  # the scenario's values themselves
        text = json.dumps(scenario.raw, sort_keys=True, ensure_ascii=False, default=str)
        fingerprint = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return TableSources(scenario_file=scenario.source, households=given.get("households"),
                        candidates=given.get("candidates"), existing=given.get("existing"),
                        network_nodes=given.get("network_nodes"), network_edges=given.get("network_edges"),
                        crs=parse_crs(scenario.crs), services=tuple(scenario.services),
                        disabled_services=scenario.disabled_services, space_defaults=scenario.space_defaults,
                        conversion_cost_default=dict(scenario.conversion_cost_default),
                        street_caps=tuple(scenario.street_caps), scenario_fingerprint=fingerprint)


def load_district(scenario: Scenario) -> District:
    """Read and validate every input table of ``scenario``; raise InputError listing all problems."""
    return read_tables(table_sources(scenario))


def load_inputs(scenario: Scenario) -> District:
    """The scenario's validated tables (:func:`load_district`) with its what-if changes applied.

    Closed facilities and excluded / forbidden spaces are removed, added candidate tables
    are validated like the base table and appended, and conversion costs are overridden.
    Every problem (also of the added tables) is raised at once.
    """
    district, problems = check_inputs(scenario)
    problems.raise_if_any()
    if district is None:
        raise DefectError("the tables were not read, yet no problem was reported")
    return district


def check_inputs(scenario: Scenario) -> tuple[District | None, Problems]:
    """:func:`load_inputs` without raising: the district and every problem found.

    With problems the district holds what is usable (``District.complete`` False; see
    solver.inputs.tables.check_district), for the checks of later stages, or is None.
    """
    changes = scenario.changes
    hh_path, cand_path = scenario.households, scenario.candidates  # what-if changes are made to files
    src = table_sources(scenario)
    district, problems = check_district(src)
    if (changes is None or hh_path is None or cand_path is None
            or (not changes.touches_tables and len(changes.files) <= 1)):
        return district, problems
    extra: list[tuple[Path, pd.DataFrame]] = []
    taken = {t.name for t in src.tables().values() if isinstance(t, Path)}
    for p in changes.add_candidates:
        # an added table named like another input (extra/households.csv) is named by its path in messages
        name = p.name if p.name not in taken else str(p)
        taken.add(name)
        frame, found = check_candidate_table(src, p, work=district.crs if district is not None else src.crs,
                                             name=name)
        problems.extend(found)
        if frame is not None:
            extra.append((p, frame))
    if district is None or not district.complete:  # the base tables have problems (listed with the added tables')
        return district, problems
    cand = district.candidates.copy()
    cand["source_file"] = cand_path.name
    seen = dict(zip(cand["id"], [cand_path.name] * len(cand)))
    for p, frame in extra:
        frame = frame.copy()
        frame["source_file"] = p.name
        for cid, row in zip(frame["id"], frame["src_row"]):
            if cid in seen:
                problems.add(p.name, f"candidate id is also in {seen[cid]}: ids must be unique across the "
                             "candidate tables", field="id", row=int(row), value=cid)
            seen[cid] = p.name
        cand = pd.concat([cand, frame], ignore_index=True)
    ids = set(cand["id"])

    def unknown(values: Iterable[str], known: set[str], fld: str, what: str) -> None:
        file = changes.source(fld) or str(scenario.path)
        shown = sorted(known)
        for v in values:
            if v not in known:
                problems.add(file, f"no {what} has this id{did_you_mean(v, shown)}", field=fld, value=v)

    unknown(changes.exclude, ids, "candidates.exclude", "candidate space")
    unknown(changes.cost, ids, "candidates.cost", "candidate space")
    ex = district.existing
    unknown(changes.close, set(ex["id"]), "existing.close", "existing facility")
    if changes.cost_by_type:
        for t, v in changes.cost_by_type.items():
            hit = (cand["space_type"] == t).to_numpy()
            cand.loc[hit, "conversion_cost"] = v
            cand.loc[hit, "cost_source"] = "scenario"
    for cid, v in changes.cost.items():
        hit = (cand["id"] == cid).to_numpy()
        cand.loc[hit, "conversion_cost"] = v
        cand.loc[hit, "cost_source"] = "scenario"
    drop = cand["id"].isin(set(changes.exclude)).to_numpy() | cand["space_type"].isin(
        set(changes.forbid_space_types)).to_numpy()
    cand = cand[~drop].reset_index(drop=True)
    if not len(cand) and not problems:
        fld = "candidates.forbid_space_types" if changes.forbid_space_types else "candidates.exclude"
        problems.add(changes.source(fld) or str(scenario.path), "no candidate space is left", field=fld,
                     show_value=False)
    existing = ex[~ex["id"].isin(set(changes.close)).to_numpy()].reset_index(drop=True)
    fingerprints = dict(district.fingerprints)
    for f in changes.files[:-1]:
        fingerprints[f"extends:{f.name}"] = file_digest(f)
    for p, _ in extra:
        fingerprints[f"candidates.add:{p.name}"] = file_digest(p)
    cand["conversion_cost"] = cand["conversion_cost"].astype(float)
    return replace(district, candidates=cand, existing=existing, fingerprints=fingerprints,
                   complete=not problems), problems
