"""`lana-dw sandbox ...` (also `python -m lana_sandbox ...`): simulator, DDL, private server."""

from __future__ import annotations

import sys

import click

from lana_sandbox import pg
from lana_sandbox.ddl import ddl_script

#: Size presets: (customers, days). README.md shows what each gives.
PRESETS = {"tiny": (50, 90), "demo": (300, 365), "bench": (10_000, 730)}


@click.group()
def cli() -> None:
    """Stand-ins for the outside world: Lana's database, a bank simulator, a private PostgreSQL."""


@cli.command()
@click.option("--customers", type=click.IntRange(min=1), help="Customers of a new bank [100].")
@click.option("--days", type=click.IntRange(min=0), help="Days to simulate.")
@click.option("--seed", type=int, help="Random seed of a new bank [42].")
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="First day of a new bank [2025-01-01].",
)
@click.option("--preset", type=click.Choice(sorted(PRESETS)), help="Customers and days at once.")
@click.option(
    "--dsn",
    envvar="LANA_PG_DSN",
    show_envvar=True,
    help="Database to write (created if missing).",
)
@click.option("--quiet", is_flag=True, help="No progress lines.")
def simulate(customers, days, seed, start, preset, dsn, quiet) -> None:
    """Simulate a bank in Lana's schema, or continue the one already in the database.

    On an existing bank only --days is needed: it continues from the last simulated day
    (seed, customers and start are stored; if given they must match).
    """
    from lana_sandbox.simulate import SandboxError
    from lana_sandbox.simulate import simulate as run

    if preset:
        preset_customers, preset_days = PRESETS[preset]
        customers = customers if customers is not None else preset_customers
        days = days if days is not None else preset_days
    if days is None:
        raise click.UsageError("give --days (or --preset)")
    try:
        summary = run(
            dsn,
            days=days,
            customers=customers,
            seed=seed,
            start=start.date() if start else None,
            progress=None if quiet else sys.stderr,
        )
    except (SandboxError, pg.PgError) as e:
        raise click.ClickException(str(e)) from e
    if summary.first_day is None:
        click.echo("nothing to do: 0 days")
    else:
        click.echo(
            f"simulated {summary.first_day} .. {summary.last_day} ({summary.days} days, "
            f"{summary.events:,} events) in {summary.seconds:.1f} s"
        )
    click.echo(f"{'table':<44}{'written':>12}{'total':>12}")
    for table, total in summary.table_rows.items():
        written = summary.rows_written.get(table, 0)
        updated = summary.rows_written.get(f"{table} (updated)", 0)
        note = f"  ({updated:,} updated)" if updated else ""
        click.echo(f"{table:<44}{written:>12,}{total:>12,}{note}")


@cli.command()
@click.option("--dsn", envvar="LANA_PG_DSN", show_envvar=True, help="Apply to this database.")
@click.option("--print", "print_only", is_flag=True, help="Print the DDL instead of applying it.")
def ddl(dsn, print_only) -> None:
    """Create Lana's tables (and the simulator's bookkeeping schema) where missing."""
    if print_only:
        click.echo(ddl_script(), nl=False)
        return
    if not dsn:
        raise click.UsageError("give --dsn or set LANA_PG_DSN (or use --print)")
    from lana_sandbox.ddl import apply_ddl
    from lana_sandbox.simulate import connect

    with connect(pg.ensure_database(dsn)) as conn:
        apply_ddl(conn)
    click.echo("ok")


@cli.group(name="pg")
def pg_group() -> None:
    """A private PostgreSQL server under .lana/pg (for machines without one)."""


_root = click.option(
    "--root",
    default=str(pg.DEFAULT_ROOT),
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder of the server's data and log.",
)


@pg_group.command()
@_root
@click.option(
    "--port", type=int, help=f"Port [${pg.PORT_ENV} or {pg.DEFAULT_PORT}]; ignored if running."
)
def start(root, port) -> None:
    """Start the server (initialising it on first use) and print its DSN."""
    try:
        click.echo(pg.ensure_server(root, port))
    except pg.PgError as e:
        raise click.ClickException(str(e)) from e


@pg_group.command()
@_root
def stop(root) -> None:
    """Stop the server."""
    click.echo("stopped" if pg.Server(root).stop() else "not running")


@pg_group.command()
@_root
def status(root) -> None:
    """Print the DSN if the server runs (exit 0), else say so (exit 1)."""
    port = pg.Server(root).running_port()
    if port is None:
        click.echo("not running")
        sys.exit(1)
    click.echo(pg.dsn_for(port))
