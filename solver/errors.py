"""The errors siting raises, and input problems collected and reported all at once.

Every error is a :class:`SitingError`: :class:`InputError` (bad input, also a
``ValueError``; the CLI exits 1), :class:`UsageError` (a bad option or argument,
also a ``ValueError``; exit 2) and :class:`DefectError` (a defect of ours, never
the user's input, also a ``RuntimeError``; exit 4), whose kinds are
:class:`CheckError` (the independent checker disagrees with the solver) and
:class:`PlanError` (the solver returned a plan that breaks the model's constraints).
An infeasible or time-limited solve is a status of the result, never an error.

Validation never stops at the first problem: each check appends a
:class:`Problem` to a :class:`Problems` collector, and the stage raises one
:class:`InputError` listing every problem found.

Every message has one format::

    <file>, row <n>, field '<f>': <rule>; got <value>

``row`` is the line number in a CSV file (the header is line 1) or the
feature number in a GeoPackage / GeoJSON file; a data frame's rows are named
``index <label>`` (or ``position <k>`` when its index is not made of unique
integers: see solver/inputs/readers.py); a TOML file names ``line`` and
``column`` instead. Parts that do not apply are left out (a missing column has
no row; a missing file has no field).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .plain import plain


def did_you_mean(word: Any, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or ``''``."""
    choices = [str(c) for c in choices]
    text = str(word)
    folded = {c.lower(): c for c in choices}
    if text.strip().lower() in folded and folded[text.strip().lower()] != text:
        return f" (did you mean '{folded[text.strip().lower()]}'?)"
    close = difflib.get_close_matches(text, choices, n=1)
    if not close:
        close = difflib.get_close_matches(text.lower(), list(folded), n=1)
        close = [folded[c] for c in close]
    if not close:  # 'budjet' -> 'budget_yuan': compare with the first word of each choice
        heads: dict[str, str] = {}
        for c in choices:
            heads.setdefault(c.split("_")[0].lower(), c)
        close = difflib.get_close_matches(text.lower().split("_")[0], list(heads), n=1, cutoff=0.75)
        close = [heads[c] for c in close]
    return f" (did you mean '{close[0]}'?)" if close else ""


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One thing wrong with the input.

    ``value`` is shown with ``repr`` (so text reads ``'abc'`` and empty text
    ``''``); ``value_text`` replaces it verbatim (e.g. ``812 m``).
    """

    file: str
    rule: str
    field: str | None = None
    row: int | None = None
    line: int | None = None
    column: int | None = None
    value: Any = None
    value_text: str | None = None
    show_value: bool = True
    row_word: str = "row"  # what ``row`` counts: "row", or a data frame's "index" / "position"

    def where(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"{self.row_word} {self.row}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.where()}: {self.rule}"
        if self.value_text is not None:
            text += f"; got {self.value_text}"
        elif self.show_value:
            text += f"; got {plain(self.value)!r}"
        return text


@dataclass
class Problems:
    """Collector of problems; ``raise_if_any`` ends a validation stage."""

    items: list[Problem] = field(default_factory=list)

    def add(self, file: str, rule: str, *, field: str | None = None, row: int | None = None,
            value: Any = None, show_value: bool = True, value_text: str | None = None,
            line: int | None = None, column: int | None = None, row_word: str = "row") -> None:
        self.items.append(Problem(file=file, rule=rule, field=field, row=row, value=plain(value),
                                  show_value=show_value, value_text=value_text, line=line,
                                  column=column, row_word=row_word))

    def extend(self, other: Problems | Iterable[Problem]) -> None:
        self.items.extend(other.items if isinstance(other, Problems) else other)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items)


class SitingError(Exception):
    """The root of every error siting raises."""


class InputError(SitingError, ValueError):
    """Bad input: carries every problem found. The CLI prints them and exits 1."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self, limit: int = 200) -> str:
        n = len(self.problems)
        lines = [f"{n} input problem{'s' if n != 1 else ''} found:"]
        lines += [f"  - {p}" for p in self.problems[:limit]]
        if n > limit:
            lines.append(f"  ... and {n - limit} more")
        return "\n".join(lines)


class UsageError(SitingError, ValueError):
    """A bad option or argument (e.g. a ``--set`` that is not ``key=value``): the CLI exits 2."""


class DefectError(SitingError, RuntimeError):
    """A defect of ours, never the user's input: the CLI says so and exits 4."""


class CheckError(DefectError):
    """The independent checker disagrees with the solver."""


class PlanError(DefectError):
    """The solver returned a plan that breaks the model's constraints (solver.engine.guard)."""
