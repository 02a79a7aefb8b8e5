"""Regenerate the city example's districts: ``python scenarios/city/make_city.py`` (from the repository root).

Four small SYNTHETIC districts (solver/synthetic: 2 streets of 1.2 km² each, walking edges of at most
100 m, about 80-100 kB of CSV each), one folder per district with its five tables and scenario.toml.
Same seeds, same bytes. The manifest and the what-ifs beside them are written by hand.
"""

from __future__ import annotations

from pathlib import Path

from solver.synthetic import SCENARIO_SECTIONS, generate_district, write_district

HERE = Path(__file__).resolve().parent
DISTRICTS = {"north": 101, "south": 102, "east": 103, "west": 104}  # folder -> seed

SCENARIO = """# Synthetic district {name!r} of the city example (seed {seed}; see scenarios/city/README.md).
name = "{name}"
description = "Synthetic district (seed {seed}): 2 streets, {households:,} households, {candidates} candidate spaces."
crs = "EPSG:4548"
budget_yuan = 2_000_000

""" + SCENARIO_SECTIONS + """
[solve]
time_limit_s = 60
"""


def main() -> None:
    for name, seed in DISTRICTS.items():
        d = generate_district(seed=seed, n_streets=2, street_area_km2=1.2, max_edge_m=100)
        folder = HERE / name
        write_district(d, folder)
        text = SCENARIO.format(name=name, seed=seed, households=d.total_households, candidates=len(d.candidates))
        (folder / "scenario.toml").write_text(text, encoding="utf-8")
        print(f"{folder}: {len(d.households)} buildings, {d.total_households} households, "
              f"{len(d.candidates)} candidates, {len(d.existing)} existing, {len(d.nodes)} nodes")


if __name__ == "__main__":
    main()
