"""What a run rests on that the input did not say: assumed space attributes, and the catalogue's warnings.

A candidate space's ``water`` / ``frontage`` comes from the candidate table, or, where the
cell is empty, from its space type's default (solver/inputs/catalogues/spaces.toml). Where
such an assumed value decides whether a service may open in the space, the outputs say
``check_on_site``:

* ``ranked_sites.csv``: per chosen space, the assumed attributes its opened services need;
* ``sites.csv``: per candidate space, the assumed attributes that decide the eligibility of
  some enabled service (either way: an assumed "yes" that lets it in, an assumed "no" that
  keeps it out);
* ``summary.json``: the counts.

Warnings (printed by ``siting solve``, listed in summary.json ``notes``): enabled services
without any existing facility in a given existing table (their coverage starts at 0) and
services that no candidate space may host.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..inputs.catalogue import SPACE_ATTRIBUTES, eligible
from ..inputs.scenario import Scenario
from ..inputs.tables import District


def attributes_in_use(scenario: Scenario) -> tuple[str, ...]:
    """The space attributes some enabled service needs (SPACE_ATTRIBUTES order)."""
    needed = {a for s in scenario.services.values() for a in s.needs}
    return tuple(a for a in SPACE_ATTRIBUTES if a in needed)


def _eligible(svc, row: dict, **flip: bool) -> bool:
    values = {a: bool(row[a]) for a in SPACE_ATTRIBUTES} | flip
    return eligible(svc, space_type=row["space_type"], floor=int(row["floor"]), gas=row["gas"], **values) and \
        svc.area_m2 <= float(row["area_m2"])


def deciding_assumptions(scenario: Scenario, candidates: pd.DataFrame) -> list[tuple[str, ...]]:
    """Per candidate row: the assumed attributes that decide the eligibility of some enabled service."""
    attrs = attributes_in_use(scenario)
    out: list[tuple[str, ...]] = []
    for row in candidates.to_dict("records"):
        found = []
        for a in attrs:
            if row[f"{a}_source"] != "default":
                continue
            flipped = {a: not bool(row[a])}
            if any(a in svc.needs and _eligible(svc, row) != _eligible(svc, row, **flipped)
                   for svc in scenario.services.values()):
                found.append(a)
        out.append(tuple(found))
    return out


def plan_assumptions(scenario: Scenario, candidates: pd.DataFrame,
                     plan: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """Per chosen space: the assumed attributes its opened services need."""
    by_id = candidates.set_index("id")
    needs: dict[str, set[str]] = {}
    for cid, key in plan:
        row = by_id.loc[cid]
        needs.setdefault(cid, set()).update(a for a in scenario.services[key].needs if row[f"{a}_source"] == "default")
    return {cid: tuple(a for a in SPACE_ATTRIBUTES if a in found) for cid, found in needs.items()}


def joined(attrs: Iterable[str]) -> str:
    return ";".join(attrs)


def run_notes(scenario: Scenario, district: District, eligible_any: np.ndarray) -> list[str]:
    """Warnings about the catalogue on this district (``eligible_any``: per service, some space may host it)."""
    notes = []
    if "existing" in district.sources:
        have = set(district.existing["service"])
        missing = [k for k in scenario.services if k not in have]
        if missing:
            notes.append(f"no existing facility of {', '.join(missing)} in {district.sources['existing'].name}: "
                         "their coverage starts at 0 (add the facilities that exist to the existing table)")
    none = [k for k, ok in zip(scenario.services, eligible_any) if not ok]
    if none:
        notes.append(f"no candidate space may host {', '.join(none)} (space types, floors, gas, water, frontage "
                     "or area): its households stay uncovered with the reason not_eligible")
    return notes
