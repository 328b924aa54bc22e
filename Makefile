# The README's two commands: `make demo` runs the product with its demo company, `make test` passes the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
TEST_STAMP := $(VENV)/.test-installed
BENCH ?=
# `make demo PORT=8080 HOST=0.0.0.0` serves elsewhere than 127.0.0.1:8000.
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: install demo run test lint test-sqlite test-postgresql bench seed screenshots clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Tandem needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# The tests install the semantic search extra too (about 60 MB of wheels, no PyTorch, nothing fetched at run
# time), so its tests run rather than skip.
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,semantic]'
	touch $@ $(RUNTIME_STAMP)

install: $(RUNTIME_STAMP)

demo: $(RUNTIME_STAMP)
	$(BIN)/python manage.py demo --host $(HOST) --port $(PORT)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python manage.py makemigrations --check --dry-run
	TANDEM_ENV=production TANDEM_SECRET_KEY=check-deploy-only-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
		TANDEM_ALLOWED_HOSTS=tandem.example.com $(BIN)/python manage.py check --deploy --fail-level WARNING

test-sqlite: $(TEST_STAMP)
	env -u DATABASE_URL $(BIN)/pytest

# Runs only where TANDEM_TEST_DATABASE_URL names a PostgreSQL server (.ci/run sets it).
test-postgresql: $(TEST_STAMP)
	@if [ -n "$$TANDEM_TEST_DATABASE_URL" ]; then \
		DATABASE_URL="$$TANDEM_TEST_DATABASE_URL" $(BIN)/pytest; \
	else echo "TANDEM_TEST_DATABASE_URL is not set: skipping the PostgreSQL run."; fi

test: lint test-sqlite test-postgresql

bench: $(TEST_STAMP)
	$(BIN)/python -m bench $(BENCH)

# The README's screenshots, from a demo already running (`make demo` in another terminal) at URL.
screenshots: $(TEST_STAMP)
	$(BIN)/python manage.py screenshots --url $${URL:-http://127.0.0.1:$(PORT)}

seed: $(RUNTIME_STAMP)
	$(BIN)/python manage.py seed --contacts $${CONTACTS:-1000000}

clean:
	rm -rf $(VENV) var
