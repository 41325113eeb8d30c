"""Run by the system python3 (Debian python3-qgis), not the venv: load every collection
of a live innomap API through QGIS's OAPIF provider and render the point collections.

Usage: python3 qgis_check.py <api url> <collection id>... ; prints one JSON line per
collection: {"id", "valid", "geometry", "features", "painted"}.
"""

import json
import os
import sys

from qgis.core import QgsApplication, QgsVectorLayer, QgsWkbTypes
from qgis_paint import painted_pixels


def render(layer) -> int:
    """Pixels of an offscreen rendering of ``layer`` that are not the background."""
    return painted_pixels(layer, layer.crs(), layer.extent().buffered(0.05))


def main(url: str, ids: list) -> None:
    app = QgsApplication([], False)
    app.initQgis()
    for cid in ids:
        uri = f"url='{url}' typename='{cid}' pagingEnabled='true' restrictToRequestBBOX='0'"
        layer = QgsVectorLayer(uri, cid, "OAPIF")
        out = {"id": cid, "valid": layer.isValid()}
        if layer.isValid():
            out["geometry"] = QgsWkbTypes.displayString(layer.wkbType())
            out["features"] = layer.featureCount()
            if QgsWkbTypes.geometryType(layer.wkbType()) == QgsWkbTypes.PointGeometry \
                    and layer.featureCount() > 0:
                out["painted"] = render(layer)
        print(json.dumps(out), flush=True)
    # QGIS 3.22 may crash while tearing down offscreen; the results are printed.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
