"""Who may write: operator-configured tokens, login sessions and CSRF protection.

The operator lists ``name:token`` pairs in the ``admin_tokens`` setting
(``INNOMAP_ADMIN_TOKENS``). A program sends ``Authorization: Bearer <token>``;
a person signs in once at ``/admin/login`` with the token and gets a signed
session cookie, and every form they post carries a CSRF token.

Signing out ends every session of that user (a per-user generation kept in the
store, checked on each request); a session also ends after the
``session_lifetime_minutes`` setting. Wrong tokens, at the login form or in a
Bearer header, count against the attempt: the client's address and the token it
sends (``web.throttle``); after a few, that pair is answered 429 with
``Retry-After`` until its lock-out ends, while the right token from the same
address still signs in.

The policy is global: any request that is not GET/HEAD/OPTIONS needs an
authenticated user unless its view is marked with :func:`public_write` (only the
login form is). Reading is public unless the ``public_read`` setting is off,
in which case every page but the health check and the login needs a user.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import Flask, Request, current_app, g, request, session

from web.errors import Forbidden, PayloadTooLarge, TooManyRequests, Unauthorized
from web.serving import allow_body
from web.throttle import FailureThrottle

EXTENSION = "innomap.auth"
SESSION_USER = "innomap_user"
SESSION_CSRF = "innomap_csrf"
SESSION_GENERATION = "innomap_generation"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALWAYS_READABLE = frozenset({"pages.healthz", "admin.login", "static"})
MIN_TOKEN_CHARS = 20
MIN_TOKEN_DISTINCT = 10
MIN_TOKEN_BITS = 100
FORM_OVERHEAD_BYTES = 1024 * 1024


def parse_tokens(text: str) -> dict[str, str]:
    """``"alice:tok1,bob:tok2"`` → ``{token: user}``; ValueError naming a bad entry."""
    tokens: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in (text or "").split(","))):
        user, sep, token = entry.partition(":")
        user, token = user.strip(), token.strip()
        if not sep or not user or not token:
            raise ValueError("admin_tokens: each entry must be name:token")
        weakness = token_weakness(token)
        if weakness:
            raise ValueError(f"admin_tokens: the token of {user!r} is too weak ({weakness}); "
                             "make one with: python -c 'import secrets; "
                             "print(secrets.token_urlsafe(32))'")
        if token in tokens:
            raise ValueError(f"admin_tokens: {user!r} reuses another user's token")
        tokens[token] = user
    return tokens


def token_weakness(token: str) -> str:
    """Why ``token`` is too weak to guard writes ("" when strong enough).

    At least ``MIN_TOKEN_CHARS`` characters, ``MIN_TOKEN_DISTINCT`` different
    ones, and ``MIN_TOKEN_BITS`` bits by the size of the alphabets it draws from
    (lower case, upper case, digits, other printable ASCII; anything else counts
    as printable ASCII). ``secrets.token_urlsafe(32)`` gives about 250.
    """
    if len(token) < MIN_TOKEN_CHARS:
        return f"shorter than {MIN_TOKEN_CHARS} characters"
    if len(set(token)) < MIN_TOKEN_DISTINCT:
        return f"fewer than {MIN_TOKEN_DISTINCT} different characters"
    pools = [(str.islower, 26), (str.isupper, 26), (str.isdigit, 10)]
    alphabet = sum(size for test, size in pools if any(c.isascii() and test(c) for c in token))
    if any(not (c.isascii() and c.isalnum()) for c in token):
        alphabet += 32
    bits = len(token) * math.log2(alphabet)
    if bits < MIN_TOKEN_BITS:
        return f"about {bits:.0f} bits, fewer than {MIN_TOKEN_BITS}"
    return ""


def public_write(view):
    """Mark a view that accepts writes from anonymous clients (the login form)."""
    view.public_write = True
    return view


def large_upload(limit: Callable[[], int], folder: Callable[[], Path]):
    """Mark a view that takes a body of up to ``limit()`` bytes (plus the form's overhead)
    instead of ``MAX_CONTENT_LENGTH``, its file parts spooled to disk in ``folder()``
    (never held in memory; the spool file goes when the request ends)."""
    def mark(view):
        view.upload_limit, view.upload_folder = limit, folder
        return view
    return mark


class SpoolingRequest(Request):
    """A request whose uploaded files go to ``spool_folder`` when a view set one."""

    spool_folder: Path | None = None

    def _get_file_stream(self, total_content_length, content_type, filename=None,
                         content_length=None):
        if self.spool_folder is None:
            return super()._get_file_stream(total_content_length, content_type, filename,
                                            content_length)
        self.spool_folder.mkdir(parents=True, exist_ok=True)
        return tempfile.NamedTemporaryFile("w+b", dir=self.spool_folder, prefix="upload-",
                                           suffix=".part")


def init_app(app: Flask, settings, sessions) -> None:
    """Install the tokens, the session key and the request guard on ``app``.

    ``sessions`` keeps the sign-in generations (``session_generation(user)``,
    ``revoke_sessions(user)``): the store, shared by every worker and host.
    """
    tokens = parse_tokens(settings.admin_tokens)
    app.extensions[EXTENSION] = {"tokens": tokens, "users": set(tokens.values()),
                                 "public_read": settings.public_read, "sessions": sessions,
                                 "throttle": FailureThrottle()}
    app.secret_key = settings.secret_key or _derived_key(settings.admin_tokens)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      MAX_CONTENT_LENGTH=settings.import_max_bytes + FORM_OVERHEAD_BYTES)
    app.request_class = SpoolingRequest
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
    """The user whose token is in the Authorization header, if any.

    A wrong token counts as a failure of the client; a locked-out client gets
    TooManyRequests before its token is compared.
    """
    if "innomap_bearer" in g:
        return g.innomap_bearer
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = None
    if scheme.lower() == "bearer" and token.strip():
        user = checked_token_user(token.strip())
    g.innomap_bearer = user
    return user


def checked_token_user(token: str) -> str | None:
    """``token_user`` behind the throttle of this attempt (the client's address and the
    token it sends): TooManyRequests while that pair is locked out, its failures
    counted, forgotten on success. The right token from the same address is another
    pair: users behind one NAT do not lock each other out."""
    throttle = _config()["throttle"]
    attempt = (request.remote_addr or "-", _fingerprint(token))
    wait = throttle.retry_after(attempt)
    if wait > 0:
        raise TooManyRequests(f"令牌错误次数过多：请 {math.ceil(wait)} 秒后再试", math.ceil(wait))
    user = token_user(token)
    if user is None:
        throttle.failed(attempt)
    else:
        throttle.succeeded(attempt)
    return user


def _fingerprint(token: str) -> str:
    """What the throttle keeps of a token attempt: a keyed hash, never the token."""
    key = current_app.secret_key.encode()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()[:32]


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
    if "innomap_session_user" not in g:
        g.innomap_session_user = _session_user()
    return g.innomap_session_user


def _session_user() -> str | None:
    """The user of the session cookie, unless that user signed out since it was issued."""
    user = session.get(SESSION_USER)
    if user not in _config()["users"]:
        return None
    if session.get(SESSION_GENERATION) != _config()["sessions"].session_generation(user):
        return None
    return user


def sign_in(user: str) -> None:
    """Start a new session for ``user`` (of the current generation, lasting the lifetime)."""
    session.clear()
    session.permanent = True
    session[SESSION_USER] = user
    session[SESSION_GENERATION] = _config()["sessions"].session_generation(user)
    g.pop("innomap_session_user", None)


def sign_out() -> None:
    """End this session and every other session of the same user."""
    user = session.get(SESSION_USER)
    if user in _config()["users"]:
        _config()["sessions"].revoke_sessions(user)
    session.clear()
    g.pop("innomap_session_user", None)


def csrf_token() -> str:
    """The session's CSRF token, created on first use; forms put it in ``csrf_token``."""
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
    limit = _body_limit(view)
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"请求过大：{request.content_length:,} 字节，上限 {limit:,} 字节")
    if getattr(view, "public_write", False):
        check_csrf()
        return None
    if bearer_user() is not None:
        g.user = bearer_user()
        _slow_body_allowed(view)
        return None  # a token in a header cannot be sent by a cross-site form
    user = current_user()
    if user is None:
        raise Unauthorized("写操作需要身份验证：请登录 /admin/login，或在请求头提供 "
                           "Authorization: Bearer <令牌>")
    _slow_body_allowed(view)
    check_csrf()  # reads the form: the body
    g.user = user
    return None


def _slow_body_allowed(view) -> None:
    """A signed-in user's large upload may take longer to arrive than other requests
    (``web.serving.allow_body``); nobody else's may."""
    if getattr(view, "upload_limit", None) is not None and request.content_length:
        allow_body(request.environ, request.content_length)


def _body_limit(view) -> int:
    """The largest body ``view`` takes: its own (``large_upload``), else the app's."""
    upload_limit = getattr(view, "upload_limit", None)
    if upload_limit is None:
        return current_app.config["MAX_CONTENT_LENGTH"]
    request.max_content_length = upload_limit() + FORM_OVERHEAD_BYTES
    request.spool_folder = Path(view.upload_folder())
    return request.max_content_length
