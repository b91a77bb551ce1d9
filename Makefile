# Civic311: `make demo` runs the platform with a sample city; `make test` runs every test.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
export CIVIC311_DATA_DIR ?= $(CURDIR)/var
# PostgreSQL for the second test run: the local server when it answers, else TEST_POSTGRES_URL.
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/civic311_test

.PHONY: demo serve test test-sqlite test-postgres lint check bench venv assets system-packages messages clean

$(VENV)/.installed: pyproject.toml
	@PYTHON=$$(scripts/find-python) && echo "Using $$PYTHON" && \
	  [ -x $(PY) ] || $$PYTHON -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed

# Front-end packages pinned in package-lock.json (npm), copied into civic311/static/vendor/ (git-ignored).
ASSETS := civic311/static/vendor/VERSIONS.txt
$(ASSETS): package-lock.json package.json scripts/build-assets
	scripts/build-assets

assets: $(ASSETS)

# Debian's Chromium for the browser tests (tests/e2e/); quiet when already installed.
system-packages:
	@scripts/system-packages

# Translations: civic311/locale/<lang>/LC_MESSAGES/django.po (in git) compiled to .mo (git-ignored) with
# Debian's gettext (msgfmt, `make system-packages`).
messages: venv system-packages
	$(BIN)/civic311 compilemessages --ignore=.venv --ignore=node_modules --ignore=var --ignore=bench

demo: venv assets messages
	$(BIN)/civic311 init --sample-city
	$(BIN)/civic311 serve --host 127.0.0.1 --port 8000

serve: venv
	$(BIN)/civic311 serve

lint: venv
	$(BIN)/ruff check civic311 tests bench
	$(BIN)/ruff format --check civic311 tests bench
	$(BIN)/mypy civic311
	$(BIN)/lint-imports

check: venv
	$(BIN)/civic311 makemigrations --check --dry-run
	$(BIN)/civic311 check

test-sqlite: venv assets system-packages messages
	DATABASE_URL= $(BIN)/pytest -p no:cacheprovider -n 2 --dist loadfile

test-postgres: venv assets system-packages messages
	@if scripts/pg-available "$(TEST_POSTGRES_URL)"; then \
	  DATABASE_URL="$(TEST_POSTGRES_URL)" $(BIN)/pytest -p no:cacheprovider -n 2 --dist loadfile; \
	else echo "PostgreSQL not reachable at $(TEST_POSTGRES_URL): skipping the PostgreSQL run"; \
	  if [ -n "$$CI" ]; then exit 1; fi; fi

test: lint check test-sqlite test-postgres

bench: venv
	$(PY) bench/api_read.py
	$(PY) bench/queue_page.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache node_modules civic311/static/vendor
