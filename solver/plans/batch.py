"""A city round: many districts, budget levels, what-ifs and modes, run as tasks on Dask distributed.

    plan = plan_batch(manifest, out_dir, options)          # load every scenario, decide what is prepared once
    result = run_batch(plan, client=client, resume=False)  # client: a dask.distributed Client, or None (in process)
    write_batch(result)                                    # batch.csv, city_summary.csv, city.md, batch.json

Work units. Each district's tables, walking network, coverage and model instance are prepared
once, as one task (:func:`prepare_task`, solver.pipeline.prepare with no budget); every run of
the district is a task that takes that ``Prepared`` as its input (Dask keeps it on the worker
that made it, or copies it), sets the budget on the instance, solves, checks, ranks and writes
the run's folder (:func:`run_task`). A what-if scenario (``extends`` the district's scenario)
that changes nothing but ``budget_yuan``, ``mode``, ``name``, ``description``, ``[solve]`` and
``[output]`` reuses the district's preparation (its district record gets the what-if's input
fingerprints, exactly as a serial run records them); any other what-if (closed facilities,
added or excluded spaces, costs, services, walking, grades) is prepared anew as its own task.

Same results as serial runs. A run folder holds the same files as ``siting solve SCENARIO
--mode M --budget B`` (with the manifest's [solve] options as --time-limit, --gap, --threads,
--backend), byte for byte apart from the timings in summary.json: the run calls the same
stages with the same inputs (the instance of ``prepare(budget=B)`` is the no-budget instance
with its budget set; the budget appears nowhere else).

Faults. A run that fails on bad input (or whose district does) is a row of batch.csv with its
message, and the batch goes on. Run folders are written atomically (solver/folders.py): a
worker killed mid-write leaves at most a hidden ``.<name>.tmp-*`` folder, which Dask's re-run of
the task replaces by a whole folder and which the batch removes at its end; a run written twice
(the task re-run) is replaced whole by identical files. With ``resume``, a run whose folder is
complete (summary.json is written last, inside the atomic swap) and whose summary.json records
the same input fingerprints (SHA-256 of the scenario chain and every table) and the same
parameters is not run again; its row is read back from its folder.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from models.mode import Mode

from ..errors import DefectError, InputError, SitingError
from ..folders import write_csv
from ..inputs.grades import LEVELS, Grade, rules_from_dict
from ..inputs.readers import file_digest
from ..inputs.scenario import Scenario
from ..paths import safe_file_name
from ..pipeline import Prepared, RunOptions, load, prepare, run_budget, solve_backend, solve_parameters
from ..pipeline import solve_prepared as pipeline_solve_prepared
from ..results.outputs import write_outputs
from ..results.run import Run
from .manifest import DistrictSpec, Manifest

# the keys a what-if may change and still use its district's preparation (module docstring)
RUN_ONLY_KEYS = {"name", "description", "budget_yuan", "mode", "solve", "output", "extends", "data"}
OK, FAILED, ERROR, RESUMED = "solved", "failed", "error", "resumed"  # a row's outcome

BATCH_COLUMNS = ["district", "scenario", "what_if", "mode", "budget_yuan", "outcome", "status", "message", "gap",
                 "cost_yuan", "households", "coverage_before_pct", "coverage_after_pct", "grade_before",
                 "grade_after", "streets", "streets_below_target_before", "streets_below_target_after",
                 "streets_below_target", "prepared", "wall_s", "worker", "folder"]


# ------------------------------------------------------------------------------------------
# the plan: which runs, prepared how


@dataclass(frozen=True, kw_only=True)
class RunSpec:
    """One run: a scenario of a district in one mode at one budget, and its output folder."""

    district: str
    scenario: str  # the scenario's name (or its file, when it could not be loaded)
    what_if: bool
    mode: str
    budget: float | None  # None: the scenario's own (max_coverage), or no budget (cover)
    folder: Path
    label: str  # district/scenario/run, the folder under runs/


@dataclass(kw_only=True)
class Group:
    """Runs solved from one preparation: the scenario prepared, and per run the scenario it solves."""

    district: str
    prepared_scenario: Scenario
    runs: list[tuple[RunSpec, Scenario]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.district}/{self.prepared_scenario.name}"


@dataclass(kw_only=True)
class BatchPlan:
    manifest: Manifest
    out_dir: Path
    options: RunOptions
    groups: list[Group]
    failed: list[dict]  # rows of runs that cannot start (a scenario with problems)

    @property
    def n_runs(self) -> int:
        return sum(len(g.runs) for g in self.groups) + len(self.failed)


def run_label(mode: str, budget: float | None, scenario: Scenario | None) -> str:
    if mode != Mode.MAX_COVERAGE.value:
        return mode
    if budget is None and scenario is not None:
        budget = scenario.budget_yuan
    return "max_coverage" if budget is None else f"budget_{budget:.0f}"


def reuses_preparation(base: Scenario, whatif: Scenario) -> bool:
    """Whether ``whatif``'s tables, network, coverage and model equal ``base``'s (module docstring)."""
    ch = whatif.changes
    if ch is not None and ch.touches_tables:
        return False
    files = ("households", "candidates", "existing", "network_nodes", "network_edges")

    def same(a: Path | None, b: Path | None) -> bool:
        return (a is None and b is None) or (a is not None and b is not None and a.resolve() == b.resolve())

    if not all(same(getattr(base, f), getattr(whatif, f)) for f in files):
        return False

    def rest(raw: dict) -> dict:
        return {k: v for k, v in raw.items() if k not in RUN_ONLY_KEYS}

    return rest(base.raw) == rest(whatif.raw)


def _failed_row(spec: RunSpec, message: str, *, outcome: str = FAILED) -> dict:
    return {"district": spec.district, "scenario": spec.scenario, "what_if": spec.what_if, "mode": spec.mode,
            "budget_yuan": spec.budget, "outcome": outcome, "status": outcome, "message": message,
            "folder": spec.label, "prepared": "", "wall_s": 0.0, "worker": ""}


def _specs(d: DistrictSpec, name: str, scenario: Scenario | None, what_if: bool, runs_dir: Path) -> list[RunSpec]:
    out = []
    for mode in d.modes:
        budgets: Iterable[float | None] = (d.budgets or [None]) if mode == Mode.MAX_COVERAGE.value else [None]
        for b in budgets:
            label = "/".join([safe_file_name(d.name), safe_file_name(name), run_label(mode, b, scenario)])
            out.append(RunSpec(district=d.name, scenario=name, what_if=what_if, mode=mode, budget=b,
                               folder=runs_dir / label, label=label))
    return out


def _load(path: Path) -> tuple[Scenario | None, str | None]:
    try:
        return load(path), None
    except InputError as exc:
        return None, exc.render()
    except SitingError as exc:
        return None, str(exc)


def plan_batch(manifest: Manifest, out_dir: Path, options: RunOptions = RunOptions()) -> BatchPlan:
    """Load every scenario of the manifest and group the runs by the preparation they use.

    A scenario with problems is not an error here: its runs become failed rows with the problems."""
    runs_dir = Path(out_dir) / "runs"
    groups: list[Group] = []
    failed: list[dict] = []
    seen: set[str] = set()

    def add(specs: list[RunSpec], group: Group | None, scenario: Scenario | None, error: str | None) -> None:
        for spec in specs:
            if spec.label in seen:
                failed.append(_failed_row(spec, f"another run of the manifest writes the same folder runs/{spec.label}"
                                                " (give the scenarios different names)"))
                continue
            seen.add(spec.label)
            if error is not None or group is None or scenario is None:
                failed.append(_failed_row(spec, error or "not loaded"))
            else:
                group.runs.append((spec, scenario))

    for d in manifest.districts:
        base, error = _load(d.scenario)
        name = base.name if base is not None else d.scenario.stem
        own = Group(district=d.name, prepared_scenario=base) if base is not None else None
        add(_specs(d, name, base, False, runs_dir), own, base, error)
        if own is not None:
            groups.append(own)
        for w in d.whatifs:
            sc, werror = _load(w)
            wname = sc.name if sc is not None else w.stem
            if sc is not None and base is not None:
                chain = [] if sc.changes is None else [p.resolve() for p in sc.changes.files[:-1]]
                if d.scenario.resolve() not in chain:
                    werror = (f"{w}: a what-if of district {d.name!r} must extend its scenario {d.scenario} "
                              "(extends = \"...\", directly or through another what-if)")
            elif sc is not None and base is None:
                werror = f"the district's scenario {d.scenario} has problems (see its runs)"
            group: Group | None = None
            if sc is not None and werror is None and own is not None:
                if reuses_preparation(base, sc):  # type: ignore[arg-type]
                    group = own
                else:
                    group = Group(district=d.name, prepared_scenario=sc)
                    groups.append(group)
            add(_specs(d, wname, sc, True, runs_dir), group, sc, werror)
    groups = [g for g in groups if g.runs]
    return BatchPlan(manifest=manifest, out_dir=Path(out_dir), options=options, groups=groups, failed=failed)


# ------------------------------------------------------------------------------------------
# the tasks (module-level functions: Dask ships them to the workers by reference)


@dataclass(frozen=True)
class Failure:
    """A preparation that failed: what its runs report instead of solving."""

    outcome: str  # FAILED (bad input) or ERROR (a defect)
    message: str


def prepare_task(scenario: Scenario) -> Prepared | Failure:
    """Tables -> network -> coverage -> model instance of a scenario, without a budget (set per run)."""
    try:
        return prepare(scenario, budget=None)
    except InputError as exc:
        return Failure(FAILED, exc.render())
    except Exception as exc:  # a defect: reported in the rows, the batch goes on
        return Failure(ERROR, f"internal error ({type(exc).__name__}): {exc}")


def for_scenario(prep: Prepared, scenario: Scenario) -> Prepared:
    """The district's preparation as ``scenario`` (a what-if that reuses it) would have made it:
    the same tables, network, coverage and model, with the what-if's input fingerprints (the
    scenario file, the files it extends), as solver.inputs.loading.check_inputs records them."""
    if scenario is prep.scenario:
        return prep
    base = prep.scenario.path
    if scenario.path is None or (base is not None and scenario.path.resolve() == base.resolve()):
        return replace(prep, scenario=scenario)
    district = prep.district
    fp = dict(district.fingerprints)
    fp["scenario"] = file_digest(scenario.path)
    cand = district.candidates
    ch = scenario.changes
    if ch is not None and (ch.touches_tables or len(ch.files) > 1) and scenario.candidates is not None:
        for f in ch.files[:-1]:
            fp[f"extends:{f.name}"] = file_digest(f)
        if "source_file" not in cand:
            cand = cand.copy()
            cand["source_file"] = scenario.candidates.name
            cand["conversion_cost"] = cand["conversion_cost"].astype(float)
    return replace(prep, scenario=scenario, district=replace(district, candidates=cand, fingerprints=fp))


def resolved_run(scenario: Scenario, options: RunOptions) -> tuple[Mode, float | None]:
    """The mode and budget of a run, as solver.pipeline.run resolves them (InputError without a budget)."""
    mode = Mode(options.mode or scenario.mode)
    return mode, run_budget(scenario, options, mode)


def solve_prepared(prep: Prepared, options: RunOptions) -> Run:
    """solver.pipeline.run on inputs already prepared (without a budget): the same stages after prepare."""
    return pipeline_solve_prepared(prep, options)


def write_run(run: Run, folder: Path) -> None:
    """Write a run's folder atomically; a copy of the same task that got there first (Dask re-ran it)
    leaves a whole folder of the same files, which is kept."""
    try:
        write_outputs(run, folder)
    except OSError:
        if not (folder / "summary.json").is_file():
            raise


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().name)
    except (ImportError, ValueError):
        return "local"


def options_for(spec: RunSpec, options: RunOptions) -> RunOptions:
    return replace(options, mode=Mode(spec.mode), budget_yuan=spec.budget)


def run_task(prep: Prepared | Failure, spec: RunSpec, scenario: Scenario, options: RunOptions,
             target_grade: str) -> dict:
    """Solve one run on its district's preparation, write its folder, return its batch.csv row."""
    t0 = time.perf_counter()
    worker = _worker_name()
    if isinstance(prep, Failure):
        row = _failed_row(spec, prep.message, outcome=prep.outcome)
    else:
        try:
            p = for_scenario(prep, scenario)
            run = solve_prepared(p, options_for(spec, options))
            write_run(run, spec.folder)
            row = row_from_folder(spec, target_grade, outcome=OK)
            row["prepared"] = ("own" if prep.scenario.name == scenario.name
                               else f"reused: {prep.scenario.name}")
        except InputError as exc:
            row = _failed_row(spec, exc.render())
        except DefectError as exc:
            row = _failed_row(spec, f"internal error: {exc}", outcome=ERROR)
        except Exception as exc:  # a defect of ours: reported, the batch goes on
            row = _failed_row(spec, f"internal error ({type(exc).__name__}): {exc}", outcome=ERROR)
    row["wall_s"] = round(time.perf_counter() - t0, 3)
    row["worker"] = worker
    return row


