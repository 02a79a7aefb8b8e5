"""What-if scenarios: ``extends`` chains, ``--set`` overrides and changes to the input tables.

A scenario may extend another::

    extends = "demo.toml"             # relative to this file; chains allowed, cycles are an error
    budget_yuan = 3_000_000           # override anything of the base
    [services.pharmacy]
    threshold_min = 10

    [existing]
    close = ["E001", "E017"]          # existing facilities closed (ids of the existing table)

    [candidates]
    add = "extra_spaces.csv"          # extra candidate table(s), merged with the base's
    exclude = ["C0012"]               # candidate spaces taken out
    forbid_space_types = ["underground"]
    cost = { C0001 = 250_000 }        # conversion cost of one space (yuan)
    cost_by_type = { bike_shed = 90_000 }   # conversion cost of every space of a type

Merging: tables merge key by key, down to the leaves; any other value (a
number, a string, a list) replaces the base's value whole (so a list given by
a child replaces the parent's list). Three things are not inherited, because
they name the scenario rather than describe it: ``name`` (default: the file
stem), ``description`` and ``output.dir``. Relative paths keep meaning what
they meant in the file that wrote them.

``--set key=value`` overrides are applied last, to the merged mapping, with a
dotted key (TOML syntax: ``services.pharmacy.threshold_min=15``,
``street_caps."新华街道".max_yuan=1e6``) and a TOML value (``3e6``, ``true``,
``["C0001", "C0002"]``, ``"text"``; a bare word is taken as text). Paths in
``--set`` values are relative to the current folder.

The merged mapping is validated like any scenario, and each problem names the
file (or ``--set``) that wrote the offending value. Changes to the tables
(ids closed, excluded, re-priced; added candidate tables) are checked when the
tables are read, again naming the file that asked for them.
"""

from __future__ import annotations

import copy
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd

from .catalogue import SPACE_TYPES
from ..errors import InputError, Problem, Problems, did_you_mean

SET_SOURCE = "--set"
NOT_INHERITED = ("name", "description")
CHANGE_KEYS = {"existing": {"close"},
               "candidates": {"add", "exclude", "forbid_space_types", "cost", "cost_by_type"}}
PATH_FIELDS = {("data", k) for k in ("households", "candidates", "existing", "network_nodes", "network_edges")} | {
    ("output", "dir"), ("candidates", "add")}
BARE_WORD = re.compile(r"^[^\s\"'\[\]{}=,#]+$")


class SetSyntaxError(ValueError):
    """A ``--set`` argument that is not ``dotted.key=value`` (a usage error, exit 2)."""


@dataclass(frozen=True, kw_only=True)
class Changes:
    """Changes a scenario makes to its input tables (empty for a plain scenario)."""

    close: tuple[str, ...] = ()  # existing facility ids closed
    add_candidates: tuple[Path, ...] = ()  # extra candidate tables merged with the base table
    exclude: tuple[str, ...] = ()  # candidate ids removed
    forbid_space_types: tuple[str, ...] = ()  # candidate spaces of these types removed
    cost: dict[str, float] = field(default_factory=dict)  # conversion cost per candidate id
    cost_by_type: dict[str, float] = field(default_factory=dict)  # conversion cost per space type
    sources: dict[str, str] = field(default_factory=dict)  # field -> file that set it
    files: tuple[Path, ...] = ()  # the scenario files of the extends chain, base first

    @property
    def touches_tables(self) -> bool:
        return bool(self.close or self.add_candidates or self.exclude or self.forbid_space_types
                    or self.cost or self.cost_by_type)

    def source(self, fld: str) -> str:
        return self.sources.get(fld, "")


# ------------------------------------------------------------------------------------------
# --set


