# Thin wrappers: the logic lives in scripts/setup and the lana-dw CLI.
SHELL := /bin/bash
export DAGSTER_HOME := $(CURDIR)/dagster/dagster_home
export UV_PYTHON_DOWNLOADS := never
export MELTANO_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

.PHONY: setup demo test ui lint bench

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
