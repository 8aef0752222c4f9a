# Two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
TRACKER_DATABASE ?= tracker.db
export TRACKER_DATABASE

.PHONY: run test lint venv test-venv init demo bench system-deps clean screenshot docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Serving needs the package only; the test tools come with `make test`.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(RUN_STAMP)

venv: $(RUN_STAMP)
test-venv: $(TEST_STAMP)

init: venv
	$(BIN)/tracker init

run: init
	@echo ""
	@echo "  Tracker is starting on http://127.0.0.1:8000  (database: $(TRACKER_DATABASE))"
	@echo "  In another terminal, create the first user of the console (it asks for a password):"
	@echo "    $(BIN)/tracker user add you@example.com --role admin"
	@echo "  then sign in at http://127.0.0.1:8000/ . And if you like:"
	@echo "    $(BIN)/tracker demo                 # a demo campaign with a month of clicks"
	@echo "    $(BIN)/tracker share demo-launch    # prints a link to its stats page: open it"
	@echo "    $(BIN)/tracker --help               # everything else"
	@echo "  Ctrl-C stops the server."
	@echo ""
	$(BIN)/tracker serve

# The real tools the tests drive, from Debian, never downloaded by a test
# tool: Chromium for the browser tests, nginx for the deploy/ checks.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian's$$missing for the tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

test: test-venv system-deps lint
	@bash scripts/ensure-postgres.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# docs/cli.md and docs/configuration.md are generated from the code (tests check they are current).
docs: test-venv
	$(BIN)/python -m cogapp -r docs/cli.md docs/configuration.md

# Lint, format and types: part of `make test`.
lint: test-venv
	$(BIN)/ruff check tracker tests bench scripts deploy
	$(BIN)/ruff format --check tracker tests bench scripts deploy
	$(BIN)/mypy

bench: test-venv
	$(BIN)/python bench/redirect.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache

screenshot: test-venv system-deps
	$(BIN)/python scripts/screenshot.py