def parse_set(text: str) -> tuple[tuple[str, ...], Any]:
    """``'services.pharmacy.threshold_min=15'`` -> (('services', 'pharmacy', 'threshold_min'), 15).

    Raises SetSyntaxError when the text is not ``key=value`` with a TOML key and a TOML
    value (or a bare word, taken as text).
    """
    if "=" not in text:
        raise SetSyntaxError(f"expected key=value (e.g. budget_yuan=3e6); got {text!r}")
    key, _, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not key:
        raise SetSyntaxError(f"the key before '=' is empty; got {text!r}")
    if value == "":
        raise SetSyntaxError(f"the value after '=' is empty (quote an empty text: key=\"\"); got {text!r}")
    try:
        parsed_key = tomllib.loads(f"{key} = 0")
    except tomllib.TOMLDecodeError:
        raise SetSyntaxError(f"{key!r} is not a dotted key (quote parts with spaces or dots: "
                             f"street_caps.\"新华街道\".max_yuan); got {text!r}") from None
    path: list[str] = []
    node: Any = parsed_key
    while isinstance(node, dict):
        (k, node), = node.items()
        path.append(k)
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        if not BARE_WORD.match(value):
            raise SetSyntaxError(f"the value is not valid TOML (quote text: key=\"text\"; lists: "
                                 f"key=[\"a\", \"b\"]); got {text!r}") from None
        parsed = value  # a bare word: text
    return tuple(path), parsed


# ------------------------------------------------------------------------------------------
# extends chains


@dataclass(kw_only=True)
class Resolved:
    """The merged raw mapping of a scenario and who wrote each part of it."""

    raw: dict
    origins: dict[tuple[str, ...], str]  # dotted path (and every prefix) -> file that wrote it last
    files: list[Path]  # scenario files of the chain, base first
    chain_problems: Problems  # a base that cannot be read: nothing else is worth reporting
    problems: Problems  # --set overrides that cannot be applied

    def origin(self, fld: str | None, default: str) -> str:
        if not fld:
            return default
        parts = tuple(fld.split("."))
        while parts:
            if parts in self.origins:
                return self.origins[parts]
            parts = parts[:-1]
        return default


def _rebase(value: Any, src_dir: Path, dst_dir: Path) -> Any:
    """A relative path written in a file in ``src_dir``, re-expressed relative to ``dst_dir``."""
    if isinstance(value, list):
        return [_rebase(v, src_dir, dst_dir) for v in value]
    if not isinstance(value, str) or not value.strip() or Path(value).is_absolute():
        return value
    target = os.path.normpath(os.path.abspath(src_dir / value))
    try:
        return os.path.relpath(target, os.path.abspath(dst_dir))
    except ValueError:  # another drive (Windows)
        return target


def _rebase_paths(raw: dict, src_dir: Path, dst_dir: Path) -> None:
    if os.path.abspath(src_dir) == os.path.abspath(dst_dir):
        return
    for sect, key in PATH_FIELDS:
        table = raw.get(sect)
        if isinstance(table, dict) and key in table:
            table[key] = _rebase(table[key], src_dir, dst_dir)


def _mark(origins: dict, path: tuple[str, ...], value: Any, file: str) -> None:
    for k in range(1, len(path) + 1):
        origins[path[:k]] = file
    if isinstance(value, dict):
        for k, v in value.items():
            _mark(origins, path + (str(k),), v, file)


def _merge(base: dict, over: dict, origins: dict, file: str, prefix: tuple[str, ...] = ()) -> None:
    for key, value in over.items():
        path = prefix + (str(key),)
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value, origins, file, path)
            for k in range(1, len(path) + 1):
                origins[path[:k]] = file
        else:
            base[key] = copy.deepcopy(value)
            _mark(origins, path, value, file)


