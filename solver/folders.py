"""Output folders written atomically: all files or none.

Every command that writes a folder (solve, sweep, compare, report, import-osm)
writes into a fresh temporary folder beside the target and swaps it into
place only when every file is complete, so an error never leaves a
half-written folder, and an earlier folder is replaced whole.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .paths import path_problem, safe_file_name

if TYPE_CHECKING:
    import pandas as pd


@contextmanager
def staged_folder(out_dir: Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``out_dir``; on success it replaces ``out_dir``."""
    out_dir = Path(out_dir)
    made = [p for p in reversed(out_dir.parents) if not p.exists()]  # removed again if nothing is written
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stem = safe_file_name(out_dir.name, max_bytes=100)  # the temporary names fit beside a 255-byte name
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{stem}.tmp-", dir=out_dir.parent))
    except BaseException:
        _remove_empty(made)
        raise
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; an output folder is an ordinary one
    try:
        yield tmp
        with _sigint_deferred():  # a Ctrl-C between the two renames would lose the earlier folder
            old = None
            if out_dir.exists():
                old = out_dir.parent / f".{stem}.old-{os.getpid()}"
                os.replace(out_dir, old)
            os.replace(tmp, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_empty(made)
        raise


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders made for an output that was not written, deepest first, while empty."""
    for p in reversed(folders):
        try:
            p.rmdir()
        except OSError:
            return


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    """SIGINT (Ctrl-C) held back until the block ends (POSIX; elsewhere a no-op)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def out_dir_problem(out_dir: Path, *, inputs: Iterable[Path | tuple[Path, str] | None], marker: str,
                    kind: str) -> str | None:
    """Why ``out_dir`` may not be replaced whole by :func:`staged_folder`, or None.

    It must not be a file; it must not be, or hold, an input (each input a path, or a
    (path, description) pair for the message); and when it exists and is not empty it
    must be ``kind`` — an earlier output of the same command, recognised by ``marker``.
    """
    why = path_problem(out_dir)
    if why:
        return why
    target = Path(out_dir).resolve()
    if target.exists() and not target.is_dir():
        return "is a file, not a folder"
    for item in inputs:
        if item is None:
            continue
        path, what = item if isinstance(item, tuple) else (item, None)
        if path_problem(path):
            continue  # reported where the input is read
        p = Path(path).resolve()
        if p == target or target in p.parents:
            return f"would replace {what or f'the folder that holds the input {p.name}'}; choose another folder"
    if target.is_dir() and any(target.iterdir()) and not (target / marker).is_file():
        return (f"exists and is not {kind} (it has no {marker}); it would be replaced whole: "
                "choose a new or empty folder")
    return None


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A table as every output CSV is written: UTF-8, ``\\n`` line ends, floats to 10 significant
    digits, no index (so the same data give the same bytes)."""
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", float_format="%.10g")
