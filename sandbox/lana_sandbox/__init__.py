"""Stand-ins for the outside world: Lana's PostgreSQL schema, a bank simulator, a private server.

Entry points: `lana_sandbox.simulate.simulate`, `lana_sandbox.pg.ensure_server`,
`lana_sandbox.pg.ensure_database`, and the click group `lana_sandbox.cli.cli`.
"""