# ------------------------------------------------------------------------------------------
# rows read back from run folders (the same for a run just written and one resumed)


def _grades(cov: pd.DataFrame, rules, services: list[str], column: str) -> dict[str, Grade | None]:
    out: dict[str, Grade | None] = {}
    for street, part in cov.groupby("street", sort=False):
        pct = dict(zip(part["service"], part[column].astype(float)))
        out[str(street)] = rules.grade({s: pct.get(s, 0.0) for s in services}) if int(
            part["households"].iloc[0]) > 0 else None
    return out


def row_from_folder(spec: RunSpec, target_grade: str, *, outcome: str) -> dict:
    """The batch.csv row of a complete run folder, with the per-service figures of the city roll-up."""
    folder = spec.folder
    with open(folder / "summary.json", encoding="utf-8") as fh:
        summ = json.load(fh)
    cov = pd.read_csv(folder / "coverage.csv", dtype={"street": str, "service": str}, keep_default_na=False)
    res = summ["result"]
    services = list(summ["coverage"])
    rules = rules_from_dict(summ["parameters"].get("grades"), services)
    target = Grade(LEVELS.index(target_grade) + 1)
    before = _grades(cov, rules, services, "pct_before")
    after = _grades(cov, rules, services, "pct_after")
    streets = [s for s in before if s != "ALL"]
    below_b = [s for s in streets if before[s] is not None and before[s] < target]  # type: ignore[operator]
    below_a = [s for s in streets if after[s] is not None and after[s] < target]  # type: ignore[operator]
    total = cov[cov["street"] == "ALL"]
    hh = float(total["households"].sum())

    def pct(col: str) -> float:
        return round(100.0 * float(total[col].sum()) / hh, 3) if hh else 0.0

    def key(g: Grade | None) -> str:
        return "" if g is None else g.key

    return {
        "district": spec.district, "scenario": spec.scenario, "what_if": spec.what_if, "mode": spec.mode,
        "budget_yuan": summ["parameters"]["budget_yuan"], "outcome": outcome, "status": res["status"],
        "message": res.get("message") or "", "gap": res.get("gap"), "cost_yuan": res.get("cost_yuan"),
        "households": int(total["households"].iloc[0]) if len(total) else 0,
        "coverage_before_pct": pct("covered_before"), "coverage_after_pct": pct("covered_after"),
        "grade_before": key(before.get("ALL")), "grade_after": key(after.get("ALL")), "streets": len(streets),
        "streets_below_target_before": len(below_b), "streets_below_target_after": len(below_a),
        "streets_below_target": ";".join(below_a), "prepared": "", "folder": spec.label,
        "services": {s: {"households": int(summ["coverage"][s]["households"]),
                         "pct_before": summ["coverage"][s]["pct_before"],
                         "pct_after": summ["coverage"][s]["pct_after"]} for s in services},
    }


def expected_fingerprints(scenario: Scenario) -> dict[str, str]:
    """The input fingerprints a run of ``scenario`` records in summary.json (solver/inputs/loading.py)."""
    fp = {p.name: file_digest(p) for p in (scenario.households, scenario.candidates, scenario.existing,
                                             scenario.network_nodes, scenario.network_edges) if p is not None}
    if scenario.path is not None:
        fp["scenario"] = file_digest(scenario.path)
    ch = scenario.changes
    if ch is not None and (ch.touches_tables or len(ch.files) > 1):
        for f in ch.files[:-1]:
            fp[f"extends:{f.name}"] = file_digest(f)
        for p in ch.add_candidates:
            fp[f"candidates.add:{p.name}"] = file_digest(p)
    return fp


def resumable(spec: RunSpec, scenario: Scenario, options: RunOptions) -> bool:
    """Whether ``spec``'s folder is complete, of the same inputs (fingerprints) and the same parameters."""
    path = spec.folder / "summary.json"
    if not path.is_file():
        return False
    try:
        with open(path, encoding="utf-8") as fh:
            summ = json.load(fh)
        opts = options_for(spec, options)
        mode, budget = resolved_run(scenario, opts)
        params = solve_parameters(scenario, opts)
        p = summ["parameters"]
        return (summ["inputs"]["fingerprints_sha256"] == expected_fingerprints(scenario)
                and p["mode"] == mode.value and p["budget_yuan"] == budget
                and p["backend"] == solve_backend(scenario, opts).value
                and (p["time_limit_s"], p["relative_gap"], p["threads"], p["seed"])
                == (params.time_limit_s, params.relative_gap, params.threads, params.seed)
                and (spec.folder / "coverage.csv").is_file())
    except (OSError, ValueError, KeyError, TypeError, InputError):
        return False


