# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test bench screenshots venv clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The stamps re-install when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

venv: $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/dutydesk db upgrade
	# the demo's links are written under the URL it is served at
	DUTYDESK_WEB__HOST=$(HOST) DUTYDESK_WEB__PORT=$(PORT) $(BIN)/dutydesk demo seed --if-empty
	$(BIN)/dutydesk serve --host $(HOST) --port $(PORT)

# Two pytest-xdist workers: most of the suite's time is spent waiting on browsers, subprocesses and sockets.
# Each worker has its own databases, servers and temp dirs (tests/README.md); TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# every menu page of every demo role at desktop and phone size, with an index page: var/screenshots/index.html
screenshots: $(VENV)/.installed-test
	$(BIN)/python -m tests.browser.screenshots var/screenshots

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/ .pytest_cache
