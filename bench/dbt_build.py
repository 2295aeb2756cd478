"""Time `dbt build` on DuckDB over a sandbox bank, and count the rows of every mart.

    .venv/bin/python bench/dbt_build.py --customers 2000 --days 365
    .venv/bin/python bench/dbt_build.py --customers 50 --days 90 --duckdb /tmp/bank.duckdb \
        --select +fct_loan_portfolio

1. The bank: a PostgreSQL database on the server of $LANA_TEST_PG_DSN (default the local
   PostgreSQL on 127.0.0.1:5432) named after its size and seed, `lana_bench_dbt_c<customers>_d
   <days>_s<seed>`, simulated by `lana_sandbox.simulate` with a `lana_raw` schema beside it
   holding what the portability test loads (`dagster/dbt_tests/raw.py`): Lana's tables with the
   loader's `_sdc_*` columns and enums as text, as VIEWS over the bank's own tables (a copy
   would double a bench-size bank's 27 GB), and the Bitfinex and Sumsub tables from the taps'
   JSON schemas. A database of that name that is complete (it has `lana_raw`) is reused: the
   simulation takes far longer than the dbt build. `--fresh` rebuilds it.
2. The fast path, NOT Meltano: every `lana_raw` table is streamed out of PostgreSQL with
   `COPY ... TO STDOUT (FORMAT csv)` into a CSV file, and DuckDB loads it with `COPY FROM` into
   a table of the same columns (uuid -> UUID, jsonb/json and arrays -> JSON, numeric(p,s) ->
   DECIMAL(p,s), timestamptz -> TIMESTAMPTZ, enums and text -> VARCHAR). Same rows and column
   types as the Meltano load lands (target-duckdb), without the taps' per-record JSON work: it
   measures dbt, not the EL. What it does not reproduce: Meltano's incremental state and
   several loads of a key (every key is loaded once here).
3. `dbt build` (models, seeds, tests, unit tests) on the DuckDB file, timed; then the row count
   of every model in `dbt_lana_marts`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import psycopg
from psycopg import conninfo, sql

REPO = Path(__file__).resolve().parents[1]
DBT_PROJECT = REPO / "dagster" / "dbt"
sys.path.insert(0, str(REPO / "dagster"))


def server_dsn() -> str:
    return os.environ.get(
        "LANA_TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
    )


def bank_database(customers: int, days: int, seed: int, fresh: bool) -> tuple[str, float]:
    """The DSN of the bank's warehouse database (lana_raw loaded) and the seconds spent on it."""
    from lana_sandbox.simulate import simulate  # noqa: PLC0415 (sandbox/ is a dependency)

    server = server_dsn()
    name = f"lana_bench_dbt_c{customers}_d{days}_s{seed}"
    dsn = conninfo.make_conninfo(server, dbname=name)
    with psycopg.connect(server, autocommit=True) as admin:
        exists = admin.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if exists and not fresh:
            with psycopg.connect(dsn) as conn:
                done = conn.execute(
                    "select 1 from information_schema.schemata where schema_name = 'lana_raw'"
                ).fetchone()
            if done:
                print(f"bank: reusing database {name}")
                return dsn, 0.0
        admin.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    started = time.monotonic()
    print(f"bank: simulating {customers} customers x {days} days (seed {seed}) into {name} ...")
    simulate(dsn, customers=customers, days=days, seed=seed)
    raw_schema(dsn)
    return dsn, time.monotonic() - started


def raw_schema(dsn: str) -> None:
    """`lana_raw` in the bank's own database: Lana's tables as views (the loader's `_sdc_*`
    columns added, enums as text), Bitfinex and Sumsub as tables (`dbt_tests/raw.py`)."""
    from dbt_tests.raw import load_bitfinex, load_sumsub, source_tables  # noqa: PLC0415

    with psycopg.connect(dsn) as conn:
        conn.execute("create schema lana_raw")
        for table in source_tables("lana"):
            columns = conn.execute(
                "select a.attname, t.typtype = 'e' from pg_attribute a "
                "join pg_type t on t.oid = a.atttypid where a.attrelid = %s::regclass "
                "and a.attnum > 0 and not a.attisdropped order by a.attnum",
                (f"public.{table}",),
            ).fetchall()
            select = sql.SQL(", ").join(
                sql.SQL("{}::text as {}").format(sql.Identifier(n), sql.Identifier(n))
                if enum
                else sql.Identifier(n)
                for n, enum in columns
            )
            conn.execute(
                sql.SQL(
                    "create view {} as select {}, now() as _sdc_batched_at, "
                    "0::bigint as _sdc_sequence, null::timestamptz as _sdc_deleted_at from {}"
                ).format(sql.Identifier("lana_raw", table), select, sql.Identifier("public", table))
            )
        load_bitfinex(dsn, conn)
        load_sumsub(conn, dsn)


_COLUMNS = """
    select a.attname,
           case
               when t.typtype = 'e' then 'VARCHAR'
               when a.attndims > 0 or t.typcategory = 'A' then 'JSON'
               when t.typname in ('json', 'jsonb') then 'JSON'
               when t.typname = 'uuid' then 'UUID'
               when t.typname in ('text', 'varchar', 'bpchar', 'name') then 'VARCHAR'
               when t.typname = 'int2' then 'SMALLINT'
               when t.typname = 'int4' then 'INTEGER'
               when t.typname = 'int8' then 'BIGINT'
               when t.typname = 'bool' then 'BOOLEAN'
               when t.typname = 'date' then 'DATE'
               when t.typname = 'timestamptz' then 'TIMESTAMPTZ'
               when t.typname = 'timestamp' then 'TIMESTAMP'
               when t.typname = 'float8' then 'DOUBLE'
               when t.typname = 'numeric' and a.atttypmod > 0
                   then format('DECIMAL(%%s,%%s)',
                               ((a.atttypmod - 4) >> 16) & 65535, (a.atttypmod - 4) & 65535)
               when t.typname = 'numeric' then 'DECIMAL(38,18)'
               else 'VARCHAR'
           end,
           a.attndims > 0 or t.typcategory = 'A' or t.typname in ('json', 'jsonb')
    from pg_attribute a
    join pg_type t on t.oid = a.atttypid
    where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped
    order by a.attnum
"""


