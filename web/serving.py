"""The gunicorn worker ``make serve`` runs: threads, and a deadline for reading requests.

gunicorn's threaded worker (``gthread``) already keeps a connection that sends
nothing off its threads: after 5 s without a byte it goes back to the worker's
poller (Chromium's unused preconnect sockets, idle keep-alive). But a client that
sends *part* of a request (``GET / HTTP/1.1\\r\\nHost: x\\r\\n`` and then nothing,
a "slow loris") holds a thread for as long as it likes: gunicorn has no header or
body timeout. ``DeadlineThreadWorker`` gives every request ``read_seconds`` in
total to arrive, headers and body (``INNOMAP_REQUEST_READ_SECONDS``, default 30:
10 MB uploads at 1 MB/s fit), and every blocking send ``send_seconds`` (a client
that reads nothing for that long is dropped). A dropped client costs one log line.
A signed-in user's large upload (up to 100 MB) gets more: its body may arrive at
:data:`MIN_BODY_RATE` (``allow_body``, called once the user is known).

This bounds what one slow client holds, not how many there are: ``make serve`` puts
nginx in front, which hands gunicorn only complete requests (README, "Serving").

The errors gunicorn answers itself (a malformed request: 400; a request line or
headers past its limits: 414, 431) carry the security headers of every other
response and a Chinese page (:func:`write_error`, installed in each worker).
"""

from __future__ import annotations

import errno
import html
import logging
import os
import socket
import time

from gunicorn import util
from gunicorn.workers.gthread import TConn, ThreadWorker

from web.security import BARE_ERROR_HEADERS

READ_SECONDS = float(os.environ.get("INNOMAP_REQUEST_READ_SECONDS", "30"))
SEND_SECONDS = float(os.environ.get("INNOMAP_RESPONSE_SEND_SECONDS", "60"))
#: Bytes per second a large upload's body is allowed to arrive at (see allow_body).
MIN_BODY_RATE = 256 * 1024


def allow_body(environ, nbytes: int) -> None:
    """Let the request of WSGI ``environ`` take longer to send ``nbytes`` of body
    (no-op outside :class:`DeadlineThreadWorker`)."""
    sock = environ.get("gunicorn.socket")
    if isinstance(sock, DeadlineSocket):
        sock.allow_body(nbytes)


class DeadlineSocket(socket.socket):
    """A client socket whose reads share one deadline per request.

    gunicorn switches the socket between blocking (in a thread) and non-blocking
    (on the poller) with ``setblocking``; here "blocking" means "blocking for at
    most ``SEND_SECONDS`` per call", and every ``recv`` waits at most until the
    request's deadline, set by ``start_request``.
    """

    deadline: float | None = None

    @classmethod
    def adopt(cls, sock: socket.socket) -> DeadlineSocket:
        return cls(sock.family, sock.type, sock.proto, fileno=sock.detach())

    def start_request(self) -> None:
        self.deadline = time.monotonic() + READ_SECONDS

    def allow_body(self, nbytes: int) -> None:
        """Give this request's body of ``nbytes`` time to arrive at
        :data:`MIN_BODY_RATE` on top of the deadline (a signed-in large upload)."""
        if self.deadline is not None:
            self.deadline = max(self.deadline, time.monotonic() + READ_SECONDS
                                + nbytes / MIN_BODY_RATE)

    def setblocking(self, flag: bool) -> None:
        if flag:
            self.settimeout(SEND_SECONDS)
        else:
            super().setblocking(False)

    def _bounded(self, read, *args):
        """``read(*args)`` waiting at most until the request's deadline (and never longer
        than the timeout already set, e.g. gunicorn's 2 s linger on close)."""
        prior = self.gettimeout()
        if self.deadline is None or prior == 0.0:
            return read(*args)
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(errno.ETIMEDOUT, "request not received in time")
        self.settimeout(remaining if prior is None else min(prior, remaining))
        try:
            return read(*args)
        finally:
            self.settimeout(prior)

    def recv(self, size, flags=0):
        return self._bounded(super().recv, size, flags)

    def recv_into(self, buffer, nbytes=0, flags=0):
        return self._bounded(super().recv_into, buffer, nbytes, flags)


class DeadlineThreadWorker(ThreadWorker):
    """gunicorn's ``gthread`` worker with ``DeadlineSocket`` client sockets."""

    def init_process(self):
        self.log.error_log.addFilter(_QuietTimeouts())
        util.write_error = write_error  # gunicorn's own error pages, with our headers
        super().init_process()

    def accept(self, listener):
        try:
            client_sock, client_addr = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        sock = DeadlineSocket.adopt(client_sock)
        sock.setblocking(True)
        self.enqueue_req(TConn(self.cfg, sock, client_addr, listener.getsockname()))

    def handle(self, conn):
        if isinstance(conn.sock, DeadlineSocket):
            conn.sock.start_request()
        return super().handle(conn)


_CLIENT_FAULT = "请求格式有误或过长，服务器未处理。"
_SERVER_FAULT = "服务器内部错误，请稍后重试。"


def write_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """The error answer of gunicorn (``gunicorn.util.write_error``) with the security headers
    and a Chinese page; gunicorn's reason goes in as escaped text."""
    body = (f'<!doctype html><html lang="zh-CN"><meta charset="utf-8">'
            f"<title>请求未能完成</title><h1>请求未能完成（{int(status_int)}）</h1>"
            f"<p>{_SERVER_FAULT if status_int >= 500 else _CLIENT_FAULT}</p>"
            f"<p>{html.escape(mesg)}</p></html>"
            ).encode()
    head = [f"HTTP/1.1 {int(status_int)} {reason}", "Connection: close",
            "Content-Type: text/html; charset=utf-8", f"Content-Length: {len(body)}",
            *(f"{name}: {value}" for name, value in BARE_ERROR_HEADERS)]
    util.write_nonblock(sock, ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)


class _QuietTimeouts(logging.Filter):
    """One line instead of a traceback for a client dropped at its deadline."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, TimeoutError):
            record.msg, record.args, record.exc_info = "slow client dropped: %s", (exc,), None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True
