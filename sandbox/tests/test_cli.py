"""The command line: `lana-dw sandbox ...` is this click group; `python -m lana_sandbox` too."""

import subprocess
import sys

import psycopg
from click.testing import CliRunner
from lana_sandbox.cli import cli


def test_simulate_then_continue(db):
    run = CliRunner().invoke
    first = run(cli, ["simulate", "--preset", "tiny", "--days", "10", "--seed", "5", "--dsn", db])
    assert first.exit_code == 0, first.output
    assert "simulated 2025-01-01 .. 2025-01-10 (10 days" in first.output
    assert "core_customer_events_rollup" in first.output
    again = run(cli, ["simulate", "--days", "3", "--quiet"], env={"LANA_PG_DSN": db})
    assert again.exit_code == 0, again.output
    assert "simulated 2025-01-11 .. 2025-01-13 (3 days" in again.output
    wrong = run(cli, ["simulate", "--days", "1", "--seed", "6", "--dsn", db])
    assert wrong.exit_code == 1 and "--seed 5" in wrong.output
    with psycopg.connect(db) as conn:
        state = conn.execute("SELECT seed, customers, last_day::text FROM lana_sandbox.state")
        assert state.fetchone() == (5, 50, "2025-01-13")


def test_simulate_needs_days_and_a_database(monkeypatch):
    monkeypatch.delenv("LANA_PG_DSN", raising=False)
    run = CliRunner().invoke
    assert "give --days" in run(cli, ["simulate"]).output
    out = run(cli, ["simulate", "--days", "1"])
    assert out.exit_code == 1 and "LANA_PG_DSN" in out.output


def test_ddl(db):
    run = CliRunner().invoke
    printed = run(cli, ["ddl", "--print"]).output
    assert "CREATE TABLE IF NOT EXISTS core_credit_facility_events_rollup (" in printed
    assert run(cli, ["ddl", "--dsn", db]).output.strip() == "ok"
    with psycopg.connect(db) as conn:
        n = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()[0]
    assert n == 1 + 3 * 16 + 1 + 10  # public ids, 16 entities, inbox_events, Cala


def test_python_dash_m():
    out = subprocess.run(
        [sys.executable, "-m", "lana_sandbox", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0
    for verb in ("simulate", "pg", "ddl"):
        assert verb in out.stdout
