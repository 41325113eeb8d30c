"""Errors that carry their HTTP meaning, and the one handler that renders them."""

from __future__ import annotations

import errno

from flask import Flask, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from geo.features import QueryError
from geo.tiles import TileError
from mapcore.errors import InvalidChoice, MapError, UnknownMap


class ServiceError(Exception):
    """Base of all errors shown to clients: ``http_status`` and an OGC-style code."""

    http_status = 500
    code = "ServerError"

    def __init__(self, description: str):
        super().__init__(description)
        self.description = description


class InvalidParameter(ServiceError):
    http_status = 400
    code = "InvalidParameterValue"


class NotFound(ServiceError):
    http_status = 404
    code = "NotFound"


class Unauthorized(ServiceError):
    http_status = 401
    code = "Unauthorized"


class Forbidden(ServiceError):
    http_status = 403
    code = "Forbidden"


class NotAcceptable(ServiceError):
    http_status = 406
    code = "NotAcceptable"


class Conflict(ServiceError):
    http_status = 409
    code = "Conflict"


class PayloadTooLarge(ServiceError):
    http_status = 413
    code = "PayloadTooLarge"


class TooManyRequests(ServiceError):
    """Too many failed attempts from one client; ``retry_after`` seconds until the next."""

    http_status = 429
    code = "TooManyRequests"

    def __init__(self, description: str, retry_after: int):
        super().__init__(description)
        self.retry_after = max(1, int(retry_after))


class InsufficientStorage(ServiceError):
    """The server's disk (or the store's) is full: nothing of the request was kept."""

    http_status = 507
    code = "InsufficientStorage"


DISK_FULL = ("服务器磁盘已满：本次请求的数据未能写入，已有数据没有任何改动。"
             "请联系管理员清理磁盘空间后重试。")
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
SQLITE_FULL = 13
POSTGRES_DISK_FULL = "53100"


def disk_full(exc: BaseException | None) -> bool:
    """True when ``exc`` or an error it came from says the disk is full: an OSError
    (ENOSPC, EDQUOT), SQLite's SQLITE_FULL or PostgreSQL's disk_full (53100)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
            return True
        if getattr(exc, "sqlite_errorcode", None) == SQLITE_FULL \
                or getattr(exc, "sqlstate", None) == POSTGRES_DISK_FULL:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def wants_json() -> bool:
    """True when the client should get JSON rather than an HTML error page."""
    if request.args.get("f") in ("json", "html"):
        return request.args.get("f") == "json"
    if request.path.startswith("/api"):  # JSON unless the client ranks HTML first
        best = request.accept_mimetypes.best_match(["application/json", "text/html"])
        return best != "text/html"
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(status: int, code: str, description: str):
    """A JSON ``{code, description}`` body or a Chinese HTML page, by negotiation."""
    if wants_json():
        return jsonify({"code": code, "description": description}), status
    return render_template("pages/error.html", status=status, code=code,
                           description=description), status


# Domain errors of the core packages and the HTTP errors they are answered with: the one
# place where a core error becomes a status (Flask picks the most specific class).
DOMAIN_ERRORS = {MapError: InvalidParameter, UnknownMap: NotFound, InvalidChoice: InvalidParameter,
                 QueryError: InvalidParameter, TileError: NotFound}


# What werkzeug's own HTTP errors say, in the UI's language. An error raised with its own
# description keeps it; only werkzeug's English default is replaced.
HTTP_DESCRIPTIONS = {
    400: "请求无效：请检查地址和参数。",
    401: "需要登录后才能访问。",
    403: "没有访问此页面的权限。",
    404: "找不到该页面：请检查地址是否正确，或从首页进入。",
    405: "此地址不接受这种请求方式。",
    406: "无法提供所请求的格式。",
    408: "请求超时，请重试。",
    413: "提交的内容过大。",
    414: "地址过长。",
    415: "不支持所提交内容的格式。",
    429: "请求过于频繁，请稍后再试。",
    431: "请求头过大。",
    500: "内部错误：服务器未能完成请求。",
    503: "服务暂时不可用，请稍后再试。",
}


def http_description(exc: HTTPException) -> str:
    """The description of an HTTP error for users: its own, or a Chinese one where it
    only has werkzeug's default English text."""
    own = exc.description
    if own and own != type(exc).description:
        return own
    return HTTP_DESCRIPTIONS.get(exc.code or 500, own or exc.name)


def _domain_handler(kind: type[ServiceError]):
    def handle(exc: Exception):
        return error_response(kind.http_status, kind.code,
                              getattr(exc, "description", None) or str(exc))

    return handle


def register_error_handlers(app: Flask) -> None:
    """Turn ServiceError, the core's domain errors and every HTTP error into a proper
    response; never a bare 500."""

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        body, status = error_response(exc.http_status, exc.code, exc.description)
        retry_after = getattr(exc, "retry_after", None)  # busy or throttled: ask again then
        return body, status, ({"Retry-After": str(retry_after)} if retry_after else {})

    for domain, kind in DOMAIN_ERRORS.items():
        app.register_error_handler(domain, _domain_handler(kind))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        body, status = error_response(exc.code or 500, exc.name.replace(" ", ""),
                                      http_description(exc))
        response = make_response(body, status)
        for name, value in exc.get_headers():  # e.g. Allow on a 405
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if disk_full(exc):  # a clear answer, and the operator's log says what to do
            app.logger.error("disk full on %s: %s", request.path, exc)
            return _service_error(InsufficientStorage(DISK_FULL))
        app.logger.exception("unhandled error on %s", request.path)
        return error_response(500, "ServerError", "内部错误：服务器未能完成请求。")