def _chain(path: Path, problems: Problems) -> list[tuple[Path, dict]]:
    """[(file, raw)] from the root of the extends chain to ``path``; problems for broken links."""
    from .scenario import read_toml

    chain: list[tuple[Path, dict]] = []
    seen: list[Path] = []
    current = path
    raw = read_toml(current)  # the leaf's own errors are raised as they are
    while True:
        chain.append((current, raw))
        seen.append(current.resolve())
        ext = raw.pop("extends", None)
        if ext is None:
            break
        file = str(current)
        if not isinstance(ext, str) or not ext.strip():
            problems.add(file, "must be the path of the scenario file to extend (relative to this file)",
                         field="extends", value=ext)
            break
        nxt = Path(os.path.normpath(current.parent / ext))
        if nxt.resolve() in seen:
            loop = " -> ".join(str(p) for p, _ in chain) + f" -> {nxt}"
            problems.add(file, f"extends a scenario that extends this one (a cycle: {loop})", field="extends",
                         value=ext)
            break
        if not nxt.is_file():
            problems.add(file, "scenario file to extend not found (paths are relative to the scenario file)",
                         field="extends", value_text=f"{ext!r} (looked for {nxt.resolve()})")
            break
        try:
            raw = read_toml(nxt)
        except InputError as exc:
            problems.extend(exc.problems)
            break
        current = nxt
    return list(reversed(chain))


def resolve(path: Path, *, overrides: Sequence[str] = ()) -> Resolved:
    """Read ``path`` and its extends chain, merge them, apply ``--set`` overrides.

    Raises SetSyntaxError for a malformed override (before reading anything).
    """
    sets = [parse_set(s) for s in overrides]
    chain_problems = Problems()
    chain = _chain(path, chain_problems)
    problems = Problems()
    merged: dict = {}
    origins: dict[tuple[str, ...], str] = {}
    leaf_dir = path.parent
    for k, (file, raw) in enumerate(chain):
        raw = copy.deepcopy(raw)
        is_leaf = k == len(chain) - 1
        if is_leaf:
            for key in NOT_INHERITED:  # a base's name and description are not this scenario's
                merged.pop(key, None)
                origins.pop((key,), None)
            if isinstance(merged.get("output"), dict):
                merged["output"].pop("dir", None)
                origins.pop(("output", "dir"), None)
        _rebase_paths(raw, file.parent, leaf_dir)
        _merge(merged, raw, origins, str(file))
    for keys, value in sets:
        _apply_set(merged, origins, keys, value, leaf_dir, problems)
    return Resolved(raw=merged, origins=origins, files=[f for f, _ in chain], chain_problems=chain_problems,
                    problems=problems)


def _apply_set(merged: dict, origins: dict, keys: tuple[str, ...], value: Any, leaf_dir: Path,
               problems: Problems) -> None:
    if keys[0] == "extends":
        problems.add(SET_SOURCE, "cannot be set from the command line: write it in the scenario file",
                     field=".".join(keys), value=value)
        return
    node = merged
    for depth, key in enumerate(keys[:-1]):
        nxt = node.get(key)
        if nxt is None:
            nxt = node[key] = {}
        elif not isinstance(nxt, dict):
            where = ".".join(keys[: depth + 1])
            problems.add(SET_SOURCE, f"cannot set {'.'.join(keys)}: {where} is a value, not a table",
                         field=".".join(keys), value=nxt)
            return
        node = nxt
    if keys[:1] + keys[-1:] in PATH_FIELDS and len(keys) == 2:
        value = _rebase(value, Path.cwd(), leaf_dir)
    if isinstance(node.get(keys[-1]), dict) and isinstance(value, dict):
        _merge(node[keys[-1]], value, origins, SET_SOURCE, keys)
    else:
        node[keys[-1]] = value
        _mark(origins, keys, value, SET_SOURCE)


# ------------------------------------------------------------------------------------------
# loading a scenario


def _attribute(problems: Iterable[Problem], resolved: Resolved, leaf: str) -> list[Problem]:
    """Problems reported against the leaf file, re-addressed to the file that wrote the field."""
    out = []
    for p in problems:
        if p.file == leaf and p.field:
            src = resolved.origin(p.field, leaf)
            if src != leaf:
                p = replace(p, file=src)
        out.append(p)
    return out


