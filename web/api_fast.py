"""Feature reads answered without Flask's per-request dispatch, with the same result.

Flask spends about 100 µs per request on contexts, URL matching, the session
and the hooks; for a cached GeoJSON page that is most of the work. This WSGI
wrapper answers ``GET`` requests for ``/api/collections/<id>/items`` and
``/api/collections/<id>/items/<fid>`` (JSON only) with the same functions the
Flask views call, and hands every other request to Flask untouched.

It answers only when every hook Flask would run for the request is known to do
nothing for it: each app-wide ``before_request`` function must be declared with
:func:`web.fast_read_hook` together with a check that says so (the auth guard:
reading is public; the store poll: not due yet), the API blueprint may have no
hooks but its CORS ``after_request``, and nothing else may be registered. A hook
added later without such a declaration turns the shortcut off. Errors (unknown
collection, bad parameter, …) and HTML pages are left to Flask, which renders
them; the answer to a request is never stale because the tables are looked up
in the catalog on every request, as the views do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus

from werkzeug.utils import cached_property
from werkzeug.wrappers import Request

from web import FAST_READ_HOOKS
from web.errors import ServiceError

PREFIX = "/api/collections/"
BLUEPRINT = "api"
STATUS_LINES = {code: f"{code} {HTTPStatus(code).phrase}" for code in (200, 304)}


@dataclass
class FastReads:
    """The WSGI wrapper: ``handlers`` are ``items(app, req, cid)`` and ``item(..., fid)``."""

    app: object
    wsgi_app: object
    handlers: dict
    allowed_after: tuple
    answered: int = field(default=0)

    def __call__(self, environ, start_response):
        reply = self.answer(environ)
        if reply is None:
            return self.wsgi_app(environ, start_response)
        self.answered += 1
        start_response(STATUS_LINES[reply.status], reply.headers)
        return [reply.body]

    def answer(self, environ):
        """The Reply for ``environ``, or None when Flask must answer it."""
        if environ.get("REQUEST_METHOD") != "GET" or not environ.get(
                "PATH_INFO", "").startswith(PREFIX):
            return None
        if not self.hooks_idle():
            return None
        req = FastRequest(environ)
        route = _route(req.path)
        if route is None or req.args.get("f", "json") != "json":
            return None
        name, params = route
        try:
            return self.handlers[name](self.app, req, *params)
        except ServiceError:
            return None  # Flask answers it again and renders the error

    def hooks_idle(self) -> bool:
        """True when every hook Flask would run for an API GET is known to do nothing."""
        app = self.app
        checks = app.extensions.get(FAST_READ_HOOKS, {})
        for hook in app.before_request_funcs.get(None, ()):
            check = checks.get(hook)
            if check is None or not check(app):
                return False
        if app.before_request_funcs.get(BLUEPRINT) or app.after_request_funcs.get(None):
            return False
        if app.config["SERVER_NAME"]:
            return False  # Flask would also check the Host header against it
        if tuple(app.after_request_funcs.get(BLUEPRINT, ())) != self.allowed_after:
            return False
        return not any(registry.get(key) for registry in (app.teardown_request_funcs,
                                                          app.url_value_preprocessors)
                       for key in (None, BLUEPRINT))

class FastRequest(Request):
    """A werkzeug Request whose ``args`` skip ``parse_qsl`` for plain query strings."""

    @cached_property
    def args(self):
        pairs = plain_pairs(self.environ.get("QUERY_STRING", ""))
        if pairs is None:
            return super().args
        return self.parameter_storage_class(pairs)


def plain_pairs(query: str) -> list[tuple[str, str]] | None:
    """The (name, value) pairs of an ASCII query string with nothing to decode (no
    ``%`` or ``+``), as ``parse_qsl(query, keep_blank_values=True)`` gives them;
    None for any other query string."""
    if not query.isascii() or "%" in query or "+" in query:
        return None
    pairs = []
    for part in query.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((name, value))
    return pairs


def install(app, handlers: dict, allowed_after=()) -> FastReads:
    """Put the fast reads in front of ``app.wsgi_app``; ``allowed_after`` are the
    API blueprint's ``after_request`` functions whose effect the handlers include."""
    fast = FastReads(app=app, wsgi_app=app.wsgi_app, handlers=handlers,
                     allowed_after=tuple(allowed_after))
    app.wsgi_app = fast
    return fast


def _route(path: str):
    """``("items", (cid,))`` or ``("item", (cid, fid))`` for an API path, else None."""
    parts = path[len(PREFIX):].split("/", 2)
    if len(parts) < 2 or not parts[0] or parts[1] != "items" or "//" in path:
        return None
    if len(parts) == 2:
        return "items", (parts[0],)
    fid = parts[2]
    if not fid or fid.startswith("/"):
        return None
    return "item", (parts[0], fid)
