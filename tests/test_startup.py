"""What a worker does at start-up: the minimum (README, "Serving"; issue 25).

Each check runs ``create_app()`` in a fresh interpreter, as gunicorn's master does
before it forks the workers, so that nothing imported by other tests counts.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Libraries a request may need but start-up must not import (each costs a worker
# megabytes for its life): map pages, exports, reports, spreadsheets, tiles, GDAL.
HEAVY = ("folium", "branca", "matplotlib", "mapclassify", "scipy", "sklearn", "openpyxl",
         "docx", "PIL", "morecantile", "mapbox_vector_tile", "pyogrio", "fiona", "osgeo")


def _child(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_start_up_imports_no_heavy_library():
    found = _child(f"""
import json, sys
import web
web.create_app()
print(json.dumps({{"heavy": sorted(m for m in {HEAVY!r} if m in sys.modules)}}))
""")
    assert found["heavy"] == []


def test_boundaries_are_read_without_gdal():
    """A map's boundaries come from the GeoPackages through sqlite3 (no GDAL library
    in a worker): the units of a province, then a whole resolution."""
    found = _child("""
import json, sys
from pathlib import Path
from geo.boundaries import load_boundaries
one = load_boundaries(Path("data/boundaries"), "coarse", provinces=["320000"])
every = load_boundaries(Path("data/boundaries"), "coarse")
print(json.dumps({"one": len(one), "every": len(every), "crs": one.crs.to_epsg(),
                  "gdal": sorted(m for m in ("pyogrio", "fiona", "osgeo") if m in sys.modules)}))
""")
    assert found["gdal"] == [] and found["crs"] == 4326
    assert 0 < found["one"] < found["every"]


def test_warm_ups_run_after_start_up_in_the_background():
    """create_app builds no indicator list and no region table; a served app's first
    request starts them in a background thread of its own process."""
    found = _child("""
import json, threading
import web
from web.services import services
app = web.create_app()
svc = services(app)
before = {"indicators": len(svc.maps._cache), "threads": threading.active_count()}
status = app.test_client().get("/healthz").status_code
warming = [t for t in threading.enumerate() if t.name == "innomap-warmup"]
for thread in warming:
    thread.join(300)
again = svc.start_warmups(app)
print(json.dumps({"before": before, "status": status, "warming": len(warming),
                  "indicators_after": len(svc.maps._cache), "again": again is None}))
""")
    assert found["before"]["indicators"] == 0
    assert found["status"] == 200 and found["warming"] == 1
    assert found["indicators_after"] >= 1
    assert found["again"]  # once per process