def _str_list(value: Any, fld: str, file: str, problems: Problems) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                              for v in value):
        problems.add(file, "must be a list of ids (text)", field=fld, value=value)
        return ()
    return tuple(str(v) for v in value)


def _changes(raw: dict, resolved: Resolved, leaf: Path, problems: Problems) -> Changes:
    """Validate the [existing] and [candidates] change tables."""
    from .scenario import _number

    default = str(leaf)
    sources: dict[str, str] = {}

    def src(fld: str) -> str:
        sources[fld] = resolved.origin(fld, default)
        return sources[fld]

    tables: dict[str, dict] = {}
    for sect, allowed in CHANGE_KEYS.items():
        value = raw.get(sect, {})
        if not isinstance(value, dict):
            problems.add(src(sect), f"must be a table with: {', '.join(sorted(allowed))}", field=sect,
                         value=value)
            value = {}
        for key in value:
            if key not in allowed:
                fld = f"{sect}.{key}"
                problems.add(src(fld), f"unknown key{did_you_mean(key, sorted(allowed))}; allowed: "
                             f"{', '.join(sorted(allowed))}", field=fld, show_value=False)
        tables[sect] = value
    ex, cand = tables["existing"], tables["candidates"]
    close = _str_list(ex["close"], "existing.close", src("existing.close"), problems) if "close" in ex else ()
    exclude = (_str_list(cand["exclude"], "candidates.exclude", src("candidates.exclude"), problems)
               if "exclude" in cand else ())
    add: list[Path] = []
    if "add" in cand:
        file = src("candidates.add")
        values = cand["add"] if isinstance(cand["add"], list) else [cand["add"]]
        for v in values:
            if not isinstance(v, str) or not v.strip():
                problems.add(file, "must be the path of a candidate table (or a list of paths)",
                             field="candidates.add", value=cand["add"])
                continue
            p = (leaf.parent / v).resolve()
            if p.is_dir():
                problems.add(file, "is a folder, not a data file", field="candidates.add", value=v)
            elif not p.is_file():
                problems.add(file, "file not found (paths are relative to the scenario file)",
                             field="candidates.add", value_text=f"{v!r} (looked for {p})")
            else:
                add.append(p)
    forbid: tuple[str, ...] = ()
    if "forbid_space_types" in cand:
        file = src("candidates.forbid_space_types")
        values = _str_list(cand["forbid_space_types"], "candidates.forbid_space_types", file, problems)
        for v in values:
            if v not in SPACE_TYPES:
                problems.add(file, f"unknown space type{did_you_mean(v, SPACE_TYPES)}; allowed: "
                             f"{', '.join(SPACE_TYPES)}", field="candidates.forbid_space_types", value=v)
        forbid = tuple(v for v in values if v in SPACE_TYPES)
    cost: dict[str, float] = {}
    by_type: dict[str, float] = {}
    for key, out in (("cost", cost), ("cost_by_type", by_type)):
        if key not in cand:
            continue
        fld = f"candidates.{key}"
        value = cand[key]
        if not isinstance(value, dict):
            what = "candidate id" if key == "cost" else "space type"
            problems.add(src(fld), f"must be a table of {what} = yuan", field=fld, value=value)
            continue
        for k, v in value.items():
            sub = f"{fld}.{k}"
            file = src(sub)
            if key == "cost_by_type" and k not in SPACE_TYPES:
                problems.add(file, f"unknown space type{did_you_mean(k, SPACE_TYPES)}; allowed: "
                             f"{', '.join(SPACE_TYPES)}", field=sub, value=k)
                continue
            num = _number(problems, file, sub, v, minimum=0)
            if num is not None:
                out[str(k)] = float(num)
    for fld in ("existing.close", "candidates.exclude", "candidates.add"):
        src(fld)
    return Changes(close=close, add_candidates=tuple(add), exclude=exclude, forbid_space_types=forbid,
                   cost=cost, cost_by_type=by_type, sources=sources, files=tuple(f.resolve() for f in resolved.files))


