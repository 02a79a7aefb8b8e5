"""`siting import-osm`: an OSM PBF extract -> a scenario's input tables and a starter scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import check_range, console, handled_errors, writing
from .options import Lang, LangOpt, QuietOpt


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
    lang: LangOpt = Lang.en,
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
    _print(result, lang.value)


def _print(result, lang: str = "en") -> None:
    from ..inputs.labels import cli_label, space_type_label

    def L(key: str, **values) -> str:  # noqa: N802 - the label lookup
        return cli_label(key, lang, **values)

    s = result.summary
    net, hh = s["network"], s["households"]
    sep = "、" if lang == "zh" else ", "
    p = lambda text: console.print(text, markup=False)  # noqa: E731 - user text is never markup
    p(L("osm_done", file=s["source"]["file"], out=result.out_dir, s=f"{result.timings['total']:.1f}"))
    p(f"crs: {s['crs']['why']}")
    p(L("osm_network", nodes=f"{net['nodes_written']:,}", edges=f"{net['edges_written']:,}",
        km=f"{net['total_length_km']:,.1f}", segments=f"{net['segments_read']:,}", parts=net["parts_dropped"]))
    p(L("osm_households", h=f"{hh['households_written']:,}", points=f"{hh['demand_points_written']:,}",
        buildings=f"{hh['buildings']:,}", areas=f"{hh['landuse_areas']:,}"))
    p(L("osm_existing") + sep.join(f"{k} {v}" for k, v in s["existing"]["found_per_service"].items()))
    p(L("osm_candidates") + sep.join(f"{space_type_label(k, lang)} {v}"
                                     for k, v in s["candidates"]["found_per_space_type"].items() if v))
    if s["left_out"]:
        p(L("osm_left_out"))
        for reason, n in s["left_out"].items():
            p(f"  {n:,} {reason}")
    if net.get("ways_left_out_by_highway_value"):
        p(L("osm_ways_left_out")
          + sep.join(f"{k} {v}" for k, v in net["ways_left_out_by_highway_value"].items()))
    p(L("osm_next", scenario=result.scenario))
