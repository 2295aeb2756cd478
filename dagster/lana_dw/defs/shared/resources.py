"""Resources shared by every domain: the Meltano project and the DuckDB warehouse."""

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode

import dagster as dg
import duckdb
import psycopg
from psycopg import conninfo

from lana_dw import paths

# Every process that writes (or reads) the DuckDB file runs in this pool; the instance
# limits it to one at a time (dagster_home/dagster.yaml), since DuckDB allows one writer.
DUCKDB_POOL = "duckdb_warehouse"


def tap_postgres_url(dsn: str) -> str:
    """The source DSN as the URL tap-postgres (SQLAlchemy) accepts.

    Takes any libpq DSN, URL (`postgresql://user@host/db`) or key=value (`host=... dbname=...`),
    and always names a password, which tap-postgres insists on (empty for trust or .pgpass).
    """
    try:
        params = conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as e:
        raise ValueError(f"LANA_PG_DSN is not a valid PostgreSQL DSN: {e}") from None
    missing = [k for k in ("host", "user", "dbname") if not params.get(k)]
    if missing:
        raise ValueError(
            f"LANA_PG_DSN must name {', '.join(missing)} "
            "(e.g. postgresql://user:password@host:5432/lana)"
        )
    user, password = quote(params.pop("user"), safe=""), quote(params.pop("password", ""), safe="")
    host, port, dbname = params.pop("host"), params.pop("port", "5432"), params.pop("dbname")
    if host.startswith("/"):  # a Unix socket directory
        params["host"], host = host, ""
    query = f"?{urlencode(params)}" if params else ""
    return f"postgresql://{user}:{password}@{host}:{port}/{quote(dbname, safe='')}{query}"


class MeltanoResource(dg.ConfigurableResource):
    """Runs jobs of the Meltano project (meltano/) in a subprocess, logs streamed to Dagster."""

    project_dir: str = str(paths.MELTANO_PROJECT_DIR)

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("MELTANO_SEND_ANONYMOUS_USAGE_STATS", "false")
        env["LANA_DUCKDB_PATH"] = str(paths.duckdb_path())
        if env.get("LANA_PG_DSN"):
            env["LANA_PG_DSN"] = tap_postgres_url(env["LANA_PG_DSN"])
        return env

    def run(self, context: dg.AssetExecutionContext, job: str) -> None:
        meltano = shutil.which("meltano", path=str(Path(sys.executable).parent)) or "meltano"
        cmd = [meltano, "run", job]
        context.log.info(f"Running `{' '.join(cmd[1:])}` in {self.project_dir}")
        with subprocess.Popen(
            cmd,
            cwd=self.project_dir,
            env=self._env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as proc:
            tail: list[str] = []
            for line in proc.stdout:
                line = line.rstrip()
                context.log.debug(line)
                tail = [*tail[-39:], line]
        if proc.returncode != 0:
            raise dg.Failure(
                description=f"meltano run {job} failed with exit code {proc.returncode}",
                metadata={"last_lines": dg.MetadataValue.text("\n".join(tail))},
            )


class DuckDBWarehouse(dg.ConfigurableResource):
    """The embedded warehouse file."""

    @property
    def path(self) -> Path:
        return paths.duckdb_path()

    @contextmanager
    def connect(self, read_only: bool = True):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.path), read_only=read_only)
        try:
            yield con
        finally:
            con.close()