def load_whatif(path: Path, *, overrides: Sequence[str] = ()):
    """Load a scenario file with its extends chain and ``--set`` overrides; validate everything.

    Raises InputError listing every problem (each naming the file that wrote the value),
    or SetSyntaxError for a malformed override.
    """
    from .scenario import build_scenario

    path = Path(path)
    resolved = resolve(path, overrides=overrides)
    # without its base the scenario would only show follow-on problems
    resolved.chain_problems.raise_if_any()
    raw = resolved.raw
    leaf = str(path)
    problems = Problems()
    problems.extend(resolved.problems)
    change_raw = {k: raw.pop(k) for k in list(raw) if k in CHANGE_KEYS}
    changes = _changes(change_raw, resolved, path, problems)
    try:
        sc = build_scenario(raw, path=path, check_tables_on_error=True)
    except InputError as exc:
        problems.extend(_attribute(exc.problems, resolved, leaf))
        raise InputError(problems.items) from None
    problems.raise_if_any()
    return replace(sc, changes=changes, raw={**raw, **change_raw})


# ------------------------------------------------------------------------------------------
# applying the changes to the tables


def load_inputs(scenario):
    """The scenario's validated tables (solver.tables.load_district) with its changes applied.

    Closed facilities and excluded / forbidden spaces are removed, added candidate tables
    are validated like the base table and appended, and conversion costs are overridden.
    Every problem (also of the added tables) is raised at once.
    """
    from .tables import file_digest, load_district

    changes = getattr(scenario, "changes", None)
    if changes is None or (not changes.touches_tables and len(changes.files) <= 1):
        return load_district(scenario)
    problems = Problems()
    district = None
    try:
        district = load_district(scenario)
    except InputError as exc:
        problems.extend(exc.problems)
    hh_file = scenario.households.name
    extra: list[tuple[Path, pd.DataFrame]] = []
    for p in changes.add_candidates:
        try:
            d = load_district(replace(scenario, candidates=p, existing=None, network_nodes=None,
                                      network_edges=None, changes=None))
            extra.append((p, d.candidates))
        except InputError as exc:  # the households' own problems are already listed once
            problems.extend(q for q in exc.problems if q.file != hh_file)
    if district is None:
        problems.raise_if_any()
    cand = district.candidates.copy()
    cand["source_file"] = scenario.candidates.name
    seen = dict(zip(cand["id"], [scenario.candidates.name] * len(cand)))
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
    problems.raise_if_any()
    existing = ex[~ex["id"].isin(set(changes.close)).to_numpy()].reset_index(drop=True)
    fingerprints = dict(district.fingerprints)
    for f in changes.files[:-1]:
        fingerprints[f"extends:{f.name}"] = file_digest(f)
    for p, _ in extra:
        fingerprints[f"candidates.add:{p.name}"] = file_digest(p)
    cand["conversion_cost"] = cand["conversion_cost"].astype(float)
    return replace(district, candidates=cand, existing=existing, fingerprints=fingerprints)


def scenario_files(scenario) -> list[Path]:
    """Every file a scenario reads (for refusing an output folder that holds one)."""
    out = [scenario.path, scenario.households, scenario.candidates, scenario.existing,
           scenario.network_nodes, scenario.network_edges]
    changes = getattr(scenario, "changes", None)
    if changes is not None:
        out += list(changes.files) + list(changes.add_candidates)
    return [p for p in out if p is not None]


def describe_changes(scenario) -> dict:
    """The changes of a scenario as plain data (for summaries)."""
    ch = getattr(scenario, "changes", None)
    if ch is None:
        return {}
    return {"extends": [str(f) for f in ch.files[:-1]], "closed_existing": list(ch.close),
            "added_candidate_tables": [str(p) for p in ch.add_candidates],
            "excluded_candidates": list(ch.exclude), "forbidden_space_types": list(ch.forbid_space_types),
            "conversion_cost": dict(ch.cost), "conversion_cost_by_type": dict(ch.cost_by_type)}

