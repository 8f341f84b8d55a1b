# Two commands do everything on a fresh clone (Python 3.11 and make):
#   make run   install into .venv, generate the demo deliveries if data/raw/ holds none,
#              run the whole pipeline and publish the marts
#   make test  install, then lint (ruff, mypy, sqlfluff) and run the tests
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
MANIFEST := dbt_project/target/manifest.json
# A second venv with an older DuckDB, to prove that analysts' tools open the published database.
DUCKDB_OLD := 1.1.3
VENV_DUCKDB_OLD := .venv-duckdb11
STAMP_DUCKDB_OLD := $(VENV_DUCKDB_OLD)/.installed-$(DUCKDB_OLD)
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests -type f 2>/dev/null) dbt_project/dbt_project.yml

# Telemetry of every tool is off: nothing reaches the network at run time.
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export GX_ANALYTICS_ENABLED := False
export DAGSTER_HOME := $(CURDIR)/.dagster
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install run test lint dev docs bench fuzz clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installation des dépendances (versions figées de requirements.lock)…"
	$(BIN)/pip install --quiet --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

# dagster-dbt reads the manifest when the definitions are imported: build it at set-up.
$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	cd dbt_project && ../$(BIN)/dbt parse --profiles-dir . --quiet
	@touch $@

install: $(STAMP) $(MANIFEST)

# DuckDB $(DUCKDB_OLD) alone (one wheel, no dependency), for tests/lib/publication.
$(STAMP_DUCKDB_OLD):
	@test -x $(VENV_DUCKDB_OLD)/bin/python || $(PYTHON) -m venv $(VENV_DUCKDB_OLD)
	$(VENV_DUCKDB_OLD)/bin/pip install --quiet --no-deps duckdb==$(DUCKDB_OLD)
	@rm -f $(VENV_DUCKDB_OLD)/.installed-*
	@touch $@

run: install
	@if [ -z "$$(find data/raw -name '*.csv' -print -quit 2>/dev/null)" ]; then \
		$(BIN)/observatoire generate --out data/raw; \
	fi
	$(BIN)/observatoire run

lint: install
	$(BIN)/ruff check pipelines demo tests benchmarks
	$(BIN)/ruff format --check pipelines demo tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	OBSERVATOIRE_WAREHOUSE=$(CURDIR)/.venv/lint.duckdb $(BIN)/sqlfluff lint dbt_project/models

test: lint $(STAMP_DUCKDB_OLD)
	$(BIN)/pytest

# The Dagster UI (http://127.0.0.1:3000) on the project's instance (.dagster/), where
# `observatoire run` records its runs too; the sensor `nouvelles_livraisons` is on.
dev: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dagster dev -m pipelines.definitions -h 127.0.0.1

# The data dictionary (dbt docs) in dbt_project/target/index.html.
docs: install
	cd dbt_project && OBSERVATOIRE_WAREHOUSE=$(CURDIR)/data/warehouse.duckdb ../$(BIN)/dbt docs generate --profiles-dir . --static
	@echo "Dictionnaire de données : dbt_project/target/static_index.html"

clean:
	rm -rf $(VENV) $(VENV_DUCKDB_OLD) dbt_project/target dbt_project/logs .pytest_cache .mypy_cache .ruff_cache

# Benchmarks print figures; they are not tests. The national one generates the whole country
# (BENCH_ECHELLE=1: about 13 M rows, 3 GB) and times three runs; see README.
BENCH_ECHELLE ?= 1.0
bench: install
	$(BIN)/python benchmarks/bench_gate.py
	$(BIN)/python benchmarks/bench_national.py --echelle $(BENCH_ECHELLE)

# The fuzz suite, ten times longer than in `make test` (about 7 minutes): nightly.
fuzz: install
	OBSERVATOIRE_FUZZ=long $(BIN)/pytest tests/fuzz -q
