"""Fair limits for anonymous work: a client may ask for only so much heavy work a minute.

Heavy requests, by what they cost (:func:`heavy_kind`):

- ``reports``: a region's evaluation report (PDF, XLSX, DOCX) and static map exports;
- ``maps``: a map page that reaches the app, i.e. one whose parameters are not in the
  response cache (a cached map page is answered before the app, :mod:`web.cache`,
  and counts for nothing);
- ``pages``: the large pages built on every request (a region's page, the targets
  table and its downloads, the task plan);
- ``items``: a feature page asking for more than ``LARGE_ITEMS`` features.

Each kind has its rate per client address (``rate_limit_<kind>`` settings, in
Flask-Limiter's notation, e.g. ``10 per minute``), counted per route by Flask-Limiter
in a moving window; a client over it is answered 429 with ``Retry-After`` (the seconds
until its window frees a request) and a Chinese reason, without its request running.
Everything else (the API's small pages, tiles, cached maps, the health check) has
no limit. Behind nginx (``make serve``) the address is the client's, from
X-Forwarded-For (``trusted_proxies``). Counts live in each worker's memory: with W
workers a client gets at most W times the rate.

Signed-in users (a session or a token) are not limited: their work is accounted for
by who they are. The ``rate_limits`` setting is ``on`` where ``make serve`` runs the
app (``scripts/serve.py`` sets ``INNOMAP_RATE_LIMITS=on`` unless told otherwise) and
``off`` by default, for test apps, benchmarks and ``make dev``, which ask from one
loopback address far more often than any visitor.
"""

from __future__ import annotations

import math
import time

from flask import Flask, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address

from web.errors import TooManyRequests

EXTENSION = "innomap.limits"
LARGE_ITEMS = 1000
REPORT_ENDPOINTS = frozenset({"regions.report", "regions.report_xlsx", "regions.report_docx"})
PAGE_ENDPOINTS = frozenset({"regions.region", "targets_page.targets",
                            "targets_page.targets_csv", "targets_page.targets_xlsx",
                            "task_plan.tasks"})
KIND_NAMES = {"reports": "评估报告和静态地图导出", "maps": "地图页面", "pages": "大型页面",
              "items": "大批量要素查询"}


def heavy_kind(endpoint: str | None, args) -> str | None:
    """Which heavy kind a request to ``endpoint`` with query ``args`` is (None: light)."""
    if endpoint is None:
        return None
    if endpoint in REPORT_ENDPOINTS or endpoint.startswith("export."):
        return "reports"
    if endpoint.startswith("maps."):
        return "maps"
    if endpoint in PAGE_ENDPOINTS:
        return "pages"
    if endpoint == "api.items" and _int(args.get("limit")) > LARGE_ITEMS:
        return "items"
    return None


def _int(text) -> int:
    try:
        return int(str(text or "0").strip())
    except ValueError:
        return 0  # the API answers a bad limit with its own 400




def init_app(app: Flask, settings, signed_in) -> Limiter:
    """Limit heavy anonymous requests of ``app``; ``signed_in()`` tells a user's request."""
    rates = {kind: getattr(settings, f"rate_limit_{kind}") for kind in KIND_NAMES}

    def rate() -> str:
        return rates[heavy_kind(request.endpoint, request.args) or "reports"]

    def exempt() -> bool:
        return heavy_kind(request.endpoint, request.args) is None or signed_in() is not None

    limiter = Limiter(get_remote_address, app=app, default_limits=[rate],
                      default_limits_exempt_when=exempt, strategy="moving-window",
                      storage_uri="memory://", enabled=settings.rate_limits == "on",
                      on_breach=_refuse, headers_enabled=False)
    app.extensions[EXTENSION] = limiter
    return limiter


def _refuse(limit: RequestLimit) -> None:
    """Answer the breach: 429, Retry-After and what was limited, in Chinese."""
    item = limit.limit
    # reset_at is whole seconds, rounded up: never ask for more than the window
    wait = max(1, min(item.get_expiry(), math.ceil(limit.reset_at - time.time())))
    kind = KIND_NAMES.get(heavy_kind(request.endpoint, request.args) or "", "此类请求")
    raise TooManyRequests(f"请求过于频繁：{kind}每个客户端每 {item.get_expiry()} 秒限 "
                          f"{item.amount} 次，请 {wait} 秒后再试。", wait)
