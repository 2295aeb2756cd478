"""`lana-dw demo`: the whole pipeline on the embedded defaults, twice, with a week in between."""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import click
import duckdb
import psycopg
from lana_sandbox import pg

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _redact(dsn: str) -> str:
    """The DSN without its password, for printing."""
    parts = urlsplit(dsn)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return dsn


def _bank_exists(dsn: str) -> bool:
    with psycopg.connect(dsn) as con:
        return con.execute("select to_regnamespace('lana_sandbox') is not null").fetchone()[0]


def _run(cmd: list[str], env: dict[str, str], cwd: Path = REPO_ROOT) -> None:
    click.secho(f"$ {' '.join(cmd)}", fg="cyan", err=True)
    subprocess.run(cmd, cwd=cwd, env=env, check=True)


def _pipeline(env: dict[str, str]) -> float:
    started = time.monotonic()
    _run(
        [
            str(BIN / "dagster"),
            "job",
            "execute",
            "-m",
            "lana_dw.definitions",
            "-j",
            "lana_dw_daily",
        ],
        env,
        cwd=REPO_ROOT / "dagster",
    )
    return time.monotonic() - started


HEADLINES = {
    "customers": "select count(*) from dbt_lana_marts.dim_customers",
    "total disbursed (USD)": "select sum(disbursed_usd) from dbt_lana_marts.fct_facilities",
    "principal outstanding (USD)": (
        "select sum(principal_outstanding_usd) from dbt_lana_marts.fct_facilities"
    ),
    "deposits held (USD)": "select sum(deposit_balance_usd) from dbt_lana_marts.dim_customers",
}


def _headlines(warehouse: Path) -> list[tuple[str, object]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [(label, con.execute(sql).fetchone()[0] or 0) for label, sql in HEADLINES.items()]


@click.command()
@click.option("--customers", default=300, show_default=True, help="Customers of a new demo bank.")
@click.option("--days", default=365, show_default=True, help="History of a new demo bank, in days.")
@click.option(
    "--more-days", default=7, show_default=True, help="Days simulated between the two runs."
)
@click.option("--seed", default=42, show_default=True)
def demo(customers: int, days: int, more_days: int, seed: int) -> None:
    """Build a sandbox bank, run the whole pipeline, add a week, run it again, show the results."""
    env = dict(os.environ)
    env.setdefault("DAGSTER_HOME", str(REPO_ROOT / "dagster" / "dagster_home"))
    env.setdefault("LANA_DUCKDB_PATH", str(REPO_ROOT / "warehouse" / "lana.duckdb"))
    env.setdefault("LANA_REPORTS_DIR", str(REPO_ROOT / "reports"))
    if not env.get("LANA_PG_DSN"):
        click.echo("LANA_PG_DSN is not set: using the private PostgreSQL under .lana/pg", err=True)
        env["LANA_PG_DSN"] = pg.ensure_server(root=REPO_ROOT / ".lana" / "pg")
    dsn = env["LANA_PG_DSN"]
    pg.ensure_database(dsn)

    lana = str(BIN / "lana-dw")
    if not _bank_exists(dsn):
        _run(
            [
                lana,
                "sandbox",
                "simulate",
                "--customers",
                str(customers),
                "--days",
                str(days),
                "--seed",
                str(seed),
            ],
            env,
        )
    first = _pipeline(env)
    _run([lana, "sandbox", "simulate", "--days", str(more_days), "--seed", str(seed)], env)
    second = _pipeline(env)

    warehouse = Path(env["LANA_DUCKDB_PATH"])
    click.echo("")
    click.secho("lana-dw demo: done", bold=True)
    click.echo(f"  source      {_redact(dsn)}")
    click.echo(f"  warehouse   {warehouse}  (schemas lana_raw, dbt_lana, dbt_lana_marts)")
    click.echo(f"  report      {Path(env['LANA_REPORTS_DIR']) / 'financial_summary.csv'}")
    click.echo(f"  pipeline    first run {first:.0f} s, incremental run {second:.0f} s")
    for label, value in _headlines(warehouse):
        click.echo(f"  {label:<24}{value:>16,}")
    click.echo("  browse it:  make ui  →  http://127.0.0.1:3000")