# ------------------------------------------------------------------------------------------
# running the plan


@dataclass(kw_only=True)
class BatchResult:
    plan: BatchPlan
    rows: list[dict]
    wall_s: float
    workers: dict[str, Any] = field(default_factory=dict)  # worker -> {"peak_rss_mb": ...}
    where: str = "in process"

    @property
    def exit_code(self) -> int:
        """0 every run has a plan; 4 some run hit a defect; 1 some failed on bad input; 3 some have no plan."""
        outcomes = {r["outcome"] for r in self.rows}
        if ERROR in outcomes:
            return 4
        if FAILED in outcomes:
            return 1
        if any(r["status"] not in ("optimal", "feasible") for r in self.rows):
            return 3
        return 0


ProgressLine = Callable[[int, int, dict], None]


def run_batch(plan: BatchPlan, *, client: Any = None, resume: bool = False, progress: ProgressLine | None = None,
              run_fn: Callable[..., dict] = run_task) -> BatchResult:
    """Run every run of ``plan``: on a dask.distributed ``client``, or in this process (None).

    Returns the rows (batch.csv) in the manifest's order; never raises for a failed run."""
    t0 = time.perf_counter()
    target = plan.manifest.target_grade
    order = {}
    rows: dict[str, dict] = {}
    todo: list[tuple[Group, list[tuple[RunSpec, Scenario]]]] = []
    k = 0
    for g in plan.groups:
        left = []
        for spec, sc in g.runs:
            order[spec.label] = k
            k += 1
            if resume and resumable(spec, sc, plan.options):
                rows[spec.label] = row_from_folder(spec, target, outcome=RESUMED)
            else:
                left.append((spec, sc))
        if left:
            todo.append((g, left))
    for r in plan.failed:
        order[r["folder"]] = k
        k += 1
        rows[r["folder"]] = r
    n_total = len(order)
    done = 0
    if progress is not None:
        for r in list(rows.values()):
            done += 1
            progress(done, n_total, r)
    opts = plan.options
    if client is None:
        for g, runs in todo:
            prep = prepare_task(g.prepared_scenario)
            for spec, sc in runs:
                r = run_fn(prep, spec, sc, opts, target)
                rows[spec.label] = r
                done += 1
                if progress is not None:
                    progress(done, n_total, r)
            del prep
        where = "in process"
        workers: dict[str, Any] = {"local": {"peak_rss_mb": _peak_rss_mb()}}
    else:
        from distributed import as_completed

        futures = {}
        preps = {}
        left_per_group: dict[str, int] = {}
        for g, runs in todo:
            pf = client.submit(prepare_task, g.prepared_scenario, key=f"prepare-{g.key}-{os.urandom(4).hex()}",
                               pure=False, priority=10)
            preps[g.key] = pf
            left_per_group[g.key] = len(runs)
            for spec, sc in runs:
                f = client.submit(run_fn, pf, spec, sc, opts, target, key=f"run-{spec.label}-{os.urandom(4).hex()}",
                                  pure=False)
                futures[f] = (spec, g.key)
        for f in as_completed(list(futures)):
            spec, gkey = futures.pop(f)
            try:
                r = f.result()
            except Exception as exc:  # KilledWorker (a task that kills its worker again and again), a lost cluster
                r = _failed_row(spec, f"the task failed on the cluster ({type(exc).__name__}): {exc}", outcome=ERROR)
            rows[spec.label] = r
            left_per_group[gkey] -= 1
            if not left_per_group[gkey]:
                preps.pop(gkey).release()  # the preparation is no longer needed on the workers
            done += 1
            if progress is not None:
                progress(done, n_total, r)
        where = f"Dask scheduler {client.scheduler.address}"
        try:
            workers = client.run(_worker_stats)
        except Exception:  # the statistics are a nicety; a lost worker must not fail the batch
            workers = {}
    cleanup_stale(plan.out_dir / "runs")
    ordered = [rows[label] for label in sorted(rows, key=lambda lab: order[lab])]
    return BatchResult(plan=plan, rows=ordered, wall_s=time.perf_counter() - t0, workers=workers, where=where)


