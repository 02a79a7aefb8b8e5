"""Compiling the iterated local search (numba, solver/engine/ils.py) ahead, beside other work.

    warmup.start()            # at the start of a solve that may search: returns at once
    warmup.wait(seconds)      # before the search: True once it is compiled (or loaded)

numba compiles a function at its first call and keeps the machine code in its cache
(``cache=True``: the package's ``__pycache__``, or NUMBA_CACHE_DIR), so only the first
search after an install pays the compilation: 28-57 s measured on the shared 2-core machine, more than
many time limits. ``start`` begins at once, in a daemon thread, while the solve reduces the
instance, builds the warm start and solves the LP root (HiGHS releases the GIL, so they
share the machine's cores):

* with a warm cache the thread loads the cached code (about a second);
* with a cold one it compiles in a separate process (``python -m solver.engine.warmup``)
  that writes the cache and outlives this one: a solve shorter than the compilation does
  not throw the work away, and the next run finds the cache warm. The thread then loads
  what that process cached.

The solve waits for it at most part of the search's time (solver/engine/solve.py, _search)
and skips the search when it is not ready, so the compilation is never paid beyond the
time limit (``python -m benchmarks.first_run`` measures a first run against later ones).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

_lock = threading.Lock()
_done = threading.Event()
_thread: threading.Thread | None = None
_info: dict[str, float | str] = {}
_REPO = Path(__file__).resolve().parents[2]  # where ``solver`` and ``models`` are importable from


def cache_is_warm() -> bool:
    """Whether numba's cache holds the compiled search for the current source (False if unsure)."""
    try:
        from . import ils

        cache = ils._ils._cache  # type: ignore[attr-defined]  # numba's FunctionCache (private): its index checks the source stamp
        return bool(cache._cache_file._load_index())
    except Exception:  # a numba without this (private) layout: compile in this process
        return False


def _compile_elsewhere() -> None:
    """Compile in a separate process that writes the cache; wait for it (it outlives this one)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_REPO), env.get("PYTHONPATH", "")) if p)
    proc = subprocess.Popen([sys.executable, "-m", "solver.engine.warmup"], env=env, cwd=_REPO,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    proc.wait()
    _info["compiled_in"] = "a separate process"


def _run() -> None:
    t = time.perf_counter()
    try:
        if not cache_is_warm():
            _info["cache"] = "cold"
            _compile_elsewhere()
        else:
            _info["cache"] = "warm"
        from . import ils

        ils.warm_up()  # loads the cache (or, should the other process have failed, compiles here)
    except Exception as exc:  # the search itself will raise it again, where it is reported
        _info["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        _info["seconds"] = time.perf_counter() - t
        _done.set()


def start() -> None:
    """Start compiling (or loading) the search in the background, once per process."""
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_run, name="siting-ils-warm-up", daemon=True)
            _thread.start()


def started() -> bool:
    return _thread is not None


def ready() -> bool:
    """The search is compiled (or the warm-up failed: the search then reports why)."""
    return _done.is_set()


def wait(seconds: float) -> bool:
    """Start the warm-up if needed and wait for it at most ``seconds``; True when ready."""
    start()
    return _done.wait(max(0.0, seconds))


def info() -> dict[str, float | str]:
    """How the warm-up went: ``cache`` (warm / cold), ``seconds`` (once done), any ``error``."""
    return dict(_info)


if __name__ == "__main__":  # the separate compile process: compile, write the cache, exit
    from solver.engine import ils as _ils_module

    _ils_module.warm_up()
