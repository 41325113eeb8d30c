"""The one domain error of plan reading: the document cannot be read, and why."""

from __future__ import annotations


class PlanReadingError(ValueError):
    """A plan document was refused before anything was stored.

    ``code`` names the reason for programs (``unknown_format``, ``scanned_pdf``,
    ``encrypted``, ``zip_bomb``, ``too_large``, ``undecodable``, ``empty``,
    ``damaged``); ``message`` says it in Chinese for people. The web layer answers
    it with 400, the command line exits 2 with the message.
    """

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)
