"""Progress of long commands on stderr: the running stage, the elapsed time and, for repeated
work (sweep levels, batch jobs), an estimate of the time left.

On a terminal: one rich status line, updated in place. Otherwise (a log file, a pipe, CI):
plain lines, one per stage, so that a 90-s sweep logged to a file shows where it is::

    [   0.4 s] reading inputs
    [   2.9 s] solving
    [  31.0 s] level 3/8: 5,000,000 yuan (ETA 52 s)
    [  96.2 s] done

``--quiet`` turns both off. Messages come from the pipeline's progress callback (stage keys,
and ``level k/n: ...`` from the sweep, ``job k/n: ...`` from a batch); their labels are in the
chosen language (solver/inputs/labels.py).
"""

from __future__ import annotations

import re
import sys
import time
from typing import IO, Any

_COUNTED = re.compile(r"^(level|job) (\d+)/(\d+)\b(.*)$")


def _fmt_s(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    m, s = divmod(int(round(seconds)), 60)
    if m < 60:
        return f"{m} min {s:02d} s"
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min"


class Progress:
    """A context manager and a ``progress(text)`` callback (solver.results.run.ProgressFn)."""

    def __init__(self, quiet: bool, *, lang: str = "en", stream: IO[str] | None = None,
                 tty: bool | None = None, clock=time.perf_counter):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet
        self.tty = self.stream.isatty() if tty is None else tty
        self.lang = lang
        self.clock = clock
        self.t0 = clock()
        self.first_counted: tuple[int, float] | None = None  # (k, time) of the first counted step
        self.status: Any = None
        self.last = ""

    def __enter__(self) -> Progress:
        self.t0 = self.clock()
        if self.enabled and self.tty:
            from rich.console import Console

            self.status = Console(file=self.stream, highlight=False).status(self._label("starting"))
            self.status.__enter__()
        return self

    def _label(self, key: str) -> str:
        from ..inputs.labels import progress_label

        return progress_label(key, self.lang)

    def text(self, message: str) -> str:
        """The line for ``message`` (a stage key or a counted step), with the elapsed time and the ETA."""
        now = self.clock() - self.t0
        m = _COUNTED.match(message)
        eta = ""
        if m:
            what, k, n, rest = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
            if self.first_counted is None or k <= self.first_counted[0]:
                self.first_counted = (k, now)
            else:
                k0, t_first = self.first_counted
                per = (now - t_first) / (k - k0)
                eta = f" ({self._label('eta')} {_fmt_s(per * (n - k + 1))})"
            if self.lang == "zh":
                rest = rest.replace(" yuan", "元")
            message = f"{self._label(what)} {k}/{n}{rest}"
        else:
            message = self._label(message)
        return f"[{now:7.1f} s] {message}{eta}"

    def __call__(self, message: str) -> None:
        if not self.enabled:
            return
        line = self.text(message)
        self.last = line
        if self.status is not None:
            self.status.update(line)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.status is not None:
            self.status.__exit__(exc_type, exc, tb)
            self.status = None
        if self.enabled and exc_type is None and not self.tty:
            self.stream.write(f"[{self.clock() - self.t0:7.1f} s] {self._label('done')}\n")
            self.stream.flush()
