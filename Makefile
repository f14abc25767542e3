# Two commands for a newcomer: `make run` and `make test`. Both need only python3, bash and make.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.lock | cut -d' ' -f1)

.PHONY: run test lint format lock bench clean-var screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

.env:
	printf 'DEBUG=true\nSECRET_KEY=dev-%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(40))')" > .env

## make run: install, migrate, seed the demo once, then serve web + Celery worker + beat.
run: $(STAMP) .env
	mkdir -p var/mail
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	@echo "Open http://127.0.0.1:8000 — Ctrl-C stops web, worker and beat."
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f Procfile.dev start

## make test: the whole suite (ARGS="tests/residents -k list" to narrow it).
test: $(STAMP) .env
	mkdir -p var
	$(BIN)/python -m pytest $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --check
	$(BIN)/djlint templates --lint

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djlint templates --reformat --quiet || true

## make lock: regenerate requirements.lock from pyproject.toml, then its runtime subset
## (requirements-runtime.lock, same pins, no dev tools: what the container image installs).
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --extra dev --no-emit-index-url -o requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
	  -c requirements.lock -o requirements-runtime.lock pyproject.toml

## make screenshots: docs/screenshots/ again (sign-in, My mentees, log form, resident list at
## 375x812 and 1366x900) from a throw-away demo database; needs Chromium (/usr/bin/chromium).
screenshots: $(STAMP) .env
	$(BIN)/python bench/screenshots.py --out docs/screenshots

clean-var:
	rm -rf var/broker var/celerybeat-schedule*
