# Set-up and everyday commands. `make app` and `make test` work on a fresh machine:
# they create .venv, install the pinned requirements, and go.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8501

.PHONY: app test test-fast test-pg chromium bench clean-data

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

## The app on the embedded default: SQLite in ./data, the bundled model, the demo archive.
app: $(STAMP)
	HF_HUB_OFFLINE=1 $(VENV)/bin/streamlit run app.py --server.port $(PORT) --browser.gatherUsageStats false

## Every test: unit, pipeline on the real model, PostgreSQL, AppTest pages, Chromium.
test: $(STAMP) chromium
	HF_HUB_OFFLINE=1 $(PY) -m pytest -ra --durations=25

## Plumbing tests only, for the edit-test loop: under 30 s, no browser, and no model (tests/conftest.py
## fails a test not marked slow that loads the real embedding model).
test-fast: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q -m "not slow and not browser"

## The tests whose workspace comes from the fixtures (settings, store, workspace), again on PostgreSQL:
## the server at 127.0.0.1:5432, database test (CLAIMDESK_TEST_PG names another), a fresh schema per
## test. A server that does not answer fails the run. CI runs it after `make test`.
test-pg: $(STAMP)
	CLAIMDESK_TEST_DB=postgresql HF_HUB_OFFLINE=1 $(PY) -m pytest -ra --durations=25 -m "not browser"

## Debian's Chromium for the browser test (needs root; the test skips, saying why, without it).
chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
		|| echo "warning: could not install chromium; the browser test will be skipped"

bench: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) benchmarks/bench_pipeline.py
