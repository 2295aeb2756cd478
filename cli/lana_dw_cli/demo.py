"""`lana-dw demo`: the whole pipeline on the embedded defaults, twice, with a week in between."""

import json
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import duckdb
import psycopg
from lana_sandbox import pg
from lana_sandbox.fake_sumsub import server as fake_sumsub
from psycopg import conninfo

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# Dagster event lines worth showing while the job runs; everything goes to the log file.
PROGRESS = re.compile(r" - (STEP_START|STEP_SUCCESS|STEP_FAILURE|RUN_SUCCESS|RUN_FAILURE) - ")

HEADLINES = {
    "customers": "select count(*) from dbt_lana_marts.dim_customers",
    "total disbursed (USD)": "select sum(disbursed_usd) from dbt_lana_marts.fct_facilities",
    "principal outstanding (USD)": (
        "select sum(principal_outstanding_usd) from dbt_lana_marts.fct_facilities"
    ),
    "deposits held (USD)": "select sum(deposit_balance_usd) from dbt_lana_marts.dim_customers",
    "BTC/USD last (Bitfinex)": (
        "select cast(last_price as decimal(18, 2)) from lana_raw.bitfinex_ticker"
        " order by requested_at desc limit 1"
    ),
    "BTC/USD trades loaded": "select count(*) from lana_raw.bitfinex_trades",
    "KYC applicants loaded": (
        "select count(distinct customer_id) from lana_raw.sumsub_applicants"
        " where fetch_status = 'found'"
    ),
}


def _redact(dsn: str) -> str:
    """The DSN without its password, for printing."""
    params = conninfo.conninfo_to_dict(dsn)
    if params.get("password"):
        params["password"] = "***"
    return conninfo.make_conninfo(**params)


def _bank_exists(dsn: str) -> bool:
    with psycopg.connect(dsn) as con:
        return con.execute("select to_regnamespace('lana_sandbox') is not null").fetchone()[0]


def _run(cmd: list[str], env: dict[str, str], log: Path, cwd: Path = REPO_ROOT) -> None:
    """Run a step: its whole output goes to `log`, progress lines to the terminal."""
    click.secho(
        f"$ {' '.join(Path(cmd[0]).name if i == 0 else c for i, c in enumerate(cmd))}",
        fg="cyan",
        err=True,
    )
    with (
        log.open("a", encoding="utf-8") as out,
        subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as proc,
    ):
        for line in proc.stdout:
            out.write(line)
            if PROGRESS.search(line):
                step = line.split(" - ")[-2:]
                click.echo(f"  {step[0]:<13} {step[1].strip()}", err=True)
    if proc.returncode != 0:
        tail = "".join(log.read_text(encoding="utf-8").splitlines(keepends=True)[-30:])
        click.echo(tail, err=True)
        raise click.ClickException(
            f"{Path(cmd[0]).name} failed with exit code {proc.returncode}; full log: {log}"
        )


@contextmanager
def _sandbox_server(env: dict[str, str], url_variable: str, name: str, cmd: list[str]):
    """Serve a sandbox API for the demo unless `url_variable` already names a real one."""
    if env.get(url_variable):
        yield
        return
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env, text=True) as proc:
        try:
            env[url_variable] = proc.stdout.readline().strip()
            if not env[url_variable].startswith("http"):
                raise click.ClickException(f"the sandbox {name} server did not start")
            click.echo(f"{name}: the sandbox server at {env[url_variable]}", err=True)
            yield
        finally:
            proc.terminate()


def _report_run(reports_dir: Path, since: datetime) -> tuple[Path, dict] | None:
    """The newest run folder of generate-es-reports (the daily job's report step) created since
    `since`, with its manifest."""
    runs = []
    for path in reports_dir.glob("*/manifest.json"):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if datetime.fromisoformat(manifest["created_at"]) >= since:
            runs.append((manifest["created_at"], path.parent, manifest))
    if not runs:
        return None
    _, folder, manifest = max(runs, key=lambda r: r[0])
    return folder, manifest


