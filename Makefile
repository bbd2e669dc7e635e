# pypod developer entry points (run as root on Debian 12; see README.md).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=

.PHONY: all setup demo test lint unit e2e format clean

all: test

# Debian packages, the virtualenv and the rootless test user; quick when already done.
setup:
	@hack/setup.sh

demo: setup
	@hack/demo.sh

lint: setup
	$(BIN)/ruff check pypod tests bench
	$(BIN)/lint-imports

unit: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS) tests/unit $(PYTEST_ARGS)

e2e: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS) tests/e2e $(PYTEST_ARGS)

test: lint
	$(BIN)/pytest -n $(PYTEST_WORKERS) tests $(PYTEST_ARGS)

format: setup
	$(BIN)/ruff format pypod tests
	$(BIN)/ruff check --fix pypod tests

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
	find pypod tests -name __pycache__ -type d -prune -exec rm -rf {} +
