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

This module works on TOML mappings only: it reads the chain, merges it and
remembers which file (or ``--set``) wrote each value. Validation is
solver/inputs/scenario.py's (each problem then names the file that wrote the
offending value); the changes to the tables (ids closed, excluded, re-priced;
added candidate tables) are applied and checked when the tables are read
(solver/inputs/loading.py), again naming the file that asked for them.
"""

from __future__ import annotations

import copy
import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem, Problems, UsageError
from ..paths import path_problem
from .presets import is_path
from .readers import read_toml

SET_SOURCE = "--set"
NOT_INHERITED = ("name", "description", "name_zh", "description_zh")
PATH_FIELDS = {("data", k) for k in ("households", "candidates", "existing", "network_nodes", "network_edges")} | {
    ("output", "dir"), ("candidates", "add")}
BARE_WORD = re.compile(r"^[^\s\"'\[\]{}=,#]+$")


class SetSyntaxError(UsageError):
    """A ``--set`` argument that is not ``dotted.key=value`` (a usage error, exit 2)."""


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

    def attribute(self, problems: Iterable[Problem], leaf: str) -> list[Problem]:
        """Problems reported against the leaf file, re-addressed to the file that wrote the field."""
        out = []
        for p in problems:
            if p.file == leaf and p.field:
                src = self.origin(p.field, leaf)
                if src != leaf:
                    p = replace(p, file=src)
            out.append(p)
        return out


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
    if isinstance(raw.get("catalogue"), str) and is_path(raw["catalogue"]):  # a catalogue file, not a preset name
        raw["catalogue"] = _rebase(raw["catalogue"], src_dir, dst_dir)
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
    chain: list[tuple[Path, dict]] = []
    seen: list[Path] = []
    current = path
    raw = read_toml(current)  # the leaf's own errors are raised as they are (a bad path too)
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
        why = path_problem(current.parent / ext)
        if why:
            problems.add(file, why, field="extends", value=ext)
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
    if keys == ("catalogue",) and isinstance(value, str) and is_path(value):
        value = _rebase(value, Path.cwd(), leaf_dir)
    if isinstance(node.get(keys[-1]), dict) and isinstance(value, dict):
        _merge(node[keys[-1]], value, origins, SET_SOURCE, keys)
    else:
        node[keys[-1]] = value
        _mark(origins, keys, value, SET_SOURCE)
