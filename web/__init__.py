"""The Flask application factory."""

from __future__ import annotations

import gc
from typing import Callable

from flask import Flask

from layers import load_catalog
from web import security
from web.errors import register_error_handlers
from web.settings import Settings, from_environment

EXTENSION = "innomap"
FAST_READ_HOOKS = "innomap.fast_read_hooks"


def create_app(config: dict | Settings | None = None) -> Flask:
    """Build the app: settings, layers loaded once, blueprints, error handlers.

    ``config`` is a Settings instance or a mapping of setting overrides; the
    environment (``INNOMAP_*``) is read here and nowhere else.
    """
    settings = config if isinstance(config, Settings) else from_environment(overrides=config)
    app = Flask(__name__)
    app.config["TESTING"] = settings.testing
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False
    app.extensions[EXTENSION] = Services(settings=settings,
                                         catalog=load_catalog(settings.data_dir, options={
                                             "store_url": settings.store_url,
                                             "corridor_buffer_m": settings.corridor_buffer_m}))
    register_error_handlers(app)
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    security.init_app(app, settings)
    if not settings.testing:
        _settle_heap()
    return app


def _settle_heap() -> None:
    """Keep what the app loaded (it lives as long as the process) out of the cyclic GC.

    A full collection otherwise walks every loaded object a few times a minute
    under load, and in gunicorn's forked workers also copies every page it
    touches. Test apps skip this: they come and go within one process.
    """
    gc.collect()
    gc.freeze()


def _blueprints():
    from web import admin, api, assets, export, maps, pages

    # Registration order is the order of the index page's sections.
    return [pages.bp, maps.bp, export.bp, api.bp, assets.bp, admin.bp]


class Services:
    """What routes share for the life of the app: settings and the loaded catalog."""

    def __init__(self, settings: Settings, catalog):
        self.settings = settings
        self.catalog = catalog
        self.links: list[tuple[str, str, str]] = []
        self.health: dict[str, Callable[[], dict]] = {}

    def add_link(self, section: str, title: str, url: str) -> None:
        """List a page on the index: section heading, link text, URL."""
        self.links.append((section, title, url))

    def add_health(self, name: str, report: Callable[[], dict]) -> None:
        """Add a part to ``/healthz``: ``report()`` returns what is loaded, cheaply."""
        self.health[name] = report


def services(app: Flask | None = None) -> Services:
    """The Services of ``app`` (default: the current app)."""
    from flask import current_app

    return (app or current_app).extensions[EXTENSION]


def fast_read_hook(app: Flask, hook: Callable, idle: Callable[[Flask], bool]) -> None:
    """Declare that the ``before_request`` function ``hook`` does nothing for a GET
    request while ``idle(app)`` is true, so feature reads may skip Flask's dispatch
    (see ``web.api_fast``). An undeclared app-wide hook keeps every read in Flask."""
    app.extensions.setdefault(FAST_READ_HOOKS, {})[hook] = idle
