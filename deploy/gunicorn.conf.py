"""gunicorn settings of `make serve` (see README, "Serving"): threaded workers that a slow
or idle client cannot take over, with limits on request size and worker lifetime.

`make serve WORKERS=8` (or --workers, GUNICORN_CMD_ARGS) overrides the defaults.
"""

import os

wsgi_app = "web:create_app()"
preload_app = True  # the catalog is loaded once and shared by the forked workers

workers = int(os.environ.get("WORKERS", "4"))
# Threads per worker: requests wait on the store, on the network and on clients; a
# client that connects and sends nothing goes back to the worker's poller after 5 s,
# one that sends half a request is dropped at its read deadline (web.serving).
worker_class = "web.serving.DeadlineThreadWorker"
threads = int(os.environ.get("THREADS", "8"))
worker_connections = 1000
keepalive = 5

# gthread workers report to the arbiter from their main loop, so a long render in
# one thread does not get the whole worker killed; `timeout` catches a stuck loop.
timeout = 120
graceful_timeout = 30

# Request line and headers: the defaults of nginx and gunicorn, stated here.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# Recycle a worker now and then so memory that renders leave behind is returned.
max_requests = 5000
max_requests_jitter = 500

accesslog = "-"
