"""Compiling the iterated local search (numba, solver/engine/ils.py) ahead, beside other work.

    warmup.start()            # at the start of a solve that may search: returns at once
    warmup.wait(seconds)      # before the search: True once it is compiled (or loaded)

numba compiles a function at its first call and keeps the machine code in its cache
(``cache=True``: the package's ``__pycache__``, or NUMBA_CACHE_DIR), so only the first
search after an install pays the compilation: 15-45 s on the 2-core machine, more than
many time limits. ``start`` runs that first call in a daemon thread, once per process,
while the solve reduces the instance, builds the warm start and solves the LP root (HiGHS
releases the GIL, so the two share the machine's cores); with a warm cache the thread only
loads the cached code (about a second). The solve waits for it at most part of the search's
time (solver/engine/solve.py, _search) and skips the search when it is not ready, so the
compilation is never paid beyond the time limit (benchmarks/first_run.py measures a first
run against later ones).
"""

from __future__ import annotations

import threading
import time

_lock = threading.Lock()
_done = threading.Event()
_thread: threading.Thread | None = None
_info: dict[str, float | str] = {}


def _run() -> None:
    t = time.perf_counter()
    try:
        from . import ils

        ils.warm_up()
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
    """How long the warm-up took (``seconds``, once done) and any ``error``."""
    return dict(_info)
