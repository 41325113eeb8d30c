"""The floor of any answer in ``bench_peers``: a WSGI app that returns fixed bytes, the
size of one feature, for every path. It imports nothing, so that any server's venv
(gunicorn's, granian's) can run it from the repository's root."""

BODY = (b'{"type":"Feature","id":"c1-0","geometry":{"type":"Point","coordinates":'
        b'[118.3,33.9]},"properties":{"name":"' + b"x" * 400 + b'"}}')
HEADERS = [("Content-Type", "application/geo+json"), ("Content-Length", str(len(BODY)))]


def app(environ, start_response):
    start_response("200 OK", list(HEADERS))
    return [BODY]
