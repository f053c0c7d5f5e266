# Two commands for a fresh machine: `make reports` and `make test`.
# Both create .venv and install the project into it when needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT ?= reports
WORKERS ?= 2

.PHONY: setup lock reports test lint notebooks-test sample-data benchmark clean system-deps browser-deps docs

# Exact versions, with their hashes, from requirements.lock (made by `make lock` from pyproject.toml's ranges);
# then the project itself, editable, with nothing more. uv installs them: the same files, hash-checked as pip
# would, fetched and unpacked at once rather than one after another (seconds rather than a minute or more).
# uv itself comes first, through pip, hash-checked against its own lines in the lock. Everything is compiled to
# bytecode now, as pip does, so that no process (each kernel, each command a test runs) compiles it again
# where PYTHONDONTWRITEBYTECODE is set. The project's nbconvert settings (drop the notebook-only cells) go into
# the environment's Jupyter config folder, so `jupyter nbconvert` run with .venv's Jupyter uses them by default.
$(STAMP): pyproject.toml requirements.lock $(BIN)/uv jupyter_nbconvert_config.json
	$(BIN)/uv pip install --quiet --require-hashes -r requirements.lock --compile-bytecode --python $(BIN)/python
	$(BIN)/uv pip install --quiet --no-deps --no-build-isolation -e . --python $(BIN)/python
	$(BIN)/python -m compileall -q src
	install -D -m 644 jupyter_nbconvert_config.json $(VENV)/etc/jupyter/jupyter_nbconvert_config.json
	@touch $(STAMP)

$(BIN)/uv: requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@awk '/^uv==/ {p = 1} p && !/^uv==/ && !/^ / {p = 0} p' requirements.lock > $(VENV)/uv-requirement.txt
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r $(VENV)/uv-requirement.txt
	@touch $@

setup: $(STAMP)

# Re-make requirements.lock after changing the dependencies in pyproject.toml; versions already locked are kept
# unless UPGRADE=1. Then `make setup` and commit both files.
LOCK_COMMAND = pip compile pyproject.toml --extra dev --generate-hashes --universal --python-version 3.11 --quiet
lock:
	@test -x $(BIN)/uv || { test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); $(BIN)/python -m pip install --quiet uv; }
	$(BIN)/uv $(LOCK_COMMAND) $(if $(UPGRADE),--upgrade) -o requirements.lock

reports: setup
	$(BIN)/audit batch sample_data --out $(OUT) --workers $(WORKERS) --replace

lint: setup
	$(BIN)/ruff check src tests benchmarks

# The tests and the notebooks (nbval) in one run on TEST_WORKERS processes (pytest-xdist), so one process's
# kernel starts and browser waits overlap the other's work. --dist loadscope keeps each test module on one
# process (its module fixtures, such as a kernel pool, are made once) and each notebook's cells in order;
# --no-loadscope-reorder hands the modules out in the order tests/conftest.py gives them, longest first.
TEST_WORKERS ?= 2
test: setup lint system-deps browser-deps
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder tests --nbval-lax -p no:randomly notebooks

# What the PDF and the browser checks need from Debian: Pango and fonts (WeasyPrint), chromium,
# node and npm (playwright-core, axe-core), poppler-utils (PDF pages as PNG). Installed only where
# missing and only as root; otherwise the tests that need them skip and say why.
CHROMIUM ?= /usr/bin/chromium
system-deps:
	@missing=""; \
	ldconfig -p 2>/dev/null | grep -q 'libpango-1\.0\.so' || missing="$$missing libpango-1.0-0"; \
	ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1\.0\.so' || missing="$$missing libpangoft2-1.0-0"; \
	dpkg -s fonts-liberation >/dev/null 2>&1 || missing="$$missing fonts-liberation"; \
	test -x $(CHROMIUM) || missing="$$missing chromium"; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "apt-get install$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  { apt-get install -y -qq --no-install-recommends $$missing >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; }; } || \
	  echo "could not install$$missing: the tests that need them will skip"; \
	else echo "not installed:$$missing (needs root and apt-get): the tests that need them will skip"; fi

# playwright-core and axe-core, pinned in package-lock.json; playwright-core never downloads a browser.
node_modules/.package-lock.json: package.json package-lock.json | system-deps
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not installed: the browser checks will skip"; fi

browser-deps: system-deps node_modules/.package-lock.json

# The user guide, from docs/ into build/docs/ (open build/docs/index.html; no server, no network needed).
# First the screenshots of the sample reports (a batch and a published batch of sample_data, photographed
# in headless Chromium by docs/screenshots.mjs, into build/docs-screenshots/; made again only when the
# sample data or the script change), then `mkdocs build --strict`. Without Chromium or Node the guide is
# still built, with a note where each screenshot would be. DOCS_SCREENSHOTS=0 skips them.
DOCS_SHOTS := build/docs-screenshots
DOCS_SCREENSHOTS ?= 1
docs: setup
	@if [ "$(DOCS_SCREENSHOTS)" = 1 ]; then $(MAKE) --no-print-directory $(DOCS_SHOTS)/.made; fi
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet -f docs/mkdocs.yml
	@echo "user guide: build/docs/index.html"

$(DOCS_SHOTS)/.made: $(STAMP) $(wildcard sample_data/*.xlsx) docs/screenshots.mjs | browser-deps
	@rm -rf $(DOCS_SHOTS) && mkdir -p $(DOCS_SHOTS)
	$(BIN)/audit batch sample_data --out $(DOCS_SHOTS)/reports --workers $(WORKERS) --quiet
	$(BIN)/audit batch sample_data --out $(DOCS_SHOTS)/published --workers $(WORKERS) --quiet --publish
	@if node docs/screenshots.mjs $(DOCS_SHOTS)/reports $(DOCS_SHOTS)/published $(DOCS_SHOTS)/images; then \
	  touch $@; else echo "no screenshots taken: the guide will say where each would be"; fi
	@rm -rf $(DOCS_SHOTS)/reports $(DOCS_SHOTS)/published

sample-data: setup
	$(BIN)/audit sample sample_data

clean:
	rm -rf $(OUT) build/docs $(DOCS_SHOTS) .pytest_cache .ruff_cache
