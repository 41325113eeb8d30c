"""What the routes of one app share for its life (settings, catalog, the map core's
resources, index links, health parts, refreshers), kept in ``app.extensions``.

A module of its own so that blueprints reach it without importing the package
``web`` whose factory imports them (no import cycle among ``web`` modules).
"""

from __future__ import annotations

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
    return (app or current_app).extensions[EXTENSION]
