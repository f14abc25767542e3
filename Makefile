# Two commands for a newcomer: `make run` and `make test`. Both need only python3, bash and make.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Development installs the dev lock: the production pins (requirements.lock) plus tests and tools.
STAMP := $(VENV)/.installed-$(shell cksum requirements-dev.lock | cut -d' ' -f1)

.PHONY: run test lint format lock bench messages clean-var screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements-dev.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

.env:
	printf 'DEBUG=true\nSECRET_KEY=dev-%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(40))')" > .env

## make run: install, migrate, seed the demo once, then serve web + Celery worker + beat.
run: $(STAMP) .env
	mkdir -p var/mail
	$(BIN)/python manage.py compile_catalogue
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	@echo "Open http://127.0.0.1:$${DEV_PORT:-8000} — Ctrl-C stops web, worker and beat."
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f Procfile.dev start

## make test: the whole suite, one pytest-xdist worker per core (at most 8; TEST_WORKERS=0 runs
## it in one process). ARGS="tests/residents -k list" narrows it.
TEST_WORKERS ?= $(shell n=$$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1); [ "$$n" -gt 8 ] && n=8; echo $$n)
test: $(STAMP) .env
	mkdir -p var
	$(BIN)/python manage.py compile_catalogue
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --check
	$(BIN)/djlint templates --lint

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djlint templates --reformat --quiet || true

## make lock: regenerate both locks from pyproject.toml (pip-tools): requirements-dev.lock (runtime
## and the `dev` extra: what `make run` / `make test` install), then requirements.lock (runtime
## only, the same pins: what production and the container image install).
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --extra dev --no-emit-index-url \
	  -o requirements-dev.lock pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
	  -c requirements-dev.lock -o requirements.lock pyproject.toml

## make bench: every main page's single-user timings (bench/bench_pages.py, docs/performance.md) on
## the database `make run` uses, demo seeded once; ARGS="--runs 10" passes options on. The
## large-data and load benchmarks (bench/bench_http.py, bench/cluster.sh) are in docs/performance.md.
bench: $(STAMP) .env
	mkdir -p var/mail
	$(BIN)/python manage.py compile_catalogue
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python bench/bench_pages.py $(ARGS)

## make messages: add new and changed strings to the catalogue (needs GNU gettext: apt install
## gettext), then translate them in locale/es/LC_MESSAGES/django.po (README "Languages").
## tests/foundation/test_translations.py runs the same command into a copy and fails on any gap.
MAKEMESSAGES := manage.py makemessages --no-obsolete --add-location file \
	--ignore .venv --ignore staticfiles --ignore bench --ignore tests --ignore var
messages: $(STAMP) .env
	$(BIN)/python $(MAKEMESSAGES) -l es
	$(BIN)/python manage.py compile_catalogue

## make screenshots: docs/screenshots/ again (sign-in, My mentees, log form, resident list at
## 375x812 and 1366x900) from a throw-away demo database; needs Chromium (/usr/bin/chromium).
screenshots: $(STAMP) .env
	$(BIN)/python bench/screenshots.py --out docs/screenshots

clean-var:
	rm -rf var/broker var/celerybeat-schedule*
