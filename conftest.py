"""Fixtures shared by every test folder: a real PostgreSQL server and throwaway databases.

The server is LANA_TEST_PG_DSN if set, else the machine's at 127.0.0.1:5432, else the
private one `lana-dw sandbox pg` runs under .lana/pg (started on demand).
"""

import os
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import conninfo

REPO_ROOT = Path(__file__).resolve().parent
DEFAULT_TEST_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def pg_admin_dsn() -> str:
    """A server where tests may create databases."""
    dsn = os.environ.get("LANA_TEST_PG_DSN", DEFAULT_TEST_DSN)
    try:
        psycopg.connect(dsn, connect_timeout=3).close()
    except psycopg.OperationalError:
        if "LANA_TEST_PG_DSN" in os.environ:
            raise
        from lana_sandbox import pg

        dsn = conninfo.make_conninfo(
            pg.ensure_server(root=REPO_ROOT / ".lana" / "pg"), dbname="postgres"
        )
    return dsn


@pytest.fixture(scope="session")
def make_db(pg_admin_dsn):
    """Call it to get the DSN of a new, empty database; all are dropped at the end."""
    created: list[str] = []

    def make() -> str:
        name = f"lana_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(pg_admin_dsn, autocommit=True) as con:
            con.execute(f'create database "{name}"')
        created.append(name)
        return conninfo.make_conninfo(pg_admin_dsn, dbname=name)

    yield make
    with psycopg.connect(pg_admin_dsn, autocommit=True) as con:
        for name in created:
            con.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def fresh_database(make_db) -> str:
    """A new, empty database for one test. Yields its DSN."""
    return make_db()
