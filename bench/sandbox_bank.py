"""Build a sandbox bank of the bench size and print rows per table, wall time and peak memory.

    .venv/bin/python bench/sandbox_bank.py                      # the bench preset, fresh database
    .venv/bin/python bench/sandbox_bank.py --customers 2000 --days 365 --keep

The database is created on the server of $LANA_TEST_PG_DSN (default the local PostgreSQL on
127.0.0.1:5432) under a fresh name and dropped afterwards unless --keep is given.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import threading
import time
import uuid

import psycopg
from lana_sandbox.cli import PRESETS
from lana_sandbox.simulate import simulate


class BackendCpu:
    """CPU seconds of the PostgreSQL backends serving one database (when the server runs on
    this machine): /proc/<pid>/stat of each backend, sampled every half second."""

    def __init__(self, server: str, dbname: str):
        self.server, self.dbname = server, dbname
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.tick = os.sysconf("SC_CLK_TCK")

    def _sample(self, conn) -> None:
        pids = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.dbname,)
        ).fetchall()
        for (pid,) in pids:
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            cpu = (int(fields[11]) + int(fields[12])) / self.tick
            self.seen[pid] = max(self.seen.get(pid, 0.0), cpu)

    def _run(self) -> None:
        try:
            with psycopg.connect(self.server, autocommit=True) as conn:
                while not self.stop.wait(0.5):
                    self._sample(conn)
        except psycopg.Error:
            pass

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    @property
    def seconds(self) -> float | None:
        return sum(self.seen.values()) if self.seen else None


def main(argv: list[str] | None = None) -> int:
    customers, days = PRESETS["bench"]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=customers)
    parser.add_argument("--days", type=int, default=days)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)

    server = os.environ.get("LANA_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"lana_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    dsn = psycopg.conninfo.make_conninfo(server, dbname=name)
    try:
        started = time.monotonic()
        with BackendCpu(server, name) as backends:
            summary = simulate(
                dsn, days=args.days, customers=args.customers, seed=args.seed, progress=sys.stderr
            )
        wall = time.monotonic() - started
        usage = resource.getrusage(resource.RUSAGE_SELF)
        peak_mb = usage.ru_maxrss / 1024
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        main_cpu = usage.ru_utime + usage.ru_stime
        writer_cpu = children.ru_utime + children.ru_stime
        with psycopg.connect(dsn) as conn:
            (size,) = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        total = 0
        print(f"{'table':<46}{'rows':>14}")
        for table, rows in sorted(summary.table_rows.items(), key=lambda kv: -kv[1]):
            if rows:
                print(f"{table:<46}{rows:>14,}")
            total += rows
        print(f"{'all tables':<46}{total:>14,}")
        print(
            f"\n{args.customers:,} customers x {args.days} days (seed {args.seed}): "
            f"{summary.events:,} events, {total:,} rows in {wall:.0f} s "
            f"({total / wall:,.0f} rows/s), peak RSS {peak_mb:.0f} MB "
            f"(writer process {children.ru_maxrss / 1024:.0f} MB), "
            f"database {size / 2**30:.2f} GiB; of the wall time, building the deferred keys "
            f"and indexes at the end {summary.keys_seconds:.0f} s"
        )
        pg_cpu = backends.seconds
        print(
            f"CPU: Python {main_cpu + writer_cpu:.0f} s (simulating {main_cpu:.0f} s, "
            f"writer {writer_cpu:.0f} s), PostgreSQL backends "
            + ("unknown (not on this machine)" if pg_cpu is None else f"{pg_cpu:.0f} s")
            + f"; load average at the end {os.getloadavg()[0]:.1f}"
        )
        if args.keep:
            print(f"kept: {dsn}")
    finally:
        if not args.keep:
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
