"""Tag rules: which OSM features a rule of the import settings matches.

A rule is a table of ``key = value`` (or a list of values, or ``"*"`` for any
value); it matches a feature that carries every key of the table with one of
the values. OSM's multi-value syntax is honoured: ``cuisine=noodle;breakfast``
matches ``cuisine = "breakfast"``. Keys and values are compared exactly (OSM
tags are case-sensitive and lower-case by convention).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ANY = "*"


@dataclass(frozen=True, kw_only=True)
class Rule:
    """All of ``tags`` (key -> accepted values; ``("*",)`` = any value) must be present."""

    tags: tuple[tuple[str, tuple[str, ...]], ...]

    def matches(self, tags: Mapping[str, str]) -> bool:
        for key, values in self.tags:
            have = tags.get(key)
            if have is None or have == "":
                return False
            if values == (ANY,):
                continue
            if have in values:
                continue
            if ";" in have and any(part.strip() in values for part in have.split(";")):
                continue
            return False
        return True

    def text(self) -> str:
        """``amenity=parking & parking=underground`` (what the summary and the source columns show)."""
        parts = []
        for key, values in self.tags:
            parts.append(f"{key}={'|'.join(values)}")
        return " & ".join(parts)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.tags)


def first_match(rules: Iterable[Rule], tags: Mapping[str, str]) -> Rule | None:
    """The first rule of ``rules`` that ``tags`` match, or None."""
    for rule in rules:
        if rule.matches(tags):
            return rule
    return None


def parse_rule(raw: Any) -> tuple[Rule | None, list[str]]:
    """A Rule from its TOML form (a table), or None and the reasons it is not one."""
    if not isinstance(raw, dict) or not raw:
        return None, ["a rule must be a non-empty table of tag = value, e.g. { shop = \"greengrocer\" }"]
    errors: list[str] = []
    out: list[tuple[str, tuple[str, ...]]] = []
    for key, value in raw.items():
        if not isinstance(key, str) or not key.strip() or key != key.strip() or "=" in key:
            errors.append(f"tag key {key!r} is not an OSM key")
            continue
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v.strip()
                                                                  for v in values):
            errors.append(f"tag {key!r} needs a value, a list of values or \"*\" (any value)")
            continue
        if ANY in values and len(values) > 1:
            errors.append(f"tag {key!r}: \"*\" (any value) cannot be listed with other values")
            continue
        out.append((key, tuple(v.strip() for v in values)))
    if errors:
        return None, errors
    return Rule(tags=tuple(out)), []
