# innomap: `make serve` to run the service, `make test` to run the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NPM    ?= npm
NODE_STAMP := node_modules/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
WORKERS ?= 4

.PHONY: install nginx system-packages serve dev test test-slow lint bench boundaries lock clean

$(STAMP): pyproject.toml requirements.lock scripts/check_python.py
	$(PYTHON) scripts/check_python.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# Front-end libraries from npm (ECharts), served by the app from node_modules/.
$(NODE_STAMP): package.json package-lock.json
	$(NPM) ci --omit=dev --no-audit --no-fund
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)
	$(BIN)/python scripts/build_boundaries.py --if-stale

THREADS ?= 8

# nginx on HOST:PORT (deploy/nginx.conf: reads whole requests, buffers responses) in front
# of gunicorn on a unix socket (deploy/gunicorn.conf.py: threaded workers), started and
# stopped together by scripts/serve.py. README, "Serving".
serve: install nginx
	$(BIN)/python scripts/serve.py --host $(HOST) --port $(PORT) --workers $(WORKERS) \
		--threads $(THREADS)

# Only nginx (Debian), when missing: what `make serve` needs beyond Python.
nginx:
	bash scripts/install_nginx.sh

dev: install
	$(BIN)/flask --app 'web:create_app()' run --debug --host $(HOST) --port $(PORT)

# Debian packages the tests and benchmarks use for real: Chromium, chromedriver,
# CJK fonts, PostgreSQL + PostGIS, poppler, wrk, GDAL (gdal-bin) and QGIS (python3-qgis).
system-packages:
	bash scripts/install_system_packages.sh

# Every test but the few marked slow (half a million rows each, minutes together):
# `make test-slow` runs those on purpose. In parallel (pytest-xdist): TEST_WORKERS
# processes, `auto` = one per core but at most 4 (2 on CI), `0` = in this one process.
# Each test file runs whole, in order, on one process (--dist loadfile), so a file's
# Chromium, PostgreSQL cluster or gunicorn starts once; files are handed out in the
# order collected (--no-loadscope-reorder: no few-test, long file kept for the end).
TEST_WORKERS ?= auto
PARALLEL := -n $(TEST_WORKERS) --maxprocesses=4 --dist loadfile --no-loadscope-reorder

test: install system-packages
	$(BIN)/python -m pytest -m "not slow" $(PARALLEL)

test-slow: install system-packages
	$(BIN)/python -m pytest -m slow $(PARALLEL)

# House rules: import order, pyupgrade, bugbear, numpy docstrings in geo/ (pyproject.toml).
lint: install
	$(BIN)/ruff check .

bench: install system-packages
	$(BIN)/python -m benchmarks

boundaries: install
	$(BIN)/python scripts/build_boundaries.py

# Re-pin every dependency from pyproject.toml into requirements.lock.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install -q --disable-pip-version-check '.[test]'
	.lockenv/bin/pip freeze --exclude innomap > requirements.lock.new
	mv requirements.lock.new requirements.lock
	rm -rf .lockenv

clean:
	rm -rf $(VENV) .pytest_cache node_modules
