"""Gap-vs-time traces: read them from the solvers' logs, and the metrics computed from them.

A trace is a list of events ``(t, objective, bound)``: at ``t`` seconds after the
start of the solve (ours: the call of ``solve_instance``; a peer: the start of its
model build) the solver held a plan of value ``objective`` (None: no plan yet) and
the bound ``bound`` (None: none yet). Values are in the model's objective sense.

* :func:`scip_log_events`: SCIP's display table (``display/verblevel = 4``), one line
  per displayed node and per new incumbent; columns ``time``, ``dualbound``,
  ``primalbound`` found by the header line, so a restart (the header again) is fine.
* :func:`highs_log_events`: HiGHS's branch-and-bound table (``disp``), columns
  BestBound, BestSol and Time; the objective is negated back when the model was a
  maximisation given to HiGHS as a minimisation.

The metrics (README "District family: metrics") are computed against ``z_best``,
the best checked plan value any solver found for the case in the same run:

* primal gap of a value z: 0 when |z* - z| < ``tol``, else |z* - z| / max(|z*|, |z|)
  (Berthold 2013), 1 without a plan;
* the reported gap of (z, b): |b - z| / max(|z|, 1), the engine's own formula
  (solver/engine/result.py), applied to every solver alike;
* the primal integral: the integral of the primal gap over [0, T], T the case's time
  limit, in seconds (Berthold 2013).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

Event = tuple[float, float | None, float | None]

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "y": 31536000.0}


def _num(text: str) -> float | None:
    text = text.strip()
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _scip_time(text: str) -> float | None:
    tok = text.split()
    if not tok:
        return None
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]*)?)([smhdy])", tok[-1])
    return float(m.group(1)) * _UNITS[m.group(2)] if m else None


def scip_log_events(text: str, *, offset: float = 0.0) -> list[Event]:
    """Events of SCIP's display table; ``offset`` is added to SCIP's own clock."""
    out: list[Event] = []
    cols: dict[str, int] | None = None
    for line in text.splitlines():
        if "|" not in line:
            continue
        cells = line.split("|")
        names = [c.strip() for c in cells]
        if "dualbound" in names and "primalbound" in names:
            cols = {n: k for k, n in enumerate(names)}
            continue
        if cols is None or len(cells) <= max(cols["dualbound"], cols["primalbound"]):
            continue
        t = _scip_time(cells[cols.get("time", 0)])
        if t is None:
            continue
        out.append((t + offset, _num(cells[cols["primalbound"]]), _num(cells[cols["dualbound"]])))
    return out


def scip_solving_time(text: str) -> float | None:
    m = re.search(r"^Solving Time \(sec\)\s*:\s*([0-9.eE+-]+)", text, flags=re.M)
    return float(m.group(1)) if m else None


_HIGHS_ROW = re.compile(
    r"^\s*(?:[A-Za-z]{1,2}\s+)?\S+\s+\S+\s+\S+\s+[0-9.]+%\s+(\S+)\s+(\S+)\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+"
    r"([0-9]+(?:\.[0-9]*)?)s\s*$")


def highs_log_events(text: str, *, offset: float = 0.0, negate: bool = False) -> list[Event]:
    """Events of HiGHS's B&B table (``Src Proc. InQueue | Leaves Expl. | BestBound BestSol Gap | ... Time``)."""
    out: list[Event] = []
    sign = -1.0 if negate else 1.0
    for line in text.splitlines():
        m = _HIGHS_ROW.match(line)
        if not m:
            continue
        bound, sol = _num(m.group(1)), _num(m.group(2))
        out.append((float(m.group(3)) + offset, None if sol is None else sign * sol,
                    None if bound is None else sign * bound))
    return out


def highs_run_time(text: str) -> float | None:
    m = re.search(r"^\s*Timing\s+([0-9.eE+-]+)\s*$", text, flags=re.M)
    return float(m.group(1)) if m else None


def monotone(events: Iterable[Event], *, maximize: bool) -> list[Event]:
    """Sorted by time; incumbent and bound made monotone (best so far); repeats dropped."""
    out: list[Event] = []
    z: float | None = None
    b: float | None = None
    for t, obj, bnd in sorted(events, key=lambda e: e[0]):
        if obj is not None:
            z = obj if z is None else (max(z, obj) if maximize else min(z, obj))
        if bnd is not None:
            b = bnd if b is None else (min(b, bnd) if maximize else max(b, bnd))
        if out and out[-1][1] == z and out[-1][2] == b:
            continue
        out.append((max(0.0, t), z, b))
    return out


def thin(events: Iterable[Event], *, maximize: bool) -> list[Event]:
    """:func:`monotone`, keeping only the last event of each time stamp (the logs' clock has
    0.1-s steps): what the metrics need, at a fraction of the size."""
    out: list[Event] = []
    for e in monotone(events, maximize=maximize):
        if out and out[-1][0] == e[0]:
            out[-1] = e
        else:
            out.append(e)
    return out


def reported_gap(z: float | None, b: float | None) -> float | None:
    """|b - z| / max(|z|, 1): the engine's relative gap (solver/engine/result.py)."""
    if z is None or b is None:
        return None
    return abs(b - z) / max(abs(z), 1.0)


def primal_gap(z: float | None, z_best: float | None, *, tol: float = 0.0) -> float:
    """Berthold's primal gap of z against the best known z*: 1 without a plan."""
    if z is None or z_best is None:
        return 1.0
    d = abs(z_best - z)
    if d < tol or d == 0:
        return 0.0
    if z * z_best < 0:
        return 1.0
    return min(1.0, d / max(abs(z_best), abs(z)))


def metrics(events: Sequence[Event], *, maximize: bool, z_best: float | None, horizon: float,
            tol: float = 0.0, within: float = 0.01, gap_target: float = 0.005) -> dict:
    """Time to a plan within ``within`` of z*, time to a reported gap <= ``gap_target``,
    and the primal integral over [0, horizon] (seconds); None where never reached."""
    ev = monotone(events, maximize=maximize)
    t_within = next((t for t, z, _ in ev if primal_gap(z, z_best, tol=tol) <= within), None)
    t_gap = next((t for t, z, b in ev if (g := reported_gap(z, b)) is not None and g <= gap_target), None)
    t_first = next((t for t, z, _ in ev if z is not None), None)
    integral = 0.0
    t_prev, p_prev = 0.0, 1.0
    for t, z, _ in ev:
        t = min(t, horizon)
        integral += p_prev * max(0.0, t - t_prev)
        t_prev, p_prev = max(t_prev, t), primal_gap(z, z_best, tol=tol)
    integral += p_prev * max(0.0, horizon - t_prev)
    return {"t_first_plan": t_first, "t_within_1pct": t_within, "t_gap_05pct": t_gap,
            "primal_integral": integral}
