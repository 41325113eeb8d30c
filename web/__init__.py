"""The Flask application factory."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable

from flask import Flask

from layers import load_catalog
from mapcore.resources import MapResources
from web import auth, cache, security
from web.errors import register_error_handlers
from web.settings import Settings, from_environment

EXTENSION = "innomap"


def create_app(config: dict | Settings | None = None, layers: Iterable = ()) -> Flask:
    """Build the app: settings, layers loaded once, blueprints, error handlers.

    ``config`` is a Settings instance or a mapping of setting overrides; the
    environment (``INNOMAP_*``) is read here and nowhere else. ``layers`` are
    Layer instances this app serves and maps besides the registry's.
    """
    settings = config if isinstance(config, Settings) else from_environment(overrides=config)
    app = Flask(__name__)
    app.config["TESTING"] = settings.testing
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False
    catalog = load_catalog(settings.data_dir, extra_layers=layers, options={
        "store_url": settings.store_url, "corridor_buffer_m": settings.corridor_buffer_m})
    app.extensions[EXTENSION] = Services(settings=settings, catalog=catalog,
                                         maps=MapResources.load(catalog))
    register_error_handlers(app)
    app.before_request(lambda: services(app).refresh(app))
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    security.init_app(app, settings)
    # Outside the security wrapper: a replayed page keeps the CSP nonce it was made with.
    cache.install(app, public=auth.reading_is_public)
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
    from web import (
        admin,
        api,
        assets,
        export,
        import_jobs,
        maps,
        pages,
        plan_publish,
        plan_review,
        regions,
        targets_page,
        task_plan,
        tiles,
    )

    # Registration order is the order of the index page's sections; import_jobs uses
    # the store and sign-in that admin sets up.
    return [pages.bp, targets_page.bp, regions.bp, task_plan.bp, maps.bp, export.bp, api.bp,
            tiles.bp, assets.bp, admin.bp, import_jobs.bp, plan_review.bp, plan_publish.bp]


class Services:
    """What routes share for the life of the app: settings, the loaded catalog and the
    map core's resources (display boundaries, plans, symbol families)."""

    def __init__(self, settings: Settings, catalog, maps: MapResources):
        self.settings = settings
        self.catalog = catalog
        self.maps = maps
        self.links: list[tuple[str, str, str]] = []
        self.health: dict[str, Callable[[], dict]] = {}
        self.refreshers: list[Callable[[Flask], None]] = []

    def add_link(self, section: str, title: str, url: str) -> None:
        """List a page on the index: section heading, link text, URL."""
        self.links.append((section, title, url))

    def add_health(self, name: str, report: Callable[[], dict]) -> None:
        """Add a part to ``/healthz``: ``report()`` returns what is loaded, cheaply."""
        self.health[name] = report

    def add_refresher(self, refresh: Callable[[Flask], None]) -> None:
        """Run ``refresh(app)`` before every request (in Flask and ahead of the response
        cache): it brings the catalog up to date, e.g. with imports of other workers,
        and must be cheap when nothing changed."""
        self.refreshers.append(refresh)

    def refresh(self, app: Flask) -> None:
        """Run every refresher, in the order they were added."""
        for refresh in self.refreshers:
            refresh(app)


def services(app: Flask | None = None) -> Services:
    """The Services of ``app`` (default: the current app)."""
    from flask import current_app

    return (app or current_app).extensions[EXTENSION]
