# Thin wrappers: the logic lives in scripts/setup and the lana-dw CLI.
SHELL := /bin/bash
export DAGSTER_HOME := $(CURDIR)/dagster/dagster_home
export UV_PYTHON_DOWNLOADS := never
export MELTANO_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

.PHONY: setup demo test ui lint bench docs

setup:
	scripts/setup

demo: setup
	.venv/bin/lana-dw demo

test: setup
	.venv/bin/pytest

ui: setup
	cd dagster && PATH=$(CURDIR)/.venv/bin:$$PATH dagster dev -h 127.0.0.1 -p 3000 -w workspace.yaml

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	mkdir -p .lana
	cd dagster/dbt && LANA_DUCKDB_PATH=$(CURDIR)/.lana/lint.duckdb ../../.venv/bin/sqlfluff lint models tests

bench: setup
	.venv/bin/python bench/sandbox_bank.py

# dbt docs of the DuckDB warehouse at $LANA_DUCKDB_PATH (default warehouse/lana.duckdb, which
# `make demo` fills): generate (manifest + catalog.json of the relations that exist), then serve
# on http://127.0.0.1:8080 until interrupted.
docs: setup
	cd dagster/dbt && ../../.venv/bin/dbt docs generate --profiles-dir . --target duckdb
	cd dagster/dbt && ../../.venv/bin/dbt docs serve --profiles-dir . --target duckdb --host 127.0.0.1 --port 8080 --no-browser
