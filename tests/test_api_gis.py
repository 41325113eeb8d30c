"""GIS clients innomap did not write, against the live server: GDAL's ogr2ogr/ogrinfo
(Debian gdal-bin), QGIS's OAPIF provider (Debian python3-qgis, system python3) and
schemathesis over the published OpenAPI document."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest

from layers import REGISTRY

pytestmark = pytest.mark.live
CLIENTS = Path(__file__).parent / "clients"
COLLECTIONS = {c.id: c for layer in REGISTRY.values() for c in layer.collections()}
# Column types (as pyogrio reads the GeoPackage's OGR fields) of the published JSON types
FIELD_TYPES = {"string": {"object"}, "integer": {"int32", "int64"}, "number": {"float64"},
               "boolean": {"bool"}}


def get_json(url: str):
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def geopackage(live_url, tmp_path_factory):
    """Every collection copied by ogr2ogr into one GeoPackage, with its stderr."""
    if shutil.which("ogr2ogr") is None:
        pytest.skip("ogr2ogr not installed (Debian gdal-bin, scripts/install_system_packages.sh)")
    path = tmp_path_factory.mktemp("gdal") / "innomap.gpkg"
    warnings = {}
    for cid in COLLECTIONS:
        run = subprocess.run(["ogr2ogr", "-f", "GPKG", "-append", str(path),
                              f"OAPIF:{live_url}/api", cid], capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == 0, run.stderr
        warnings[cid] = [line for line in run.stderr.splitlines() if "Warning" in line]
    return {cid: pyogrio.read_info(path, layer=cid) for cid in COLLECTIONS}, warnings


@pytest.mark.parametrize("cid", sorted(COLLECTIONS))
def test_ogr2ogr_writes_each_collection_without_warnings(geopackage, live_url, cid):
    layers, warnings = geopackage
    assert warnings[cid] == []
    layer = layers[cid]
    doc = get_json(f"{live_url}/api/collections/{cid}/items?limit=1")
    assert layer["features"] == doc["numberMatched"]
    if doc["numberMatched"]:
        assert layer["geometry_type"] == COLLECTIONS[cid].geometry_type


@pytest.mark.parametrize("cid", sorted(COLLECTIONS))
def test_gdal_field_types_are_the_published_schema(geopackage, live_url, cid):
    layers, _ = geopackage
    schema = get_json(f"{live_url}/api/collections/{cid}/schema")["properties"]
    fields = dict(zip(layers[cid]["fields"], map(str, layers[cid]["dtypes"])))
    for name, spec in schema.items():
        if name in ("geometry", "id"):
            continue
        assert fields[name] in FIELD_TYPES[spec["type"]], (name, fields[name], spec)


def _qgis_python() -> str:
    probe = subprocess.run(["/usr/bin/python3", "-c", "import qgis.core"],
                           capture_output=True, timeout=60) if Path("/usr/bin/python3").exists() \
        else None
    if probe is None or probe.returncode != 0:
        pytest.skip("Debian python3-qgis is not installed (scripts/install_system_packages.sh)")
    return "/usr/bin/python3"


def test_qgis_loads_every_collection_with_its_type_and_paints_points(live_url, tmp_path):
    python = _qgis_python()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path),
           "HOME": str(tmp_path)}
    run = subprocess.run([python, str(CLIENTS / "qgis_check.py"), f"{live_url}/api",
                          *COLLECTIONS], capture_output=True, text=True, timeout=600, env=env,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    results = {r["id"]: r for r in map(json.loads, run.stdout.splitlines())}
    assert set(results) == set(COLLECTIONS)
    for cid, coll in COLLECTIONS.items():
        got = results[cid]
        assert got["valid"], cid
        if got["features"]:
            assert got["geometry"] == coll.geometry_type, (cid, got)
        if coll.geometry_type == "Point" and got["features"]:
            assert got["painted"] > 0, cid


SCHEMATHESIS_MAX_EXAMPLES = 15


def test_schemathesis_finds_no_server_error_or_mismatch(live_url, tmp_path):
    """Every operation of the OpenAPI document, bounded examples, ``--checks all``: no
    5xx, no response that breaks its declared schema or content type."""
    cli = Path(sys.executable).parent / "schemathesis"
    report = tmp_path / "junit.xml"
    run = subprocess.run([str(cli), "run", f"{live_url}/api/openapi", "--checks", "all",
                          "--max-examples", str(SCHEMATHESIS_MAX_EXAMPLES), "--workers", "2",
                          "--report", "junit", "--report-junit-path", str(report),
                          "--seed", "14", "--no-color"],
                         capture_output=True, text=True, timeout=900, cwd=tmp_path)
    output = run.stdout + run.stderr
    for failure in ("Server error", "Response violates schema",
                    "Undocumented Content-Type", "Malformed media type"):
        assert failure not in output, output[-4000:]
    assert "operations" in output.lower() or report.exists(), output[-2000:]


@pytest.mark.parametrize("cid", ["entities", "imported-carriers", "boundaries-county"])
def test_qgis_finds_the_tiles_from_the_collection_and_draws_them(live_url, tmp_path, cid):
    """A memory layer, a store-backed layer and polygons: QGIS's vector tile layer
    draws the tiles whose URL the script found by following the collection's links."""
    python = _qgis_python()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path),
           "HOME": str(tmp_path)}
    run = subprocess.run([python, str(CLIENTS / "qgis_tiles.py"),
                          f"{live_url}/api/collections/{cid}"], capture_output=True, text=True,
                         timeout=300, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["template"] == (f"{live_url}/api/collections/{cid}/tiles/WebMercatorQuad"
                                  "/{z}/{y}/{x}")
    assert result["valid"] and result["painted"] > 0, result


def test_gdal_mvt_driver_reads_a_tile(live_url, tmp_path):
    """GDAL's MVT driver opens a tile as served: the features the API lists in that tile,
    placed inside the tile's Web Mercator bounds."""
    import urllib.request

    if shutil.which("ogrinfo") is None:
        pytest.skip("ogrinfo not installed (Debian gdal-bin, scripts/install_system_packages.sh)")
    z, y, x = 8, 102, 212  # over the fixture's carriers and entities
    path = tmp_path / "tile.pbf"
    url = f"{live_url}/api/collections/entities/tiles/WebMercatorQuad/{z}/{y}/{x}"
    with urllib.request.urlopen(url, timeout=30) as response:
        path.write_bytes(response.read())
    run = subprocess.run(["ogrinfo", "-ro", "-al", "-so", "-oo", f"Z={z}", "-oo", f"Y={y}",
                          "-oo", f"X={x}", f"MVT:{path}"], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    count = int(next(line for line in run.stdout.splitlines()
                     if line.startswith("Feature Count:")).split(":")[1])
    extent = next(line for line in run.stdout.splitlines() if line.startswith("Extent:"))
    half, size = 20037508.342789244, 2 * 20037508.342789244 / 2 ** z
    west, north = -half + x * size, half - y * size
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", extent)]  # (x, y) - (x, y)
    assert west <= numbers[0] <= numbers[2] <= west + size
    assert north - size <= numbers[1] <= numbers[3] <= north
    box = _lonlat_box(z, y, x)
    items = get_json(f"{live_url}/api/collections/entities/items?limit=10000&bbox="
                     + ",".join(map(str, box)))
    inside = [f for f in items["features"]
              if box[0] <= f["geometry"]["coordinates"][0] < box[2]
              and box[1] < f["geometry"]["coordinates"][1] <= box[3]]
    assert count == len(inside) > 0


def _lonlat_box(z, y, x):
    from pyproj import Transformer

    half = 20037508.342789244
    size = 2 * half / 2 ** z
    west, north = -half + x * size, half - y * size
    to_lonlat = Transformer.from_crs(3857, 4326, always_xy=True)
    (lon0, lon1), (lat0, lat1) = to_lonlat.transform([west, west + size], [north - size, north])
    return lon0, lat0, lon1, lat1
