# The two commands of the README: `make run` and `make test`. Everything they need is set up on the way.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
AXE_VERSION := 4.14.1
AXE_JS := .cache/axe-core/axe.min.js

.PHONY: run test lint format typecheck pytest translations messages serve clean bench load load-deadline quick coverage

$(VENV)/.base: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev: $(VENV)/.base
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

translations: $(VENV)/.base
	$(BIN)/pybabel compile --statistics -d assessment/translations

# After adding or changing a user-facing string: `make messages`, translate the new entries in the .po (none may
# stay empty or fuzzy: tests/web/test_i18n.py checks), then `make translations`. pybabel's default keywords already
# cover _, gettext and ngettext (with its plural); passing a bare `-k ngettext` would drop the plural form.
I18N_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2
messages: $(VENV)/.base
	$(BIN)/pybabel extract -F babel.cfg $(I18N_KEYWORDS) --no-wrap --sort-by-file --project='Penilaian Desa Digital' \
	  -o assessment/translations/messages.pot --ignore-dirs='.venv .cache .git node_modules' .
	$(BIN)/pybabel update --no-wrap --ignore-obsolete --no-fuzzy-matching -i assessment/translations/messages.pot \
	  -d assessment/translations -l en

# axe-core is fetched from npm at set-up (test-only, MPL-2.0) rather than committed.
$(AXE_JS):
	mkdir -p .cache/axe-core
	cd .cache/axe-core && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && \
	  tar -xzf axe-core-$(AXE_VERSION).tgz && cp package/axe.min.js axe.min.js && rm -rf package *.tgz

# `desa-digital worker -- SERVER...` runs the background worker (e-mail, reminders) beside the server command and
# stops both together (Ctrl+C or a signal); keep that prefix on whatever server line follows it.
run: $(VENV)/.base translations
	$(BIN)/desa-digital db upgrade
	$(BIN)/desa-digital evidence sweep
	$(BIN)/desa-digital demo --if-empty
	$(BIN)/desa-digital worker -- $(BIN)/desa-digital serve --host $(HOST) --port $(PORT)

# ruff format is the house's one layout (applied once to the whole tree); `make format` applies it, lint checks it.
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .

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
	$(BIN)/python -m bench.bench_dashboard

# Load test (not a test, not part of `make test`): 50 assessors signed in with TOTP save desk scores for 2 minutes
# against gunicorn on a throw-away PostgreSQL cluster on loopback; then every acknowledged save is counted in the
# database. LOAD_ARGS="--users 10 --seconds 20" for a short run. Results go into docs/performance.md by hand.
PG_VERSION ?= $(shell ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
load: $(VENV)/.dev translations
	pg_virtualenv -t -v $(PG_VERSION) sh -c \
	  'DATABASE_URL="postgresql+psycopg://$$PGUSER:$$PGPASSWORD@$$PGHOST:$$PGPORT/$$PGDATABASE" \
	  $(abspath $(BIN))/python -m bench.load_scores $(LOAD_ARGS)'

# Deadline-day load test (not a test either): 300 operators save levels and upload 1-3 MB photos while 40 assessors
# save desk scores, for 5 minutes, against `desa-digital worker -- desa-digital serve` (waitress, as `make run`
# starts it) on a throw-away PostgreSQL cluster; then every acknowledged write is counted in the database, the audit
# chain is verified, and the wait for the audit chain's head lock is reported per request kind. About 15 minutes;
# LOAD_DEADLINE_ARGS="--operators 20 --assessors 5 --seconds 30" for a short run. Results go into docs/performance.md.
load-deadline: $(VENV)/.dev translations
	pg_virtualenv -t -v $(PG_VERSION) sh -c \
	  'DATABASE_URL="postgresql+psycopg://$$PGUSER:$$PGPASSWORD@$$PGHOST:$$PGPORT/$$PGDATABASE" \
	  $(abspath $(BIN))/python -m bench.load_deadline $(LOAD_DEADLINE_ARGS)'

# Seconds, not minutes: lint and the pure core's unit and property tests (no app, no database, no browser).
quick: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -x tests/core

# Line and branch coverage of the whole suite, measured, not gated: the report lists what no test runs.
# The summary goes to the terminal and an HTML report to .cache/coverage/.
coverage: $(VENV)/.dev translations $(AXE_JS)
	AXE_JS=$(abspath $(AXE_JS)) $(BIN)/python -m coverage run -m pytest -q $(PYTEST_ARGS)
	$(BIN)/python -m coverage report --skip-covered --sort=cover
	$(BIN)/python -m coverage html -q -d .cache/coverage

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache
