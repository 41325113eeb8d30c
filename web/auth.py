"""Who may write: operator-configured tokens, login sessions and CSRF protection.

The operator lists ``name:token`` pairs in the ``admin_tokens`` setting
(``INNOMAP_ADMIN_TOKENS``). A program sends ``Authorization: Bearer <token>``;
a person signs in once at ``/admin/login`` with the token and gets a signed
session cookie, and every form they post carries a CSRF token.

The policy is global: any request that is not GET/HEAD/OPTIONS needs an
authenticated user unless its view is marked with :func:`public_write` (only the
login form is). Reading is public unless the ``public_read`` setting is off,
in which case every page but the health check and the login needs a user.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Flask, current_app, g, request, session

from web.errors import Forbidden, PayloadTooLarge, Unauthorized

EXTENSION = "innomap.auth"
SESSION_USER = "innomap_user"
SESSION_CSRF = "innomap_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALWAYS_READABLE = frozenset({"pages.healthz", "admin.login", "static"})
MIN_TOKEN_CHARS = 16
FORM_OVERHEAD_BYTES = 1024 * 1024


def parse_tokens(text: str) -> dict[str, str]:
    """``"alice:tok1,bob:tok2"`` → ``{token: user}``; ValueError naming a bad entry."""
    tokens: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in (text or "").split(","))):
        user, sep, token = entry.partition(":")
        user, token = user.strip(), token.strip()
        if not sep or not user or not token:
            raise ValueError("admin_tokens: each entry must be name:token")
        if len(token) < MIN_TOKEN_CHARS:
            raise ValueError(f"admin_tokens: the token of {user!r} is shorter than "
                             f"{MIN_TOKEN_CHARS} characters")
        if token in tokens:
            raise ValueError(f"admin_tokens: {user!r} reuses another user's token")
        tokens[token] = user
    return tokens


def public_write(view):
    """Mark a view that accepts writes from anonymous clients (the login form)."""
    view.public_write = True
    return view


def init_app(app: Flask, settings) -> None:
    """Install the tokens, the session key and the request guard on ``app``."""
    tokens = parse_tokens(settings.admin_tokens)
    app.extensions[EXTENSION] = {"tokens": tokens, "users": set(tokens.values()),
                                 "public_read": settings.public_read}
    app.secret_key = settings.secret_key or _derived_key(settings.admin_tokens)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      MAX_CONTENT_LENGTH=settings.import_max_bytes + FORM_OVERHEAD_BYTES)
    app.before_request(_guard)
    app.context_processor(lambda: {"csrf_token": csrf_token, "current_user": current_user})


def reading_is_public(app: Flask) -> bool:
    """True unless the ``public_read`` setting is off (then every read needs a user)."""
    return app.extensions.get(EXTENSION, {}).get("public_read", True)


def _derived_key(admin_tokens: str) -> str:
    """A stable session key from the secret tokens (same in every worker), else random."""
    if not admin_tokens:
        return secrets.token_hex(32)
    return hmac.new(admin_tokens.encode(), b"innomap session cookie", hashlib.sha256).hexdigest()


def _config() -> dict:
    return current_app.extensions[EXTENSION]


def bearer_user() -> str | None:
    """The user whose token is in the Authorization header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token_user(token.strip())


def token_user(token: str) -> str | None:
    """The user a token belongs to (constant-time comparison), or None."""
    found = None
    for known, user in _config()["tokens"].items():
        if hmac.compare_digest(known.encode(), token.encode()):
            found = user
    return found


def current_user() -> str | None:
    """The authenticated user of this request: bearer token first, then the session."""
    user = bearer_user()
    if user is not None:
        return user
    user = session.get(SESSION_USER)
    return user if user in _config()["users"] else None


def csrf_token() -> str:
    """This session's CSRF token, created on first use; forms put it in ``csrf_token``."""
    if SESSION_CSRF not in session:
        session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return session[SESSION_CSRF]


def check_csrf() -> None:
    """Forbidden unless the posted form field or header matches the session's token."""
    expected = session.get(SESSION_CSRF)
    given = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(str(expected), str(given)):
        raise Forbidden("表单校验（CSRF）失败：请刷新页面后重试")


def _guard():
    if request.routing_exception is not None:
        return None  # no view will run: let routing answer 404 / 405
    view = current_app.view_functions.get(request.endpoint)
    if request.method in SAFE_METHODS:
        if not _config()["public_read"] and request.endpoint not in ALWAYS_READABLE \
                and current_user() is None:
            raise Unauthorized("此服务需要登录后才能查看：请在 /admin/login 登录或提供令牌")
        return None
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"请求过大：{request.content_length:,} 字节，上限 {limit:,} 字节")
    if getattr(view, "public_write", False):
        check_csrf()
        return None
    if bearer_user() is not None:
        g.user = bearer_user()
        return None  # a token in a header cannot be sent by a cross-site form
    user = current_user()
    if user is None:
        raise Unauthorized("写操作需要身份验证：请登录 /admin/login，或在请求头提供 "
                           "Authorization: Bearer <令牌>")
    check_csrf()
    g.user = user
    return None
