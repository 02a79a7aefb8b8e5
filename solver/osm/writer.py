"""Writing an imported district: the tables, a starter scenario, the settings used, a summary.

Files are written into a temporary folder beside the target and moved into
place only when all are complete (a previous import in the same folder is
replaced whole). Numbers are written with fixed precision (coordinates to the
centimetre, lon/lat to 1e-7 degree) and rows in a fixed order, so the same PBF
and settings give byte-identical files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..errors import UsageError
from ..folders import out_dir_problem, staged_folder

SUMMARY = "import_summary.json"
SCENARIO = "scenario.toml"
SETTINGS = "osm_settings.toml"
TABLES = ("households", "candidates", "existing", "network_nodes", "network_edges")


class OutDirError(UsageError):
    """The output folder cannot be used (a usage error: the CLI exits 2)."""


def check_out_dir(out_dir: Path, *, inputs: list[Path]) -> None:
    """Refuse a folder whose replacement would destroy something that is not an earlier import."""
    why = out_dir_problem(out_dir, inputs=inputs, marker=SUMMARY, kind="the output folder of an earlier import")
    if why:
        raise OutDirError(f"{why}; got {out_dir}")


def fmt(values, digits: int) -> list[str]:
    """Fixed-precision text of numbers (no '-0.00')."""
    out = []
    for v in values:
        text = f"{float(v):.{digits}f}"
        if text.startswith("-") and float(text) == 0:
            text = text[1:]
        out.append(text)
    return out


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def write_import(out_dir: Path, *, tables: dict[str, pd.DataFrame], scenario_text: str,
                 settings_text: str, summary: dict) -> list[Path]:
    """Write every file of an import into ``out_dir`` (replaced atomically); returns the files."""
    out_dir = Path(out_dir)
    with staged_folder(out_dir) as tmp:
        for key in TABLES:
            _csv(tables[key], tmp / f"{key}.csv")
        (tmp / SCENARIO).write_text(scenario_text, encoding="utf-8")
        (tmp / SETTINGS).write_text(settings_text, encoding="utf-8")
        with open(tmp / SUMMARY, "w", encoding="utf-8") as fh:
            json.dump(summary, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
    return sorted(p for p in out_dir.iterdir() if p.is_file())


def scenario_text(*, name: str, description: str, crs_code: str, crs_why: str, source: str, sha256: str,
                  settings_summary: list[str], max_snap_m: float, has_existing: bool) -> str:
    """The starter scenario: valid as written (``siting solve`` accepts it), commented for editing."""
    lines = [
        f"# Starter scenario written by `siting import-osm` from {source}",
        f"# (sha256 {sha256[:16]}...). Edit freely; re-running the import replaces this folder.",
        "#",
        "# How the tables were made (every parameter: osm_settings.toml; counts: import_summary.json):",
        *[f"#   {ln}" for ln in settings_summary],
        "#",
        "# candidates.csv is a STARTING LIST found from OSM tags (column osm_tags): check each",
        "# space on site, correct area_m2 / floor / conversion_cost, delete what cannot be converted",
        "# and add what OSM does not show. Empty conversion_cost cells take the per-type defaults",
        "# below.",
        f'name = "{name}"',
        f'description = "{description}"',
        f'crs = "{crs_code}"',
        f"# {crs_why}",
        "# Minimum cost of covering every household for every service; for the best plan within",
        "# a budget instead, delete the mode line and set budget_yuan:",
        'mode = "cover"',
        "# budget_yuan = 5_000_000",
        "",
        "[data]",
        'households = "households.csv"',
        'candidates = "candidates.csv"',
        *(['existing = "existing.csv"'] if has_existing else
          ['# existing = "existing.csv"   # no existing facility was found in OSM']),
        'network_nodes = "network_nodes.csv"',
        'network_edges = "network_edges.csv"',
        "",
        "[walking]",
        "speed_m_per_min = 60       # GB 50180-2018: 15 minutes ~ 800-1000 m",
        f"max_snap_m = {max_snap_m:g}         # the import left out points farther from the network",
        "",
        "# Conversion cost (yuan) for spaces whose conversion_cost cell is empty (Beijing-like",
        "# figures, as in the demo): replace them with local ones.",
        "[conversion_cost_default]",
        "vacated = 120_000",
        "underground = 300_000",
        "boiler_room = 280_000",
        "bike_shed = 70_000",
        "old_factory = 600_000",
        "transit = 150_000",
        "park = 120_000",
        "other = 120_000",
        "",
        "# The catalogue's services apply (15 minutes, Beijing floor rules); override any field:",
        "# [services.vegetable]",
        "# threshold_min = 10",
        "",
        "[solve]",
        'backend = "ortools"',
        "time_limit_s = 120",
        "relative_gap = 0.0",
        "",
    ]
    return "\n".join(lines)
