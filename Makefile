# Quick start: `make run` (serve the demo on http://localhost:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast system-packages lint format migrate seed bench client clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.runtime $@

migrate: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo --new-api-secret $(if $(DEMO_PASSWORD),--password $(DEMO_PASSWORD))

# The webhook worker runs beside the server and stops with it; webhooks may reach loopback here, so
# an endpoint can point at a receiver on this machine.
run: seed
	@echo "Serving on http://localhost:$(PORT)/ with a webhook worker  (Ctrl-C stops both; passkeys need localhost, not 127.0.0.1)"
	export DEBUG=$${DEBUG:-true} WEBHOOK_ALLOWED_NETWORKS=$${WEBHOOK_ALLOWED_NETWORKS-127.0.0.0/8,::1/128}; \
	$(BIN)/python manage.py run_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Test-only npm packages, pinned by their package-lock.json: axe-core (accessibility rules in the
# browser tests) and oidc-provider (an Entra-like OpenID provider for the Microsoft sign-in tests).
NPM_STAMPS := tests/browser/node_modules/.installed tests/oidc/node_modules/.installed
tests/%/node_modules/.installed: tests/%/package.json tests/%/package-lock.json | system-packages
	cd tests/$* && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# What pip cannot install (Chromium, npm): apt-get when this user may, else the command to run.
system-packages:
	@./scripts/system-packages

test: lint system-packages $(NPM_STAMPS)
	env -u DATABASE_URL $(BIN)/python manage.py makemigrations --check --dry-run
	# Browser tests run on their own: Playwright's sync API keeps an event loop in the test
	# process, which would refuse the async gateway views that other tests call in-process.
	$(BIN)/pytest -n $${PYTEST_WORKERS:-2} -m "not browser" $(PYTEST_ARGS)
	# One browser at a time: two headless Chromiums side by side made focus and clipboard
	# assertions flaky on a 2-core machine.
	$(BIN)/pytest -n $${PYTEST_BROWSER_WORKERS:-1} -m browser tests/browser

# The inner loop: everything but the slow tests (real servers, faults, races, schemathesis, the
# generated client) and the browser; keeps the test databases between runs (new migrations are
# still applied; `PYTEST_ARGS=--create-db` starts afresh).
test-fast: $(VENV)/.dev
	$(BIN)/pytest -n $${PYTEST_WORKERS:-2} -m "not slow and not browser" --reuse-db $(PYTEST_ARGS)

# Regenerate the typed client in clients/python/cybergate_client/generated/ from the current
# customer API schema (openapi-python-client); commit the result. tests/api/test_client_package.py
# fails while the committed copy differs from what the schema generates.
client: $(VENV)/.dev
	$(BIN)/python clients/python/generate.py

bench: $(VENV)/.dev
	$(BIN)/python bench/auth.py
	$(BIN)/python bench/new_entries.py
	$(BIN)/python bench/door_open.py
	$(BIN)/python bench/login_flood.py
	$(BIN)/python bench/auth_flood.py
	$(BIN)/python bench/webhook_delivery.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache test-artifacts tests/oidc/node_modules \
		tests/browser/node_modules
