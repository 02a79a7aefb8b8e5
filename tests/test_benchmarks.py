"""Tests of the benchmark suite (benchmarks/): readers, coverage rules, reference optima, CLI smoke run.

Tests that need the public instances (../shared/mclp-instances relative to the
repository root) skip when the folder is absent. No timing assertions.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # benchmarks/ is not an installed package
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.instances import (  # noqa: E402
    EARTH_RADIUS_M,
    graph_coverage,
    planar_coverage,
    read_bds,
    read_graph,
    read_instance,
    read_maximo,
    read_nodes_xyd,
    read_sjc,
    sphere_coverage,
    sphere_distance,
)
from benchmarks.reference import Case, build_cases, case_from_ref, load_reference  # noqa: E402
from benchmarks.report import reference_check  # noqa: E402
from benchmarks.scaling import bds_like  # noqa: E402

INSTANCES = REPO_ROOT.parent / "shared" / "mclp-instances"
needs_instances = pytest.mark.skipif(not (INSTANCES / "computed_optima_highs.csv").exists(),
                                     reason=f"public instances not found at {INSTANCES}")


def _write(path: Path, text: str, *, crlf: bool = True) -> Path:
    data = text.replace("\n", "\r\n") if crlf else text
    path.write_bytes(data.encode("utf-8"))
    return path


def _sets(m) -> list[set[int]]:
    m = m.tocsr()
    return [set(m.indices[m.indptr[i]:m.indptr[i + 1]].tolist()) for i in range(m.shape[0])]


# --------------------------------------------------------------------------------------------
# Readers on tiny files written here, one per format


def test_sjc_reader_and_le_lt_boundary(tmp_path):
    f = _write(tmp_path / "SJC3.txt", "3\t9999\tp\tS\t\n0\t0\t5\t\n3\t4\t7\t\n10\t0\t1\t\n")
    inst = read_sjc(f)
    assert (inst.n_sites, inst.n_customers) == (3, 3)
    assert inst.demand.tolist() == [5, 7, 1]
    # d(0,1) = 5 exactly, d(0,2) = 10, d(1,2) = sqrt(65) ~ 8.06
    assert _sets(inst.coverage(5, "le")) == [{0, 1}, {0, 1}, {2}]
    assert _sets(inst.coverage(5, "lt")) == [{0}, {1}, {2}]
    assert _sets(inst.coverage(10, "le")) == [{0, 1, 2}, {0, 1, 2}, {0, 1, 2}]
    assert _sets(inst.coverage(10, "lt")) == [{0, 1}, {0, 1, 2}, {1, 2}]
    assert inst.coverage(5).dtype == np.int8


def test_bds_reader_costs_and_float_boundary(tmp_path):
    text = ("2\t4\t\n"
            "F\t0\t0.000000\t0.000000\t1\n"
            "F\t1\t3.000000\t4.000000\t7\n"
            "C\t0\t0.000000\t0.000000\t10\n"
            "C\t1\t6.000000\t8.000000\t20\n"
            "C\t2\t3.000000\t0.000000\t30\n"
            "C\t3\t0.30000000000000004\t0.0\t40\n")
    inst = read_bds(_write(tmp_path / "B.txt", text), "GRID")
    assert (inst.n_sites, inst.n_customers) == (2, 4)
    assert inst.site_cost.tolist() == [1, 7]
    assert inst.demand.tolist() == [10, 20, 30, 40]
    # C0-F0 0, C0-F1 5, C1-F0 10, C1-F1 5, C2-F0 3, C2-F1 4
    assert _sets(inst.coverage(5, "le"))[:3] == [{0, 1}, {1}, {0, 1}]
    assert _sets(inst.coverage(5, "lt"))[:3] == [{0}, set(), {0, 1}]
    # float64 is decisive at the boundary: 0.30000000000000004 > 0.3, 0.3 == 0.3
    m = planar_coverage(np.array([[0.3, 0.0], [0.30000000000000004, 0.0]]), np.array([[0.0, 0.0]]), 0.3, "le")
    assert _sets(m) == [{0}, set()]
    m = planar_coverage(np.array([[0.3, 0.0]]), np.array([[0.0, 0.0]]), 0.3, "lt")
    assert _sets(m) == [set()]


def test_zds_pcb_reader(tmp_path):
    f = _write(tmp_path / "Z.txt", "3\t3\t0\n1\t1\t9\n4\t5\t8\n1\t6\t7\n")
    for fam in ("ZDS", "PCB"):
        inst = read_nodes_xyd(f, fam)
        assert inst.family == fam and inst.n_sites == inst.n_customers == 3
        assert inst.demand.tolist() == [9, 8, 7]
        # d(0,1) = 5, d(0,2) = 5, d(1,2) = sqrt(10)
        assert _sets(inst.coverage(5, "le")) == [{0, 1, 2}, {0, 1, 2}, {0, 1, 2}]
        assert _sets(inst.coverage(5, "lt")) == [{0}, {1, 2}, {1, 2}]


GRAPH_EDGES = (
    "1\t2\t10\t5.5\n"      # demand of node 1
    "2\t3\t10\t6.5\n"      # demand of node 2
    "3\t4\t10\t7.5\n"      # demand of node 3
    "1\t4\t5\t8.5\n"       # demand of node 4 (not of node 1, the edge's first end)
    "4\t1\t40\t\n"         # repeated edge, other orientation: the LAST length (40) wins
)


@pytest.mark.parametrize("family,header", [("GR", "4\t5\t0\t0\n"), ("Beasley", "4\t5\t10\tN(80,15)\n")])
def test_graph_reader_demand_column_and_repeated_edge(tmp_path, family, header):
    inst = read_graph(_write(tmp_path / f"{family}.txt", header + GRAPH_EDGES), family)
    assert inst.n_sites == inst.n_customers == 4
    assert inst.demand.tolist() == [5.5, 6.5, 7.5, 8.5]
    assert inst.graph[0, 3] == 40 and inst.graph[3, 0] == 40  # last read, not min (5) nor sum (45)
    # shortest paths: 1-2 10, 1-3 20, 1-4 30 (via 2, 3; the direct edge is 40), 2-4 20, 3-4 10
    assert _sets(inst.coverage(20, "le")) == [{0, 1, 2}, {0, 1, 2, 3}, {0, 1, 2, 3}, {1, 2, 3}]
    assert _sets(inst.coverage(20, "lt")) == [{0, 1}, {0, 1, 2}, {1, 2, 3}, {2, 3}]
    assert _sets(inst.coverage(29, "le"))[0] == {0, 1, 2}
    assert _sets(inst.coverage(30, "le"))[0] == {0, 1, 2, 3}
    assert _sets(graph_coverage(inst.graph, 0, "le")) == [{0}, {1}, {2}, {3}]


def test_graph_reader_rejects_missing_demand(tmp_path):
    bad = "4\t5\t0\t0\n1\t2\t10\t5.5\n2\t3\t10\t\n3\t4\t10\t7.5\n1\t4\t5\t8.5\n4\t1\t40\t\n"
    with pytest.raises(ValueError, match="demand of node 2"):
        read_graph(_write(tmp_path / "g.txt", bad), "GR")


def test_maximo_reader_and_great_circle(tmp_path):
    text = ("NAME : Tiny\nTYPE : MCLP\nEDGE_WEIGHT_TYPE : COORD\nDIMENSION : 3\nNODE_COORD_SECTION\t\n"
            "40.0000000 -074.0000000\n40.0100000 -074.0000000\n40.0000000 -073.9900000\n"
            "DEMAND_SECTION\n10\n20\n30\nEOF")
    inst = read_maximo(_write(tmp_path / "Tiny.txt", text, crlf=False))
    assert inst.name == "Tiny" and inst.n_sites == inst.n_customers == 3
    assert inst.demand.tolist() == [10, 20, 30]
    assert inst.site_xy[0].tolist() == [40.0, -74.0]
    # along a meridian the great-circle distance is R * dlat
    north = EARTH_RADIUS_M * math.radians(0.01)  # 1113.19 m
    assert sphere_distance(inst.site_xy[0], inst.site_xy[1]) == pytest.approx(north, abs=1e-4)
    # along a parallel: law of cosines by hand
    f = math.radians(40.0)
    east = EARTH_RADIUS_M * math.acos(math.cos(f) ** 2 * math.cos(math.radians(0.01)) + math.sin(f) ** 2)
    assert sphere_distance(inst.site_xy[0], inst.site_xy[2]) == pytest.approx(east, abs=1e-4)
    assert east < north
    assert _sets(inst.coverage(north - 0.01)) == [{0, 2}, {1}, {0, 2}]
    assert _sets(inst.coverage(north + 0.01))[0] == {0, 1, 2}
    # KD-tree on unit vectors with the chord radius agrees with a brute-force check
    rng = np.random.default_rng(7)
    pts = np.column_stack([rng.uniform(40.6, 40.8, 300), rng.uniform(-74.05, -73.9, 300)])
    brute = sphere_distance(pts[:, None, :], pts[None, :, :]) <= 400.0
    assert (sphere_coverage(pts, pts, 400.0).toarray().astype(bool) == brute).all()


def test_planar_coverage_matches_brute_force_in_chunks():
    rng = np.random.default_rng(3)
    c = np.round(rng.uniform(0, 30, size=(2000, 2)), 1)
    s = np.round(rng.uniform(0, 30, size=(50, 2)), 1)
    dx = c[:, None, 0] - s[None, :, 0]
    dy = c[:, None, 1] - s[None, :, 1]
    d = np.sqrt(dx * dx + dy * dy)
    for rule, expect in (("le", d <= 2.5), ("lt", d < 2.5)):
        got = planar_coverage(c, s, 2.5, rule, chunk=300).toarray().astype(bool)
        assert (got == expect).all()


def test_bds_like_generator_is_deterministic():
    a, b = bds_like(500, 20, seed=5), bds_like(500, 20, seed=5)
    assert np.array_equal(a.customer_xy, b.customer_xy) and np.array_equal(a.demand, b.demand)
    assert a.demand.min() >= 1 and a.demand.max() <= 100 and np.all(a.demand == np.round(a.demand))
    assert a.customer_xy.min() >= 0 and a.customer_xy.max() <= 30
    assert not np.array_equal(bds_like(500, 20, seed=6).customer_xy, a.customer_xy)


def test_reference_check_flags_mismatches():
    ref = {"objective": 100.0, "status": "optimal", "bound": 100.0}
    case = Case(case_id="x", series="reference", problem="MCLP", family="F", source={"file": "f"}, radius=1,
                rule="le", p=1, n_sites=1, n_customers=1, ref=ref)
    assert reference_check(case, "optimal", 100.0) == "ok"
    assert reference_check(case, "optimal", 99.0) == "MISMATCH"
    assert reference_check(case, "optimal", 101.0).startswith("MISMATCH")
    assert reference_check(case, "time_limit", 99.0) == "worse (time limit)"
    tl = Case(**{**case.to_json(), "ref": {"objective": 100.0, "status": "time_limit", "bound": 110.0}})
    assert reference_check(tl, "time_limit", 105.0) == "better than ref"
    assert reference_check(tl, "optimal", 111.0).startswith("MISMATCH")
    lscp = Case(**{**case.to_json(), "problem": "LSCP", "p": None,
                   "ref": {"objective": 5.0, "status": "optimal", "bound": None}})
    assert reference_check(lscp, "optimal", 4.0).startswith("MISMATCH")


# --------------------------------------------------------------------------------------------
# The public files


@needs_instances
def test_public_files_parse_with_header_counts():
    expect = {  # file: (n_sites, n_customers) as the first line (or DIMENSION) says
        "SJC/SJC324.txt": (324, 324), "SJC/SJC818.txt": (818, 818), "BDS/BDS1000.txt": (100, 1000),
        "BDS1000/BDS10000A.txt": (1000, 10000), "GR/GR100.txt": (100, 100), "GR/GR150.txt": (150, 150),
        "Beasley/B700.txt": (700, 700), "Beasley/B900.txt": (900, 900), "ZDS/ZDS1800.txt": (1800, 1800),
        "PCB/PCB3038.txt": (3038, 3038), "Maximo/NewYork.txt": (2713, 2713), "Maximo/Kings.txt": (7730, 7730),
        "Cordeau-generator-sample/GRID_INST_n100_m1000_d1_100_f10_100_s1.dat": (100, 1000),
    }
    for rel, (n_s, n_c) in expect.items():
        path = INSTANCES / rel
        if not path.exists():
            continue
        inst = read_instance(path)
        first = path.read_text().splitlines()[0].split()
        if inst.family == "Maximo":
            assert inst.header["n"] == n_s
        elif inst.family in ("BDS", "BDS1000", "GRID"):
            assert (int(first[0]), int(first[1])) == (n_s, n_c)
        else:
            assert int(first[0]) == n_s
        assert (inst.n_sites, inst.n_customers) == (n_s, n_c), rel
        assert np.all(np.isfinite(inst.demand)) and inst.demand.min() >= 0
    grid = read_instance(INSTANCES / "Cordeau-generator-sample" / "GRID_INST_n100_m1000_d1_100_f10_100_s1.dat")
    assert grid.site_cost.min() >= 10 and grid.site_cost.max() <= 100
    b700 = read_instance(INSTANCES / "Beasley" / "B700.txt")
    assert b700.header["distinct_edges"] < b700.header["m"]  # pmed32 repeats edges


@needs_instances
def test_coverable_and_total_demand_match_reference_csv():
    """One row per (family, rule): the coverage relation reproduces the CSV's coverable demand."""
    seen = set()
    for row in load_reference(INSTANCES):
        key = (row.family, row.rule)
        if not row.in_shared or key in seen or row.n_customers * row.n_sites > 4_000_000:
            continue
        seen.add(key)
        inst = read_instance(INSTANCES / row.file)
        cover = inst.coverage(row.radius, row.rule)
        coverable = inst.demand[np.diff(cover.indptr) > 0].sum()
        assert coverable == pytest.approx(row.coverable_demand, abs=0.006), row
        assert inst.demand.sum() == pytest.approx(row.total_demand, abs=0.006), row
    assert {"SJC", "BDS", "GR", "Beasley", "ZDS"} <= {f for f, _ in seen}


