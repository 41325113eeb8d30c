"""Run by the system python3 (Debian python3-qgis), not the venv: load every collection
of a live innomap API through QGIS's OAPIF provider and render the point collections.

Usage: python3 qgis_check.py <api url> <collection id>... ; prints one JSON line per
collection: {"id", "valid", "geometry", "features", "painted"}.
"""

import json
import os
import sys

from qgis.core import (
    QgsApplication,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def render(layer) -> int:
    """Pixels of an offscreen rendering of ``layer`` that are not the background."""
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    settings.setExtent(layer.extent().buffered(0.05))
    settings.setOutputSize(QSize(400, 400))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    white = QColor(255, 255, 255).rgb()
    return sum(1 for y in range(image.height()) for x in range(image.width())
               if image.pixel(x, y) != white)


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
