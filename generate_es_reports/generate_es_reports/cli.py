"""`generate-es-reports`: the regulator's files from the warehouse, without the orchestrator."""

from __future__ import annotations

import os
from datetime import date

import click

from .config import ConfigError, load_config
from .formats import ReportError
from .run import FINANCIAL
from .run import run as run_reports
from .warehouse import TARGETS, WarehouseError, from_env


def _as_of(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


@click.group()
def cli() -> None:
    """El Salvador regulator files (XML valid against the SSF XSDs, CSV, TXT) from the report
    models of the warehouse (dbt schema dbt_lana_reports)."""


@cli.command("list")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False))
def list_reports(config_path: str | None) -> None:
    """The reports of reports.yml: norm/id, model, files."""
    config = load_config(config_path) if config_path else load_config()
    for report in config.reports:
        files = ", ".join(report.path(o.format) for o in report.outputs)
        click.echo(f"{report.key:<45} {report.model:<48} {files}")


@cli.command("run")
@click.option(
    "--as-of",
    callback=_as_of,
    help="The date the files must describe (YYYY-MM-DD). The report models are built for one "
    "date (dbt var as_of_date): a different date is refused, not faked.",
)
@click.option(
    "--only",
    multiple=True,
    metavar="NORM/ID",
    help="Only this report (e.g. nrp_92/01_persona), norm (nrp_92) or `financial` (the "
    "financial report); repeatable. Default: all of them.",
)
@click.option(
    "--destination",
    default=lambda: os.environ.get("LANA_REPORTS_DIR", "reports"),
    show_default="$LANA_REPORTS_DIR or reports",
    help="A local folder or an fsspec URL (gs://bucket/reports, memory://...).",
)
@click.option(
    "--target",
    type=click.Choice(TARGETS),
    envvar="DBT_TARGET",
    default="duckdb",
    show_default=True,
    help="The warehouse to read (env DBT_TARGET, as dbt).",
)
@click.option("--run-id", help="Name of the run folder (default: UTC time and a random suffix).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False))
def run_command(
    as_of: str | None,
    only: tuple[str, ...],
    destination: str,
    target: str,
    run_id: str | None,
    config_path: str | None,
) -> None:
    """Write the report files into <destination>/<run_id>/ and its manifest.json."""
    try:
        config = load_config(config_path) if config_path else load_config()
        # unknown names fail before anything is read
        config.select([name for name in only if name != FINANCIAL])
        with from_env(target) as warehouse:
            current = run_reports(
                warehouse,
                destination,
                config=config,
                only=list(only),
                as_of=as_of,
                run_id=run_id,
            )
    except (ConfigError, ReportError, WarehouseError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"run {current.run_id} as of {current.as_of_date or 'unknown date'}")
    click.echo(f"  {current.folder}")
    for written in current.files:
        rows = "" if written.rows is None else f"  ({written.rows} rows)"
        click.echo(f"  {written.url}{rows}")
    click.echo(f"  {current.destination.url_of(current.run_id + '/manifest.json')}")
    for result in current.results:
        for skipped in result.skipped:
            click.echo(f"  not written: {skipped['path']}: empty report, {skipped['reason']}")
    for skipped in current.financial_skipped:
        click.echo(f"  not written: {skipped['path']}: {skipped['reason']}")
    if current.errors:
        for key, error in current.errors:
            click.secho(f"FAILED {key}: {error}", fg="red", err=True)
        raise click.ClickException(f"{len(current.errors)} report(s) failed")
