"""HTTP side of the feature API: prepared tables, the response cache and ``send``.

``send`` turns body bytes into a response with a strong ETag, ``If-None-Match`` →
304, ``Cache-Control``, ``Vary`` and gzip when the client accepts it. ``cached``
does the same for bodies that depend only on the app's data and the request URL,
building each one once (bounded LRU, keyed on the table versions, so a layer
frame replaced at run time gets fresh responses).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from flask import Response, current_app, request

from geo.features import FeatureTable
from web import services
from web.api_docs import ITEM_PARAMETERS

JSON_TYPES = {"json": "application/json"}
CACHE_CONTROL = "public, max-age=60"
GZIP_MIN_BYTES = 1024
CACHE_MAX_ENTRIES = 512
CACHE_MAX_BYTES = 256 * 1024 * 1024


@dataclass
class Entry:
    """One ready response body: its bytes, ETag and, once asked for, its gzip form."""

    body: bytes
    media_type: str
    headers: dict
    etag: str = ""
    gz: bytes | None = None

    def __post_init__(self):
        self.etag = etag_of(self.body)

    def gzipped(self) -> bytes:
        if self.gz is None:
            self.gz = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self.gz


class LRU:
    """A bounded mapping, least recently used out first, limited in entries and bytes."""

    def __init__(self, max_entries: int = CACHE_MAX_ENTRIES, max_bytes: int = CACHE_MAX_BYTES):
        self.entries: OrderedDict = OrderedDict()
        self.size = 0
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key, entry) -> None:
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = entry
            self.size += len(entry.body)
            while self.entries and (len(self.entries) > self.max_entries
                                    or self.size > self.max_bytes):
                _, old = self.entries.popitem(last=False)
                self.size -= len(old.body)


@dataclass
class Replay:
    """A finished 200 response as the WSGI server saw it, and the frames it came from."""

    status: str
    headers: list
    body: bytes
    catalog: object
    frames: tuple

    def fresh(self, catalog) -> bool:
        frames = catalog.frames.values()
        return (catalog is self.catalog and len(frames) == len(self.frames)
                and all(a is b for a, b in zip(frames, self.frames)))


class FastPath:
    """WSGI middleware: answer a repeated cacheable GET from its recorded response.

    ``cached`` marks a response as replayable; this records it with the exact
    status and headers Flask sent (CORS, ETag, gzip included) under the host,
    path, query string and Accept-Encoding, and replays it while the catalog
    still holds the same frames. Conditional requests always go through Flask.
    """

    FLAG = "innomap.api.replayable"

    def __init__(self, wsgi_app, app):
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_IF_NONE_MATCH" in environ:
            return self.wsgi_app(environ, start_response)
        key = _replay_key(environ)
        api = self.app.extensions[ApiState.KEY]
        hit = api.replays.get(key)
        if hit is not None and hit.fresh(services(self.app).catalog):
            start_response(hit.status, list(hit.headers))
            return [hit.body]
        seen = {}

        def capture(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, list(headers)
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, capture)
        marked = environ.get(self.FLAG)
        if marked is None or not seen.get("status", "").startswith("200"):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        api.replays.put(key, Replay(seen["status"], seen["headers"], body, *marked))
        return [body]


def _replay_key(environ) -> tuple:
    return (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"),
            environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO"),
            environ.get("QUERY_STRING", ""), environ.get("HTTP_ACCEPT_ENCODING", ""))


@dataclass
class ApiState:
    """Per-app state of the API: one FeatureTable per layer frame, the response caches."""

    KEY = "innomap.api"
    tables: dict = field(default_factory=dict)
    entries: LRU = field(default_factory=LRU)
    replays: LRU = field(default_factory=LRU)

    def table(self, layer, frame) -> FeatureTable:
        """The prepared table of ``frame``, rebuilt when the catalog holds a new frame."""
        current = self.tables.get(layer.id)
        if current is None or current.frame is not frame:
            names = [n for n in layer.queryables(frame)
                     if n in frame.columns and n != frame.geometry.name
                     and n not in ITEM_PARAMETERS]
            current = FeatureTable(frame=frame, id_field=layer.id_field,
                                   queryable_names=names)
            self.tables[layer.id] = current
        return current


def state() -> ApiState:
    return current_app.extensions[ApiState.KEY]


def root_url() -> str:
    """Scheme, host and script root the client used, e.g. ``http://host:8000``."""
    env = request.environ
    host = env.get("HTTP_HOST") or f"{env['SERVER_NAME']}:{env['SERVER_PORT']}"
    return f"{env['wsgi.url_scheme']}://{host}{env.get('SCRIPT_NAME', '')}"


def absolute(path: str) -> str:
    """The absolute URL of ``path`` on the host the client used."""
    return root_url() + path


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def cached(key, build, media_type: str, headers: dict | None = None) -> Response:
    """Send the body ``build()`` makes, building it once per key and request host."""
    full_key = (root_url(), *key)
    api = state()
    entry = api.entries.get(full_key)
    if entry is None:
        entry = Entry(build(), media_type, headers or {})
        api.entries.put(full_key, entry)
    catalog = services().catalog
    request.environ[FastPath.FLAG] = (catalog, tuple(catalog.frames.values()))
    return respond(entry)


def send(body: bytes, media_type: str, headers: dict | None = None) -> Response:
    """Send ``body`` with an ETag computed now (not cached)."""
    return respond(Entry(body, media_type, headers or {}))


def respond(entry: Entry) -> Response:
    use_gzip = len(entry.body) >= GZIP_MIN_BYTES and _accepts_gzip()
    etag = entry.etag[:-1] + '-gzip"' if use_gzip else entry.etag
    headers = {**entry.headers, "ETag": etag, "Cache-Control": CACHE_CONTROL,
               "Vary": "Accept-Encoding"}
    if _not_modified(etag):
        return Response(status=304, headers=headers)
    if use_gzip:
        headers["Content-Encoding"] = "gzip"
        return Response(entry.gzipped(), headers=headers, content_type=entry.media_type)
    return Response(entry.body, headers=headers, content_type=entry.media_type)


def _accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def _not_modified(etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag in tags
