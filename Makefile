# Every target sets itself up: a venv in $(VENV) with the project and its test extras.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# Two workers (the machine has 2 cores); whole files per worker so module fixtures start once.
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: install test lint demo bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check addon cli tests

# Offline replay of the bundled founding cassette to the real openai SDK.
demo: $(STAMP)
	$(VENV)/bin/vcrproxy replay cassettes/vercel-gateway-claude-simple-streaming.yaml \
		-- $(PY) -m vcrproxy.cli.demo_client

# Replay throughput is driven by h2load (Debian's nghttp2-client), installed here if missing.
bench: $(STAMP)
	@command -v h2load >/dev/null || (apt-get update -qq && apt-get install -y -qq nghttp2-client)
	$(PY) tests/bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info
