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

.PHONY: install run test lint check-migrations compose-config messages seed clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(STAMP)

## run: install, migrate, seed demo data into an empty database, serve on $(HOST):$(PORT).
## With REDIS_URL set, a Celery worker (with beat) on both queues runs beside the web server.
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --if-empty
	@if [ -n "$$REDIS_URL" ]; then \
		$(BIN)/celery -A config worker --beat -Q celery,extraction --loglevel=INFO & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(MANAGE) runserver $(HOST):$(PORT); \
	else \
		$(MANAGE) runserver $(HOST):$(PORT); \
	fi

## test: lint, migration and system checks, then the whole suite on PostgreSQL and Redis.
test: install lint
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

compose-config:
	docker-compose -f docker-compose.yml config --quiet

## messages: refresh the translation catalogues (needs GNU gettext) and compile them.
messages: install
	$(MANAGE) makemessages --locale ru --locale en --ignore '.venv/*' --no-obsolete
	$(MANAGE) compilemessages --ignore '.venv/*'

seed: install
	$(MANAGE) seed_demo

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
