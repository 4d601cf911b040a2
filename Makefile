# KPO Match. `make demo` runs the demo (SQLite, embedded tasks); `make test` runs the tests
# (their own throwaway PostgreSQL and Redis, a real Celery worker, Chromium). Both install
# the system packages they need first (scripts/bootstrap.sh: apt-get as root or with sudo).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
VENDORS ?= 300
START := $(shell date +%s)
# The demo always runs on SQLite with the embedded task mode, whatever the shell exports.
DEMO_ENV := env -u DATABASE_URL -u CELERY_BROKER_URL DEBUG=true

# Runs a command with the test services (tests/harness): throwaway PostgreSQL and Redis unless
# DATABASE_URL / CELERY_BROKER_URL name servers to use, and a preflight check first.
HARNESS := $(BIN)/python -m tests.harness

.PHONY: demo bootstrap install install-dev test test-suite checks test-fast pytest lint format api-lock bench-seed bench-matching bench-export bench-api bench-directory api-fuzz vendor-assets clean help

help:
	@echo "make demo        virtualenv + install + migrate + demo data + serve on http://127.0.0.1:$(PORT)"
	@echo "make test        the whole suite: own throwaway PostgreSQL and Redis, a real worker, Chromium"
	@echo "make pytest ARGS='tests/kpo -k health'   pytest alone, with the test services"
	@echo "make bootstrap   install the system packages the tests need (apt-get; make test runs it)"
	@echo "make lint        ruff (lint, format), mypy, djLint (make test runs them first)"
	@echo "make api-lock    after an API schema change: record it for the new API_VERSION (kpo/api/version.py)"
	@echo "make bench-seed  seed 100,000 vendors into PostgreSQL and print the time"
	@echo "make bench-matching  time a worst-case match run over 100,000 vendors (BENCH_VENDORS=N)"
	@echo "make api-fuzz    schemathesis against the OpenAPI schema on a live server (part of make test)"
	@echo "make bench-export  seed 1,000,000 vendors in a throwaway PostgreSQL and time an export job (BENCH_VENDORS=N)"
	@echo "make bench-api   load-test GET /api/v1/vendors/ under gunicorn against a one-query reference (wrk)"
	@echo "make bench-directory  directory search under gunicorn: API + HTMX, cold/warm, 1/16 connections (BENCH_VENDORS=N)"

$(BIN)/python:
	@PYTHON=$(PYTHON) bash scripts/bootstrap.sh demo
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

# The Node test tools (Spectral lints the OpenAPI schema, tests/kpo/test_schema_lint.py), exactly as
# package-lock.json pins them.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev node_modules/.package-lock.json

bootstrap:
	@PYTHON=$(PYTHON) bash scripts/bootstrap.sh test

demo: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo --vendors $(VENDORS)
	@echo
	@echo "KPO Match demo: open http://127.0.0.1:$(PORT)/ and sign in with a login above (Ctrl-C stops it)."
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: bootstrap
	@$(MAKE) --no-print-directory install-dev
	@echo "== system packages and virtualenv ready (+$$(( $$(date +%s) - $(START) )) s)"
	@$(HARNESS) -- $(MAKE) --no-print-directory test-suite
	@echo "== make test finished in $$(( $$(date +%s) - $(START) )) s"

# What `make test` runs once the services are up (inside the harness). ruff first (seconds);
# mypy and djLint run beside the main pytest run (a CPU each), and any failure fails the run.
test-suite:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DATABASE_URL=sqlite://:memory: $(BIN)/python manage.py makemigrations --check --dry-run --settings=kpo.settings_test
	@echo "== static checks passed (+$$(( $$(date +%s) - $(START) )) s)"
	@mkdir -p artifacts/logs; \
	( DATABASE_URL=sqlite://:memory: $(BIN)/mypy && $(BIN)/djlint templates --lint; status=$$?; \
	  echo "== mypy and djLint finished (+$$(( $$(date +%s) - $(START) )) s)"; exit $$status ) > artifacts/logs/checks.log 2>&1 & checks=$$!; \
	$(BIN)/pytest -m "not reliability"; tests=$$?; \
	wait $$checks; checked=$$?; cat artifacts/logs/checks.log; \
	echo "== pytest: exit $$tests; mypy and djLint: exit $$checked (+$$(( $$(date +%s) - $(START) )) s)"; \
	test $$tests -eq 0 && test $$checked -eq 0
	@# The reliability tests mostly wait on the workers they kill, so Schemathesis runs beside
	@# them (its gunicorn has a database and queue prefix of its own); its log follows theirs.
	@mkdir -p artifacts/logs; \
	bash scripts/api_fuzz.sh > artifacts/logs/api-fuzz.log 2>&1 & fuzz=$$!; \
	$(BIN)/pytest -m reliability; reliability=$$?; \
	wait $$fuzz; fuzzed=$$?; cat artifacts/logs/api-fuzz.log; \
	echo "== reliability tests: exit $$reliability; Schemathesis: exit $$fuzzed (+$$(( $$(date +%s) - $(START) )) s)"; \
	test $$reliability -eq 0 && test $$fuzzed -eq 0