REPRODUCE = [  # (problem, file, radius, p, rule): small rows with proven optima; values read from the CSV
    ("MCLP", "SJC/SJC324.txt", 800, 3, "le"),
    ("LSCP", "SJC/SJC402.txt", 800, None, "le"),
    ("MCLP", "BDS/BDS1000.txt", 5.5, 10, "le"),
    ("LSCP", "BDS/BDS1000.txt", 4, None, "le"),
    ("MCLP", "GR/GR100.txt", 60, 5, "le"),
    ("MCLP", "GR/GR100.txt", 60, 5, "lt"),
    ("MCLP", "ZDS/ZDS1800.txt", 5, 10, "lt"),
    ("MCLP", "Beasley/B700.txt", 15, 10, "lt"),
]


@needs_instances
@pytest.mark.parametrize("problem,file,radius,p,rule", REPRODUCE)
def test_ours_reproduces_proven_reference_optima(problem, file, radius, p, rule):
    from benchmarks.ours import run_ours

    rows = [r for r in load_reference(INSTANCES) if r.problem == problem and r.file == file
            and r.radius == radius and r.p == p and r.rule == rule]
    assert len(rows) == 1 and rows[0].status == "optimal"
    row = rows[0]
    case = case_from_ref(row)
    inst = read_instance(INSTANCES / file)
    out = run_ours(inst, inst.coverage, case, time_limit=60)
    assert out["status"] == "optimal"
    assert out["objective"] == pytest.approx(row.objective, abs=0.006)
    assert reference_check(case, out["status"], out["objective"]) == "ok"
    # the plan itself gives that value
    x = out["x"]
    if problem == "MCLP":
        assert x.sum() <= p
        covered = inst.demand[(out["cover"] @ x.astype(np.int64)) > 0].sum()
        assert covered == pytest.approx(row.objective, abs=0.006)
    else:
        assert x.sum() == row.objective


