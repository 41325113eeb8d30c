"""The lean read path: the plain JSON reads of the feature API answered before Flask.

A GIS client panning a map asks for boxes, pages and features no cache has seen;
for each, Flask's dispatch (request and app contexts, session, routing, before and
after hooks, the response object) cost as much as finding the features. This WSGI
layer sits directly around Flask (inside the security headers, the proxy fix and the
response cache, which treat its answers as Flask's) and answers

- ``GET /api/collections/<c>/items`` with no parameter but ``bbox`` (in CRS84),
  ``limit`` (up to what the rate limiter leaves alone), ``offset`` and ``f=json``;
- ``GET /api/collections/<c>/items/<id>`` with no parameter but ``f=json``

itself, through the same functions the Flask views call (:func:`web.api.items_reply`,
:func:`web.api.item_reply`, the same parsers and collections), so its status, headers
and bytes are the views' (``tests/test_api_lean.py`` compares them URL by URL).
Everything else goes to Flask unchanged: other methods and parameters, HTML (by ``f``
or ``Accept``), requests with credentials (a session cookie, ``Authorization``), every
request while reading is private, and any request that fails (an unknown collection
or feature, a bad value: Flask answers the error the one way it always does).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from werkzeug.datastructures import ImmutableMultiDict, MIMEAccept
from werkzeug.http import parse_accept_header

from web.api import ITEM_TYPES, check_acceptable, item_reply, items_reply
from web.api_http import to_response
from web.api_query import parse_feature_query, parse_items_query
from web.api_store import collection_features
from web.cache import STATUS_200, carries_credentials
from web.limits import heavy_kind

EXTENSION = "innomap.lean"
#: The paths answered here: ids and collection names of plain characters only (a path
#: of any other character is decoded by Flask's rules, so it goes to Flask).
PATH = re.compile(r"/api/collections/([A-Za-z0-9_.-]{1,128})/items(?:/([A-Za-z0-9_.~-]{1,128}))?")
ITEMS_PARAMETERS = frozenset({"bbox", "limit", "offset", "f"})
ITEM_PARAMETERS = frozenset({"f"})


class LeanRequest:
    """What the API's reply functions read of a request, as Flask's request has it."""

    __slots__ = ("environ", "path", "args", "accept_mimetypes", "headers")

    def __init__(self, environ, path: str, args):
        accept = environ.get("HTTP_ACCEPT")
        self.environ, self.path, self.args = environ, path, args
        self.accept_mimetypes = parse_accept_header(accept, MIMEAccept)
        self.headers = {"Accept": accept}


class LeanReads:
    """The WSGI layer around ``wsgi_app`` (Flask's); see the module notes. ``before``
    are the app's own before-request steps that need no request (the store poll, the
    warm-ups); ``enabled`` False sends every request to Flask."""

    def __init__(self, app, wsgi_app, public, before=()):
        self.app, self.wsgi_app, self.public = app, wsgi_app, public
        self.before = tuple(before)
        self.enabled = True

    def __call__(self, environ, start_response):
        reply = self.reply(environ) if self.enabled else None
        if reply is None:
            return self.wsgi_app(environ, start_response)
        if reply.status == 200:  # werkzeug's Response would send these headers unchanged
            start_response(STATUS_200, reply.headers)
            return [reply.body]
        return to_response(reply)(environ, start_response)

    def reply(self, environ):
        """The ``web.api_http.Reply`` to a request answered here, None for Flask's."""
        if environ.get("REQUEST_METHOD") != "GET":
            return None
        found = PATH.fullmatch(environ.get("PATH_INFO", ""))
        if found is None or carries_credentials(self.app, environ) or not self.public(self.app):
            return None
        cid, fid = found.groups()
        args = _args(environ)
        if not set(args) <= (ITEM_PARAMETERS if fid else ITEMS_PARAMETERS):
            return None
        if fid is None and heavy_kind("api.items", args) is not None:
            return None  # the rate limiter counts it: Flask's
        for step in self.before:
            step()
        with self.app.app_context():
            try:
                return self._answer(LeanRequest(environ, found.group(0), args), cid, fid)
            except Exception:  # Flask meets the failure again and answers it its one way
                return None

    def _answer(self, req: LeanRequest, cid: str, fid: str | None):
        source = collection_features(cid, self.app)
        if fid is None:
            query, fmt = parse_items_query(req.args, source.table, req.accept_mimetypes)
            check_acceptable(req, ITEM_TYPES)
            return items_reply(req, source, query, fmt) if fmt == "json" else None
        query, fmt = parse_feature_query(req.args, source.table, req.accept_mimetypes)
        check_acceptable(req, ITEM_TYPES)
        found = source.item(fid) if fmt == "json" else None
        return None if found is None else item_reply(req, source, found, query, fmt)


def _args(environ) -> ImmutableMultiDict:
    """The query parameters as Flask's ``request.args`` reads them."""
    query = environ.get("QUERY_STRING", "").encode("latin-1").decode()
    return ImmutableMultiDict(parse_qsl(query, keep_blank_values=True,
                                        errors="werkzeug.url_quote"))


def install(app, public, before=()) -> LeanReads:
    """Put the lean read path directly around ``app.wsgi_app`` (call it before the other
    WSGI layers are installed) and return it; ``public(app)``: reading needs no user."""
    lean = LeanReads(app, app.wsgi_app, public, before)
    app.wsgi_app = lean
    app.extensions[EXTENSION] = lean
    return lean
