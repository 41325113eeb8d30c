"""HTTP side of the feature API: prepared tables, the response cache, ``respond``.

``respond`` turns a body into a response with a strong ETag, ``If-None-Match`` →
304, ``Cache-Control``, ``Vary`` and gzip when the client accepts it. ``cached``
looks a response up by host, query string and table versions before the request
is even parsed, and keeps the bodies that do not depend on a filter (bounded
LRU; a layer frame replaced at run time gets a new table version, so fresh
responses).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from flask import Response, current_app, request

from geo.features import FeatureTable
from web.api_docs import ITEM_PARAMETERS

CACHE_CONTROL = "public, max-age=60"
GZIP_MIN_BYTES = 1024
CACHE_MAX_ENTRIES = 512
CACHE_MAX_BYTES = 128 * 1024 * 1024  # per worker


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
class ApiState:
    """Per-app state of the API: one FeatureTable per layer frame, the response caches."""

    KEY = "innomap.api"
    tables: dict = field(default_factory=dict)
    entries: LRU = field(default_factory=LRU)

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


def cached(key, build) -> Response:
    """Send a response that depends only on ``key``, the host and the query string.

    The cache is looked up before the request is parsed; on a miss ``build()``
    validates the request and returns ``(body, media_type, headers, keep)``,
    and the body is kept for the next identical request only when ``keep``.
    """
    full_key = (root_url(), request.query_string, *key)
    api = state()
    entry = api.entries.get(full_key)
    if entry is None:
        body, media_type, headers, keep = build()
        entry = Entry(body, media_type, headers)
        if keep:
            api.entries.put(full_key, entry)
    return respond(entry)


def respond(entry: Entry) -> Response:
    """The response for ``entry``: 304 when the client has it, gzip when accepted."""
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
    header = request.environ.get("HTTP_ACCEPT_ENCODING", "")
    return "gzip" in header and request.accept_encodings["gzip"] > 0


def _not_modified(etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag in tags
