"""Errors that carry their HTTP meaning, and the one handler that renders them."""

from __future__ import annotations

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
                                      exc.description or exc.name)
        response = make_response(body, status)
        for name, value in exc.get_headers():  # e.g. Allow on a 405
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        return error_response(500, "ServerError", "内部错误：服务器未能完成请求。")
