"""``python -m solver.synthetic --out data/demo [--seed N]``: write a synthetic district's CSV files."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import generate_district, write_district
from .state import DEFAULT_SEED, DEFAULT_STREET_AREA_KM2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m solver.synthetic",
        description="Generate the synthetic Tongzhou-like demo district (CSV files).")
    parser.add_argument("--out", type=Path, required=True, help="output directory, e.g. data/demo")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"RNG seed (default {DEFAULT_SEED})")
    parser.add_argument("--streets", type=int, default=5, help="number of streets (街道), default 5")
    parser.add_argument("--street-area-km2", type=float, default=DEFAULT_STREET_AREA_KM2,
                        help=f"area per street in km2, default {DEFAULT_STREET_AREA_KM2}")
    parser.add_argument("--density", type=float, default=1.0, help="building density multiplier, default 1")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    district = generate_district(seed=args.seed, n_streets=args.streets,
                                 street_area_km2=args.street_area_km2, density=args.density)
    paths = write_district(district, args.out)
    dt = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} files to {args.out} in {dt:.1f} s ({size / 1e6:.2f} MB): "
          f"{len(district.households)} buildings, {district.total_households} households, "
          f"{len(district.candidates)} candidates, {len(district.existing)} existing facilities, "
          f"{len(district.nodes)} nodes, {len(district.edges)} edges")
    return 0


if __name__ == "__main__":
    sys.exit(main())