def _peak_rss_mb() -> float:
    """This process's peak resident memory (MB): Linux's VmHWM, which starts afresh in a new program
    (ru_maxrss may carry the parent's peak over into a spawned worker), else ru_maxrss."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)  # kB
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: kilobytes


def _worker_stats() -> dict:
    return {"peak_rss_mb": _peak_rss_mb(), "pid": os.getpid()}


def cleanup_stale(runs_dir: Path) -> list[Path]:
    """Remove the hidden temporary folders a killed worker left beside run folders (``.<name>.tmp-*``,
    ``.<name>.old-*``: solver/folders.py); only when the batch is over, so none is in use."""
    removed: list[Path] = []
    if not runs_dir.is_dir():
        return removed
    for p in runs_dir.rglob(".*"):
        if p.is_dir() and (".tmp-" in p.name or ".old-" in p.name):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


# ------------------------------------------------------------------------------------------
# files


def batch_table(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{c: r.get(c) for c in BATCH_COLUMNS} for r in rows], columns=BATCH_COLUMNS)


def city_table(rows: list[dict]) -> pd.DataFrame:
    """The city roll-up: one row per run and service (coverage before / after, the district's grades)."""
    out = []
    for r in rows:
        for s, v in (r.get("services") or {}).items():
            out.append({"district": r["district"], "scenario": r["scenario"], "mode": r["mode"],
                        "budget_yuan": r["budget_yuan"], "status": r["status"], "cost_yuan": r["cost_yuan"],
                        "service": s, "households": v["households"], "pct_before": v["pct_before"],
                        "pct_after": v["pct_after"], "grade_before": r["grade_before"],
                        "grade_after": r["grade_after"], "streets_below_target": r["streets_below_target"]})
    return pd.DataFrame(out, columns=["district", "scenario", "mode", "budget_yuan", "status", "cost_yuan", "service",
                                      "households", "pct_before", "pct_after", "grade_before", "grade_after",
                                      "streets_below_target"])


def _money(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{float(v):,.0f}"


def city_markdown(result: BatchResult) -> str:
    m = result.plan.manifest
    rows = result.rows
    bad = [r for r in rows if r["outcome"] in (FAILED, ERROR)]
    lines = [f"# City round: {m.name}", ""]
    if m.description:
        lines += [m.description, ""]
    lines += [f"{len(m.districts)} districts, {len(rows)} runs ({len(bad)} failed); target grade: "
              f"**{m.target_grade}**. Coverage is the share of (household, service) pairs within walking time; "
              "grades are the whole district's (solver/inputs/grades.py); streets below target are counted "
              "after the plan.", ""]
    for d in m.districts:
        mine = [r for r in rows if r["district"] == d.name]
        lines += [f"## {d.name}", ""]
        ok = [r for r in mine if r.get("services")]
        if ok:
            services = list(ok[0]["services"])
            head = ["scenario", "mode", "budget (yuan)", "status", "cost (yuan)"] + [
                f"{s} % before → after" for s in services] + ["grade before → after", "streets below target"]
            lines.append("| " + " | ".join(head) + " |")
            lines.append("|" + "|".join(["---"] * len(head)) + "|")
            for r in ok:
                cells = [r["scenario"], r["mode"], _money(r["budget_yuan"]), r["status"], _money(r["cost_yuan"])]
                for s in services:
                    v = r["services"].get(s)
                    cells.append("" if v is None else f"{v['pct_before']:.1f} → {v['pct_after']:.1f}")
                below = r["streets_below_target"]
                cells += [f"{r['grade_before']} → {r['grade_after']}",
                          f"{r['streets_below_target_after']} of {r['streets']}" + (f": {below}" if below else "")]
                lines.append("| " + " | ".join(str(c) for c in cells) + " |")
            lines.append("")
        for r in mine:
            if r["outcome"] in (FAILED, ERROR):
                first = str(r["message"]).strip().splitlines()
                lines.append(f"- **{r['outcome']}**: {r['scenario']} {r['mode']} {_money(r['budget_yuan'])}: "
                             + (" ".join(x.strip() for x in first[:3]) if first else ""))
        if any(r["outcome"] in (FAILED, ERROR) for r in mine):
            lines.append("")
    return "\n".join(lines) + "\n"


def _write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    write(tmp)
    os.replace(tmp, path)


def start_marker(out_dir: Path, manifest: Manifest) -> None:
    """batch.json written before any run, so that a batch stopped half-way is known as one (--resume)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = {"manifest": str(manifest.path), "name": manifest.name, "state": "running"}
    _write_atomic(out_dir / "batch.json", lambda p: p.write_text(json.dumps(data, ensure_ascii=False, indent=2),
                                                                 encoding="utf-8"))


def write_batch(result: BatchResult) -> list[Path]:
    """batch.csv, city_summary.csv, city.md and batch.json into the batch folder (each replaced atomically)."""
    out_dir = result.plan.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_atomic(out_dir / "batch.csv", lambda p: write_csv(batch_table(result.rows), p))
    _write_atomic(out_dir / "city_summary.csv", lambda p: write_csv(city_table(result.rows), p))
    _write_atomic(out_dir / "city.md", lambda p: p.write_text(city_markdown(result), encoding="utf-8"))
    m = result.plan.manifest
    data = {"manifest": str(m.path), "name": m.name, "state": "finished", "runs": len(result.rows),
            "outcomes": {o: sum(r["outcome"] == o for r in result.rows) for o in (OK, RESUMED, FAILED, ERROR)},
            "exit_code": result.exit_code, "where": result.where, "wall_s": round(result.wall_s, 3),
            "workers": result.workers}
    _write_atomic(out_dir / "batch.json", lambda p: p.write_text(json.dumps(data, ensure_ascii=False, indent=2),
                                                                 encoding="utf-8"))
    return [out_dir / n for n in ("batch.csv", "city_summary.csv", "city.md", "batch.json")]


def batch_inputs(plan: BatchPlan) -> list[Path]:
    """Every file the batch reads (for refusing an output folder that holds one)."""
    from ..inputs.scenario import scenario_files

    out = [plan.manifest.path]
    for d in plan.manifest.districts:
        out += [d.scenario, *d.whatifs]
    for g in plan.groups:
        for _, sc in g.runs:
            out += scenario_files(sc)
    return list(dict.fromkeys(out))


__all__ = ["BatchPlan", "BatchResult", "Group", "RunSpec", "batch_inputs", "plan_batch", "prepare_task",
           "run_batch", "run_task", "start_marker", "write_batch"]
