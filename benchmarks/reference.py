"""The reference values (``computed_optima_highs.csv``) and the benchmark cases of each profile.

A *case* is one problem to solve: an instance (a file of the public set, or a
generated one), the problem (MCLP with p, or LSCP), the radius and the distance
rule, plus what to compare the result with (a reference row, or a literature
value for the Máximo cities, or nothing for the scaling series).
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from pathlib import Path

REFERENCE_CSV = "computed_optima_highs.csv"

# Máximo city instances: the radius (metres) and the best known values of Máximo,
# Cordeau & Nascimento (AILS-MCLP repository, vinymax10/AILS-MCLP, MIT):
# MCLP/Data/Instancias.java lists (city, best, proven, p, r) with r = 400 m for
# NewYork, 600 m for Bronx and SanFrancisco, 800 m for Kings; Instance.java
# covers when the law-of-cosines distance (R = 6 378 100 m, Java float) is <= r,
# and its -r parameter is "the coverage radius in meters". These are LITERATURE
# values (another solver, float32 distances): a difference is reported as
# better/worse, never as a failure.
MAXIMO_RADIUS_M = {"NewYork": 400.0, "Bronx": 600.0, "SanFrancisco": 600.0, "Kings": 800.0}
MAXIMO_LITERATURE: dict[tuple[str, int], tuple[float, str]] = {
    ("NewYork", 50): (1153640, "optimal"),
    ("NewYork", 60): (1288174, "optimal"),
    ("NewYork", 70): (1396333, "optimal"),
    ("NewYork", 80): (1481434, "optimal"),
    ("NewYork", 90): (1539992, "optimal"),
    ("NewYork", 100): (1574256, "best_known"),
    ("Bronx", 50): (1205051, "optimal"),
    ("Bronx", 60): (1290635, "optimal"),
    ("Bronx", 70): (1348232, "best_known"),
    ("Bronx", 80): (1376061, "best_known"),
    ("Bronx", 90): (1384376, "best_known"),
    ("Bronx", 100): (1385099, "best_known"),
    ("SanFrancisco", 50): (617592, "optimal"),
    ("SanFrancisco", 60): (683139, "best_known"),
    ("SanFrancisco", 70): (733772, "best_known"),
    ("SanFrancisco", 80): (769781, "best_known"),
    ("SanFrancisco", 90): (791562, "best_known"),
    ("SanFrancisco", 100): (802307, "best_known"),
    ("Kings", 50): (2022077, "best_known"),
    ("Kings", 60): (2227025, "best_known"),
    ("Kings", 70): (2380660, "best_known"),
    ("Kings", 80): (2467701, "best_known"),
    ("Kings", 90): (2502669, "best_known"),
    ("Kings", 100): (2504700, "optimal"),
}
MAXIMO_P = (50, 60, 70, 80, 90, 100)  # the p of Instancias.java: the suite's Máximo rows (profiles full, maximo)
MAXIMO_CITIES = ("NewYork", "Bronx", "SanFrancisco", "Kings")


@dataclass(frozen=True, kw_only=True)
class RefRow:
    """One row of computed_optima_highs.csv (see shared/mclp-instances/README.md)."""

    problem: str
    family: str
    file: str
    in_shared: bool
    in_shared_raw: str
    n_sites: int
    n_customers: int
    coverable_demand: float
    total_demand: float
    radius: float
    p: int | None
    rule: str
    objective: float
    status: str
    bound: float | None
    seconds: float
    line: int


def _num(text: str) -> float | None:
    text = text.strip()
    return float(text) if text else None


def load_reference(instances_dir: Path) -> list[RefRow]:
    """All rows of the reference CSV, in file order."""
    path = Path(instances_dir) / REFERENCE_CSV
    rows = []
    with open(path, newline="", encoding="utf-8") as fh:
        for k, r in enumerate(csv.DictReader(fh), start=2):
            p = _num(r["p"])
            rows.append(RefRow(
                problem=r["problem"], family=r["family"], file=r["file"],
                in_shared=r["in_shared"].strip().lower() == "yes", in_shared_raw=r["in_shared"],
                n_sites=int(r["n_sites"]), n_customers=int(r["n_customers"]),
                coverable_demand=float(r["coverable_demand"]), total_demand=float(r["total_demand"]),
                radius=float(r["radius"]), p=None if p is None else int(p), rule=r["rule"],
                objective=float(r["objective"]), status=r["status"], bound=_num(r["bound"]),
                seconds=float(r["seconds"]), line=k))
    return rows


MINIMIZE = ("LSCP", "GRADE")  # problems whose objective is a cost (full coverage, grade mode)


@dataclass(frozen=True, kw_only=True)
class Case:
    """One benchmark problem. ``source`` says how to get the instance:

    ``{"file": "SJC/SJC324.txt"}`` (relative to the instance folder),
    ``{"generator": "bds", "n_customers": .., "n_sites": .., "seed": ..}`` or
    ``{"generator": "district", "n_streets": .., "seed": .., "distance": "euclid"|"network"}``, or
    ``{"kind": "district" | "sweep", ...}`` for the district family (benchmarks/districts.py).
    """

    case_id: str
    series: str  # "reference", "maximo", "scaling-bds", "scaling-district", "district"
    problem: str  # "MCLP", "LSCP" or "GRADE" (district family: least cost meeting every street's target)
    family: str
    source: dict
    radius: float
    rule: str
    p: int | None
    n_sites: int
    n_customers: int
    peers: bool = True  # whether peers run on this case in its profile
    ref: dict | None = None  # RefRow as a dict
    literature: dict | None = None  # {"value": .., "kind": .., "source": ..}
    notes: tuple[str, ...] = field(default_factory=tuple)
    time_limit: float | None = None  # the case's own limit, for ours and the peers (district family)

    @property
    def minimize(self) -> bool:
        """The objective is a cost (full coverage, grade mode), not a coverage."""
        return self.problem in MINIMIZE

    @property
    def dense_cells(self) -> int:
        return self.n_sites * self.n_customers

    def to_json(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_json(d: dict) -> Case:
        d = dict(d)
        d["notes"] = tuple(d.get("notes") or ())
        return Case(**d)


def _fmt_r(r: float) -> str:
    return f"{r:g}"


def case_from_ref(row: RefRow, *, peers: bool = True) -> Case:
    name = Path(row.file).stem
    pid = "" if row.p is None else f"/p{row.p}"
    cid = f"{row.problem}/{row.family}/{name}/r{_fmt_r(row.radius)}{pid}/{row.rule}"
    return Case(case_id=cid, series="reference", problem=row.problem, family=row.family,
                source={"file": row.file}, radius=row.radius, rule=row.rule, p=row.p,
                n_sites=row.n_sites, n_customers=row.n_customers, peers=peers, ref=asdict(row))


MAXIMO_SIZES = {"NewYork": 2713, "Bronx": 3839, "SanFrancisco": 5137, "Kings": 7730}


def maximo_case(city: str, p: int, *, peers: bool = True) -> Case:
    lit = MAXIMO_LITERATURE.get((city, p))
    radius = MAXIMO_RADIUS_M[city]
    literature = None
    if lit is not None:
        literature = {"value": lit[0], "kind": lit[1],
                      "source": f"AILS-MCLP repository (vinymax10/AILS-MCLP), MCLP/Data/Instancias.java, "
                                f"r = {radius:g} m"}
    n = MAXIMO_SIZES[city]
    return Case(case_id=f"MCLP/Maximo/{city}/r{radius:g}/p{p}/le", series="maximo", problem="MCLP",
                family="Maximo", source={"file": f"Maximo/{city}.txt"}, radius=radius, rule="le", p=p,
                n_sites=n, n_customers=n, peers=peers, literature=literature)


def bds_scaling_case(n_customers: int, n_sites: int, *, peers: bool = True, seed: int = 2024) -> Case:
    radius, p = SCALING_PARAMS[n_sites]
    return Case(case_id=f"MCLP/scaling-bds/m{n_customers}/n{n_sites}/r{_fmt_r(radius)}/p{p}/le",
                series="scaling-bds", problem="MCLP", family=f"BDS-like/{n_sites}",
                source={"generator": "bds", "n_customers": n_customers, "n_sites": n_sites, "seed": seed},
                radius=radius, rule="le", p=p, n_sites=n_sites, n_customers=n_customers, peers=peers)


# (radius, p) of the generated BDS-like series per number of sites: the middle of
# the BDS grid of Cordeau et al. for 100 sites; a shorter radius and larger p for
# 1000 sites (BDS1000 at r = 3.25-5.75 is hard for every MILP solver).
SCALING_PARAMS = {100: (4.5, 15), 1000: (2.0, 50)}
DISTRICT_RADIUS_M = 900.0
DISTRICT_SITES_PER_STREET = 2  # p = 2 sites per street (街道) of the generated district


def district_case(n_streets: int, distance: str, *, n_customers: int = 0, n_sites: int = 0,
                  peers: bool = True, seed: int = 1) -> Case:
    p = DISTRICT_SITES_PER_STREET * n_streets
    return Case(case_id=f"MCLP/scaling-district/s{n_streets}/{distance}/r900/p{p}/le",
                series="scaling-district", problem="MCLP", family=f"district/{distance}",
                source={"generator": "district", "n_streets": n_streets, "seed": seed, "distance": distance},
                radius=DISTRICT_RADIUS_M, rule="le", p=DISTRICT_SITES_PER_STREET * n_streets,
                n_sites=n_sites, n_customers=n_customers,
                peers=peers and distance == "euclid")


# --------------------------------------------------------------------------------------------
# Profiles

# fast: the smallest instance(s) of every family, a few rows each; peers on a few.
FAST_ROWS = [
    # (problem, file, radius, p, rule, peers)
    ("MCLP", "SJC/SJC324.txt", 800, 3, "le", True),
    ("MCLP", "SJC/SJC324.txt", 1200, 2, "le", False),
    ("LSCP", "SJC/SJC324.txt", 800, None, "le", True),
    ("MCLP", "BDS/BDS1000.txt", 5.5, 10, "le", True),
    ("MCLP", "BDS/BDS1000.txt", 4, 15, "le", False),
    ("LSCP", "BDS/BDS1000.txt", 4, None, "le", False),
    ("MCLP", "ZDS/ZDS1800.txt", 5, 10, "le", False),
    ("MCLP", "ZDS/ZDS1800.txt", 5, 10, "lt", False),
    ("MCLP", "GR/GR100.txt", 60, 5, "le", True),
    ("MCLP", "GR/GR100.txt", 60, 5, "lt", False),
    ("MCLP", "Beasley/B700.txt", 15, 10, "le", False),
    ("MCLP", "Beasley/B700.txt", 15, 10, "lt", False),
    ("MCLP", "BDS1000/BDS10000A.txt", 3.25, 20, "le", False),
]


def _match(row: RefRow, problem, file, radius, p, rule) -> bool:
    return (row.problem == problem and row.file == file and abs(row.radius - radius) < 1e-9
            and row.p == p and row.rule == rule)


def interleave(cases: list[Case]) -> list[Case]:
    """Round-robin over the families/series, smallest first within each, so that a partial
    run of the long ``full`` profile has already seen every family."""
    groups: dict[tuple[str, str], list[Case]] = {}
    for c in cases:
        groups.setdefault((c.series, c.family), []).append(c)
    for g in groups.values():
        g.sort(key=lambda c: (c.dense_cells, c.source.get("n_streets", 0), c.p or 0, c.case_id))
    out: list[Case] = []
    queues = list(groups.values())
    while queues:
        for q in queues:
            out.append(q.pop(0))
        queues = [q for q in queues if q]
    return out


def build_cases(profile: str, instances_dir: Path | None, *, notes: list[str]) -> list[Case]:
    """The cases of ``profile`` ("fast", "full" or "district"); reference rows whose file is absent
    are noted and skipped. Without an instance folder, only the generated cases of the profile."""
    from . import districts

    if profile == "district":
        return districts.family_cases()
    if profile == "maximo":
        return _maximo_profile(instances_dir, notes)
    if instances_dir is None:
        return _generated_cases(profile)
    instances_dir = Path(instances_dir)
    rows = load_reference(instances_dir)
    cases: list[Case] = []
    if profile == "fast":
        for problem, file, radius, p, rule, peers in FAST_ROWS:
            hit = [r for r in rows if _match(r, problem, file, radius, p, rule)]
            if not hit:
                raise ValueError(f"fast profile row not in the reference CSV: {problem} {file} r={radius} p={p}")
            cases.append(case_from_ref(hit[0], peers=peers))
        cases.append(maximo_case("NewYork", 50, peers=False))
        cases += [bds_scaling_case(m, 100, peers=m <= 10_000) for m in (1_000, 10_000, 100_000)]
        cases += [bds_scaling_case(m, 1000, peers=False) for m in (1_000, 10_000)]
        cases += [district_case(5, "euclid", peers=True), district_case(5, "network", peers=False)]
        cases += districts.fast_cases()
    elif profile == "full":
        cases = [case_from_ref(r) for r in rows if r.in_shared]
        cases += [maximo_case(city, p) for p in MAXIMO_P for city in MAXIMO_CITIES]
        cases += [bds_scaling_case(m, 100) for m in (1_000, 10_000, 100_000, 1_000_000)]
        cases += [bds_scaling_case(m, 1000) for m in (1_000, 10_000, 100_000)]
        cases += [district_case(k, d) for k in (5, 20, 80) for d in ("euclid", "network")]
        cases = interleave(cases + districts.family_cases())
    else:
        raise ValueError(f"unknown profile {profile!r}; use 'fast', 'full', 'maximo' or 'district'")
    skipped = [r for r in rows if not r.in_shared]
    if skipped and profile == "full":
        files = sorted({r.file for r in skipped})
        notes.append(f"{len(skipped)} reference rows skipped: their files are not in the instance folder "
                     f"(in_shared = no): {', '.join(files)}")
    missing = [c for c in cases if "file" in c.source and not (instances_dir / c.source["file"]).exists()]
    if missing:
        notes.append(f"{len(missing)} cases skipped: file not found under {instances_dir}: "
                     + ", ".join(sorted({c.source['file'] for c in missing})))
        cases = [c for c in cases if c not in missing]
    return cases


HARD_FAMILIES = ("BDS1000", "Maximo")  # the textbook hard regime: 1000 sites, the Máximo cities


def _maximo_profile(instances_dir: Path | None, notes: list[str]) -> list[Case]:
    """The textbook hard regime: the Máximo cities at every p of MAXIMO_P and the BDS1000 reference
    rows, ours only (the peers stop at their limits there)."""
    if instances_dir is None:
        notes.append("profile maximo needs the instance folder (--instances); no case to run")
        return []
    instances_dir = Path(instances_dir)
    cases = [maximo_case(city, p, peers=False) for city in MAXIMO_CITIES for p in MAXIMO_P]
    cases += [case_from_ref(r, peers=False) for r in load_reference(instances_dir)
              if r.family == "BDS1000" and r.in_shared]
    missing = [c for c in cases if not (instances_dir / c.source["file"]).exists()]
    if missing:
        notes.append(f"{len(missing)} cases skipped: file not found under {instances_dir}: "
                     + ", ".join(sorted({c.source['file'] for c in missing})))
    return [c for c in cases if c not in missing]


def _generated_cases(profile: str) -> list[Case]:
    """The generated cases of a profile, for a run without the public instances."""
    from . import districts

    if profile == "fast":
        return ([bds_scaling_case(m, 100, peers=m <= 10_000) for m in (1_000, 10_000, 100_000)]
                + [district_case(5, "euclid"), district_case(5, "network")] + districts.fast_cases())
    return ([bds_scaling_case(m, 100) for m in (1_000, 10_000, 100_000, 1_000_000)]
            + [bds_scaling_case(m, 1000) for m in (1_000, 10_000, 100_000)]
            + [district_case(k, d) for k in (5, 20, 80) for d in ("euclid", "network")]
            + districts.family_cases())


def proven_rows(instances_dir: Path | None) -> list[RefRow]:
    """The reference rows with a proven optimum (the rows the reference check must cover)."""
    if instances_dir is None:
        return []
    return [r for r in load_reference(instances_dir) if r.status == "optimal"]
