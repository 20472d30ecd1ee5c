# Fresh clone → `make demo` / `make test`. Both create .venv and install the pinned project first.
PYTHON ?= python3
DEV_PORT ?= 3000
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

export WELLNESS_HOME ?= $(CURDIR)/data
export DAGSTER_HOME  ?= $(CURDIR)/dagster_home
export PYTHONDONTWRITEBYTECODE ?= 1
export DAGSTER_EVENT_BATCH_SIZE ?= 10000

.PHONY: demo test lint defs dev install clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,distributed]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/wellness demo

test: lint defs
	$(BIN)/python -m pytest

# ruff (pinned in the dev extra, configured in pyproject.toml): lint rules and the formatter's layout
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# every definition loads as the UI and the daemon load it (workspace.yaml's lazy `defs`)
defs: $(STAMP)
	$(BIN)/python -W 'ignore:Function `definitions_validate_command` is superseded' -m dagster definitions validate -w workspace.yaml --log-level warning

dev: $(STAMP)
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p $(DEV_PORT)

clean:
	rm -rf $(VENV) data build *.egg-info
	find dagster_home -mindepth 1 ! -name dagster.yaml -exec rm -rf {} +
