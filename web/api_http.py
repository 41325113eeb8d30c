"""HTTP side of the feature API: prepared tables and ``respond``.

``respond`` turns a body into a :class:`Reply` with a strong ETag, ``If-None-Match`` →
304, ``Cache-Control``, ``Vary``, CORS and gzip when the client accepts it. Finished
responses are kept by the app-wide response cache (:mod:`web.cache`), not here.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass, field

from flask import Response, current_app

from geo.features import FeatureTable
from web.api_docs import ITEM_PARAMETERS, REL_QUERYABLES
from web.cache import GZIP_MIN_BYTES, accepts_gzip
from web.errors import NotAcceptable

CACHE_CONTROL = "public, max-age=60"
TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: Relations also sent as ``Link`` headers (RFC 8288): what HTTP-level clients follow.
LINK_HEADER_RELS = ("self", "alternate", "next", "prev", REL_QUERYABLES)
CORS_HEADERS = (("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Expose-Headers", "ETag, Content-Crs, Link"))
# What a browser script may send: a preflight (OPTIONS) answer carries these.
PREFLIGHT_HEADERS = (("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"),
                     ("Access-Control-Allow-Headers",
                      "Accept, Accept-Language, Content-Type, If-None-Match, If-Modified-Since"),
                     ("Access-Control-Max-Age", "86400"))


@dataclass
class Entry:
    """One ready response body: its bytes, ETag and, once asked for, its gzip form.

    ``etag`` may be given as a content tag that identifies the body (see
    ``geo.features.FeaturePage``); otherwise it is the SHA-1 of the body.
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


@dataclass
class ApiState:
    """Per-app state of the API: its collections and one FeatureTable per collection.

    ``collections`` maps a collection id to (layer, ``layers.base.Collection``);
    ``sources`` keeps each collection's ``web.api_store.CollectionFeatures``.
    """

    KEY = "innomap.api"
    collections: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)

    def follow(self, catalog) -> None:
        """Serve the collections of ``catalog``'s layers (a published plan adds its task
        layer, a rollback removes it); prepared tables are made again on first use."""
        self.collections = {coll.id: (layer, coll) for layer in catalog.layers.values()
                            for coll in layer.collections()}
        self.tables, self.sources = {}, {}

    def table(self, cid: str, frame) -> FeatureTable:
        """The prepared table of collection ``cid``, rebuilt when the catalog holds a
        new frame of its layer."""
        current = self.tables.get(cid)
        if current is None or current.source is not frame:
            layer, coll = self.collections[cid]
            shaped = coll.frame(frame)
            names = [n for n in layer.queryables(shaped)
                     if n in shaped.columns and n != shaped.geometry.name
                     and n not in ITEM_PARAMETERS]
            current = FeatureTable(frame=shaped, id_field=layer.id_field,
                                   queryable_names=names, year_field=layer.year_field,
                                   year=layer.year)
            current.source = frame
            self.tables[cid] = current
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


def respond(req, entry: Entry) -> Reply:
    """The answer for ``entry``: 304 when the client has it, gzip when accepted."""
    use_gzip = len(entry.body) >= GZIP_MIN_BYTES and accepts_gzip(req.environ)
    etag = entry.etag[:-1] + '-gzip"' if use_gzip else entry.etag
    headers = [*entry.headers.items(), ("ETag", etag), ("Cache-Control", CACHE_CONTROL),
               ("Vary", "Accept, Accept-Encoding"), *CORS_HEADERS]
    if _not_modified(req, etag):
        return Reply(304, headers, b"")
    body = entry.gzipped() if use_gzip else entry.body
    if use_gzip:
        headers.append(("Content-Encoding", "gzip"))
    headers += [("Content-Type", entry.media_type), ("Content-Length", str(len(body)))]
    return Reply(200, headers, body)


def link_header(links: list[dict]) -> str:
    """The HTTP ``Link`` header (RFC 8288) of the links of :data:`LINK_HEADER_RELS`,
    which HTTP-level clients read without the body."""
    return ", ".join(f'<{link["href"]}>; rel={_param(link["rel"])}; type="{link["type"]}"'
                     for link in links if link["rel"] in LINK_HEADER_RELS)


def _param(value: str) -> str:
    """A link parameter's value: bare when it is a token (``self``), else quoted (a URI
    relation type is not a token in RFC 8288's grammar)."""
    return value if TOKEN.fullmatch(value) else f'"{value}"'



def negotiated(req, offered) -> str:
    """The media type of ``offered`` the request's ``Accept`` prefers (the first when it
    sends none); NotAcceptable (406) when it accepts none of them."""
    accept = req.accept_mimetypes
    if not accept:
        return offered[0]
    best = accept.best_match(offered)
    if best is None:
        raise NotAcceptable(f"无法提供 Accept 所要求的格式（{req.headers.get('Accept')}）；"
                            f"可用：{', '.join(offered)}（或用 f 参数选择）")
    return best


def to_response(reply: Reply) -> Response:
    """The Flask response of ``reply``."""
    return Response(reply.body, status=reply.status, headers=reply.headers)


def _not_modified(req, etag: str) -> bool:
    header = req.environ.get("HTTP_IF_NONE_MATCH", "")
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag in tags