def copy_raw_to_duckdb(pg_dsn: str, duckdb_path: Path, schema: str = "lana_raw") -> dict[str, int]:
    """Every table of `schema` in PostgreSQL into the same schema of a new DuckDB file."""
    duckdb_path.unlink(missing_ok=True)
    rows: dict[str, int] = {}
    with (
        psycopg.connect(pg_dsn) as pg,
        duckdb.connect(str(duckdb_path)) as duck,
        tempfile.TemporaryDirectory() as tmp,
    ):
        pg.execute("set timezone = 'UTC'")
        duck.execute("set timezone = 'UTC'")
        duck.execute(f"create schema {schema}")
        tables = [
            r[0]
            for r in pg.execute(
                "select table_name from information_schema.tables where table_schema = %s "
                "and table_type in ('BASE TABLE', 'VIEW') order by 1",
                (schema,),
            )
        ]
        for table in tables:
            columns = pg.execute(_COLUMNS, (f'{schema}."{table}"',)).fetchall()
            duck.execute(
                f'create table {schema}."{table}" ('
                + ", ".join(f'"{name}" {kind}' for name, kind, _ in columns)
                + ")"
            )
            # JSON (and arrays, as JSON arrays) leave PostgreSQL as JSON text
            select = sql.SQL(", ").join(
                sql.SQL("to_jsonb({})::text").format(sql.Identifier(name))
                if is_json
                else sql.Identifier(name)
                for name, _, is_json in columns
            )
            path = Path(tmp) / f"{table}.csv"
            copy = sql.SQL("copy (select {} from {}) to stdout (format csv)").format(
                select, sql.Identifier(schema, table)
            )
            with open(path, "wb") as out, pg.cursor().copy(copy) as stream:
                for block in stream:
                    out.write(block)
            # PostgreSQL's CSV: NULL is an unquoted empty field, '' a quoted one
            duck.execute(
                f"copy {schema}.\"{table}\" from '{path}' "
                "(format csv, header false, quote '\"', escape '\"', allow_quoted_nulls false)"
            )
            rows[table] = duck.execute(f'select count(*) from {schema}."{table}"').fetchone()[0]
            path.unlink()
    return rows


def dbt_build(duckdb_path: Path, target_path: Path, select: str | None) -> tuple[float, dict]:
    env = {
        **os.environ,
        "LANA_DUCKDB_PATH": str(duckdb_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    args = [
        str(REPO / ".venv" / "bin" / "dbt"),
        "build",
        "--profiles-dir",
        ".",
        "--target",
        "duckdb",
    ]
    args += ["--target-path", str(target_path), "--log-path", str(target_path / "logs")]
    if select:
        args += ["--select", select]
    started = time.monotonic()
    result = subprocess.run(args, cwd=DBT_PROJECT, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        print(result.stdout[-8000:], result.stderr[-2000:])
    run = json.loads((target_path / "run_results.json").read_text())
    statuses: dict[str, int] = {}
    for r in run["results"]:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    return elapsed, statuses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--fresh", action="store_true", help="re-simulate even if the bank exists")
    parser.add_argument("--duckdb", type=Path, help="DuckDB file (default: a temporary file)")
    parser.add_argument("--select", help="dbt --select (default: the whole project)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="lana_bench_dbt_"))
    duckdb_path = args.duckdb or tmp / "bank.duckdb"
    dsn, simulated_s = bank_database(args.customers, args.days, args.seed, args.fresh)
    if simulated_s:
        print(f"bank: simulated and lana_raw built in {simulated_s:.0f} s")

    started = time.monotonic()
    rows = copy_raw_to_duckdb(dsn, duckdb_path)
    copy_s = time.monotonic() - started
    print(
        f"load: {len(rows)} lana_raw tables, {sum(rows.values()):,} rows into {duckdb_path} "
        f"in {copy_s:.1f} s (COPY csv, not Meltano)"
    )
    for table, n in sorted(rows.items()):
        print(f"  {table:50s} {n:>12,}")

    cpu_before = os.times()
    build_s, statuses = dbt_build(duckdb_path, tmp / "target", args.select)
    cpu_after = os.times()
    cpu = (cpu_after.children_user - cpu_before.children_user) + (
        cpu_after.children_system - cpu_before.children_system
    )
    print(f"dbt build (duckdb): {build_s:.1f} s wall, {cpu:.1f} s CPU; results {statuses}")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")

    with duckdb.connect(str(duckdb_path), read_only=True) as duck:
        marts = [
            r[0]
            for r in duck.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'dbt_lana_marts' order by 1"
            ).fetchall()
        ]
        print("marts (rows):")
        for mart in marts:
            n = duck.execute(f'select count(*) from dbt_lana_marts."{mart}"').fetchone()[0]
            print(f"  {mart:40s} {n:>12,}")
    ok = all(s in ("success", "pass") for s in statuses)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
