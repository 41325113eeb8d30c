"""Bytes and first-render time of the Jiangsu county map against a naive Folium page.

The naive page is what one gets from the Folium tutorials for the same data:
``folium.Choropleth`` of the full-resolution county boundaries plus a second
``folium.GeoJson`` of the same boundaries for tooltips. To make it load offline
at all, its CDN links are pointed at our local Leaflet (jQuery, Bootstrap and
Font Awesome are dropped: they draw nothing, and so is the Choropleth legend,
which needs d3 from a CDN). Both pages are served by the same
loopback server and rendered in the same headless Chromium, in the same run.
"""

from __future__ import annotations

import gzip
import statistics
import tempfile
import threading
import time

import folium
import pandas as pd
from branca.colormap import ColorMap

from benchmarks import Result

PAGE = "/maps/320000?indicator=carriers.total&scheme=natural_breaks"
NAIVE = "/bench/naive-county-map"
REPEAT = 5
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,900")


def naive_page(app) -> str:
    """The Folium-tutorial page for the same counties and values."""
    from geo.boundaries import load_boundaries
    from web import services
    from web.assets import vendor_url

    svc = services(app)
    counties = load_boundaries(svc.settings.data_dir / "boundaries", "full",
                               provinces=["320000"])
    counties = counties[(counties["level"] == "county")
                        & (counties["province_adcode"] == "320000")].copy()
    metrics = pd.DataFrame(svc.catalog.frame("county-metrics")[["adcode", "carriers"]])
    counties = counties.merge(metrics, on="adcode", how="left")
    m = folium.Map(location=[33.0, 119.5], zoom_start=7, tiles=None)
    with app.test_request_context():
        m.default_js = [("leaflet", vendor_url("leaflet", "leaflet.js"))]
        m.default_css = [("leaflet_css", vendor_url("leaflet", "leaflet.css"))]
    choropleth = folium.Choropleth(
        geo_data=counties[["adcode", "geometry"]].to_json(), data=metrics,
        columns=["adcode", "carriers"], key_on="feature.properties.adcode",
        fill_color="YlGnBu", legend_name="创新载体数量")
    choropleth.color_scale = None  # its legend needs d3 from a CDN
    for key, child in list(choropleth._children.items()):
        if isinstance(child, ColorMap):
            del choropleth._children[key]
    choropleth.add_to(m)
    folium.GeoJson(counties[["adcode", "name", "carriers", "geometry"]].to_json(),
                   style_function=lambda f: {"fillOpacity": 0, "weight": 0},
                   tooltip=folium.GeoJsonTooltip(["name", "carriers"])).add_to(m)
    html = m.get_root().render()
    if "https://" in html or "http://" in html:
        raise RuntimeError("the naive page still links an outside host")
    return html


def _serve(app):
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='bench-chromium-')}")
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(60)
    return driver


def _render_ms(driver, url: str) -> float:
    """First byte of the page to the end of its load event (transfer, parse, the
    inline map scripts), once the county shapes are in the document. Server time
    is left out: the naive page is a prepared string, ours is built per request."""
    driver.get(url)
    deadline = time.monotonic() + 30
    while driver.execute_script("return document.querySelectorAll('path').length") < 95:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}: county shapes not drawn in 30 s")
        time.sleep(0.05)
    return driver.execute_script(
        "const n = performance.getEntriesByType('navigation')[0];"
        "return n.loadEventEnd - n.responseStart;")


def run() -> list[Result]:
    from web import create_app

    app = create_app()
    naive_html = naive_page(app)
    # Folium's own inline scripts carry no nonce: the comparison page states its own policy.
    app.add_url_rule(NAIVE, "bench_naive", lambda: (naive_html, 200, {
        "Content-Security-Policy": "default-src 'self' 'unsafe-inline'"}))
    client = app.test_client()
    start = time.perf_counter()
    page = client.get(PAGE).get_data()
    build_s = time.perf_counter() - start
    naive = naive_html.encode()
    server, thread = _serve(app)
    base = f"http://127.0.0.1:{server.server_port}"
    driver = _browser()
    try:
        for url in (PAGE, NAIVE):  # warm the vendor file cache for both
            _render_ms(driver, base + url)
        ours, naive_runs = [], []
        for _ in range(REPEAT):  # interleaved, so drift on a shared machine hits both
            ours.append(_render_ms(driver, base + PAGE))
            naive_runs.append(_render_ms(driver, base + NAIVE))
        ours_ms, naive_ms = statistics.median(ours), statistics.median(naive_runs)
    finally:
        driver.quit()
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
    label = "naive folium Choropleth + GeoJson tooltips"
    note = (f"95 counties; ours also draws the carriers, corridors and county labels; "
            f"built in {build_s * 1000:.0f} ms on the server")
    return [
        Result("Jiangsu county map", "HTML bytes", "B", len(page), label, len(naive), note),
        Result("Jiangsu county map", "HTML bytes gzip", "B", len(gzip.compress(page)), label,
               len(gzip.compress(naive))),
        Result("Jiangsu county map", "first render (Chromium)", "ms", ours_ms, label, naive_ms),
    ]