# pytest alone with the test services: make pytest ARGS="tests/kpo/test_health.py -x"
pytest: bootstrap
	@$(MAKE) --no-print-directory install-dev
	@$(HARNESS) $(if $(findstring e2e,$(ARGS)),,--no-browser) -- $(BIN)/pytest $(ARGS)

# Schemathesis against /api/schema/ on a live gunicorn with a token: no 5xx, no schema violation.
api-fuzz: bootstrap
	@$(MAKE) --no-print-directory install-dev
	@$(HARNESS) --no-browser -- bash scripts/api_fuzz.sh

test-fast: bootstrap
	@$(MAKE) --no-print-directory install-dev
	@$(HARNESS) --no-browser -- $(BIN)/pytest -m "not e2e and not reliability" -x

lint: install-dev
	@$(MAKE) --no-print-directory checks

# ruff (lint and format), mypy with the Django and DRF stubs, djLint on the templates.
# pre-commit runs the same on each commit (.pre-commit-config.yaml; `.venv/bin/pre-commit install`).
checks:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DATABASE_URL=sqlite://:memory: $(BIN)/mypy
	$(BIN)/djlint templates --lint

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Record the OpenAPI schema's fingerprint for API_VERSION (kpo/api/version.py) after a schema change.
# On PostgreSQL (the harness starts one): integer bounds in the schema follow the database's.
api-lock: install-dev
	@$(HARNESS) --no-browser -- $(BIN)/python manage.py api_lock --settings=kpo.settings_test $(if $(AMEND),--amend,)

# The benchmarks below run on a throwaway PostgreSQL and Redis of their own (tests/harness), never
# the machine's, whatever the shell exports: each seeds its pool first (BENCH_VENDORS, default 100,000).
# Their PostgreSQL gets a quarter of the machine's memory for its buffers, as a deployment sets it
# (--database-memory; PostgreSQL's default 128 MB holds a tenth of a million vendors' search documents).
BENCH_SERVICES = env -u DATABASE_URL -u CELERY_BROKER_URL -u REDIS_URL -u REDIS_CACHE_URL $(HARNESS) --no-browser --database-memory --
BENCH_POOL = $(or $(BENCH_VENDORS),100000)

# Seeding BENCH_VENDORS vendors, timed, then again (idempotent: creates nothing).
bench-seed: install-dev
	@$(BENCH_SERVICES) bash -c 'set -e; DEBUG=true $(BIN)/python manage.py migrate --noinput -v0; \
	  time DEBUG=true $(BIN)/python manage.py seed_demo --vendors $(BENCH_POOL) --no-progress; \
	  echo "Second run (idempotent, creates nothing):"; \
	  time DEBUG=true $(BIN)/python manage.py seed_demo --vendors $(BENCH_POOL) --no-progress'

# A worst-case match run (manage.py bench_matching) over BENCH_VENDORS vendors: end to end as the
# worker runs it, against the physical limit (COPY of the columns scoring reads) in the same run;
# then through a real Celery worker of BENCH_WORKERS processes (default: one per CPU), as deployed.
bench-matching: install-dev
	@$(BENCH_SERVICES) bash -c 'set -e; DEBUG=true $(BIN)/python manage.py migrate --noinput -v0; \
	  time DEBUG=true $(BIN)/python manage.py seed_demo --vendors $(BENCH_POOL) --no-progress -v0; \
	  DEBUG=true $(BIN)/python manage.py bench_matching --vendors $(BENCH_POOL) --allow-modify \
	    --worker-processes $(or $(BENCH_WORKERS),$(shell nproc))'

