"""Fixtures: a real warehouse on the test PostgreSQL, with roles private to this test run.

PostgreSQL roles belong to the server, not to a database, so every run renames the file's
roles (`lana_analyst` -> `t<hex>_analyst`) and its login users, and drops them at the end,
after the databases that hold their grants.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import yaml
from psycopg import conninfo, sql

REPO = Path(__file__).resolve().parents[2]
ROLES_FILE = REPO / "access" / "roles.yml"
DBT_PROJECT = REPO / "dagster" / "dbt"
PERMISSION_DENIED = "42501"


@dataclass
class Setup:
    """One test run's names: roles, users (with passwords), and where the file copy lives."""

    prefix: str
    directory: Path
    passwords: dict[str, str] = field(default_factory=dict)
    databases: list[str] = field(default_factory=list)

    def role(self, name: str) -> str:
        """The run's name of a role of roles.yml (`lana_analyst` -> `t1a2b_analyst`)."""
        return re.sub(r"^lana_", f"{self.prefix}_", name)

    def user(self, key: str) -> str:
        return f"{self.prefix}_u_{key}"

    def environ(self, config: dict | None = None) -> dict[str, str]:
        """The process environment plus every user's name and password variables."""
        config = config or yaml.safe_load(ROLES_FILE.read_text())
        env = dict(os.environ)
        for key, user in config["users"].items():
            env[user["user_env"]] = self.user(key)
            env[user["password_env"]] = self.passwords.setdefault(
                key, f"pw-{key}-{secrets.token_hex(8)}"
            )
        return env

    def write_file(self, edit=None, name: str = "roles.yml") -> Path:
        """roles.yml with this run's role names; `edit(text) -> text` changes it first."""
        text = ROLES_FILE.read_text()
        if edit:
            text = edit(text)
        text = re.sub(
            r"\blana_(engineer|analyst|reporting|loader|transformer)\b", rf"{self.prefix}_\1", text
        )
        path = self.directory / name
        path.write_text(text)
        return path


@pytest.fixture(scope="session")
def setup(pg_admin_dsn, tmp_path_factory):
    run = Setup(prefix=f"t{uuid.uuid4().hex[:6]}", directory=tmp_path_factory.mktemp("access"))
    yield run
    with psycopg.connect(pg_admin_dsn, autocommit=True) as conn:
        for database in run.databases:
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database))
            )
        roles = [
            r
            for (r,) in conn.execute(
                "select rolname from pg_roles where rolname like %s", (f"{run.prefix}\\_%",)
            )
        ]
        # Users first: they are members of the group roles.
        for role in sorted(roles, key=lambda r: "_u_" not in r):
            conn.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))


@pytest.fixture(scope="session")
def new_database(pg_admin_dsn, setup):
    """Call it for a new empty database (dropped before this run's roles)."""

    def make() -> str:
        name = f"lana_access_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(pg_admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        setup.databases.append(name)
        return conninfo.make_conninfo(pg_admin_dsn, dbname=name)

    return make


@pytest.fixture(scope="session")
def login(setup):
    """login(dsn, key): a connection as the login user `users.<key>` of roles.yml."""

    def connect(dsn: str, key: str) -> psycopg.Connection:
        return psycopg.connect(
            dsn, user=setup.user(key), password=setup.passwords[key], autocommit=True
        )

    return connect


@pytest.fixture(scope="session")
def refused():
    """refused(conn, query): run it, expect PostgreSQL's permission-denied error (42501);
    returns the message."""

    def check(conn: psycopg.Connection, query: str) -> str:
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as caught:
            conn.execute(query)
        assert caught.value.sqlstate == PERMISSION_DENIED
        return str(caught.value).splitlines()[0]

    return check


@pytest.fixture(scope="session")
def lana_dw():
    """lana_dw(*args, env=...): the project's CLI in a subprocess, as a user runs it."""

    def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(REPO / ".venv" / "bin" / "lana-dw"), *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run
