"""A batch manifest (TOML): the districts of a city and the runs to make of each.

    manifest = read_manifest("scenarios/city/manifest.toml")    # InputError listing every problem

::

    name = "city"                       # the batch's name (default: the file's stem)
    description = "..."
    target_grade = "basic"              # the roll-up lists streets below it (basic | improved | quality)

    [output]
    dir = "../../out/city"              # default: out/<name>-batch under the current folder

    [runs]                              # the runs of every district (a district may override each key)
    budgets = [1e6, 2e6, 4e6]           # max_coverage levels in yuan; omitted: each scenario's own budget
    modes = ["max_coverage", "cover"]   # default ["max_coverage"]; cover = minimum-cost full coverage

    [solve]                             # like solve's options, for every run
    time_limit_s = 60                   # (backend, time_limit_s, relative_gap, threads)

    [[districts]]
    scenario = "east/scenario.toml"     # relative to the manifest
    name = "east"                       # default: the scenario file's stem's parent folder name
    whatifs = ["east/closed_market.toml"]   # scenarios that extend this district's scenario
    budgets = [5e5, 1e6]                # overrides [runs]

Every run of a district is: each scenario (the district's, then each what-if) x each mode x
(for max_coverage) each budget. Paths are relative to the manifest. Problems with the
manifest itself (its keys, values, missing files) are input errors listed at once; a
scenario file with problems only fails its own runs (solver/plans/batch.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.mode import Mode

from ..choices import Backend
from ..errors import Problems, did_you_mean
from ..inputs import ranges
from ..inputs.readers import read_toml
from ..paths import path_problem, safe_file_name

TOP_KEYS = {"name", "description", "target_grade", "output", "runs", "solve", "districts"}
RUN_KEYS = {"budgets", "modes"}
DISTRICT_KEYS = {"name", "scenario", "whatifs"} | RUN_KEYS
SOLVE_KEYS = {"backend", "time_limit_s", "relative_gap", "threads"}
GRADE_TARGETS = ("basic", "improved", "quality")
MODES = tuple(m.value for m in Mode)


@dataclass(frozen=True, kw_only=True)
class DistrictSpec:
    name: str
    scenario: Path
    whatifs: tuple[Path, ...] = ()
    budgets: tuple[float, ...] | None = None  # None: each scenario's own budget
    modes: tuple[str, ...] = ("max_coverage",)


@dataclass(frozen=True, kw_only=True)
class Manifest:
    name: str
    path: Path
    description: str = ""
    target_grade: str = "basic"
    output_dir: Path | None = None
    districts: tuple[DistrictSpec, ...] = ()
    solve: dict[str, Any] = field(default_factory=dict)  # RunOptions keywords (solver/pipeline.py)

    @property
    def folder_name(self) -> str:
        return safe_file_name(self.name)


def _unknown(problems: Problems, file: str, where: str, keys, allowed) -> None:
    for key in keys:
        if key not in allowed:
            problems.add(file, f"unknown key{did_you_mean(str(key), sorted(allowed))}; allowed: "
                         f"{', '.join(sorted(allowed))}", field=f"{where}{key}", show_value=False)


def _budgets(value: Any, problems: Problems, file: str, fld: str) -> tuple[float, ...] | None:
    if not isinstance(value, list) or not value:
        problems.add(file, "must be a non-empty list of budgets in yuan", field=fld, value=value)
        return None
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            problems.add(file, "must be a number (yuan)", field=fld, value=v)
            continue
        why = ranges.BUDGET_YUAN.problem(v)
        if why:
            problems.add(file, why, field=fld, value=v)
            continue
        out.append(float(v))
    if len(out) > ranges.SWEEP_STEPS.high:
        problems.add(file, f"at most {ranges.SWEEP_STEPS.high:g} budget levels", field=fld,
                     value_text=str(len(out)))
    return tuple(sorted(set(out)))


def _modes(value: Any, problems: Problems, file: str, fld: str) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        problems.add(file, f"must be a non-empty list of modes ({', '.join(MODES)})", field=fld, value=value)
        return None
    bad = [v for v in value if v not in MODES]
    for v in bad:
        problems.add(file, f"unknown mode{did_you_mean(v, MODES)}; allowed: {', '.join(MODES)}", field=fld, value=v)
    return None if bad else tuple(dict.fromkeys(value))


def _file(value: Any, base: Path, problems: Problems, file: str, fld: str) -> Path | None:
    if not isinstance(value, str) or not value.strip():
        problems.add(file, "must be the path of a scenario file (relative to the manifest)", field=fld, value=value)
        return None
    p = base / value
    why = path_problem(p)
    if why:
        problems.add(file, why, field=fld, value=value)
        return None
    if not p.is_file():
        problems.add(file, "scenario file not found (paths are relative to the manifest)", field=fld,
                     value_text=f"{value!r} (looked for {p.resolve()})")
        return None
    return p


def read_manifest(path: str | Path) -> Manifest:
    """Read and check a manifest; raise InputError listing every problem."""
    path = Path(path)
    file = str(path)
    raw = read_toml(path)
    problems = Problems()
    base = path.parent
    _unknown(problems, file, "", raw, TOP_KEYS)
    name = raw.get("name", path.stem)
    if not isinstance(name, str) or not name.strip() or "/" in name or "\\" in name:
        problems.add(file, "must be a text without slashes", field="name", value=name)
        name = path.stem
    description = raw.get("description", "")
    if not isinstance(description, str):
        problems.add(file, "must be a text", field="description", value=description)
        description = ""
    target = raw.get("target_grade", "basic")
    if target not in GRADE_TARGETS:
        problems.add(file, f"must be one of {', '.join(GRADE_TARGETS)}", field="target_grade", value=target)
        target = "basic"
    output_dir = None
    out = raw.get("output", {})
    if not isinstance(out, dict):
        problems.add(file, "must be a table", field="output", value=out)
    else:
        _unknown(problems, file, "output.", out, {"dir"})
        if "dir" in out:
            if not isinstance(out["dir"], str) or not out["dir"].strip() or path_problem(base / out["dir"]):
                problems.add(file, path_problem(base / str(out["dir"])) or "must be a folder path",
                             field="output.dir", value=out["dir"])
            else:
                output_dir = base / out["dir"]
    solve: dict[str, Any] = {}
    sv = raw.get("solve", {})
    if not isinstance(sv, dict):
        problems.add(file, "must be a table", field="solve", value=sv)
        sv = {}
    _unknown(problems, file, "solve.", sv, SOLVE_KEYS)
    for key, rng in (("time_limit_s", ranges.TIME_LIMIT_S), ("relative_gap", ranges.GAP),
                     ("threads", ranges.THREADS)):
        if key in sv:
            v = sv[key]
            why = ("must be a number" if isinstance(v, bool) or not isinstance(v, (int, float))
                   else rng.problem(v))
            if why:
                problems.add(file, why, field=f"solve.{key}", value=v)
            else:
                solve[key] = int(v) if key == "threads" else float(v)  # as the CLI's options give them
    if "backend" in sv:
        allowed = tuple(b.value for b in Backend)
        if sv["backend"] not in allowed:
            problems.add(file, f"must be one of {', '.join(allowed)}", field="solve.backend", value=sv["backend"])
        else:
            solve["backend"] = sv["backend"]
    runs = raw.get("runs", {})
    if not isinstance(runs, dict):
        problems.add(file, "must be a table", field="runs", value=runs)
        runs = {}
    _unknown(problems, file, "runs.", runs, RUN_KEYS)
    default_budgets = _budgets(runs["budgets"], problems, file, "runs.budgets") if "budgets" in runs else None
    default_modes = _modes(runs["modes"], problems, file, "runs.modes") if "modes" in runs else None
    districts: list[DistrictSpec] = []
    items = raw.get("districts")
    if not isinstance(items, list) or not items or not all(isinstance(d, dict) for d in items):
        problems.add(file, "needs at least one [[districts]] table (with scenario = \"path.toml\")",
                     field="districts", show_value=False)
        items = []
    seen: dict[str, int] = {}
    for k, d in enumerate(items):
        where = f"districts[{k + 1}]."
        _unknown(problems, file, where, d, DISTRICT_KEYS)
        scen = _file(d.get("scenario"), base, problems, file, where + "scenario")
        whatifs = []
        wi = d.get("whatifs", [])
        if not isinstance(wi, list):
            problems.add(file, "must be a list of scenario files", field=where + "whatifs", value=wi)
            wi = []
        for w in wi:
            p = _file(w, base, problems, file, where + "whatifs")
            if p is not None:
                whatifs.append(p)
        dname = d.get("name")
        if dname is None:
            dname = scen.parent.name if scen is not None and scen.stem == "scenario" else (
                scen.stem if scen is not None else f"district{k + 1}")
        if not isinstance(dname, str) or not dname.strip() or "/" in dname or "\\" in dname:
            problems.add(file, "must be a text without slashes", field=where + "name", value=dname)
            dname = f"district{k + 1}"
        key = safe_file_name(dname).casefold()
        if key in seen:
            problems.add(file, f"two districts have the same name (districts[{seen[key] + 1}])",
                         field=where + "name", value=dname)
        seen[key] = k
        budgets = _budgets(d["budgets"], problems, file, where + "budgets") if "budgets" in d else default_budgets
        modes = _modes(d["modes"], problems, file, where + "modes") if "modes" in d else default_modes
        if scen is not None:
            districts.append(DistrictSpec(name=dname, scenario=scen, whatifs=tuple(whatifs), budgets=budgets,
                                          modes=modes or ("max_coverage",)))
    problems.raise_if_any()
    return Manifest(name=name, path=path, description=description, target_grade=target, output_dir=output_dir,
                    districts=tuple(districts), solve=solve)
