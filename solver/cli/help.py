"""How `siting` and its commands show their help: fast, plain, with defaults and readable metavars.

``siting --help`` must answer in well under 0.3 s (benchmarks/cli_timing.py), so:

* help is rendered by click's plain formatter (``rich_markup_mode=None``): typer's rich help
  imports rich.markdown, markdown-it and rich.traceback, about half the start-up time;
* the help flag needs no value coercion: typer coerces every parameter through pydantic
  (``TypeAdapter``), and only to turn the group's unset ``--help`` into ``False`` it would
  import pydantic (0.1-0.2 s). :class:`_Flag` answers instead;
* every command module imports its heavy machinery (pandas, scipy, the solver) inside the
  command function, and only this light layer at import time.

Usage lines name arguments in capitals (``siting report [OPTIONS] RUN``), not typer's
``{run}``.
"""

from __future__ import annotations

import re
from typing import Any

from typer.core import TyperCommand, TyperGroup

_REQUIRED = re.compile(r"^\{(.+)\}(\.\.\.)?$")
_OPTIONAL = re.compile(r"^\[([a-z_][a-z0-9_]*)\](\.\.\.)?$")


class _Flag:
    """The runtime parameter of ``--help`` / ``--version``: a flag is True when given, else False."""

    def coerce(self, value: Any, **_: Any) -> bool:
        return bool(value)


def _light_flag(option: Any) -> Any:
    if option is not None and hasattr(option, "_runtime_param") and option._runtime_param is None:
        option._runtime_param = _Flag()
    return option


def _usage(pieces: list[str]) -> list[str]:
    out = []
    for piece in pieces:
        m = _REQUIRED.match(piece)
        if m:
            piece = m.group(1).upper().replace("_", "-") + (m.group(2) or "")
        else:
            m = _OPTIONAL.match(piece)
            if m:
                piece = f"[{m.group(1).upper().replace('_', '-')}]" + (m.group(2) or "")
        out.append(piece)
    return out


class SitingCommand(TyperCommand):
    """A `siting` command: light ``--help``, plain help text, capitalised arguments in usage."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["rich_markup_mode"] = None
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx: Any) -> Any:
        return _light_flag(super().get_help_option(ctx))

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return _usage(super().collect_usage_pieces(ctx))


class SitingGroup(TyperGroup):
    """The `siting` group: as :class:`SitingCommand`, and its eager flags (``--version``) are light too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["rich_markup_mode"] = None
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx: Any) -> Any:
        return _light_flag(super().get_help_option(ctx))

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for p in params:
            if getattr(p, "is_eager", False) and getattr(p, "is_flag", False):
                _light_flag(p)
        return params
