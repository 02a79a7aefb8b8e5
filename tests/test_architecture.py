"""The architecture, checked from the source: which package may import which, and no cycles.

Every .py file under solver/ and models/ is parsed with ``ast``; relative imports are
resolved to module names. Imports inside functions (lazy imports) count like any other;
imports under ``if TYPE_CHECKING:`` are left out, since they never run. The rules:

* the layer table below: each package imports only the packages it lists (the stages of
  the pipeline before it, and its own modules);
* ortools, pulp, highspy and pyscipopt are imported only in solver/engine/backends/, numba
  only in solver/engine/ils.py;
* no import cycle between modules (strongly connected components of the import graph);
* every package has an ``__init__.py`` with a docstring;
* ``import solver`` (the facade) and ``import solver.cli.app`` (``siting --help``) load no
  pandas, scipy or OR-Tools.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# the base modules: they import nothing above them
BASE = {"solver.errors", "solver.plain", "solver.folders", "solver.choices", "solver.paths", "solver.runfolders",
        "solver.fonts"}
# package -> the packages (or modules) it may import; every package may import itself.
# Read top to bottom, this is the order of the pipeline: errors < models < inputs < travel
# < engine < results < pipeline < plans < report / osm < cli < the facade.
LAYERS: dict[str, set[str]] = {
    "solver.plain": set(),
    "solver.fonts": set(),
    "solver.choices": set(),
    "solver.folders": {"solver.paths"},
    "solver.paths": set(),
    "solver.runfolders": {"solver.errors", "solver.plain", "solver.paths"},
    "solver.errors": {"solver.plain"},
    "models": set(),
    "solver.inputs": BASE | {"models"},
    "solver.travel": BASE | {"models", "solver.inputs"},
    # the engine works on models.Instance only: never on inputs, travel or results
    "solver.engine": {"models", "solver.errors", "solver.choices", "solver.plain"},
    "solver.results": BASE | {"models", "solver.inputs", "solver.travel", "solver.engine"},
    "solver.pipeline": BASE | {"models", "solver.inputs", "solver.travel", "solver.engine", "solver.results"},
    "solver.plans": BASE | {"models", "solver.inputs", "solver.travel", "solver.engine", "solver.results",
                            "solver.pipeline"},
    # the report reads run folders: rules and labels from the inputs, never the engine or the pipeline
    "solver.report": BASE | {"solver.inputs.catalogue", "solver.inputs.labels", "solver.inputs.grades",
                             "solver.inputs.presets"},
    "solver.osm": BASE | {"solver.inputs"},
    "solver.cli": BASE | {"models", "solver.inputs", "solver.travel", "solver.engine", "solver.results",
                          "solver.pipeline", "solver.plans", "solver.report", "solver.osm"},
    "solver.synthetic": set(),  # the demo's generator stands alone
    "solver": {"models", "solver"},  # the facade (solver/__init__.py) may import anything
    "solver.__main__": {"solver.cli"},  # python -m solver: the CLI
}
SOLVER_LIBRARIES = {"ortools", "pulp", "highspy", "pyscipopt"}
ONLY_IN = {lib: "solver.engine.backends" for lib in SOLVER_LIBRARIES} | {"numba": "solver.engine.ils"}


def _modules() -> dict[str, Path]:
    out = {}
    for top in ("solver", "models"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:`` (they never run)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else ""
            if name == "TYPE_CHECKING":
                skip |= {id(n) for child in node.body for n in ast.walk(child)}
    return skip


def imports_of(module: str) -> list[tuple[str, int]]:
    """(imported module, line) for every import that runs, lazy imports included."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    skip = _type_checking_nodes(tree)
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
            out += [(sub, node.lineno) for sub in subs]  # 'from pkg import submodule'
            if len(subs) < len(node.names):  # a name defined by the module itself (or its __init__)
                out.append((target, node.lineno))
    return out


def _internal(name: str) -> bool:
    return name.split(".")[0] in ("solver", "models")


def _owner(module: str) -> str:
    """The entry of LAYERS that governs ``module`` (the longest matching prefix)."""
    if module == "solver":
        return "solver"  # the facade governs only itself: a new module needs its own row
    best = ""
    for key in LAYERS:
        if key != "solver" and (module == key or module.startswith(key + ".")) and len(key) > len(best):
            best = key
    return best


def _allowed(importer: str, target: str) -> bool:
    owner = _owner(importer)
    if owner == "solver":  # the facade
        return True
    if target == owner or target.startswith(owner + "."):
        return True
    return any(target == a or target.startswith(a + ".") for a in LAYERS[owner])


def test_every_module_has_a_layer():
    assert not [m for m in MODULES if not _owner(m)]


def test_packages_import_only_the_layers_below_them():
    bad = []
    for module in MODULES:
        for target, line in imports_of(module):
            if _internal(target) and not _allowed(module, target):
                bad.append(f"{MODULES[module].relative_to(ROOT)}:{line}: {module} imports {target}")
    assert not bad, "imports against the layer table:\n" + "\n".join(bad)


def test_models_import_nothing_from_solver():
    bad = [(m, t) for m in MODULES if m.split(".")[0] == "models" for t, _ in imports_of(m)
           if t.split(".")[0] == "solver"]
    assert not bad


def test_solver_libraries_only_in_the_backends():
    bad = []
    for module in MODULES:
        for target, line in imports_of(module):
            lib = target.split(".")[0]
            home = ONLY_IN.get(lib)
            if home is not None and not (module == home or module.startswith(home + ".")):
                bad.append(f"{MODULES[module].relative_to(ROOT)}:{line}: {target} (only in {home})")
    assert not bad, "\n".join(bad)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module, or with a self-loop (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph[v]:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def import_graph() -> dict[str, set[str]]:
    return {m: {t for t, _ in imports_of(m) if t in MODULES and t != m} for m in MODULES}


def test_no_import_cycles():
    assert _cycles(import_graph()) == []


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_every_package_has_an_init_with_a_docstring():
    missing = []
    for top in ("solver", "models"):
        for folder in [ROOT / top, *(p for p in (ROOT / top).rglob("*") if p.is_dir())]:
            if folder.name == "__pycache__" or not any(folder.glob("*.py")):
                continue
            init = folder / "__init__.py"
            if not init.is_file() or not ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))):
                missing.append(str(folder.relative_to(ROOT)))
    assert not missing, f"packages without an __init__.py docstring: {missing}"


@pytest.mark.parametrize("statement", ["import solver", "import solver.cli.app"])
def test_importing_the_api_and_the_cli_is_cheap(statement):
    code = (f"{statement}\nimport sys\n"
            "print(','.join(m for m in ('pandas', 'scipy', 'ortools', 'numba') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "", f"{statement} loads {out.stdout.strip()}"
