# Two commands for a fresh machine: `make reports` and `make test`.
# Both create .venv and install the project into it when needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT ?= reports
WORKERS ?= 2

.PHONY: setup reports test lint notebooks-test sample-data benchmark clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP)

reports: setup
	$(BIN)/audit batch sample_data --out $(OUT) --workers $(WORKERS)

lint: setup
	$(BIN)/ruff check src tests benchmarks

test: setup lint
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest --nbval-lax -p no:randomly notebooks

sample-data: setup
	$(BIN)/audit sample sample_data

clean:
	rm -rf $(OUT) .pytest_cache .ruff_cache
