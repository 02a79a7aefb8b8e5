"""Shared CLI helpers: consoles, error printing, progress display, output-folder checks."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.status import Status

from ..errors import DefectError, InputError
from .exits import EXIT_DEFECT, EXIT_INPUT, EXIT_INTERRUPTED

DEFAULT_SCENARIO = Path("scenarios/demo.toml")  # `siting solve` / `siting sweep` without a scenario

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class Interrupted(BaseException):
    """Ctrl-C (SIGINT): the command stops, nothing is written as a result, exit 130.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception`` swallows it; not a
    KeyboardInterrupt, so that typer does not turn it into its own exit 1.
    """


@contextmanager
def sigint_interrupts() -> Iterator[None]:
    """Within the block, SIGINT raises :class:`Interrupted` (in the main thread; a SIGINT that the
    process was started ignoring, as by nohup, stays ignored)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Interrupted()

    old = signal.getsignal(signal.SIGINT)
    installed = old is not signal.SIG_IGN
    if installed:
        try:
            signal.signal(signal.SIGINT, handler)
        except ValueError:  # not the main interpreter's main thread
            installed = False
    if not installed:  # the yield stays outside any except clause: an InputError is a ValueError too
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


@contextmanager
def handled_errors():
    """Turn known failures into a message and an exit code, never a traceback; Ctrl-C is exit 130
    with nothing written (an output folder is written whole or not at all: solver/folders.py)."""
    try:
        with sigint_interrupts():
            yield
    except (Interrupted, KeyboardInterrupt):
        err_console.print("[bold red]interrupted[/] (Ctrl-C): stopped; nothing was written", markup=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except InputError as exc:
        # user text (values, paths, '[data]') is escaped: it is never rich markup
        err_console.print(f"[bold red]error:[/] {escape(exc.render())}", markup=True)
        raise typer.Exit(EXIT_INPUT) from None
    except DefectError as exc:  # the checker disagreed, or the solver's plan breaks a constraint
        err_console.print(f"[bold red]internal error:[/] {escape(str(exc))}", markup=True)
        raise typer.Exit(EXIT_DEFECT) from None
    except Exception as exc:  # a defect, not bad input: say so, keep the traceback for the report
        if isinstance(exc, (typer.Exit, typer.Abort)) or hasattr(exc, "exit_code") or os.environ.get("SITING_DEBUG"):
            raise  # typer's own exits and usage errors, or debugging
        err_console.print(f"[bold red]internal error[/] ({escape(type(exc).__name__)}): {escape(str(exc))}\n"
                          "This is a defect in siting, not a problem with your input. Re-run with "
                          "SITING_DEBUG=1 to see the traceback, and report it.", markup=True)
        raise typer.Exit(EXIT_DEFECT) from None


WARNINGS_SHOWN = 20


def print_warnings(warnings, *, where: str = "summary.json") -> None:
    """The input's warnings (plausible but suspicious data) on stderr; all of them are in ``where``."""
    warnings = list(warnings)
    for w in warnings[:WARNINGS_SHOWN]:
        err_console.print(f"[yellow]warning:[/] {escape(str(w))}", markup=True)
    if len(warnings) > WARNINGS_SHOWN:
        err_console.print(f"[yellow]warning:[/] ... and {len(warnings) - WARNINGS_SHOWN} more (see {where})",
                          markup=True)


class StageProgress:
    """A spinner naming the running stage (only on an interactive terminal)."""

    LABELS = {"load": "reading inputs", "network": "building the walking network",
              "coverage": "computing walking-time coverage", "model": "building the model",
              "solve": "solving", "check": "independent check", "rank": "ranking sites",
              "uncovered": "analysing uncovered households"}

    def __init__(self, quiet: bool):
        self.enabled = not quiet and sys.stderr.isatty()
        self.status: Status | None = None

    def __enter__(self):
        if self.enabled:
            self.status = err_console.status("starting")
            self.status.__enter__()
        return self

    def __call__(self, stage: str) -> None:
        if self.status is not None:
            self.status.update(self.LABELS.get(stage, stage) + " ...")

    def __exit__(self, *exc):
        if self.status is not None:
            self.status.__exit__(*exc)


def check_range(value: float | None, rng, hint: str) -> None:
    """A usage error (exit 2) for an option outside its range (solver/inputs/ranges.py)."""
    why = None if value is None else rng.problem(value)
    if why:
        raise typer.BadParameter(f"{why}; got {value:g}", param_hint=hint)


def check_solve_options(*, gap: float | None, time_limit: float | None, threads: int | None) -> None:
    """Usage errors (exit 2) for the solver options shared by solve and sweep."""
    from ..inputs import ranges

    if gap is not None and not 0 <= gap <= 1:
        raise typer.BadParameter(f"must be between 0 and 1; got {gap}", param_hint="--gap")
    if time_limit is not None and not time_limit > 0:
        raise typer.BadParameter(f"must be > 0; got {time_limit}", param_hint="--time-limit")
    if threads is not None and threads < 1:
        raise typer.BadParameter(f"must be >= 1; got {threads}", param_hint="--threads")
    check_range(time_limit, ranges.TIME_LIMIT_S, "--time-limit")
    check_range(threads, ranges.THREADS, "--threads")


def load_with_overrides(scenario, overrides):
    """Load a scenario with ``--set`` overrides; a malformed ``--set`` is a usage error (exit 2)."""
    from ..inputs.whatif import SetSyntaxError
    from ..pipeline import load

    try:
        return load(scenario, overrides=overrides or ())
    except SetSyntaxError as exc:
        raise typer.BadParameter(str(exc), param_hint="--set") from None


def check_out_dir(out_dir: Path, inputs: list[Path], *, hint: str) -> None:
    """Refuse an output folder whose replacement would destroy something (a usage error, exit 2):
    a file, a folder holding an input, or a non-empty folder that is not an earlier run's output."""
    from ..folders import out_dir_problem

    why = out_dir_problem(out_dir, inputs=inputs, marker="summary.json", kind="an output folder of an earlier run")
    if why:
        raise typer.BadParameter(f"{why}; got {out_dir}", param_hint=hint)


@contextmanager
def writing(out_dir, *, hint: str, what: str = "the outputs"):
    """An unwritable folder or a full disk while writing ``out_dir`` is a usage error (exit 2)
    that says where, never a traceback."""
    try:
        yield
    except OSError as exc:
        raise typer.BadParameter(f"cannot write {what}: {exc.strerror or exc}; got {out_dir}",
                                 param_hint=hint) from None
