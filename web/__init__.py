"""The Flask application factory."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Iterable

from flask import Flask

from layers import load_catalog
from mapcore.resources import MapResources
from web import auth, cache, lean, limits, security
from web.errors import register_error_handlers
from web.services import EXTENSION, Services, services
from web.settings import Settings, from_environment

__all__ = ["Services", "create_app", "services"]


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
    before = [lambda: services(app).refresh(app)]
    if not settings.testing:  # test apps build what a test asks for, when it asks
        before.append(lambda: _start_warmups(app))
    for step in before:
        app.before_request(step)
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    # Directly around Flask: the wrappers below treat its answers as Flask's.
    lean.install(app, public=auth.reading_is_public, before=before)
    security.init_app(app, settings)
    limits.init_app(app, settings, signed_in=auth.current_user)
    # Outside the security wrapper: a replayed page keeps the CSP nonce it was made with.
    cache.install(app, public=auth.reading_is_public)
    if not settings.testing:
        _settle_heap()
    return app


def _start_warmups(app: Flask) -> None:
    """Before a request: the process's warm-ups, in the background, the first time
    (returns None, so the request goes on)."""
    services(app).start_warmups(app)


def _settle_heap() -> None:
    """Keep what the app loaded (it lives as long as the process) out of the cyclic GC.

    A full collection otherwise walks every loaded object a few times a minute
    under load, and in gunicorn's forked workers also copies every page it
    touches. Test apps skip this: they come and go within one process. What loading
    freed (file buffers, intermediate frames) goes back to the system (glibc's
    ``malloc_trim``), so forked workers do not start with it resident.
    """
    gc.collect()
    gc.freeze()
    _trim_heap()


def _trim_heap() -> None:
    """Give free heap pages back to the system where the C library can (glibc)."""
    name = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    if trim is not None:
        trim(0)


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
