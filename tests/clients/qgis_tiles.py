"""Run by the system python3 (Debian python3-qgis), not the venv: find a collection's
vector tiles from its collection document alone, as a client that knows OGC API –
Tiles would, and draw them with QGIS's vector tile layer.

Usage: python3 qgis_tiles.py <collection url>; prints one JSON line:
{"template", "valid", "painted"} (painted: pixels that are not the background).
"""

import json
import os
import sys
import urllib.request

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsProject,
    QgsRectangle,
    QgsVectorTileLayer,
)
from qgis_paint import painted_pixels

REL_TILESETS = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
MVT = "application/vnd.mapbox-vector-tile"


def get(url: str) -> dict:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def follow(doc: dict, rel: str, media: str = "application/json") -> str:
    return next(link["href"] for link in doc["links"]
                if link["rel"] == rel and link.get("type") == media)


def tile_template(collection_url: str) -> tuple:
    """The XYZ URL of the collection's WebMercatorQuad tiles and its CRS84 extent."""
    collection = get(collection_url)
    tilesets = get(follow(collection, REL_TILESETS))["tilesets"]
    webmercator = next(t for t in tilesets if t["tileMatrixSetURI"].endswith("WebMercatorQuad"))
    template = follow(webmercator, "item", MVT)
    xyz = (template.replace("{tileMatrix}", "{z}").replace("{tileRow}", "{y}")
           .replace("{tileCol}", "{x}"))
    return xyz, collection["extent"]["spatial"]["bbox"][0]


def render(layer, box) -> int:
    mercator = QgsCoordinateReferenceSystem("EPSG:3857")
    to_mercator = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), mercator,
                                         QgsProject.instance())
    extent = to_mercator.transformBoundingBox(QgsRectangle(*box)).buffered(2000)
    return painted_pixels(layer, mercator, extent)


def main(collection_url: str) -> None:
    app = QgsApplication([], False)
    app.initQgis()
    xyz, box = tile_template(collection_url)
    layer = QgsVectorTileLayer(f"type=xyz&url={xyz}&zmin=0&zmax=14", "tiles")
    out = {"template": xyz, "valid": layer.isValid()}
    if layer.isValid():
        out["painted"] = render(layer, box)
    print(json.dumps(out), flush=True)
    os._exit(0)  # QGIS 3.22 may crash while tearing down offscreen; the result is printed


if __name__ == "__main__":
    main(sys.argv[1])
