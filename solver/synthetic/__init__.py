"""A deterministic generator of a synthetic, Tongzhou-like demo district; imports nothing from the rest of siting.

Everything produced here is SYNTHETIC: no row describes a real building, space,
shop or street. Street (街道) names are borrowed from Tongzhou for flavour only;
compound, community, road and shop names are assembled from a word bank.

The model of the district
-------------------------

Frame. A rectangle of ``n_streets * street_area_km2`` km² (aspect 5:4) centred
on lon 116.65, lat 39.90 (Tongzhou, Beijing), in CGCS2000 / 3-degree
Gauss-Kruger CM 117E (EPSG:4548; metres, false easting 500 000). The projected
origin is computed with pyproj and rounded to whole metres. All geometry is
built in local metres and every coordinate is rounded to 0.01 m.

Roads. Arterials (主干路/次干路) run N-S and E-W, 400-600 m apart with random
spacing, so the grid is irregular. Each arterial column/row carries 0-2 local
streets (支路) at jittered positions; each local street is dropped in ~20% of
the superblocks it crosses, giving T-junctions and merged blocks. Every road
segment is split into walking edges of at most ``max_edge_m`` (default 50 m),
so snapping a point to its nearest node is accurate.

Barriers. The Grand Canal (大运河) is a N-S corridor of 160-220 m (water plus
green banks) about 40% of the way across, crossed only by ~1 bridge per
1.5 km (edge kind ``bridge``). A rail line (铁路) is an E-W corridor of
60-80 m in the south part of the district, crossed only by about half of the
N-S arterials (underpasses); local streets never cross either barrier.

Blocks and land use. The cells between road centrelines are blocks. A block
is inset from the centreline by 25 m on arterials and 10 m on local streets
(carriageway + pavement). About half of the blocks are residential; the rest are
schools, parks, commercial and office blocks, industry, hospitals,
government and vacant land. Compounds are dated by their distance to the
old core (老城区, just west of the canal; for larger districts one further core
per ~6 streets): old 1980s-90s walk-ups (老旧小区) near the core, 2000s
mid-rise slabs around it, 2010s high-rises on the periphery and on the east
bank (the new sub-centre), and one peri-urban village area (城中村) per ~5
streets far from the cores.

Compounds (小区). Residential blocks hold 1-4 gated compounds. Buildings
stand in rows (south-facing slabs; towers in new compounds) with a row and
column pitch by era (old 38-46 x 62-78 m; mid 50-60 x 68-86 m; new 72-90 x
56-70 m; village 30-38 x 30-36 m, divided by ``sqrt(density)``), ~12% of the
slots left empty (green, kindergarten, parking). Every building has a node at
its doorstep on an E-W lane just south of it (its households snap there); 1-4
N-S paths join the lanes and a path along the north wall.
The internal network meets the street network ONLY through 1-3 gate edges
(kind ``gate``), so the walk out of a compound often exceeds the straight
line. Households per building: old 20-60 (5-6 storeys x 2-5 units x 2 per
landing), mid 24-144, new 36-198, village 20-40 (a group of courtyards, 院落).
Population is 2.4-2.9 persons per household by era; the 60+ share is
27-33% (old), 20-26% (mid), 16-21% (new), 24-30% (village).

Streets and communities. Blocks are grouped into ``n_streets`` streets
(街道) by weighted k-means of block centroids (weight: households), then each
street into communities (社区) of ~2 500 households the same way. Names go
by distance to the old core: 新华街道 first, then 中仓, 北苑, 玉桥, 通运, ...

Candidate spaces (4 types inside compounds, 4 along streets). Underground
spaces (人防/地下室, B1-B3) under residential buildings; former boiler rooms
(锅炉房) and bike sheds (自行车棚) in old and mid compounds; vacated ground-floor
shops (底商腾退空间) on compound edges facing a street and in commercial
blocks; old factories (老旧厂房) in industrial blocks; spaces in metro stations
(two lines, a station every 2-3 arterials); park gate-houses and canal
greenway posts; and other spaces (community service stations, school
annexes, former offices and markets). Area, floor, gas supply and
conversion cost follow the space type and compound era; ~10% of the costs
are left empty so that the scenario's per-type default applies.

Existing facilities. Shop fronts along streets, drawn with weights that
favour old compounds and commercial blocks near the core. For each service
they are added one by one (in a seeded random order) until a target share of
households (vegetable 70-80%, breakfast 75-85%, repair 50-62%, pharmacy
62-75%) lies within 900 m network distance (15 min at 60 m/min) of one: the
core is dense, the periphery has real gaps.

must_cover. A few buildings of the most elderly-heavy old compound that has
no existing pharmacy within 900 m, but a pharmacy-eligible candidate within
700 m network distance, are flagged ``pharmacy``.

Determinism. Only ``numpy.random.default_rng(seed)`` is used, and only
uniform draws, integers, choices and permutations, with plain arithmetic
and square roots afterwards (no exp/log/sin whose last bits may vary by
CPU). The same seed and options give byte-identical files.

Scaling. ``n_streets`` scales the area (per street at the defaults: ~230
buildings, ~12 000 households, ~1 700 nodes); ``density`` multiplies the
number of buildings (and so households) per compound. ~10^3 demand points:
``n_streets=4``; ~10^4: ``n_streets=40``; ~10^5: ``n_streets=100,
density=4`` (about 9 s, 270 000 nodes). Densities far above 1 are for
benchmarks only: buildings then stand closer than any planning code allows.
Real gaps: the density of the existing facilities is calibrated to the
coverage targets above at any size.

Code: ``state`` (constants, word bank, network builder, random draws), then one module
per stage, run in this order by :func:`generate_district`: ``roads`` (grid, barriers,
blocks), ``compounds`` (compounds, buildings, streets and communities), ``spaces``
(candidate spaces), ``facilities`` (existing facilities, must_cover), ``writing`` (the
tables and the CSV files). The package imports nothing from the rest of siting.

Usage::

    python -m solver.synthetic --out data/demo [--seed N]
"""

