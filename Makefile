# Two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TRACKER_DATABASE ?= tracker.db
export TRACKER_DATABASE

.PHONY: run test venv init demo bench browser clean screenshot docs

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

venv: $(STAMP)

init: venv
	$(BIN)/tracker init

run: init
	@echo ""
	@echo "  Tracker is starting on http://127.0.0.1:8000  (database: $(TRACKER_DATABASE))"
	@echo "  In another terminal:"
	@echo "    $(BIN)/tracker demo                 # a demo campaign with a month of clicks"
	@echo "    $(BIN)/tracker share demo-launch    # prints a link to its stats page: open it"
	@echo "    $(BIN)/tracker --help               # everything else"
	@echo "  Ctrl-C stops the server."
	@echo ""
	$(BIN)/tracker serve

# Browser tests drive Debian's Chromium; it is installed here, never downloaded.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: venv browser
	@bash scripts/ensure-postgres.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# docs/cli.md and docs/configuration.md are generated from the code (tests check they are current).
docs: venv
	$(BIN)/python -m cogapp -r docs/cli.md docs/configuration.md

bench: venv
	$(BIN)/python bench/redirect.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache

screenshot: venv browser
	$(BIN)/python scripts/screenshot.py
