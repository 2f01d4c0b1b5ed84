# The two commands of the README: `make run` and `make test`. Everything they need is set up on the way.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
AXE_VERSION := 4.14.1
AXE_JS := .cache/axe-core/axe.min.js

.PHONY: run test lint typecheck pytest translations serve clean bench

$(VENV)/.base: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev: $(VENV)/.base
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

translations: $(VENV)/.base
	$(BIN)/pybabel compile --statistics -d assessment/translations

# axe-core is fetched from npm at set-up (test-only, MPL-2.0) rather than committed.
$(AXE_JS):
	mkdir -p .cache/axe-core
	cd .cache/axe-core && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && \
	  tar -xzf axe-core-$(AXE_VERSION).tgz && cp package/axe.min.js axe.min.js && rm -rf package *.tgz

run: $(VENV)/.base translations
	$(BIN)/desa-digital db upgrade
	$(BIN)/desa-digital demo --if-empty
	$(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) --access-logfile - 'assessment:create_app()'

lint: $(VENV)/.dev
	$(BIN)/ruff check .

typecheck: $(VENV)/.dev
	$(BIN)/mypy

pytest: $(VENV)/.dev translations $(AXE_JS)
	AXE_JS=$(abspath $(AXE_JS)) $(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# Benchmarks (not tests): scoring core vs numpy/pandas/scikit-criteria/pymcdm/krippendorff, then the 4.5M-row CLI run.
# Results go into docs/performance.md by hand; BENCH_ARGS="--cpu" measures CPU time on a shared machine.
$(VENV)/.bench: $(VENV)/.base
	$(BIN)/pip install -q -e '.[bench]'
	touch $@

bench: $(VENV)/.bench
	$(BIN)/python -m bench.bench_scoring $(BENCH_ARGS)
	$(BIN)/python -m bench.bench_cli

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache
