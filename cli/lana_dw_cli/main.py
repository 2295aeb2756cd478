"""`lana-dw`: the project's one command line. Extraction, transformation and orchestration keep
their own tools' CLIs (meltano, dbt, dagster); this holds the verbs of our own."""

import click
from lana_access.cli import access
from lana_sandbox.cli import cli as sandbox_cli

from lana_dw_cli.demo import demo


@click.group()
@click.version_option(package_name="lana-dw-cli")
def cli() -> None:
    """lana-dw: the data platform of a bitcoin-backed lending bank on Lana."""


cli.add_command(sandbox_cli, "sandbox")
cli.add_command(demo)
cli.add_command(access, "access")
