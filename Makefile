# Shocking Energy — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
REQS_HASH := $(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
STAMP := $(VENV)/.installed-$(REQS_HASH)
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/shocking
export TEST_DATABASE_URL

.PHONY: install services run serve serve-prod test lint typecheck checks schema-lint pytest browser bench reliability clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

## make run: install, migrate, seed the demo, print a demo login and API key, serve on http://127.0.0.1:8000
run: install
	@echo "Migrating the database (DATABASE_URL, or db.sqlite3)"
	@$(BIN)/python manage.py migrate --noinput --verbosity 0
	@$(BIN)/python manage.py seed_demo
	@$(BIN)/python manage.py demo_access --url http://$(HOST):$(PORT)
	@$(MAKE) --no-print-directory serve

## make serve: uvicorn serving /v1, /mcp, the admin and the pages, with the background worker beside it
serve: install
	@$(BIN)/python manage.py run_worker & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
		$(BIN)/uvicorn config.asgi:application --host $(HOST) --port $(PORT)

## make serve-prod: the production /v1 server (gunicorn sync workers); see docs/scaling.md
serve-prod: install
	DJANGO_SETTINGS_MODULE=config.settings_prod $(BIN)/gunicorn -c config/gunicorn_conf.py config.wsgi:application

## make test: install, then every check CI runs, with pytest on PostgreSQL
test: install lint typecheck checks pytest

## make lint: ruff, and the import contracts (pyproject's [tool.importlinter]; see docs/architecture.md)
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

typecheck: install
	$(BIN)/mypy .

checks: install services
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres $(BIN)/python manage.py makemigrations --check --dry-run
	$(MAKE) --no-print-directory schema-lint
	DJANGO_SETTINGS_MODULE=config.settings_prod SECRET_KEY=check-deploy-$(REQS_HASH)-0123456789abcdefghijklmnopqrstuvwxyz ALLOWED_HOSTS=api.example.com \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

## make schema-lint: the served schema through drf-spectacular's validator and the tools integrators use:
## openapi-spec-validator, Redocly (`recommended`) and Spectral (`spectral:oas`), pinned in tools/schema-lint.
SCHEMA_LINT := tools/schema-lint
SCHEMA_LINT_STAMP := $(SCHEMA_LINT)/node_modules/.installed-$(shell sha1sum $(SCHEMA_LINT)/package-lock.json | cut -c1-12)
$(SCHEMA_LINT_STAMP): $(SCHEMA_LINT)/package-lock.json
	cd $(SCHEMA_LINT) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

schema-lint: install $(SCHEMA_LINT_STAMP)
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/python manage.py spectacular --validate --fail-on-warn --format openapi-json --file .make-schema.json
	$(BIN)/openapi-spec-validator .make-schema.json
	$(SCHEMA_LINT)/node_modules/.bin/redocly lint .make-schema.json --config $(SCHEMA_LINT)/redocly.yaml --format stylish
	$(SCHEMA_LINT)/node_modules/.bin/spectral lint .make-schema.json --ruleset $(SCHEMA_LINT)/.spectral.yaml --fail-severity error

## make services: the tests need the machine's PostgreSQL (system of record) and Redis (cache and
## throttle store) on 127.0.0.1; start whichever is down, then wait for both to answer.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { echo "Starting PostgreSQL"; \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | tail -n 1) main start; }
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { echo "Starting Redis"; \
		redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
			--dir /var/lib/redis --logfile /var/log/redis/ci.log; }
	@for _ in $$(seq 1 60); do pg_isready -q -h 127.0.0.1 -p 5432 && \
		[ "$$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ] && exit 0; sleep 0.5; done; \
		echo "PostgreSQL or Redis did not come up on 127.0.0.1" >&2; exit 1

## make browser: Debian's chromium for the browser tests (Playwright drives it; it never downloads a browser)
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { echo "Installing chromium for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; $$SUDO apt-get update -qq && $$SUDO apt-get install -y chromium; }

pytest: install services browser
	$(BIN)/pytest -n 2

## make bench: seed 1M jobs on PostgreSQL (reused between runs), load the real server, print the ratios
bench: install
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	$(BIN)/python bench/run.py

## make reliability: production server on a scratch database under a loopback load, with PostgreSQL
## restarted, Redis stopped, a gunicorn worker and the background worker killed; prints a summary table.
## Not in CI (it restarts the machine's PostgreSQL and Redis). DURATION=seconds (default 120).
DURATION ?= 120
reliability: install
	$(BIN)/python -m reliability --duration $(DURATION)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles media $(SCHEMA_LINT)/node_modules .make-schema.json
