# Samspel — the two commands that matter: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTHON ?= python3
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test install install-dev assets browser lint typecheck bench migrate demo clean translations audit

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[dev]"
	touch $(STAMP) $@

install: $(STAMP) assets
install-dev: $(DEV_STAMP) assets

# htmx (pages) and axe-core (tests) from the npm registry, as package.json pins them.
assets: node_modules/.package-lock.json
node_modules/.package-lock.json: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium for the browser tests (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

run: install
	$(VENV)/bin/samspel migrate
	$(VENV)/bin/samspel demo
	$(VENV)/bin/samspel serve

# The suite runs on every core (pytest-xdist); each test module (or class) stays on one worker,
# browser groups are handed out first (tests/conftest.py), and worker-wide fixtures (the
# browser audit's plan, the test world's template database) are built once per worker.
# PYTEST_WORKERS=0 runs serially.
PYTEST_WORKERS ?= auto
test: install-dev browser
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

# Known vulnerabilities in the installed packages (pip-audit): one fails the run; an audit
# service that cannot be reached is reported as NOT AUDITED and does not (SAMSPEL_AUDIT_STRICT=1
# makes it fail too). docs/security.md.
audit: install-dev
	VENV=$(VENV) $(PY) .ci/audit.py

lint: install-dev
	$(VENV)/bin/ruff check webapp invites tests
	$(VENV)/bin/ruff format --check webapp invites tests

typecheck: install-dev
	$(VENV)/bin/mypy

# wrk (Debian's package) drives the warm-load part when it can be installed; without it the
# benchmark uses its own asyncio client.
bench: install-dev
	@command -v wrk >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -qq wrk >/dev/null 2>&1 || echo "wrk not installed: using the built-in load client"; }
	$(PY) -m bench

migrate: install
	$(VENV)/bin/samspel migrate

demo: install
	$(VENV)/bin/samspel demo

# Contributors: refresh the catalogs after changing UI strings (see docs/contributing.md).
translations: install-dev
	$(PY) -m webapp.i18n.extract

clean:
	rm -rf $(VENV) node_modules .pytest_cache
