# HO Clinic. `make run` serves the site with demo data; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

# Local runs are production settings over plain HTTP, with emails printed to the console and
# a secret key kept in .secret-key (made on first run, never committed).
LOCAL_ENV = HTTPS=0 \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost} \
	EMAIL_BACKEND=$${EMAIL_BACKEND:-django.core.mail.backends.console.EmailBackend} \
	CLINIC_SITE_URL=$${CLINIC_SITE_URL:-http://$(HOST):$(PORT)} \
	SECRET_KEY=$${SECRET_KEY:-$$(cat .secret-key)}

.PHONY: help venv install install-dev run serve dev test screenshots lint format migrate demo clean bench chromium

help:
	@echo "make run    serve http://$(HOST):$(PORT)/ on SQLite with demo data (gunicorn and the task worker)"
	@echo "make test   install test dependencies and run every test"
	@echo "make dev    Django's development server (reloads on code changes)"
	@echo "make bench  scale benchmark (SQLite, or PostgreSQL with DATABASE_URL); writes docs/benchmarks.md"
	@echo "make lint   ruff check, ruff format --check, makemigrations --check"
	@echo "make screenshots  browser tests, saving docs/screenshots/"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.x)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

venv install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

.secret-key:
	@umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

migrate: $(VENV)/.installed .secret-key
	@mkdir -p staticfiles
	$(LOCAL_ENV) $(BIN)/python manage.py migrate --noinput

demo: migrate
	$(LOCAL_ENV) $(BIN)/python manage.py load_demo_data

# The production set-up on one host: gunicorn and the task worker (bin/serve.py), hashed static
# files, emails queued in the database and sent by the worker. tests/deploy/test_make_run.py runs
# this target itself. `make serve` is the same.
run serve: demo
	$(LOCAL_ENV) STATIC_MANIFEST=1 $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Serving http://$(HOST):$(PORT)/  (staff: http://$(HOST):$(PORT)/admin/, user admin). Ctrl-C stops."
	$(LOCAL_ENV) STATIC_MANIFEST=1 TASKS_BACKEND=database $(BIN)/python bin/serve.py $(HOST):$(PORT)

# Django's development server: reloads on code changes, sends emails at once (no worker needed).
dev: demo
	$(LOCAL_ENV) TASKS_BACKEND=immediate $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The browser tests drive Debian's Chromium (never Playwright's own download): installed here when
# missing (as root, or through sudo). CHROMIUM=/path/to/chromium uses another build.
CHROMIUM ?= /usr/bin/chromium

chromium:
	@[ -x "$(CHROMIUM)" ] || [ "$(CHROMIUM)" != /usr/bin/chromium ] || { \
		echo "Installing Chromium (Debian package) for the browser tests"; \
		if [ "$$(id -u)" -eq 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; else \
			echo "Chromium is missing: run 'apt-get install chromium' as root, or set CHROMIUM=/path/to/chromium" >&2; \
			exit 1; fi; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium || { $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }; }
	@[ -x "$(CHROMIUM)" ] || { echo "No Chromium at $(CHROMIUM): install it (apt-get install chromium) or set CHROMIUM=/path/to/chromium" >&2; exit 1; }

test: $(VENV)/.installed-dev chromium
	CHROMIUM=$(CHROMIUM) $(BIN)/pytest $(PYTEST_ARGS)

# The browser tests again, saving their screenshots into docs/screenshots/ (the README shows them).
screenshots: $(VENV)/.installed-dev chromium
	SCREENSHOTS_DIR=docs/screenshots CHROMIUM=$(CHROMIUM) $(BIN)/pytest tests/e2e -q

# wrk comes from Debian's package; installed here when missing (as root, or through sudo).
bench: $(VENV)/.installed
	@command -v wrk >/dev/null 2>&1 || { \
		echo "Installing wrk (Debian package)"; \
		if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk || { $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }; }
	$(BIN)/python -m bench.run

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	SECRET_KEY=lint DEBUG=0 $(BIN)/python manage.py makemigrations --check --dry-run

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .cache .pytest_cache .ruff_cache .test-db.sqlite3* test-results
