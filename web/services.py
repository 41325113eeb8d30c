"""What the routes of one app share for its life (settings, catalog, the map core's
resources, index links, health parts, refreshers, warm-ups), kept in ``app.extensions``.

A module of its own so that blueprints reach it without importing the package
``web`` whose factory imports them (no import cycle among ``web`` modules).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from flask import Flask, current_app

from mapcore.resources import MapResources
from web.settings import Settings

EXTENSION = "innomap"


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
        self.warmups: list[Callable[[], None]] = []
        self._warmed_in: int | None = None  # the process id whose warm-up has started
        self._warm_lock = threading.Lock()

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

    def add_warmup(self, build: Callable[[], None]) -> None:
        """Build something the first visitor of a page would otherwise wait for (the
        indicator list, the region pages' table): ``build()`` runs in an app context,
        in the background of each serving process, from its first request on; never
        in ``create_app``, so that a worker starts, and answers, at once."""
        self.warmups.append(build)

    def start_warmups(self, app: Flask) -> threading.Thread | None:
        """Run every warm-up once per process, in a daemon thread (a forked worker runs
        its own: threads do not survive a fork). The thread, or None if already run."""
        with self._warm_lock:
            if self._warmed_in == os.getpid() or not self.warmups:
                return None
            self._warmed_in = os.getpid()
        thread = threading.Thread(target=self._warm, args=(app,), name="innomap-warmup",
                                  daemon=True)
        thread.start()
        return thread

    def _warm(self, app: Flask) -> None:
        with app.app_context():
            for build in self.warmups:
                build()

    def refresh(self, app: Flask) -> None:
        """Run every refresher, in the order they were added."""
        for refresh in self.refreshers:
            refresh(app)


def services(app: Flask | None = None) -> Services:
    """The Services of ``app`` (default: the current app)."""
    return (app or current_app).extensions[EXTENSION]
