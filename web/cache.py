"""A response cache in front of the Flask app: public GETs answered from memory.

Every cacheable public ``GET`` — the feature API under ``/api/``, the map pages
under ``/maps/``, the exports under ``/export/``, the monitoring pages (``/targets``,
``/regions/``, ``/plans/``) and the vendor bundles under ``/vendor/`` — is answered
from a bounded
LRU of finished responses without entering Flask when the same request was
answered before with the same data. The key is the normalised URL (host, path,
query pairs sorted) and the negotiated variant (``Accept``, whether gzip is
accepted); an entry is valid only for the catalog generation it was built from
(``layers.Catalog.generation``, bumped by every refresh), so a refresh or an
import makes every older entry a miss at once.

What is never served from here: anything but GET, requests that carry
credentials (a session cookie or an ``Authorization`` header), every request
when reading is private (``public_read`` off), responses other than 200 and
responses that set a cookie or say ``no-store``/``private``. A hit honours
``If-None-Match`` (304); responses without an ETag get one (SHA-1 of the body).

gzip is one rule for every answer (:func:`accepts_gzip`, :data:`GZIP_MIN_BYTES`; the
API's own replies in ``web.api_http`` use the same): a kept text answer (HTML,
JavaScript, CSS, JSON, SVG) of at least 1 KiB not already encoded is stored gzipped
for clients that accept gzip, with ``Vary: Accept-Encoding`` and its own ETag.

Before a lookup the cache runs the app's refreshers (``Services.refresh``: e.g.
the store poll that follows imports made by other workers), the same ones Flask
runs before every request, so an answer from here is as fresh as one from Flask.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from http import HTTPStatus

from werkzeug.http import parse_accept_header

PREFIXES = ("/api/", "/maps/", "/export/", "/targets", "/regions/", "/plans/", "/vendor/")
GZIP_MIN_BYTES = 1024
_TEXT_TYPES = ("text/", "application/javascript", "application/json", "application/geo+json",
               "application/problem+json", "image/svg+xml", "application/xml")
MAX_ENTRIES = 1024
MAX_BYTES = 128 * 1024 * 1024  # per worker
MAX_ENTRY_BYTES = 16 * 1024 * 1024
_NOT_KEPT = ("no-store", "private", "no-cache")
STATUS_200 = f"200 {HTTPStatus(200).phrase}"
STATUS_304 = f"304 {HTTPStatus(304).phrase}"
# Headers a 304 repeats (RFC 9110 §15.4.5); the body's own headers are left out.
_304_HEADERS = frozenset({"etag", "cache-control", "vary", "content-location", "expires",
                          "access-control-allow-origin", "access-control-expose-headers"})


@dataclass
class Entry:
    """One finished response: its headers (ETag included), body and catalog generation."""

    headers: list[tuple[str, str]]
    body: bytes
    etag: str
    generation: int


@dataclass
class ResponseCache:
    """The WSGI wrapper around ``app.wsgi_app``; see the module notes."""

    app: object
    wsgi_app: object
    public: object  # public(app) -> bool: reading needs no user
    prefixes: tuple = PREFIXES
    max_entries: int = MAX_ENTRIES
    max_bytes: int = MAX_BYTES
    hits: int = 0
    misses: int = 0
    entries: OrderedDict = field(default_factory=OrderedDict)
    size: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ, start_response):
        key = self.key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        services = self.app.extensions["innomap"]
        services.refresh(self.app)
        generation = services.catalog.generation
        entry = self.get(key, generation)
        if entry is not None:
            self.hits += 1
            return _answer(entry, environ, start_response)
        self.misses += 1
        return self.fill(key, generation, environ, start_response)

    def key(self, environ) -> tuple | None:
        """The cache key of a request, or None when it must go to Flask."""
        if environ.get("REQUEST_METHOD") != "GET":
            return None
        path = environ.get("PATH_INFO", "")
        if not path.startswith(self.prefixes):
            return None
        if carries_credentials(self.app, environ):
            return None
        if not self.public(self.app):
            return None
        query = environ.get("QUERY_STRING", "")
        pairs = tuple(sorted(query.split("&"))) if query else ()
        return (environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""),
                environ.get("wsgi.url_scheme", "http"), environ.get("SCRIPT_NAME", ""),
                path, pairs, environ.get("HTTP_ACCEPT", ""), accepts_gzip(environ))

    def get(self, key, generation: int) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry.generation != generation:
                self._drop(key)
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key, entry: Entry) -> None:
        with self.lock:
            if key in self.entries:
                self._drop(key)
            self.entries[key] = entry
            self.size += len(entry.body)
            while self.entries and (len(self.entries) > self.max_entries
                                    or self.size > self.max_bytes):
                self._drop(next(iter(self.entries)))

    def _drop(self, key) -> None:
        self.size -= len(self.entries.pop(key).body)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.size = 0

    def fill(self, key, generation, environ, start_response):
        """Run Flask for a miss; keep the response when it may be kept."""
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None  # the body is read from the iterable below

        # Flask answers the full request; its conditional 304 is redone from the entry.
        inner = {k: v for k, v in environ.items() if k != "HTTP_IF_NONE_MATCH"}
        result = self.wsgi_app(inner, capture)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status, headers = captured["status"], captured["headers"]
        if not _keepable(status, headers, body):
            start_response(status, headers)
            return [body]
        entry = _entry(headers, body, generation, zipped=key[-1])
        self.put(key, entry)
        return _answer(entry, environ, start_response)


def carries_credentials(app, environ) -> bool:
    """Whether a request may be a user's: an ``Authorization`` header or ``app``'s session
    cookie (such requests are Flask's: the answer may depend on who asks)."""
    cookie = environ.get("HTTP_COOKIE", "")
    return bool(environ.get("HTTP_AUTHORIZATION")) or (
        bool(cookie) and app.config["SESSION_COOKIE_NAME"] + "=" in cookie)


def _keepable(status: str, headers, body: bytes) -> bool:
    if not status.startswith("200") or len(body) > MAX_ENTRY_BYTES:
        return False
    for name, value in headers:
        lower = name.lower()
        if lower == "set-cookie":
            return False
        if lower == "cache-control" and any(word in value for word in _NOT_KEPT):
            return False
    return True


def accepts_gzip(environ) -> bool:
    """Whether the request accepts a gzip body (``Accept-Encoding`` with gzip, q > 0)."""
    header = environ.get("HTTP_ACCEPT_ENCODING", "")
    return "gzip" in header and _gzip_quality(header) > 0


@functools.lru_cache(maxsize=64)
def _gzip_quality(header: str) -> float:
    return parse_accept_header(header)["gzip"]


def _compressible(headers, body: bytes) -> bool:
    """A text body of at least GZIP_MIN_BYTES that no one encoded yet."""
    names = {k.lower(): v for k, v in headers}
    kind = names.get("content-type", "")
    return (len(body) >= GZIP_MIN_BYTES and "content-encoding" not in names
            and kind.startswith(_TEXT_TYPES))


def _entry(headers, body: bytes, generation: int, zipped: bool = False) -> Entry:
    etag = next((v for k, v in headers if k.lower() == "etag"), None)
    if etag is None:
        etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'
    if zipped and _compressible(headers, body):
        body = gzip.compress(body, compresslevel=6, mtime=0)
        etag = etag[:-1] + '-gzip"'
        vary = next((v for k, v in headers if k.lower() == "vary"), "")
        headers = [(k, v) for k, v in headers
                   if k.lower() not in ("content-length", "etag", "vary")]
        headers += [("Content-Encoding", "gzip"), ("Content-Length", str(len(body))),
                    ("Vary", ", ".join(filter(None, [vary, "Accept-Encoding"])))]
    headers = [(k, v) for k, v in headers if k.lower() != "etag"] + [("ETag", etag)]
    return Entry(headers=list(headers), body=body, etag=etag, generation=generation)


def _answer(entry: Entry, environ, start_response):
    if _not_modified(environ.get("HTTP_IF_NONE_MATCH", ""), entry.etag):
        start_response(STATUS_304, [(k, v) for k, v in entry.headers
                                    if k.lower() in _304_HEADERS])
        return [b""]
    start_response(STATUS_200, entry.headers)
    return [entry.body]


def _not_modified(header: str, etag: str) -> bool:
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


def install(app, public, prefixes=PREFIXES) -> ResponseCache:
    """Put the response cache in front of ``app.wsgi_app`` and return it; ``public(app)``
    tells whether reading is public (the cache is bypassed while it is not)."""
    cache = ResponseCache(app=app, wsgi_app=app.wsgi_app, public=public,
                          prefixes=tuple(prefixes))
    app.wsgi_app = cache
    return cache
