"""One benchmark job in its own process: ``python -m benchmarks.worker SPEC.json OUT.json``.

The spec names a case, a solver (``ours``, ``spopt``, ``highs``, ``scip``, or ``noop`` to
measure the memory of the interpreter plus the solver's libraries), the instance
folder and the time limit. The job reads (or generates) the instance, builds what
the solver needs, solves, then checks the plan independently against a freshly
built coverage (outside the timed part) and writes the result as JSON. A case of
the district family runs benchmarks/district_jobs.py instead (its spec names the
case's scenario file).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

from .instances import read_instance
from .reference import Case


def load_case(case: Case, instances_dir: Path):
    """(instance, coverage function) of a case."""
    if "file" in case.source:
        inst = read_instance(Path(instances_dir) / case.source["file"], family=_reader_family(case.family))
        return inst, inst.coverage
    from .scaling import load_generated

    return load_generated(case.source)


def _reader_family(family: str) -> str | None:
    return family if family in ("SJC", "Maximo", "BDS", "BDS1000", "GR", "Beasley", "ZDS", "PCB", "GRID") else None


def _import_for(solver: str) -> None:
    if solver == "ours":
        import models.instance  # noqa: F401
        import solver.engine.solve  # noqa: F401  (OR-Tools)
    elif solver == "spopt":
        import pulp  # noqa: F401
        import spopt.locate  # noqa: F401
    elif solver == "highs":
        import scipy.optimize  # noqa: F401
    elif solver == "scip":
        import ortools.linear_solver.python.model_builder_helper  # noqa: F401


def check_plan(case: Case, inst, cover, x: np.ndarray) -> tuple[float | None, str]:
    """Objective recomputed from the plan x and the coverage; and a problem description ('' if fine)."""
    if x is None:
        return None, ""
    x = np.asarray(x, dtype=bool)
    hit = (cover @ x.astype(np.int64)) > 0
    if case.problem == "LSCP":
        coverable = np.diff(cover.indptr) > 0
        missed = int(np.sum(coverable & ~hit))
        return float(x.sum()), (f"{missed} coverable customers left uncovered" if missed else "")
    problems = ""
    if x.sum() > case.p:
        problems = f"{int(x.sum())} sites open > p = {case.p}"
    return float(inst.demand[hit].sum()), problems


def run(spec: dict) -> dict:
    solver = spec["solver"]
    if solver.startswith("noop"):  # "noop:ours": the baseline memory of the interpreter + those imports
        _import_for(solver.partition(":")[2])
        return {"status": "noop"}
    if solver.startswith("sleep:"):  # a job that overruns its hard limit (tests of the kill path)
        time.sleep(float(solver.partition(":")[2]))
        return {"status": "noop"}
    case = Case.from_json(spec["case"])
    _import_for(solver)
    if case.series == "district":
        return _district(case, spec)
    t0 = time.perf_counter()
    inst, cover_fn = load_case(case, Path(spec["instances_dir"]))
    read_s = time.perf_counter() - t0
    cells = inst.n_customers * inst.n_sites
    max_cells = int(spec.get("spopt_max_cells") or 0)
    if solver == "spopt" and max_cells and cells > max_cells:  # generated cases: size known only now
        return {"status": "skipped", "n_customers": inst.n_customers, "n_sites": inst.n_sites,
                "note": f"spopt skipped: dense {inst.n_customers} x {inst.n_sites} = {cells:.2e} cells "
                        f"> {max_cells:.1e}"}
    if solver == "ours":
        from .ours import run_ours as fn
    elif solver == "spopt":
        from .peers import run_spopt as fn
    elif solver == "highs":
        from .peers import run_highs as fn
    else:
        raise ValueError(f"unknown solver {solver!r}")
    out = fn(inst, cover_fn, case, time_limit=float(spec["time_limit"]), threads=int(spec.get("threads", 2)))
    x = out.pop("x")
    cover = out.pop("cover", None)
    # Independent check, outside the timed part: rebuild the coverage, recompute the objective.
    if cover is None and x is not None:
        cover = cover_fn(case.radius, case.rule)
    checked, problem = check_plan(case, inst, cover, x) if x is not None else (None, "")
    detail = out.pop("detail", {})
    if problem:
        detail["plan_problem"] = problem
    if checked is not None and out["objective"] is not None and abs(checked - out["objective"]) > 1e-6 * max(
            1.0, abs(checked)):
        # A time-limited textbook incumbent may leave some y_i = 0 although x covers i, so
        # its reported value can be below what the plan covers; claiming more is an error.
        detail["reported_objective"] = out["objective"]
        claims_more = out["objective"] > checked if case.problem == "MCLP" else out["objective"] < checked
        if claims_more:
            problem = problem or f"solver reported {out['objective']} but the plan gives {checked}"
    if checked is not None:
        out["objective"] = checked
    out.update(read_s=read_s, total_s=read_s + out["cover_s"] + out["model_s"] + out["solve_s"],
               n_customers=inst.n_customers, n_sites=inst.n_sites,
               total_demand=float(np.sum(inst.demand)), n_open=None if x is None else int(np.sum(x)),
               plan_ok=not problem, detail=detail, time_limit=float(spec["time_limit"]))
    if out.get("nnz") is None and cover is not None:
        out["nnz"] = int(cover.nnz)
    return out


def _district(case: Case, spec: dict) -> dict:
    from .district_jobs import run as run_district

    out = run_district(case, spec["solver"], scenario=spec["scenario"], time_limit=float(spec["time_limit"]),
                       threads=int(spec.get("threads", 2)))
    if out.get("status") in ("skipped", "error"):
        return out
    out.pop("x", None)
    problem = out.pop("plan_problem", "")
    if problem:
        out["detail"]["plan_problem"] = problem
    out.update(total_s=out["prepare_s"] + out["solve_s"], plan_ok=not problem)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    try:
        out = run(spec)
    except Exception as exc:  # reported as a status, with the message
        import traceback

        out = {"status": "error", "detail": {"message": f"{type(exc).__name__}: {exc}",
                                             "traceback": traceback.format_exc()[-2000:]}}
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out["rss_self_mb"] = self_kb / 1024.0
    out["rss_children_mb"] = child_kb / 1024.0  # e.g. the CBC process of spopt
    Path(argv[1]).write_text(json.dumps(out, default=_jsonable), encoding="utf-8")
    return 0


def _jsonable(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


if __name__ == "__main__":
    raise SystemExit(main())
