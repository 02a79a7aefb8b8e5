"""Input problems, collected and reported all at once.

Validation never stops at the first problem: each check appends a
:class:`Problem` to a :class:`Problems` collector, and the stage raises one
:class:`InputError` listing every problem found (file, row/field, rule, value).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One thing wrong with the input."""

    file: str
    rule: str
    field: str | None = None
    row: int | None = None
    value: Any = None
    show_value: bool = True

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        text = f"{', '.join(where)}: {self.rule}"
        if self.show_value:
            text += f"; got {self.value!r}"
        return text


@dataclass
class Problems:
    """Collector of problems; ``raise_if_any`` ends a validation stage."""

    items: list[Problem] = field(default_factory=list)

    def add(self, file: str, rule: str, *, field: str | None = None, row: int | None = None,
            value: Any = None, show_value: bool = True) -> None:
        self.items.append(Problem(file=file, rule=rule, field=field, row=row, value=value,
                                  show_value=show_value))

    def extend(self, other: "Problems") -> None:
        self.items.extend(other.items)

    def __len__(self) -> int:
        return len(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items)


class InputError(Exception):
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


class CheckError(Exception):
    """The independent checker disagrees with the solver: a defect, never bad input."""
