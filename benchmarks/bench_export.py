"""A4 300 dpi PNG of the Jiangsu county map: innomap's server-side export against
Folium's own browser-based PNG export of the same map, in the same run.

innomap: ``render_map(build_drawing(...))`` for ``/export/320000.png?dpi=300``
(cache bypassed), 3508 × 2480 px, in this process.

Folium: the same county polygons with the same fill colours as a ``folium.Map``
without tiles, Leaflet loaded from the local XStatic package (no outside host),
exported with ``Map._to_png`` through selenium driving Debian's headless
Chromium (``/usr/bin/chromium`` + ``/usr/bin/chromedriver``) with a 3508 × 2480
window. ``_to_png`` starts and quits the browser each time, as it does for its
users; its wait after loading is set to 1 s (Folium's default is 3 s), which
favours the baseline. Three runs each, medians.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from benchmarks import Result

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
RUNS = 3
FOLIUM_DELAY = 1


def _ours(app) -> tuple[list[float], bytes, object]:
    from geo.cartography import render_map
    from mapcore.drawing import to_drawing
    from mapcore.export import parse_export
    from mapcore.spec import build_map
    from web import services
    from web.export import export_state

    font, resources = export_state(app).font, services(app).maps
    req = parse_export("320000", "png", {"dpi": "300", "size": "A4",
                                         "orientation": "landscape"})
    times, data, drawing = [], b"", None
    for _ in range(RUNS):
        start = time.perf_counter()
        drawing = to_drawing(resources, build_map(resources, req.map_id, req.args))
        data = render_map(drawing, req.page, "png", font).data
        times.append(time.perf_counter() - start)
    return times, data, drawing


def _folium_map(drawing, size_px):
    import folium
    import xstatic.pkg.leaflet as leaflet

    base = Path(leaflet.BASE_DIR)
    m = folium.Map(tiles=None, width=size_px[0], height=size_px[1], zoom_control=False)
    m.default_js = [("leaflet", (base / "leaflet.js").as_uri())]
    m.default_css = [("leaflet_css", (base / "leaflet.css").as_uri())]
    units = drawing.units[["adcode", "short_name", "color", "geometry"]]
    folium.GeoJson(units.to_json(), style_function=lambda f: {
        "fillColor": f["properties"]["color"], "color": "#ffffff", "weight": 0.5,
        "fillOpacity": 1}).add_to(m)
    minx, miny, maxx, maxy = units.total_bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def _driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--hide-scrollbars"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def _folium(drawing, size_px) -> tuple[list[float], bytes]:
    times, data = [], b""
    for _ in range(RUNS):
        m = _folium_map(drawing, size_px)
        start = time.perf_counter()
        data = m._to_png(delay=FOLIUM_DELAY, driver=_driver(), size=size_px)
        times.append(time.perf_counter() - start)
    return times, data


def _png_size(data: bytes) -> tuple[int, int]:
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def run() -> list[Result]:
    from web import create_app

    app = create_app()
    ours, png, drawing = _ours(app)
    size = _png_size(png)
    case = "export A4 300 dpi PNG, Jiangsu counties"
    note = (f"innomap {size[0]}×{size[1]} px, medians of {RUNS}; folium waits "
            f"{FOLIUM_DELAY} s after load (its default is 3 s)")
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        return [Result(case, "time", "s", statistics.median(ours), "folium _to_png",
                       float("nan"), note + "; Chromium missing, baseline not measured")]
    theirs, folium_png = _folium(drawing, size)
    note += f"; folium PNG {_png_size(folium_png)[0]}×{_png_size(folium_png)[1]} px"
    return [Result(case, "time", "s", statistics.median(ours),
                   "folium Map._to_png (headless Chromium)", statistics.median(theirs), note)]
