"""Errors of the map core; ``web/errors.py`` maps each to its HTTP status once."""

from __future__ import annotations


class MapError(Exception):
    """Base of the map core's errors: ``description`` is shown to the user (中文)."""

    def __init__(self, description: str):
        super().__init__(description)
        self.description = description


class UnknownMap(MapError):
    """No such map: an adcode that is not a province or city here, an unknown corridor."""


class InvalidChoice(MapError):
    """A map parameter (indicator, kind, year, scheme, k, breaks, level, page) is invalid."""