@needs_instances
def test_profiles_select_existing_cases():
    notes: list[str] = []
    fast = build_cases("fast", INSTANCES, notes=notes)
    assert {c.family for c in fast if c.series == "reference"} >= {"SJC", "BDS", "ZDS", "GR", "Beasley", "BDS1000"}
    assert any(c.peers for c in fast)
    full = build_cases("full", INSTANCES, notes=notes)
    rows = load_reference(INSTANCES)
    present = [r for r in rows if r.in_shared and (INSTANCES / r.file).exists()]
    selected = [c.case_id for c in full if c.series == "reference"]
    assert sorted(selected) == sorted(case_from_ref(r).case_id for r in present)
    if len(present) == len(rows):  # every file is there: nothing is reported as skipped or missing
        assert not any("skipped" in n for n in notes)


@needs_instances
def test_full_profile_notes_and_skips_missing_files(tmp_path):
    """A reference row whose file is absent is left out of the full profile, and a note says so."""
    rows = load_reference(INSTANCES)
    gone = rows[0].file
    (tmp_path / "computed_optima_highs.csv").write_bytes((INSTANCES / "computed_optima_highs.csv").read_bytes())
    for r in {r.file for r in rows} - {gone}:
        (tmp_path / r).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / r).symlink_to(INSTANCES / r)
    notes: list[str] = []
    full = build_cases("full", tmp_path, notes=notes)
    selected = {c.case_id for c in full if c.series == "reference"}
    assert selected == {case_from_ref(r).case_id for r in rows if r.in_shared and r.file != gone}
    assert any("file not found" in n and gone in n for n in notes)


