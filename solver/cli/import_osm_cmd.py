"""`siting import-osm`: an OSM PBF extract -> a scenario's input tables and a starter scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import check_range, console, handled_errors, writing
from .options import QuietOpt


def import_osm(
    pbf: Annotated[Path | None, typer.Argument(metavar="PBF", help="OSM extract of the district (.osm.pbf), "
                                               "read locally.", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="FOLDER", show_default=False,
                                             help="Output folder for the tables and scenario.toml "
                                                  "[default: data/<district name>].")] = None,
    settings: Annotated[Path | None, typer.Option("--settings", "-s", metavar="FILE", show_default=False,
                                                  help="Import settings (TOML) laid over the defaults: tag "
                                                       "mapping and estimation parameters.")] = None,
    name: Annotated[str | None, typer.Option(metavar="NAME", show_default=False,
                                             help="District (scenario) name [default: the file name].")] = None,
    crs: Annotated[str | None, typer.Option(metavar="CRS", show_default=False,
                                            help="Metric CRS of the tables, e.g. EPSG:4548 [default: auto: "
                                                 "CGCS2000 3-degree Gauss-Kruger in China, else UTM].")] = None,
    dwelling_m2: Annotated[float | None, typer.Option("--dwelling-m2", metavar="M2", show_default=False,
                                                      help="Gross floor area per household (m2) "
                                                           "[default: settings, 90].")] = None,
    default_levels: Annotated[float | None, typer.Option("--default-levels", metavar="N", show_default=False,
                                                         help="Levels of a building without building:levels "
                                                              "or height [default: settings, 6].")] = None,
    households_total: Annotated[int | None, typer.Option("--households-total", min=0, metavar="N",
                                                         show_default=False,
                                                         help="Calibrate to this known district total of "
                                                              "households (0 = no calibration).")] = None,
    print_settings: Annotated[bool, typer.Option("--print-settings", help="Print the default settings "
                                                 "(documented TOML) and exit.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Import an OpenStreetMap extract: walking network, households, existing facilities, candidate spaces."""
    from ..inputs import ranges
    from ..inputs.scenario import name_problem
    from ..osm.importer import district_name
    from ..osm.importer import import_osm as run_import
    from ..osm.settings import default_text, load_settings
    from ..osm.writer import OutDirError
    from ..paths import safe_file_name

    if print_settings:
        console.print(default_text(), markup=False, end="")
        return
    if pbf is None:
        raise typer.BadParameter("an OSM PBF file is required (or --print-settings)", param_hint="PBF")
    for value, hint in ((dwelling_m2, "--dwelling-m2"), (default_levels, "--default-levels")):
        if value is not None and not value > 0:
            raise typer.BadParameter(f"must be > 0; got {value:g}", param_hint=hint)
    for value, key, hint in ((dwelling_m2, "households.dwelling_m2", "--dwelling-m2"),
                             (default_levels, "households.default_levels", "--default-levels"),
                             (households_total, "households.calibrate_total", "--households-total")):
        check_range(value, ranges.OSM_RANGES[key], hint)
    overrides: dict = {}
    if crs is not None:
        overrides.setdefault("crs", {})["target"] = crs
    if dwelling_m2 is not None:
        overrides.setdefault("households", {})["dwelling_m2"] = dwelling_m2
    if default_levels is not None:
        overrides.setdefault("households", {})["default_levels"] = default_levels
    if households_total is not None:
        overrides.setdefault("households", {})["calibrate_total"] = households_total
    if name is not None and name_problem(name):
        raise typer.BadParameter(f"{name_problem(name)}; got {name!r}", param_hint="--name")
    out_dir = out if out is not None else Path("data") / safe_file_name(name or district_name(pbf))
    with handled_errors():
        cfg = load_settings(settings, overrides=overrides)
        try:
            with writing(out_dir, hint="--out", what="the output"):
                result = run_import(pbf, out_dir, settings=cfg, name=name)
        except OutDirError as exc:
            raise typer.BadParameter(str(exc), param_hint="--out") from None
    if quiet:
        console.print(str(out_dir), markup=False)
        return
    _print(result)


def _print(result) -> None:
    s = result.summary
    net, hh = s["network"], s["households"]
    p = lambda text: console.print(text, markup=False)  # noqa: E731 - user text is never markup
    p(f"{s['source']['file']} -> {result.out_dir} in {result.timings['total']:.1f} s")
    p(f"crs: {s['crs']['why']}")
    p(f"walking network: {net['nodes_written']:,} nodes, {net['edges_written']:,} edges, "
      f"{net['total_length_km']:,.1f} km (from {net['segments_read']:,} way segments; "
      f"{net['parts_dropped']} detached parts dropped)")
    p(f"households: {hh['households_written']:,} in {hh['demand_points_written']:,} demand points "
      f"({hh['buildings']:,} buildings, {hh['landuse_areas']:,} residential areas without buildings)")
    p("existing facilities: " + ", ".join(f"{k} {v}" for k, v in s["existing"]["found_per_service"].items()))
    p("candidate spaces (a starting list: check on site): "
      + ", ".join(f"{k} {v}" for k, v in s["candidates"]["found_per_space_type"].items() if v))
    if s["left_out"]:
        p("left out (see import_summary.json):")
        for reason, n in s["left_out"].items():
            p(f"  {n:,} {reason}")
    if net.get("ways_left_out_by_highway_value"):
        p("walkable ways left out by highway value (network.highways): "
          + ", ".join(f"{k} {v}" for k, v in net["ways_left_out_by_highway_value"].items()))
    p(f"next: siting solve {result.scenario}")
