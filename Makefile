# MMS: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint format bench clean help

help:
	@echo "make run    - install, migrate, load demo data, serve on http://127.0.0.1:8000 with Celery worker and beat"
	@echo "make test   - run the whole test suite"
	@echo "make lint   - ruff, mypy and the import contracts (lint-imports)"

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

venv: $(STAMP)

run: $(STAMP)
	@DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input
	@DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_demo --no-logins
	@DEBUG=$${DEBUG:-1} $(BIN)/python manage.py collectstatic --no-input --verbosity 0
	@DEBUG=$${DEBUG:-1} scripts/run-all

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core mms assets people inventory plans orders exchange reports investment
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf var/broker var/celerybeat-schedule

bench: $(STAMP)
	DJANGO_SETTINGS_MODULE=mms.settings_test $(BIN)/python manage.py bench