# --------------------------------------------------------------------------------------------
# Smoke run of the CLI (subprocess workers, results files)


@needs_instances
def test_cli_smoke_run_ours_and_highs(tmp_path):
    from benchmarks.__main__ import main

    out = tmp_path / "out"
    rc = main(["run", "--profile", "fast", "--only", r"^MCLP/GR/GR100/r60/p5/le$|^LSCP/SJC/SJC324/r800/le$",
               "--peers", "highs", "--time-limit", "30", "--no-baseline", "--out", str(out)])
    assert rc == 0
    with open(out / "results.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["case_id"], r["solver"]) for r in rows} == {
        ("MCLP/GR/GR100/r60/p5/le", "ours"), ("MCLP/GR/GR100/r60/p5/le", "highs"),
        ("LSCP/SJC/SJC324/r800/le", "ours"), ("LSCP/SJC/SJC324/r800/le", "highs")}
    for r in rows:
        assert r["status"] == "optimal" and r["check"] == "ok", r
        assert float(r["peak_rss_mb"]) > 0
    md = (out / "summary.md").read_text()
    proven = sum(r.status == "optimal" for r in load_reference(INSTANCES))
    assert "No failures" in md and f"2 of {proven} proven rows checked" in md
    assert "machine:" in md and "ortools" in md and "git:" in md
    assert (out / "time_vs_size.png").stat().st_size > 0


@needs_instances
def test_cli_smoke_run_spopt(tmp_path):
    pytest.importorskip("spopt")
    from benchmarks.__main__ import main

    out = tmp_path / "out"
    rc = main(["run", "--profile", "fast", "--only", r"^MCLP/SJC/SJC324/r800/p3/le$", "--peers", "spopt",
               "--no-baseline", "--out", str(out)])
    assert rc == 0
    with open(out / "results.csv", newline="") as fh:
        rows = {r["solver"]: r for r in csv.DictReader(fh)}
    assert rows["spopt"]["status"] == "optimal" and rows["spopt"]["objective_vs_ours"] == "equal"
    assert rows["ours"]["check"] == "ok"


