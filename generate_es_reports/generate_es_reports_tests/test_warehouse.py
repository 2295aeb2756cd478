"""Which warehouse the environment names, and that secrets stay out of its description."""

from __future__ import annotations

from pathlib import Path

import pytest
from generate_es_reports.warehouse import BigQuery, DuckDB, Postgres, WarehouseError, from_env
from psycopg import conninfo


def test_duckdb_is_the_default(tmp_path):
    warehouse = from_env(env={"LANA_DUCKDB_PATH": str(tmp_path / "w.duckdb")})
    assert isinstance(warehouse, DuckDB) and warehouse.path == tmp_path / "w.duckdb"
    assert from_env(env={}).path == Path("warehouse/lana.duckdb").resolve()
    with pytest.raises(WarehouseError, match=r"DuckDB warehouse .*w\.duckdb does not exist"):
        list(warehouse.dicts("dbt_lana_reports", "x"))


def test_postgres_from_the_dbt_profile_variables_reporting_login_first():
    env = {
        "DBT_TARGET": "postgres",
        "LANA_DW_PG_HOST": "db.example",
        "LANA_DW_PG_PORT": "6543",
        "LANA_DW_PG_USER": "admin",
        "LANA_DW_PG_PASSWORD": "admin-secret",
        "LANA_DW_PG_DATABASE": "dw",
    }
    warehouse = from_env(env=env)
    assert isinstance(warehouse, Postgres)
    params = conninfo.conninfo_to_dict(warehouse.conninfo)
    assert (params["host"], params["port"], params["user"], params["dbname"]) == (
        "db.example",
        "6543",
        "admin",
        "dw",
    )
    assert params["password"] == "admin-secret"
    env |= {"LANA_DW_REPORTING_USER": "reports", "LANA_DW_REPORTING_PASSWORD": "r-secret"}
    warehouse = from_env(env=env)
    params = conninfo.conninfo_to_dict(warehouse.conninfo)
    assert (params["user"], params["password"]) == ("reports", "r-secret")
    assert warehouse.describe() == "postgres:reports@db.example:6543/dw"
    assert "secret" not in warehouse.describe()


def test_bigquery_needs_a_project_and_quotes_with_backticks():
    with pytest.raises(WarehouseError, match="needs GCP_PROJECT_ID"):
        from_env("bigquery", env={})
    warehouse = from_env(env={"DBT_TARGET": "bigquery", "GCP_PROJECT_ID": "bank-prod"})
    assert isinstance(warehouse, BigQuery) and warehouse.describe() == "bigquery:bank-prod"
    assert warehouse._query("dbt_lana_reports", "r", ["a", "b"]) == (
        "select * from `bank-prod.dbt_lana_reports.r` order by 1, 2"
    )


def test_an_unknown_target_is_refused():
    with pytest.raises(WarehouseError, match="unknown warehouse target 'oracle'"):
        from_env("oracle", env={})
