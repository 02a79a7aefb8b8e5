"""Every text of the reports, in one language, looked up in :mod:`solver.inputs.labels`.

Report modules ask a :class:`Labels` for words and never write user-facing
strings themselves; numbers are formatted here too, so that the HTML, the PNG
maps and the workbook agree.
"""

from __future__ import annotations

import builtins
import math

from ..inputs.grades import Grade
from ..inputs.labels import (
    COLUMN_LABELS,
    GRADE_LABELS,
    SERVICE_GROUP_LABELS,
    UNCOVERED_REASONS,
    column_label,
    report_label,
    space_attribute_label,
    space_type_label,
)
from .rundata import ServiceInfo

LANGS = ("en", "zh")


class Labels:
    """Labels in ``lang`` for the services of one run."""

    def __init__(self, lang: str, services: dict[str, ServiceInfo]):
        if lang not in LANGS:
            raise ValueError(f"language must be one of {', '.join(LANGS)}; got {lang!r}")
        self.lang = lang
        self.services = services

    def __call__(self, key: str, **values) -> str:
        return report_label(key, self.lang, **values)

    def service(self, key: str) -> str:
        info = self.services.get(key)
        return info.label(self.lang) if info is not None else key

    def abbr(self, key: str) -> str:
        info = self.services.get(key)
        return info.abbr(self.lang) if info is not None else key[:1]

    def service_list(self, joined: str) -> str:
        """``'repair;pharmacy'`` (as in the CSV files) as names in this language."""
        keys = [k for k in str(joined).split(";") if k]
        return self("list_sep").join(self.service(k) for k in keys)

    def space_type(self, key: str) -> str:
        return space_type_label(str(key), self.lang)

    def space_attribute(self, key: str) -> str:
        """``water`` / ``frontage`` in words."""
        return space_attribute_label(str(key), self.lang)

    def space_attributes(self, joined: str) -> str:
        """``'water;frontage'`` (as in the CSV files) in words."""
        return self("list_sep").join(self.space_attribute(a) for a in str(joined).split(";") if a)

    def column(self, key: str) -> str:
        """A column header; ``new_<service>`` and friends name the service."""
        for prefix, label in (("new_", "newly_covered_service"), ("pct_before_", "pct_before_service"),
                              ("pct_after_", "pct_after_service")):
            if key.startswith(prefix) and key[len(prefix):] in self.services:
                return COLUMN_LABELS[label][self.lang].format(service=self.service(key[len(prefix):]))
        return column_label(key, self.lang)

    def grade(self, grade: Grade | None) -> str:
        return self("na") if grade is None else GRADE_LABELS[grade.key][self.lang]

    def group(self, name: str) -> str:
        return SERVICE_GROUP_LABELS[name][self.lang]

    def reason(self, key: str) -> str:
        return UNCOVERED_REASONS.get(key, {}).get(self.lang, key)

    # numbers -----------------------------------------------------------------
    def int(self, v) -> str:
        return self("na") if v is None or (isinstance(v, float) and math.isnan(v)) else f"{int(round(v)):,}"

    def pct(self, v: float | None, digits: builtins.int = 1) -> str:
        return self("na") if v is None else f"{v:.{digits}f}%"

    def yuan(self, v: float | None) -> str:
        return self("na") if v is None else self("yuan", v=f"{v:,.0f}")

    def minutes(self, v: float) -> str:
        return self("minutes", v=f"{v:g}")
