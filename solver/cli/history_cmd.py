"""`siting history`: the quarterly evaluation folders as one dynamic map (history.html) and history.csv."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from .common import console, handled_errors, writing


class Lang(str, Enum):
    en = "en"
    zh = "zh"


def history_cmd(
    folders: list[Path] = typer.Argument(..., help="Evaluation folders (`siting evaluate --as-of ...`), "
                                         "one per quarter; ordered by their as-of dates."),
    out: Path = typer.Option(Path("out/history"), "--out", "-o", help="History folder."),
    lang: Lang = typer.Option(Lang.en, "--lang", help="Language of the page: en or zh."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the history folder."),
) -> None:
    """Write history.html (offline map with a quarter slider), history.csv (the changes) and
    history_series.csv (every area's grade and coverage per quarter)."""
    from ..report.history import history_dir_problem, write_history

    why = history_dir_problem(out, list(folders))
    if why:
        raise typer.BadParameter(f"{why}; got {out}", param_hint="--out")
    with handled_errors():
        with writing(out, hint="--out", what="the history"):
            files = write_history(list(folders), out, lang=lang.value)
    if quiet:
        console.print(str(files.folder))
        return
    ch = files.changes
    console.print(f"history of {len(files.quarters)} quarters ({', '.join(files.quarters)}): "
                  f"{int((ch['kind'] == 'grade').sum())} grade changes, {int((ch['kind'] == 'coverage').sum())} "
                  f"coverage changes, {int((ch['kind'] == 'opened').sum())} facilities opened, "
                  f"{int((ch['kind'] == 'closed').sum())} closed")
    for p in (files.html, files.changes_csv, files.series_csv):
        console.print(f"  {p}")
