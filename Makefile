# Zabota: `make demo` runs a Russian demo store on SQLite; `make test` runs lint, types and the suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
export ZABOTA_VAR_DIR ?= $(CURDIR)/var

.PHONY: install dev demo seed serve test lint types imports migrations-check suite suite-pg messages clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.dev: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

dev: $(VENV)/.dev

demo: install
	mkdir -p var/static
	ZABOTA_DEBUG=1 $(PY) -m zabota.cli migrate --no-input -v 0
	ZABOTA_DEBUG=1 $(PY) -m zabota.cli seed_demo
	ZABOTA_DEBUG=1 $(PY) -m zabota.cli serve --host $(HOST) --port $(PORT)

lint: dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: dev
	ZABOTA_DEBUG=1 $(VENV)/bin/mypy zabota config

imports: dev
	$(VENV)/bin/lint-imports

migrations-check: dev
	ZABOTA_DEBUG=1 DATABASE_URL=sqlite://:memory: $(PY) -m zabota.cli makemigrations --check --dry-run

suite: dev
	$(VENV)/bin/pytest

# The suite again on PostgreSQL, without the browser and slow tests (they run once, on SQLite).
suite-pg: dev
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(VENV)/bin/pytest -m "not browser and not slow" -p no:cacheprovider

test: lint types imports migrations-check suite

messages: dev
	mkdir -p zabota/locale
	ZABOTA_DEBUG=1 $(PY) -m zabota.cli makemessages -l ru --no-obsolete --ignore '.venv/*' --ignore 'bench/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'node_modules/*'
	ZABOTA_DEBUG=1 $(PY) -m zabota.cli compilemessages --ignore '.venv/*' --ignore 'bench/*' --ignore 'var/*' --ignore 'node_modules/*'

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
