"""Fixtures for cross-component tests: a real PostgreSQL server and throwaway databases."""

import os
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TEST_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _with_database(dsn: str, database: str) -> str:
    return urlunsplit(urlsplit(dsn)._replace(path=f"/{database}"))


@pytest.fixture(scope="session")
def pg_admin_dsn() -> str:
    """A server where tests may create databases: LANA_TEST_PG_DSN, the machine's, or ours."""
    dsn = os.environ.get("LANA_TEST_PG_DSN", DEFAULT_TEST_DSN)
    try:
        psycopg.connect(dsn, connect_timeout=3).close()
    except psycopg.OperationalError:
        if "LANA_TEST_PG_DSN" in os.environ:
            raise
        from lana_sandbox import pg

        dsn = _with_database(pg.ensure_server(root=REPO_ROOT / ".lana" / "pg"), "postgres")
    return dsn


@pytest.fixture
def fresh_database(pg_admin_dsn):
    """A new, empty database for one test, dropped afterwards. Yields its DSN."""
    name = f"lana_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_dsn, autocommit=True) as con:
        con.execute(f'create database "{name}"')
    try:
        yield _with_database(pg_admin_dsn, name)
    finally:
        with psycopg.connect(pg_admin_dsn, autocommit=True) as con:
            con.execute(f'drop database if exists "{name}" with (force)')
