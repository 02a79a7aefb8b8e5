"""OpenStreetMap import: a PBF extract in, input tables and a starter scenario out; imports solver.inputs and below.

``siting import-osm district.osm.pbf --out data/mydistrict/`` (see
:func:`solver.osm.importer.import_osm`). The tag mapping and the estimation
parameters are in ``default_settings.toml`` beside this file; a user's settings
file is laid over it. Reading uses pyrosm, on the local file only.
"""

from .importer import ImportResult, import_osm
from .settings import Settings, load_settings

__all__ = ["ImportResult", "Settings", "import_osm", "load_settings"]
