"""The region page and /targets, cold (built by Flask) and warm (the response cache, kept
per data generation), against a bare WSGI app returning the same bytes; and the region
page's bytes on the wire with gzip (its HTML and the scripts it loads)."""

from __future__ import annotations

import gzip
import re
import tempfile

from benchmarks import Result, median_seconds

PAGES = ("/regions/321300", "/targets")
WARM_BUDGET_S = 0.050
WIRE_BUDGET = 450 * 1024
HEADERS = {"Accept-Encoding": "gzip"}


def _app():
    from web import create_app

    store = tempfile.mkdtemp(prefix="bench-monitor-") + "/store.gpkg"
    return create_app({"testing": True, "store_url": store})


def _bare(body: bytes):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    return app


def _call(app, path: str) -> bytes:
    from werkzeug.test import Client

    return Client(app).get(path, headers=HEADERS).data


def _wire(app, path: str) -> int:
    """The bytes of ``path`` as a reader scrolling to its end receives them: the page,
    the map frames it loads lazily, and the scripts and styles of both."""
    page = _call(app, path)
    documents = [page]
    html = gzip.decompress(page).decode()
    for frame in re.findall(r'<iframe src="(/[^"]+)"', html):
        documents.append(_call(app, frame))
    assets = set()
    for body in documents:
        text = gzip.decompress(body).decode() if body[:2] == b"\x1f\x8b" else body.decode()
        assets.update(re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/[^"]+\.(?:js|css))"',
                                 text))
    return sum(len(body) for body in documents) + sum(len(_call(app, a)) for a in assets)


def run() -> list[Result]:
    app = _app()
    services = app.extensions["innomap"]
    out = []
    for path in PAGES:
        def cold(p=path):
            services.catalog.generation += 1  # as after an import: every kept answer stale
            return _call(app, p)
        cold_s = median_seconds(cold, repeat=3)
        body = _call(app, path)
        warm_s = median_seconds(lambda p=path: _call(app, p), repeat=20)
        bare_s = median_seconds(lambda b=body: _call(_bare(b), "/"), repeat=20)
        out.append(Result(f"page {path}", "cold (new data generation)", "s", cold_s,
                          "bare WSGI, same bytes", bare_s))
        out.append(Result(f"page {path}", "warm (response cache)", "s", warm_s,
                          "bare WSGI, same bytes", bare_s,
                          note=f"budget {WARM_BUDGET_S * 1000:.0f} ms: "
                               f"{'within' if warm_s <= WARM_BUDGET_S else 'OVER'}"))
    wire = _wire(app, PAGES[0])
    out.append(Result(f"page {PAGES[0]}", "bytes on the wire with its map frame (gzip)", "B", wire,
                      "budget", WIRE_BUDGET))
    return out