def test_cli_generated_scaling_case(tmp_path):
    from benchmarks.__main__ import main

    out = tmp_path / "out"
    rc = main(["run", "--profile", "fast", "--only", r"scaling-bds/m1000/n100/", "--peers", "none",
               "--no-baseline", "--out", str(out)])
    assert rc == 0
    with open(out / "results.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1 and rows[0]["status"] == "optimal" and rows[0]["n_customers"] == "1000"
    assert "## Scaling" in (out / "summary.md").read_text()


def test_cli_rejects_a_folder_without_the_reference_csv(tmp_path):
    from benchmarks.__main__ import main

    with pytest.raises(SystemExit, match="computed_optima_highs.csv"):
        main(["run", "--profile", "fast", "--instances", str(tmp_path), "--out", str(tmp_path / "out")])


def test_scip_settings_study_measures_the_shipped_settings():
    """Both textbook settings the backend ships are rows the study measures on their own,
    and the general shape keeps SCIP's defaults (the study's first row)."""
    from benchmarks.scip_settings import VARIANTS
    from solver.engine.backends.ortools_backend import SCIP_SETTINGS

    alone = {pair[0] for name, pair in VARIANTS.items() if name != "as shipped" and pair[0] == pair[1]}
    assert SCIP_SETTINGS["cardinality"] in alone and SCIP_SETTINGS["cardinality_proof"] in alone
    assert SCIP_SETTINGS["cardinality"] != SCIP_SETTINGS["cardinality_proof"]
    assert list(VARIANTS.values())[0] == (SCIP_SETTINGS["general"], SCIP_SETTINGS["general"]) == ("", "")


def test_scip_settings_study_measures_the_shipped_district_settings_against_the_defaults():
    """The district study compares what the backend ships for the district core with SCIP's
    defaults, and those settings reach SCIP's parameter text for the district shape."""
    from benchmarks.scip_settings import DISTRICT_VARIANTS
    from solver.choices import Engine
    from solver.engine.backends.ortools_backend import SCIP_SETTINGS, _specific
    from solver.engine.result import Settings, SolveParameters

    assert list(DISTRICT_VARIANTS.values()) == ["", SCIP_SETTINGS["district"]]
    assert SCIP_SETTINGS["district"] and SCIP_SETTINGS["general"] == ""
    text = _specific(Engine.SCIP, SolveParameters(), Settings.DISTRICT)
    assert text.startswith(SCIP_SETTINGS["district"])
    assert SCIP_SETTINGS["district"] not in _specific(Engine.SCIP, SolveParameters(), Settings.GENERAL)


# --------------------------------------------------------------------------------------------
# Honest signals: what makes the run exit 1


def _finalize_fabricated(tmp_path, jobs: list[dict], *, proven: int = 0) -> int:
    """finalize() on a jobs.jsonl written here (no subprocess): the exit code of the run."""
    import json

    from benchmarks.__main__ import finalize
    from benchmarks.report import machine_info

    out = tmp_path / "out"
    out.mkdir()
    settings = {"time_limit": 10.0, "peer_time_limit": 10.0, "district_time_limit": None, "threads": 2,
                "repeats": 1, "peers": ["highs"], "instances": None}
    meta = {"profile": "fast", "settings": settings, "notes": [], "baselines": {}, "info": machine_info(REPO_ROOT),
            "cases": sorted({j["case"]["case_id"] for j in jobs}), "proven_rows": proven}
    (out / "run.json").write_text(json.dumps(meta), encoding="utf-8")
    (out / "jobs.jsonl").write_text("".join(json.dumps(j) + "\n" for j in jobs), encoding="utf-8")
    return finalize(out)


def _ref_case(objective: float = 100.0) -> Case:
    ref = {"objective": objective, "status": "optimal", "bound": objective, "seconds": 1.0}
    return Case(case_id="MCLP/F/x/r1/p1/le", series="reference", problem="MCLP", family="F", source={"file": "f"},
                radius=1, rule="le", p=1, n_sites=3, n_customers=3, ref=ref)


def _job(case: Case, solver: str, **result) -> dict:
    base = {"status": "optimal", "objective": 100.0, "bound": 100.0, "read_s": 0.0, "cover_s": 0.0, "model_s": 0.0,
            "solve_s": 1.0, "total_s": 1.0, "n_customers": 3, "n_sites": 3, "plan_ok": True, "peak_rss_mb": 1.0}
    return {"case": case.to_json(), "solver": solver, "repeat": 0, "result": {**base, **result}}


def test_exit_code_is_zero_when_every_check_passes(tmp_path):
    case = _ref_case()
    assert _finalize_fabricated(tmp_path, [_job(case, "ours"), _job(case, "highs", total_s=4.0)], proven=379) == 0
    md = (tmp_path / "out" / "summary.md").read_text()
    assert "1 of 379 proven rows checked" in md
    # the headline ratio is computed by the suite from the rows of this run: HiGHS 4 s / ours 1 s
    assert "HiGHS (scipy.optimize.milp) / ours = 4.00x" in md


def test_exit_code_is_one_when_a_job_was_killed(tmp_path):
    case = _ref_case()
    killed = {"case": case.to_json(), "solver": "highs", "repeat": 0,
              "result": {"status": "killed", "detail": {"message": "killed after 9 s wall clock"}, "peak_rss_mb": 1.0}}
    assert _finalize_fabricated(tmp_path, [_job(case, "ours"), killed]) == 1
    assert "KILLED" in (tmp_path / "out" / "summary.md").read_text()


def test_exit_code_is_one_when_ours_is_worse_than_a_proven_optimum(tmp_path):
    case = _ref_case(100.0)
    assert _finalize_fabricated(tmp_path, [_job(case, "ours", status="time_limit", objective=99.0)]) == 1
    with open(tmp_path / "out" / "results.csv", newline="") as fh:
        row = next(csv.DictReader(fh))
    assert row["check"].startswith("WORSE")


def test_exit_code_is_one_when_ours_ends_without_a_plan(tmp_path):
    case = _ref_case()
    assert _finalize_fabricated(tmp_path, [_job(case, "ours", status="no_solution", objective=None)]) == 1


def test_a_peer_at_its_time_limit_is_not_a_failure(tmp_path):
    case = _ref_case(100.0)
    jobs = [_job(case, "ours"), _job(case, "highs", status="time_limit", objective=90.0, total_s=10.0)]
    assert _finalize_fabricated(tmp_path, jobs) == 0
    md = (tmp_path / "out" / "summary.md").read_text()
    assert ">= 10.00x" in md  # HiGHS stopped at its limit: the ratio is a lower bound


def test_runner_kills_a_job_that_overruns_its_hard_limit():
    from benchmarks.runner import run_job

    r = run_job({"solver": "sleep:60"}, timeout=1.0)
    assert r["status"] == "killed" and r["job_wall_s"] < 30


# --------------------------------------------------------------------------------------------
# Traces and their metrics

SCIP_LOG = """\
 time | node  | left  |LP iter|LP it/n|mem/heur|mdpt |vars |cons |rows |cuts |sepa|confs|strbr|  dualbound   | primalbound  |  gap   | compl.
p 0.2s|     1 |     0 |     0 |     - |  clique|   0 |2356 |2182 |2182 |   0 |  0 |   0 |   0 | 6.461490e+04 | 2.344301e+04 | 175.63%| unknown
  0.4s|     1 |     0 |  2531 |     - |    29M |   0 |2356 |2327 |2182 |   0 |  0 | 145 |   0 | 5.458402e+04 |      --      |    Inf | unknown
 time | node  | left  |LP iter|LP it/n|mem/heur|mdpt |vars |cons |rows |cuts |sepa|confs|strbr|  dualbound   | primalbound  |  gap   | compl.
r 1.5m|    13 |     5 | 18936 | 304.9 |shifting|   6 |1578 |1616 |1546 |  13 |  0 | 161 | 121 | 5.393951e+04 | 5.388452e+04 |   0.10%|  28.60%

SCIP Status        : problem is solved [optimal solution found]
Solving Time (sec) : 95.80
"""  # noqa: E501  (solver log lines, verbatim)

HIGHS_LOG = """\
Src  Proc. InQueue |  Leaves   Expl. | BestBound       BestSol              Gap |   Cuts   InLp Confl. | LpIters     Time

 J       0       0         0   0.00%   -inf            -377.0086002       Large        0      0      0         0     0.1s
 R       0       0         0   0.00%   -54520.075335   -41305.0706       31.99%        0      0      0      1324     0.2s
         9       0         5 100.00%   -53885.0008     -53885.0008        0.00%      106     28    334     19718     5.1s

Solving report
  Timing            5.07
"""  # noqa: E501  (solver log lines, verbatim)


def test_scip_and_highs_logs_become_traces():
    from benchmarks.traces import highs_log_events, highs_run_time, scip_log_events, scip_solving_time

    ev = scip_log_events(SCIP_LOG, offset=1.0)
    assert ev == [(1.2, 23443.01, 64614.9), (1.4, None, 54584.02), (91.0, 53884.52, 53939.51)]
    assert scip_solving_time(SCIP_LOG) == 95.8
    hv = highs_log_events(HIGHS_LOG, negate=True)  # a maximisation given to HiGHS as a minimisation
    assert hv == [(0.1, 377.0086002, None), (0.2, 41305.0706, 54520.075335), (5.1, 53885.0008, 53885.0008)]
    assert highs_run_time(HIGHS_LOG) == 5.07


def test_trace_metrics_by_hand():
    from benchmarks.traces import metrics, primal_gap

    assert primal_gap(None, 100.0) == 1.0 and primal_gap(99.5, 100.0, tol=1.0) == 0.0
    assert primal_gap(90.0, 100.0) == pytest.approx(0.1)
    # no plan until 2 s, then 90 (gap 0.1) with bound 120, at 5 s 99.6 with bound 100 (proven within 0.4 %)
    ev = [(2.0, 90.0, 120.0), (5.0, 99.6, 100.0)]
    m = metrics(ev, maximize=True, z_best=100.0, horizon=10.0)
    assert m["t_first_plan"] == 2.0 and m["t_within_1pct"] == 5.0 and m["t_gap_05pct"] == 5.0
    assert m["primal_integral"] == pytest.approx(2.0 * 1 + 3.0 * 0.1 + 5.0 * 0.004)
    # never within reach: None, and the integral runs to the horizon
    m = metrics([(1.0, 50.0, 100.0)], maximize=True, z_best=100.0, horizon=4.0)
    assert m["t_within_1pct"] is None and m["t_gap_05pct"] is None
    assert m["primal_integral"] == pytest.approx(1.0 + 3.0 * 0.5)
    # minimisation: the incumbent only improves downwards, the bound upwards
    m = metrics([(1.0, 110.0, 90.0), (2.0, 120.0, 95.0), (3.0, 100.0, 100.0)], maximize=False, z_best=100.0,
                horizon=3.0)
    assert m["t_gap_05pct"] == 3.0 and m["primal_integral"] == pytest.approx(1.0 + 2.0 * (10 / 110))


def test_speedup_sum_counts_a_censored_peer_at_its_limit():
    from benchmarks.district_report import speedup

    def row(cid, solver, t, limit=60.0):
        return {"case_id": cid, "series": "district", "solver": solver, "status": "optimal", "z_best": 1.0,
                "t_gap_05pct": t, "time_limit": limit}

    rows = [row("a", "ours", 1.0), row("a", "scip", 30.0), row("b", "ours", 2.0), row("b", "scip", None)]
    sp = speedup(rows, "scip")
    assert sp["cases"] == 2 and sp["ours_s"] == 3.0 and sp["peer_s"] == 90.0 and sp["ratio"] == 30.0
    assert sp["kind"] == ">=" and sp["peer_censored"] == 1
    grade = [{**row("g", "ours", None), "problem": "GRADE"}, {**row("g", "scip", None), "problem": "GRADE"}]
    assert speedup(rows + grade, "scip") == sp  # grade cases have their own comparison (grade_rows)


def test_grade_rows_compare_the_checked_plan_costs():
    from benchmarks.district_report import grade_rows

    def row(solver, cost, gap, ok=True):
        return {"case_id": "g", "series": "district", "problem": "GRADE", "solver": solver, "status": "time_limit",
                "objective": cost, "gap": gap, "plan_ok": ok}

    out = grade_rows([row("ours", 80.0, 0.1), row("scip", 100.0, 0.3), row("highs", 90.0, 0.2, ok=False)])
    assert len(out) == 1 and out[0]["scip"]["ours_cheaper"] == pytest.approx(0.2)
    assert out[0]["highs"]["cost"] is None and "ours_cheaper" not in out[0]["highs"]  # a plan that failed its check


def test_district_targets_count_every_seed_and_leave_grade_out():
    from benchmarks import districts
    from benchmarks.district_report import targets

    def case_row(case, **fields):
        return {"case_id": case.case_id, "series": "district", "solver": "ours", "status": "optimal",
                "problem": case.problem, **fields}

    fast = districts.district_case(20, 1, "basic4", "max_coverage", level_m=1)
    slow = districts.district_case(20, 2, "basic4", "max_coverage", level_m=1, seed=11)
    other = districts.district_case(20, 1, "basic4", "max_coverage", level_m=2)  # not the 1 M row
    s50 = districts.district_case(50, 2, "basic4", "max_coverage", level_m=1, seed=11)
    grade = districts.district_case(50, 2, "basic4", "grade")
    full = districts.district_case(50, 2, "tongzhou2022", "max_coverage", level_m=1, seed=23)
    cases = {c.case_id: c for c in (fast, slow, other, s50, grade, full)}
    rows = [case_row(fast, prepare_s=0.8, t_proof=8.4), case_row(slow, prepare_s=1.0, t_proof=38.3),
            case_row(other, prepare_s=0.8, t_proof=30.0), case_row(s50, gap=0.002, time_limit=60.0),
            case_row(grade, gap=0.15, time_limit=60.0, status="time_limit"),
            case_row(full, gap=0.0212, time_limit=120.0, status="time_limit")]
    got = {t: (measured, verdict) for t, measured, verdict in targets(rows, cases)}
    measured, verdict = next(v for t, v in got.items() if t.startswith("20 streets"))
    assert verdict == "not met" and measured.startswith("1 of 2 within 10 s")
    assert "s20-d2-seed11: 39.3 s" in measured and "s20-d1: 9.2 s" in measured
    measured, verdict = next(v for t, v in got.items() if t.startswith("50 streets"))
    assert verdict == "met" and "seed11" in measured and "grade" not in measured  # grade has its own table
    assert "tongzhou2022" not in measured  # the full catalogue has its own target
    measured, verdict = next(v for t, v in got.items() if t.startswith("50 streets, density 2, full"))
    assert verdict == "not met" and "s50-d2-seed23/tongzhou2022/b1M: 2.12 %" in measured
    rows[1] = case_row(slow, prepare_s=1.0, t_proof=None, status="time_limit")
    measured, verdict = next(m for t, *m in targets(rows, cases) if t.startswith("20 streets"))
    assert verdict == "not met" and "s20-d2-seed11: not proven" in measured
    rows[1] = case_row(slow, prepare_s=1.0, t_proof=8.0)
    assert next(m for t, *m in targets(rows, cases) if t.startswith("20 streets"))[1] == "met"


# --------------------------------------------------------------------------------------------
# The district family: a tiny generated district, ours and both plain peers, end to end


def test_district_family_cases_and_limits():
    from benchmarks import districts

    cases = districts.family_cases()
    ids = [c.case_id for c in cases]
    assert len(ids) == len(set(ids))
    assert "district/s50-d2/basic4/b1M" in ids and "district/s100-d2/tongzhou2022/cover" in ids
    assert "district/helsinki/basic4/cover" in ids and "district/s20-d1/basic4/sweep10" in ids
    assert "district/s50-d2/basic4/grade" in ids and "district/s50-d2/tongzhou2022/grade" not in ids
    lim = {c.case_id: c.time_limit for c in cases}
    assert lim["district/s50-d2/basic4/b1M"] == 60 and lim["district/s20-d1/tongzhou2022/b2M"] == 120
    assert lim["district/s100-d1/basic4/b0.5M"] == 300
    sweep = next(c for c in cases if c.source["kind"] == "sweep")
    budgets = districts.sweep_budgets(sweep.source)
    assert len(budgets) == 10 and budgets[0] == 0.5e6 * 20 and budgets[-1] == pytest.approx(2e6 * 20)
    picked, notes = districts.with_partners([sweep], cases)  # the sweep's ratio needs its one-solve partner
    assert [c.case_id for c in picked] == [sweep.source["partner"], sweep.case_id] and notes


def test_tiny_district_solved_by_ours_and_the_plain_peers(tmp_path):
    """Max-coverage mode through the CLI's job runner (a subprocess per job)."""
    from benchmarks import districts
    from benchmarks.__main__ import run_cases

    case = districts.district_case(2, 1, "basic4", "max_coverage", level_m=0.5, limit=20)
    out = tmp_path / "out"
    settings = {"time_limit": 20.0, "peer_time_limit": 20.0, "district_time_limit": None, "threads": 2,
                "repeats": 1, "peers": ["scip", "highs"], "instances": None, "district_cache": str(tmp_path / "cache"),
                "spopt_max_cells": 0}
    rc = run_cases([case], out=out, profile="district", peers=["scip", "highs"], settings=settings, notes=[],
                   baseline=False)
    assert rc == 0
    with open(out / "results.csv", newline="") as fh:
        rows = {r["solver"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"ours", "scip", "highs"}
    objs = {float(r["objective"]) for r in rows.values()}
    assert len(objs) == 1  # all three proved the same optimum
    for r in rows.values():
        assert r["status"] == "optimal" and r["check"] == "ok (checked)" and r["plan_ok"] == "True", r
        assert float(r["z_best"]) in objs and float(r["n_customers"]) > 0 and float(r["peak_rss_mb"]) > 0
        assert float(r["t_proof"]) > 0 and float(r["primal_integral"]) >= 0 and int(r["trace_events"]) >= 1
    # the case's scenario can be solved by hand: it extends the district's base scenario
    text = (tmp_path / "cache" / "s2-d1" / "cases" / "basic4-b0.5M.toml").read_text()
    assert 'extends = "../scenario.toml"' in text and "budget_yuan = 1000000" in text
    md = (out / "summary.md").read_text()
    assert "## District family" in md and "plain SCIP / ours" in md and "plain HiGHS / ours" in md


def test_tiny_district_cover_mode_in_process(tmp_path):
    """Cover mode: the plain models leave out the items no option reaches; the same least cost."""
    from benchmarks import districts
    from benchmarks.district_jobs import run

    case = districts.district_case(2, 1, "basic4", "cover", limit=20)
    scenario = districts.prepare_data([case], tmp_path / "cache", [])[case.case_id]
    out = {s: run(case, s, scenario=scenario, time_limit=20, threads=2) for s in ("ours", "scip", "highs")}
    for s, r in out.items():
        assert r["status"] == "optimal" and not r["plan_problem"], (s, r)
        assert r["events"] and r["events"][-1][1] == pytest.approx(r["objective"], rel=1e-9)
    assert len({r["objective"] for r in out.values()}) == 1


def test_tiny_district_grade_mode_in_process(tmp_path):
    """Grade mode: ours and the plain models answer the same rows (streets no plan can bring to the
    target left out) and every plan passes the independent check."""
    from benchmarks import districts
    from benchmarks.district_jobs import run

    case = districts.district_case(2, 1, "basic4", "grade", limit=20)
    assert case.problem == "GRADE" and case.minimize and case.case_id.endswith("/grade")
    scenario = districts.prepare_data([case], tmp_path / "cache", [])[case.case_id]
    assert 'mode = "grade"' in Path(scenario).read_text(encoding="utf-8")
    out = {s: run(case, s, scenario=scenario, time_limit=20, threads=2) for s in ("ours", "scip", "highs")}
    for s, r in out.items():
        assert r["status"] == "optimal" and not r["plan_problem"], (s, r)
        assert r["bound"] is not None and r["bound"] <= r["objective"] + 1e-6
    assert len({r["objective"] for r in out.values()}) == 1  # the same least cost
