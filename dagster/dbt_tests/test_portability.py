"""The dbt project on the other warehouses: built and tested on PostgreSQL, and compiled for
BigQuery offline with every compiled model parsed by sqlglot's BigQuery dialect.

DuckDB is covered by tests/test_end_to_end.py (the Dagster job builds the project there).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg
import pytest
import sqlglot
from sqlglot.errors import ParseError

from .conftest import run_dbt


def test_dbt_build_passes_on_postgres(postgres_build):
    warehouse, tmp, result = postgres_build
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    run = json.loads((tmp / "target" / "run_results.json").read_text())
    statuses = {r["unique_id"]: r["status"] for r in run["results"]}
    failed = {k: v for k, v in statuses.items() if v not in ("success", "pass")}
    assert not failed, failed
    models = [k for k in statuses if k.startswith("model.")]
    tests = [k for k in statuses if k.startswith("test.") or k.startswith("unit_test.")]
    manifest = json.loads((tmp / "target" / "manifest.json").read_text())
    all_models = [k for k, n in manifest["nodes"].items() if n["resource_type"] == "model"]
    assert sorted(models) == sorted(all_models)  # every model built, none skipped
    assert len(tests) > 100


def test_postgres_models_hold_the_bank(postgres_build):
    """Not only green: staging on PostgreSQL has the bank's rows, money exact."""
    warehouse, _, result = postgres_build
    assert result.returncode == 0
    with psycopg.connect(warehouse) as conn:

        def one(query: str):
            return conn.execute(query).fetchone()

        # every source row of a one-row-per-key table arrives once
        assert one("select count(*) from dbt_lana.stg_lana__cala_entries") == one(
            "select count(*) from lana_raw.cala_entries"
        )
        assert one("select count(*) from dbt_lana.stg_lana__chart_nodes")[0] > 50
        # entries balance per transaction, currency and layer in exact major units
        unbalanced = one(
            """select count(*) from (
                 select transaction_id, currency, layer,
                        sum(case when direction = 'debit' then units else -units end) as net
                 from dbt_lana.stg_lana__cala_entry_events
                 group by 1, 2, 3) t
               where net <> 0"""
        )[0]
        assert unbalanced == 0
        # the collateral in BTC is exactly the sats
        assert one(
            """select count(*) from dbt_lana.stg_lana__collaterals
               where collateral_btc * 100000000 <> collateral_sats"""
        ) == (0,)
        assert one("select count(*) from dbt_lana.stg_sumsub__applicants")[0] > 0
        assert one(
            "select pg_typeof(close_usd)::text from dbt_lana.stg_bitfinex__candles limit 1"
        ) == ("numeric",)


def test_dbt_docs_generate_writes_the_catalog(postgres_build, tmp_path):
    """`dbt docs generate` (what `make docs` runs before serving) succeeds on the built
    warehouse and its catalog.json describes the marts' columns."""
    warehouse, _, result = postgres_build
    assert result.returncode == 0
    docs = run_dbt("docs", "generate", target="postgres", tmp=tmp_path, warehouse=warehouse)
    assert docs.returncode == 0, docs.stdout[-4000:] + docs.stderr[-2000:]
    catalog = json.loads((tmp_path / "target" / "catalog.json").read_text())
    assert not catalog.get("errors")
    nodes = catalog["nodes"]
    assert "model.lana_dw.fct_loan_portfolio" in nodes
    assert "cvl_pct" in nodes["model.lana_dw.fct_loan_portfolio"]["columns"]
    assert (tmp_path / "target" / "index.html").exists()


def _compile_bigquery(tmp: Path) -> Path:
    """Compile the project for BigQuery without network. Returns the compiled models folder."""
    result = run_dbt("compile", "--no-populate-cache", target="bigquery", tmp=tmp)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return tmp / "target" / "compiled" / "lana_dw" / "models"


def bigquery_syntax_errors(compiled: Path) -> dict[str, str]:
    """Every compiled .sql under `compiled` that sqlglot's BigQuery dialect cannot parse."""
    errors = {}
    for path in sorted(compiled.rglob("*.sql")):
        try:
            sqlglot.parse(path.read_text(), read="bigquery", error_level=sqlglot.ErrorLevel.RAISE)
        except ParseError as error:
            errors[str(path.relative_to(compiled))] = str(error)[:300]
    return errors


@pytest.fixture(scope="module")
def bigquery_compiled(tmp_path_factory) -> Path:
    return _compile_bigquery(tmp_path_factory.mktemp("dbt_bigquery"))


def test_bigquery_compile_parses(bigquery_compiled):
    files = list(bigquery_compiled.rglob("*.sql"))
    manifest = json.loads((bigquery_compiled.parents[2] / "manifest.json").read_text())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    # every model compiled (the YAML tests are compiled under models/ too, and parsed as well)
    missing = [
        n["original_file_path"]
        for n in models
        if not (bigquery_compiled / n["original_file_path"].removeprefix("models/")).exists()
    ]
    assert models and not missing
    assert len(files) > len(models)
    assert bigquery_syntax_errors(bigquery_compiled) == {}


def test_bigquery_check_catches_a_syntax_error(bigquery_compiled, tmp_path):
    """The check is not vacuous: one broken model among the compiled ones is reported."""
    copy = tmp_path / "models"
    shutil.copytree(bigquery_compiled, copy)
    victim = sorted(copy.rglob("stg_lana__chart_nodes.sql"))[0]
    victim.write_text(victim.read_text().replace("select", "selec (", 1))
    errors = bigquery_syntax_errors(copy)
    assert list(errors) == [str(victim.relative_to(copy))]
