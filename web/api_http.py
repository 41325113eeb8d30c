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


@dataclass
class ApiState:
    """Per-app state of the API: one FeatureTable per layer frame, the response cache."""

    KEY = "innomap.api"
    tables: dict = field(default_factory=dict)
    entries: OrderedDict = field(default_factory=OrderedDict)
    size: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

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

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key, entry: Entry) -> None:
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = entry
            self.size += len(entry.body)
            while self.entries and (len(self.entries) > CACHE_MAX_ENTRIES
                                    or self.size > CACHE_MAX_BYTES):
                _, old = self.entries.popitem(last=False)
                self.size -= len(old.body)


def state() -> ApiState:
    return current_app.extensions[ApiState.KEY]


def absolute(path: str) -> str:
    """The absolute URL of ``path`` on the host the client used."""
    return request.host_url.rstrip("/") + request.script_root + path


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def cached(key, build, media_type: str, headers: dict | None = None) -> Response:
    """Send the body ``build()`` makes, building it once per key and request host."""
    full_key = (request.host_url, request.script_root, *key)
    api = state()
    entry = api.get(full_key)
    if entry is None:
        entry = Entry(build(), media_type, headers or {})
        api.put(full_key, entry)
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