def _headlines(warehouse: Path) -> list[tuple[str, object]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [(label, con.execute(sql).fetchone()[0] or 0) for label, sql in HEADLINES.items()]


@click.command()
@click.option("--customers", default=300, show_default=True, help="Customers of a new demo bank.")
@click.option("--days", default=365, show_default=True, help="History of a new demo bank, in days.")
@click.option("--more-days", default=7, show_default=True, help="Days simulated between runs.")
@click.option("--seed", default=42, show_default=True, help="Seed of the simulated bank.")
def demo(customers: int, days: int, more_days: int, seed: int) -> None:
    """Build a sandbox bank, run the whole pipeline, add a week, run it again, show the results.

    Run again, it continues the same bank (source in LANA_PG_DSN, else the private server
    under .lana/pg) and the same warehouse.
    """
    env = dict(os.environ)
    env.setdefault("DAGSTER_HOME", str(REPO_ROOT / "dagster" / "dagster_home"))
    env.setdefault("LANA_DUCKDB_PATH", str(REPO_ROOT / "warehouse" / "lana.duckdb"))
    env.setdefault("LANA_REPORTS_DIR", str(REPO_ROOT / "reports"))
    log_dir = REPO_ROOT / ".lana" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"demo-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.log"
    click.echo(f"lana-dw demo: full log in {log}", err=True)

    if not env.get("LANA_PG_DSN"):
        click.echo("LANA_PG_DSN is not set: using the private PostgreSQL under .lana/pg", err=True)
        env["LANA_PG_DSN"] = pg.ensure_server(root=REPO_ROOT / ".lana" / "pg")
    dsn = env["LANA_PG_DSN"]
    pg.ensure_database(dsn)

    if not env.get("TAP_SUMSUBAPI_BASE_URL"):  # the sandbox Sumsub's own app token
        env.setdefault("SUMSUB_KEY", fake_sumsub.DEFAULT_TOKEN)
        env.setdefault("SUMSUB_SECRET", fake_sumsub.DEFAULT_SECRET)
    lana = str(BIN / "lana-dw")
    simulate = [lana, "sandbox", "simulate", "--seed", str(seed), "--quiet"]
    if not _bank_exists(dsn):
        _run([*simulate, "--customers", str(customers), "--days", str(days)], env, log)
    # A first price load reaches back a day (later runs continue from their bookmark).
    first_price = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    env.setdefault("BITFINEX_START_DATE", first_price.isoformat())
    pipeline = [str(BIN / "dagster"), "job", "execute", "-m", "lana_dw.definitions"]
    pipeline += ["-j", "lana_dw_daily"]
    fake = [sys.executable, "-m"]
    bitfinex = [*fake, "lana_sandbox.fake_bitfinex", "--port", "0", "--seed", str(seed)]
    sumsub = [*fake, "lana_sandbox.fake_sumsub", "--port", "0", "--seed", str(seed)]
    with (
        _sandbox_server(env, "BITFINEX_BASE_URL", "Bitfinex", bitfinex),
        _sandbox_server(env, "TAP_SUMSUBAPI_BASE_URL", "Sumsub", sumsub),
    ):
        started = time.monotonic()
        _run(pipeline, env, log, cwd=REPO_ROOT / "dagster")
        first = time.monotonic() - started
        _run([*simulate, "--days", str(more_days)], env, log)
        second_started = datetime.now(UTC).replace(microsecond=0)
        started = time.monotonic()
        _run(pipeline, env, log, cwd=REPO_ROOT / "dagster")
        second = time.monotonic() - started

    warehouse = Path(env["LANA_DUCKDB_PATH"])
    reports_dir = Path(env["LANA_REPORTS_DIR"])
    report_run = _report_run(reports_dir, second_started)
    if report_run is None:
        raise click.ClickException(f"the pipeline wrote no report run under {reports_dir}")
    folder, manifest = report_run
    click.echo("")
    click.secho("lana-dw demo: done", bold=True)
    click.echo(f"  source      {_redact(dsn)}")
    click.echo(f"  warehouse   {warehouse}  (schemas lana_raw, dbt_lana, dbt_lana_marts)")
    click.echo(f"  report      {reports_dir / 'financial_summary.csv'}")
    click.echo(f"  regulator   {folder}/  (as of {manifest['as_of_date']})")
    for entry in manifest["files"]:
        rows = "" if entry["rows"] is None else f"  ({entry['rows']} rows)"
        click.echo(f"    {folder / entry['path']}{rows}")
    for entry in manifest["skipped"]:
        click.echo(f"    not written: {entry['path']}: {entry['reason']}")
    click.echo(f"    {folder / 'manifest.json'}")
    click.echo(f"  log         {log}")
    click.echo(f"  pipeline    first run {first:.0f} s, after one more week {second:.0f} s")
    for label, value in _headlines(warehouse):
        click.echo(f"  {label:<28}{value:>16,}")
    click.echo("  browse it:  make ui  →  http://127.0.0.1:3000")
