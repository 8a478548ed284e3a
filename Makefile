# The two commands of the quick start: `make serve` and `make test`.
VENV   ?= .venv
PIP     = $(VENV)/bin/pip install -q -c constraints.txt
PORT   ?= 8000
HOST   ?= 127.0.0.1

.PHONY: serve test test-fast lint bench browser redis clean

serve: $(VENV)/.app
	$(VENV)/bin/gdviz serve --host $(HOST) --port $(PORT)

# The whole suite: lint first (it fails in seconds), then pytest on two workers, a file at a time
# (a file's server or generated scripts are made once), each worker with its own server and browser.
test: lint browser redis
	node --test tests/frontend/
	$(VENV)/bin/pytest -n 2 --dist loadfile

# Everyday work: the tests that need no server, no browser and no subprocess (under 30 s).
test-fast: $(VENV)/.test
	$(VENV)/bin/pytest -n 2 -m "not server and not browser and not slow"

lint: $(VENV)/.test
	$(VENV)/bin/ruff check backend tests bench
	$(VENV)/bin/ruff format --check backend tests bench
	$(VENV)/bin/mypy

bench: $(VENV)/.test browser redis
	$(VENV)/bin/python bench/run.py

$(VENV)/bin/python:
	python3 -m venv $(VENV)

$(VENV)/.app: $(VENV)/bin/python pyproject.toml constraints.txt
	$(PIP) -e .
	touch $@

$(VENV)/.test: $(VENV)/bin/python pyproject.toml constraints.txt
	$(PIP) -e ".[test]"
	touch $@ $(VENV)/.app

# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# The Redis tests start their own private redis-server (Debian's), on a free port.
redis:
	@command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis dist build
