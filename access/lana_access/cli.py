"""`lana-dw access plan|apply`: the access verbs of the project's command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import psycopg
from psycopg import conninfo

from lana_access import bigquery, postgres
from lana_access.config import AccessConfigError, load

DEFAULT_FILE = Path("access") / "roles.yml"


def warehouse_dsn(dsn: str | None, environ=None) -> str:
    """--dsn, else the LANA_DW_PG_* parts (same defaults as dbt's postgres target)."""
    if dsn:
        return dsn
    environ = os.environ if environ is None else environ
    parts = {
        "host": environ.get("LANA_DW_PG_HOST", "127.0.0.1"),
        "port": environ.get("LANA_DW_PG_PORT", "5432"),
        "user": environ.get("LANA_DW_PG_USER", "postgres"),
        "dbname": environ.get("LANA_DW_PG_DATABASE", "lana_dw"),
    }
    if environ.get("LANA_DW_PG_PASSWORD"):
        parts["password"] = environ["LANA_DW_PG_PASSWORD"]
    return conninfo.make_conninfo(**parts)


def _where(dsn: str) -> str:
    """The warehouse for humans: user@host:port/db, never the password."""
    info = conninfo.conninfo_to_dict(dsn)
    return (
        f"{info.get('user', '')}@{info.get('host', '')}:{info.get('port', '5432')}"
        f"/{info.get('dbname', '')}"
    )


def _config(path: Path):
    try:
        return load(path)
    except AccessConfigError as exc:
        raise click.ClickException(str(exc)) from None


file_option = click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_FILE,
    show_default=True,
    help="The access file.",
)
target_option = click.option(
    "--target",
    type=click.Choice(["postgres", "bigquery", "duckdb"]),
    default="postgres",
    show_default=True,
)
dsn_option = click.option(
    "--dsn",
    envvar="LANA_DW_ACCESS_DSN",
    help="Admin connection to the warehouse (default: the LANA_DW_PG_* variables).",
)


@click.group()
def access() -> None:
    """Roles as code: make the warehouse grant what access/roles.yml says, and nothing else."""


def _connect(dsn: str) -> psycopg.Connection:
    try:
        return psycopg.connect(dsn, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise click.ClickException(f"cannot connect to {_where(dsn)}: {exc}") from None


def _duckdb() -> None:
    raise click.ClickException(
        "DuckDB has no roles or grants: a single-file warehouse is protected by file "
        "permissions and read-only connections only (see access/README.md)"
    )


@access.command("plan")
@file_option
@target_option
@dsn_option
@click.option(
    "--project",
    envvar="GCP_PROJECT_ID",
    help="BigQuery: the project id (default: a Terraform variable, var.project_id).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="BigQuery: write the Terraform JSON here (default: print it).",
)
@click.option(
    "--check",
    is_flag=True,
    help="PostgreSQL: exit with status 2 when the warehouse differs from the file (drift).",
)
def plan_command(path, target, dsn, project, out, check) -> None:
    """Print what apply would change (PostgreSQL) or the BigQuery access as Terraform JSON."""
    config = _config(path)
    if target == "duckdb":
        _duckdb()
    if target == "bigquery":
        text = bigquery.render(config, project=project)
        if out:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
            click.echo(f"wrote {out}", err=True)
        else:
            click.echo(text, nl=False)
        return
    dsn = warehouse_dsn(dsn)
    with _connect(dsn) as conn:
        try:
            result = postgres.plan(conn, config)
        except AccessConfigError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"-- plan for {_where(dsn)} from {path}")
    click.echo(result.text())
    if check and result.changes:
        sys.exit(2)


@access.command("apply")
@file_option
@target_option
@dsn_option
def apply_command(path, target, dsn) -> None:
    """Make the PostgreSQL warehouse match the file, in one transaction."""
    config = _config(path)
    if target == "duckdb":
        _duckdb()
    if target == "bigquery":
        raise click.ClickException(
            "BigQuery is applied by Terraform: `lana-dw access plan --target bigquery --out "
            "access.tf.json`, then `terraform apply` (BigQuery cannot be reached from here)"
        )
    dsn = warehouse_dsn(dsn)
    with _connect(dsn) as conn:
        try:
            result = postgres.apply(conn, config)
        except AccessConfigError as exc:
            raise click.ClickException(str(exc)) from None
        except psycopg.Error as exc:
            raise click.ClickException(f"apply failed, nothing changed: {exc}") from None
    click.echo(f"-- applied to {_where(dsn)} from {path}")
    click.echo(result.text())
    if result.changes:
        click.echo(f"-- {len(result.changes)} change(s) applied")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(access())
