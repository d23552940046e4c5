# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
export OPENBLAS_NUM_THREADS := 1

.PHONY: demo-code install lock run test prerequisites lint compose-config messages seed clean

LOCK_DIR := requirements
# Hashes for every file, pip and setuptools included (--allow-unsafe), so that
# `pip install --require-hashes` can install the project without build isolation.
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
LOCK_ARGS ?=

# The lock pins; pyproject.toml's ranges are the source. `pip check` fails when
# pyproject.toml asks for something the lock no longer satisfies: run `make lock`.
$(STAMP): $(LOCK_DIR)/dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK_DIR)/dev.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $@

install: $(STAMP)

$(BIN)/pip-compile:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK_DIR)/dev.lock

## lock: re-resolve pyproject.toml into the two lock files (keeps current pins that still
## fit; `make lock LOCK_ARGS=--upgrade` or `LOCK_ARGS="--upgrade-package django"` moves them).
## Needs only pip-tools, not an install that passes `pip check` against the new pyproject.
lock: $(BIN)/pip-compile
	$(PIP_COMPILE) $(LOCK_ARGS) --build-deps-for wheel \
		--output-file $(LOCK_DIR)/base.lock pyproject.toml
	$(PIP_COMPILE) $(LOCK_ARGS) --build-deps-for editable --extra dev \
		--constraint $(LOCK_DIR)/base.lock --output-file $(LOCK_DIR)/dev.lock pyproject.toml
	$(MAKE) install

## run: install, migrate, seed demo data into an empty database, serve on $(HOST):$(PORT).
## With REDIS_URL set, a Celery worker (with beat) on both queues runs beside the web server.
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --if-empty
	$(MANAGE) demo_accounts
	@if [ -n "$$REDIS_URL" ]; then \
		$(BIN)/celery -A config worker --beat -Q celery,extraction --loglevel=INFO & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(MANAGE) runserver $(HOST):$(PORT); \
	else \
		$(MANAGE) runserver $(HOST):$(PORT); \
	fi

## demo-code: the demo moderator's current sign-in code (the second step; DEBUG only).
demo-code: install
	@$(MANAGE) demo_accounts --code

## test: on any machine (CI's too): start PostgreSQL and Redis if they are down, install
## Chromium and docker-compose if missing, then lint, checks and the whole suite.
test: prerequisites install lint
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

prerequisites:
	scripts/test-prerequisites

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache  # 0.3 s; its cache can miss an edit made in the same second

compose-config:
	SECRET_KEY="$${SECRET_KEY:-$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')}" \
		docker-compose -f docker-compose.yml config --quiet

## messages: refresh the translation catalogues (needs GNU gettext) and compile them.
messages: install
	$(MANAGE) makemessages --locale ru --locale en --ignore '.venv/*' --no-obsolete
	$(MANAGE) compilemessages --ignore '.venv/*'

seed: install
	$(MANAGE) seed_demo

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .import_linter_cache