from __future__ import annotations

from . import compounds, facilities, roads, spaces, writing
from .state import CENTRE_LONLAT, CRS, DEFAULT_SEED, DEFAULT_STREET_AREA_KM2, SERVICES, SPACE_TYPE_KEYS, Generator
from .writing import FILES, SCENARIO_SECTIONS, SyntheticDistrict, write_district

__all__ = ["CRS", "DEFAULT_SEED", "FILES", "SCENARIO_SECTIONS", "SERVICES", "SPACE_TYPE_KEYS", "SyntheticDistrict",
           "generate_district", "write_district"]


def generate_district(
    *,
    seed: int = DEFAULT_SEED,
    n_streets: int = 5,
    street_area_km2: float = DEFAULT_STREET_AREA_KM2,
    density: float = 1.0,
    canal: bool = True,
    rail: bool = True,
    max_edge_m: float = 50.0,
    candidate_rate: float = 1.0,
    centre_lonlat: tuple[float, float] = CENTRE_LONLAT,
) -> SyntheticDistrict:
    """Generate a synthetic district; the defaults produce the committed demo (``data/demo``).

    ``n_streets`` scales the area (``street_area_km2`` each), ``density`` the number of
    buildings per compound, ``candidate_rate`` the number of candidate spaces.
    """
    if n_streets < 1:
        raise ValueError(f"n_streets must be >= 1; got {n_streets}")
    if street_area_km2 <= 0 or density <= 0 or max_edge_m <= 0 or candidate_rate < 0:
        raise ValueError("street_area_km2, density and max_edge_m must be > 0, candidate_rate >= 0")
    g = Generator(seed=seed, n_streets=n_streets, street_area_km2=street_area_km2,
                  density=density, canal=canal, rail=rail, max_edge_m=max_edge_m,
                  candidate_rate=candidate_rate, centre_lonlat=centre_lonlat)
    roads.build_grid(g)
    roads.build_blocks(g)
    compounds.build_compounds(g)
    roads.finalize_network(g)
    compounds.assign_admin(g)
    spaces.build_candidates(g)
    g.existing = facilities.build_existing(g)
    facilities.choose_must_cover(g)
    return writing.tables(g)
