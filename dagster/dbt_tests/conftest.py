"""Shared by the dbt tests: one PostgreSQL warehouse built with `dbt build` per session
(test_portability checks the build, test_reports the regulator reports on it)."""

from __future__ import annotations

import os
import subprocess

import pytest
from lana_sandbox.simulate import simulate
from psycopg import conninfo

from .raw import DBT_PROJECT, REPO, load_raw

DBT = str(REPO / ".venv" / "bin" / "dbt")


def postgres_env(warehouse: str) -> dict[str, str]:
    """The postgres target's environment for the database at `warehouse`."""
    info = conninfo.conninfo_to_dict(warehouse)
    return {
        "LANA_DW_PG_HOST": str(info.get("host") or "127.0.0.1"),
        "LANA_DW_PG_PORT": str(info.get("port") or "5432"),
        "LANA_DW_PG_USER": str(info.get("user") or "postgres"),
        "LANA_DW_PG_PASSWORD": str(info.get("password") or ""),
        "LANA_DW_PG_DATABASE": str(info["dbname"]),
    }


def run_dbt(*args: str, target: str, tmp, warehouse: str | None = None):
    """dbt `args` in the project on `target`, its target and logs under `tmp`; with
    `warehouse`, the postgres target points at that database (dbt's own login from access/,
    LANA_DW_DBT_*, would win over it: left out)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANA_DW_DBT_")}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env.update(postgres_env(warehouse) if warehouse else {})
    return subprocess.run(
        [
            DBT,
            *args,
            "--profiles-dir",
            ".",
            "--target",
            target,
            "--target-path",
            str(tmp / "target"),
            "--log-path",
            str(tmp / "logs"),
        ],
        cwd=DBT_PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="session")
def postgres_build(make_db, tmp_path_factory):
    """A simulated bank, its lana_raw on a fresh warehouse database, `dbt build` on it."""
    source = make_db()
    simulate(source, customers=50, days=90, seed=7)
    warehouse = make_db()
    load_raw(source, warehouse)
    tmp = tmp_path_factory.mktemp("dbt_postgres")
    result = run_dbt("build", target="postgres", tmp=tmp, warehouse=warehouse)
    return warehouse, tmp, result


@pytest.fixture(scope="session")
def warehouse(postgres_build) -> str:
    """The DSN of the built warehouse, once the build has passed."""
    dsn, _, result = postgres_build
    assert result.returncode == 0, result.stdout[-4000:]
    return dsn
