"""Security headers on every response, the CSP nonce of each page, cookies and proxies.

Headers are added by a WSGI wrapper around the whole app, so they are on every
response however it was made (Flask views, error pages, the API's read shortcut,
static files) and no Flask hook is added:

- ``X-Content-Type-Options: nosniff`` everywhere;
- ``Referrer-Policy``: ``no-referrer`` under ``/admin`` (its URLs hold preview
  tokens), ``strict-origin-when-cross-origin`` elsewhere;
- on HTML and SVG: a Content-Security-Policy. Scripts run only from our own
  origin or when they carry this response's nonce (``script-src 'self'
  'nonce-…'``, no ``unsafe-inline``): the templates put ``nonce="{{ csp_nonce() }}"``
  on the inline scripts they emit, and the ``nonce_scripts`` filter does the same
  for the header Folium renders (our own markup, never user data). Styles allow
  ``'unsafe-inline'``: Folium writes ``<style>`` blocks and the legend uses
  ``style=""`` swatches, and inline CSS cannot run code. Images may come from the
  configured tile provider only (``map_basemap``). Admin pages add
  ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``; public maps may be
  embedded in intranet portals.

The nonce is made per request by the wrapper and kept in the WSGI environ under
``NONCE_KEY``; a response cache that replays a page must replay its CSP header
with it. The response cache (``web/cache.py``) sits outside this wrapper and does:
a cached page keeps the nonce it was rendered with, which is safe because its body
cannot change without a new render (new data means a new catalog generation).
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from flask import Flask, request
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

NONCE_KEY = "innomap.csp_nonce"
ADMIN_PREFIXES = ("/admin",)
# Hosts of the optional tile basemaps (see web.maps); "none" loads nothing from outside.
TILE_SOURCES = {
    "none": "",
    "osm": "https://tile.openstreetmap.org",
    "tianditu": "https://*.tianditu.gov.cn",
    "amap": "https://*.is.autonavi.com",
}
# The headers of error pages the app does not make (gunicorn's 400/414/431, see
# web.serving; nginx's own, deploy/innomap-proxy.conf, says the same): nothing may
# load, run or frame.
BARE_ERROR_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Content-Security-Policy",
     "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    ("X-Frame-Options", "DENY"),
    ("Cache-Control", "no-store"),
)
_SCRIPT_TAG = re.compile(r"<script(?=[\s>])", re.IGNORECASE)


def init_app(app: Flask, settings) -> None:
    """Wrap ``app`` with the header wrapper (and ProxyFix when proxies are trusted),
    configure the session cookie, and give templates ``csp_nonce()`` and ``nonce_scripts``."""
    app.config.update(SESSION_COOKIE_SECURE=bool(settings.secure_cookies),
                      PERMANENT_SESSION_LIFETIME=timedelta(
                          minutes=int(settings.session_lifetime_minutes)))
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.filters["nonce_scripts"] = nonce_scripts
    app.wsgi_app = SecurityHeaders(app.wsgi_app, content_security_policy(settings.map_basemap))
    if settings.trusted_proxies:
        n = int(settings.trusted_proxies)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)


def csp_nonce() -> str:
    """The response's CSP nonce (the same for every script tag of one page)."""
    return request.environ.get(NONCE_KEY, "")


def nonce_scripts(html: str) -> Markup:
    """``html`` (markup we generated, e.g. Folium's header) with this response's nonce
    on every ``<script>`` tag."""
    nonce = csp_nonce()
    return Markup(_SCRIPT_TAG.sub(f'<script nonce="{nonce}"', str(html)))


def content_security_policy(basemap: str) -> str:
    """The CSP template of HTML pages; ``{nonce}`` is filled in per response."""
    tiles = TILE_SOURCES.get(basemap, "")
    return ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data: {tiles}".rstrip() + "; font-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'")


class SecurityHeaders:
    """WSGI wrapper: a nonce into the environ, the security headers onto the response."""

    def __init__(self, wsgi_app, policy: str):
        self.wsgi_app = wsgi_app
        self.policy = policy

    def __call__(self, environ, start_response):
        nonce = secrets.token_urlsafe(18)
        environ[NONCE_KEY] = nonce
        admin = environ.get("PATH_INFO", "").startswith(ADMIN_PREFIXES)

        def start(status, headers, exc_info=None):
            return start_response(status, self.headers(headers, nonce, admin), exc_info)

        return self.wsgi_app(environ, start)

    def headers(self, headers: list, nonce: str, admin: bool) -> list:
        """``headers`` plus ours; a header the app set itself is kept as it is."""
        present = {name.lower() for name, _ in headers}
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        mime = content_type.split(";", 1)[0].strip().lower()
        ours = [("X-Content-Type-Options", "nosniff"),
                ("Referrer-Policy", "no-referrer" if admin else
                 "strict-origin-when-cross-origin")]
        if mime in ("text/html", "image/svg+xml"):
            policy = self.policy.replace("{nonce}", nonce)
            if admin:
                policy += "; frame-ancestors 'none'"
            ours.append(("Content-Security-Policy", policy))
        if admin:
            ours.append(("X-Frame-Options", "DENY"))
        return list(headers) + [(k, v) for k, v in ours if k.lower() not in present]
