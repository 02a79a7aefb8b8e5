"""`siting history`: the quarterly evaluation folders as one dynamic map (history.html) and history.csv."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import console, handled_errors, writing
from .options import Lang, LangOpt, QuietOpt


def history_cmd(
    folders: Annotated[list[Path], typer.Argument(metavar="EVALUATION...",
                                                  help="Evaluation folders (`siting evaluate --as-of ...`), one "
                                                       "per quarter; ordered by their as-of dates.")],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FOLDER", help="History folder.")] = Path("out/history"),
    lang: LangOpt = Lang.en,
    quiet: QuietOpt = False,
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
