"""`lana-dw access`: the verbs, the targets they refuse, and errors that name the problem."""

from __future__ import annotations

from lana_access.cli import warehouse_dsn
from psycopg import conninfo


def test_the_verbs_are_on_the_project_cli(lana_dw):
    result = lana_dw("access", "--help", env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0
    assert "plan" in result.stdout and "apply" in result.stdout


def test_duckdb_cannot_enforce_roles(lana_dw):
    for verb in ("plan", "apply"):
        result = lana_dw("access", verb, "--target", "duckdb", env={"PATH": "/usr/bin:/bin"})
        assert result.returncode == 1
        assert "DuckDB has no roles or grants" in result.stderr
        assert "read-only connections" in result.stderr


def test_bigquery_is_applied_by_terraform(lana_dw):
    result = lana_dw("access", "apply", "--target", "bigquery", env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert "BigQuery is applied by Terraform" in result.stderr


def test_a_bad_file_is_named(lana_dw, tmp_path):
    bad = tmp_path / "roles.yml"
    bad.write_text("schemas: {}\nroles: {}\n")
    result = lana_dw("access", "plan", "--file", str(bad), env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert f"{bad} is not a valid access file" in result.stderr
    assert "personal_data: Field required" in result.stderr


def test_an_unreachable_warehouse_is_named_without_its_password(lana_dw):
    result = lana_dw(
        "access",
        "plan",
        "--dsn",
        "postgresql://admin:topsecret@127.0.0.1:1/lana_dw",
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1
    assert "cannot connect to admin@127.0.0.1:1/lana_dw" in result.stderr
    assert "topsecret" not in result.stderr + result.stdout


def test_the_warehouse_comes_from_lana_dw_pg_variables():
    dsn = warehouse_dsn(
        None,
        {
            "LANA_DW_PG_HOST": "wh.internal",
            "LANA_DW_PG_PORT": "6543",
            "LANA_DW_PG_USER": "lana_admin",
            "LANA_DW_PG_PASSWORD": "pw",
            "LANA_DW_PG_DATABASE": "lana_dw_prod",
        },
    )
    assert conninfo.conninfo_to_dict(dsn) == {
        "host": "wh.internal",
        "port": "6543",
        "user": "lana_admin",
        "password": "pw",
        "dbname": "lana_dw_prod",
    }
    assert conninfo.conninfo_to_dict(warehouse_dsn(None, {})) == {
        "host": "127.0.0.1",
        "port": "5432",
        "user": "postgres",
        "dbname": "lana_dw",
    }
    assert warehouse_dsn("postgresql://x@y/z", {"LANA_DW_PG_HOST": "ignored"}) == (
        "postgresql://x@y/z"
    )


def test_plan_check_reports_drift(lana_dw, new_database, setup):
    dsn = new_database()
    args = ["access", "plan", "--check", "--file", str(setup.write_file()), "--dsn", dsn]
    result = lana_dw(*args, env=setup.environ())
    assert result.returncode == 2, result.stderr
    assert 'CREATE SCHEMA "lana_raw"' in result.stdout
