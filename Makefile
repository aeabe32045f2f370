# Allmende: the two commands a newcomer needs.
#   make run   set up and start the platform with demo data (SQLite, no server)
#   make test  run linters, type checks and the whole test suite
#              (on SQLite, and again on PostgreSQL when one is reachable)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export ALLMENDE_DEBUG ?= 1
# Links in mails and feeds point to the port the platform really runs on.
export ALLMENDE_SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test lint typecheck messages setup-dev clean-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(BIN)/allmende: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

# One installation of Allmende with the test tools (not one, then another).
$(VENV)/.dev-installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(BIN)/allmende $@

run: $(BIN)/allmende
	$(BIN)/allmende migrate --noinput
	$(BIN)/allmende demo
	@echo "Allmende runs on http://127.0.0.1:$(PORT) (stop with Ctrl+C)"
	$(BIN)/allmende runserver 127.0.0.1:$(PORT)

setup-dev: $(VENV)/.dev-installed

lint: setup-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: setup-dev
	$(BIN)/mypy

test: setup-dev
	@bash scripts/test.sh

messages: setup-dev
	cd src/allmende && ../../$(BIN)/allmende makemessages --locale de --no-obsolete \
	  --ignore "static/vendor/*" && ../../$(BIN)/allmende compilemessages --locale de

clean-data:
	rm -rf var
