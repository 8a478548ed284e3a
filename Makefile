# The two commands of the quick start: `make serve` and `make test`.
VENV   ?= .venv
PIP     = $(VENV)/bin/pip install -q -c constraints.txt
PORT   ?= 8000
HOST   ?= 127.0.0.1

.PHONY: serve test bench browser clean

serve: $(VENV)/.app
	$(VENV)/bin/gdviz serve --host $(HOST) --port $(PORT)

test: $(VENV)/.test browser
	node --test tests/frontend/
	$(VENV)/bin/pytest

bench: $(VENV)/.test browser
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

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis dist build
