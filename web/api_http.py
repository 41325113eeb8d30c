"""HTTP side of the feature API: prepared tables, the response cache, ``respond``.

``respond`` turns a body into a :class:`Reply` with a strong ETag, ``If-None-Match`` →
304, ``Cache-Control``, ``Vary``, CORS and gzip when the client accepts it. ``cached``
looks a response up by host, query string and table versions before the request
is even parsed, and keeps the bodies that do not depend on a filter (bounded
LRU; a layer frame replaced at run time gets a new table version, so fresh
responses).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from flask import Response, current_app
from werkzeug.http import parse_accept_header

from geo.features import FeatureTable, Page
from web.api_docs import ITEM_PARAMETERS

CACHE_CONTROL = "public, max-age=60"
GZIP_MIN_BYTES = 1024
CACHE_MAX_ENTRIES = 512
CACHE_MAX_BYTES = 128 * 1024 * 1024  # per worker
CORS_HEADERS = (("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Expose-Headers", "ETag, Content-Crs, Link"))


@dataclass
class Entry:
    """One ready response body: its bytes, ETag and, once asked for, its gzip form.

    ``etag`` may be given as a content tag that identifies the body (see
    ``geo.features.Page``); otherwise it is the SHA-1 of the body.
    """

    body: bytes
    media_type: str
    headers: dict
    etag: str = ""
    gz: bytes | None = None

    def __post_init__(self):
        self.etag = f'"{self.etag}"' if self.etag else etag_of(self.body)

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


def state(app=None) -> ApiState:
    return (app or current_app).extensions[ApiState.KEY]


@dataclass
class Reply:
    """A ready answer: status, header list (Content-Type included) and body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def root_url(req) -> str:
    """Scheme, host and script root the client used, e.g. ``http://host:8000``."""
    env = req.environ
    host = env.get("HTTP_HOST") or f"{env['SERVER_NAME']}:{env['SERVER_PORT']}"
    return f"{env['wsgi.url_scheme']}://{host}{env.get('SCRIPT_NAME', '')}"


def absolute(req, path: str) -> str:
    """The absolute URL of ``path`` on the host the client used."""
    return root_url(req) + path


def etag_of(body: bytes) -> str:
    """A strong ETag from the body's content (SHA-1: fast, and no adversary picks bodies)."""
    return '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'


def cached(api: ApiState, req, key, build) -> Reply:
    """Answer a request whose response depends only on ``key``, the host and the query.

    The cache is looked up before the request is parsed; on a miss ``build()``
    validates the request and returns ``(body, media_type, headers, keep)``,
    and the body is kept for the next identical request only when ``keep``;
    ``body`` may be a ``geo.features.Page`` carrying its content tag.
    """
    full_key = (root_url(req), req.query_string, *key)
    entry = api.entries.get(full_key)
    if entry is None:
        body, media_type, headers, keep = build()
        if isinstance(body, Page):
            entry = Entry(body.body, media_type, headers, etag=body.tag or "")
        else:
            entry = Entry(body, media_type, headers)
        if keep:
            api.entries.put(full_key, entry)
    return respond(req, entry)


def respond(req, entry: Entry) -> Reply:
    """The answer for ``entry``: 304 when the client has it, gzip when accepted."""
    use_gzip = len(entry.body) >= GZIP_MIN_BYTES and _accepts_gzip(req)
    etag = entry.etag[:-1] + '-gzip"' if use_gzip else entry.etag
    headers = [*entry.headers.items(), ("ETag", etag), ("Cache-Control", CACHE_CONTROL),
               ("Vary", "Accept-Encoding"), *CORS_HEADERS]
    if _not_modified(req, etag):
        return Reply(304, headers, b"")
    body = entry.gzipped() if use_gzip else entry.body
    if use_gzip:
        headers.append(("Content-Encoding", "gzip"))
    headers += [("Content-Type", entry.media_type), ("Content-Length", str(len(body)))]
    return Reply(200, headers, body)


def to_response(reply: Reply) -> Response:
    """The Flask response of ``reply``."""
    return Response(reply.body, status=reply.status, headers=reply.headers)


def _accepts_gzip(req) -> bool:
    header = req.environ.get("HTTP_ACCEPT_ENCODING", "")
    return "gzip" in header and _gzip_quality(header) > 0


@functools.lru_cache(maxsize=64)
def _gzip_quality(header: str) -> float:
    return parse_accept_header(header)["gzip"]


def _not_modified(req, etag: str) -> bool:
    header = req.environ.get("HTTP_IF_NONE_MATCH", "")
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag in tags
