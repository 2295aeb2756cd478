from lana_sandbox.cli import cli

cli(prog_name="python -m lana_sandbox")