# An export job over BENCH_VENDORS vendors (default 1,000,000) on a throwaway PostgreSQL of its
# own (tests/harness): seed, then run the job as the worker does and print rows, SHA-256, time, RSS.
bench-export: install-dev
	@$(HARNESS) --no-browser --database-memory -- bash -c 'DEBUG=true $(BIN)/python manage.py migrate --noinput -v0 && \
	  time DEBUG=true $(BIN)/python manage.py seed_demo --vendors $(or $(BENCH_VENDORS),1000000) --no-progress -v0 && \
	  VENDOR_EXPORT_DIR=$${TMPDIR:-/tmp}/kpo-bench-exports DEBUG=false SECRET_KEY=bench-export-only-0123456789abcdefghijklmnopqrstuvwxyz ALLOWED_HOSTS=127.0.0.1 \
	    $(BIN)/python manage.py export_vendors --job'

bench-api: install-dev
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	@$(BENCH_SERVICES) bash -c 'set -e; DEBUG=true $(BIN)/python manage.py migrate --noinput -v0; \
	  DEBUG=true $(BIN)/python manage.py seed_demo --vendors $(BENCH_POOL) --no-progress -v0; \
	  $(BIN)/python manage.py bench_api'

# Directory search as buyers use it (manage.py bench_directory): BENCH_VENDORS vendors (default
# 100,000) on a throwaway PostgreSQL and Redis of its own (tests/harness; never the machine's own,
# whatever the shell exports), a seeded mix through the API and the HTMX partial under gunicorn,
# cold and warm, at 1 and 16 connections, against one-query references. Options: BENCH_REQUESTS and
# BENCH_DURATION (per run), BENCH_CONNECTIONS (1,16), BENCH_SEED. The command runs with the server's
# settings (DEBUG off) so the queries it counts in-process are the server's.
BENCH_DIRECTORY_VENDORS = $(or $(BENCH_VENDORS),100000)
BENCH_DIRECTORY_OPTIONS = $(if $(BENCH_REQUESTS),--requests $(BENCH_REQUESTS)) $(if $(BENCH_DURATION),--duration $(BENCH_DURATION)) \
  $(if $(BENCH_CONNECTIONS),--connections $(BENCH_CONNECTIONS)) $(if $(BENCH_SEED),--seed $(BENCH_SEED))
BENCH_DIRECTORY_ENV = DEBUG=false SECRET_KEY=bench-directory-only-0123456789abcdefghijklmnopqrstuvwxyz ALLOWED_HOSTS=127.0.0.1 \
  SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false SECURE_HSTS_SECONDS=0 \
  STATICFILES_MANIFEST=false PYTHONWARNINGS="ignore:No directory at:UserWarning" \
  API_THROTTLE_USER=100000000/min API_THROTTLE_ANON=100000000/min
bench-directory: install-dev
	@$(BENCH_SERVICES) bash -c 'set -e; \
	  DEBUG=true $(BIN)/python manage.py migrate --noinput -v0; \
	  started=$$EPOCHREALTIME; \
	  DEBUG=true $(BIN)/python manage.py seed_demo --vendors $(BENCH_DIRECTORY_VENDORS) --no-progress -v0 >/dev/null; \
	  seeded=$$(awk "BEGIN { printf \"%.1f\", $$EPOCHREALTIME - $$started }"); \
	  echo "== seed_demo --vendors $(BENCH_DIRECTORY_VENDORS): $$seeded s"; \
	  $(BENCH_DIRECTORY_ENV) BENCH_DIRECTORY_COMMAND="$(strip make bench-directory BENCH_VENDORS=$(BENCH_DIRECTORY_VENDORS) $(foreach v,BENCH_REQUESTS BENCH_DURATION BENCH_CONNECTIONS BENCH_SEED,$(if $($(v)),$(v)=$($(v)))))" \
	    $(BIN)/python manage.py bench_directory --seed-seconds $$seeded $(BENCH_DIRECTORY_OPTIONS)'

# Front-end libraries from npm, copied into static/vendor and committed (never a CDN).
vendor-assets:
	npm install --no-audit --no-fund
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chart.umd.min.js
	# Without their source-map comments: the maps are not copied, and the manifest storage
	# (collectstatic) refuses a reference to a file that is not there.
	sed '/sourceMappingURL=/d' node_modules/tom-select/dist/js/tom-select.complete.min.js > static/vendor/tom-select.complete.min.js
	sed 's|/\*# sourceMappingURL=[^*]*\*/||' node_modules/tom-select/dist/css/tom-select.min.css > static/vendor/tom-select.min.css
	mkdir -p tests/e2e/vendor
	cp node_modules/axe-core/axe.min.js tests/e2e/vendor/axe.min.js  # test-only: injected by the accessibility tests

clean:
	rm -rf $(VENV) .build db.sqlite3 staticfiles artifacts .pytest_cache .ruff_cache .hypothesis
