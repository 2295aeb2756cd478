"""Fixtures: throwaway databases on a real PostgreSQL server, and the shared reference files."""

import os
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import conninfo

REPO_ROOT = Path(__file__).resolve().parents[2]
ADMIN_DSN = os.environ.get("LANA_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
REFERENCE = Path(os.environ.get("LANA_SHARED_DIR", REPO_ROOT.parent / "shared")) / "reference"


def _create() -> str:
    name = f"lana_sandbox_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return conninfo.make_conninfo(ADMIN_DSN, dbname=name)


def _drop(dsn: str) -> None:
    name = conninfo.conninfo_to_dict(dsn)["dbname"]
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def make_db():
    """Call it to get the DSN of a new empty database; all are dropped at the end."""
    created: list[str] = []

    def make() -> str:
        created.append(_create())
        return created[-1]

    yield make
    for dsn in created:
        _drop(dsn)


@pytest.fixture
def db(make_db) -> str:
    return make_db()


@pytest.fixture(scope="session")
def reference() -> Path:
    if not (REFERENCE / "lana-source.md").exists():
        pytest.fail(f"the shared reference is missing at {REFERENCE} (set LANA_SHARED_DIR)")
    return REFERENCE
