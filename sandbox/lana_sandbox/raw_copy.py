"""Lana's tables copied into a warehouse's raw schema, as the EL step would land them.

A stand-in for a PostgreSQL loader (the Meltano project loads DuckDB only): tests that build
the dbt project on a PostgreSQL warehouse fill `lana_raw` with this. Columns keep their
source types, Lana's enums land as text (as tap-postgres emits them), and the loader's
`_sdc_*` columns are added, which the staging models read.
"""

from __future__ import annotations

from collections.abc import Iterable

import psycopg
from psycopg import sql

SDC_COLUMNS = (
    "_sdc_batched_at timestamptz not null default now(), "
    "_sdc_sequence bigint not null default 0, _sdc_deleted_at timestamptz"
)

_COLUMNS = """
    select a.attname,
           case when t.typtype = 'e' then 'text' else format_type(a.atttypid, a.atttypmod) end,
           t.typtype = 'e'
    from pg_attribute a join pg_type t on t.oid = a.atttypid
    where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped
    order by a.attnum
"""


def copy_to_raw(
    source_dsn: str, conn: psycopg.Connection, tables: Iterable[str], schema: str = "lana_raw"
) -> None:
    """Copy each of `tables` from the source's `public` schema into `schema` (which must
    exist: the loader's identity may write there without creating schemas) via `conn`.

    A table missing in the source is an error (psycopg's UndefinedTable names it).
    """
    with psycopg.connect(source_dsn) as source:
        for table in tables:
            columns = source.execute(_COLUMNS, (f"public.{table}",)).fetchall()
            conn.execute(
                sql.SQL("create table {} ({}, {})").format(
                    sql.Identifier(schema, table),
                    sql.SQL(", ").join(
                        sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t))
                        for n, t, _ in columns
                    ),
                    sql.SQL(SDC_COLUMNS),
                )
            )
            names = sql.SQL(", ").join(sql.Identifier(n) for n, _, _ in columns)
            # Enums leave as text (text COPY), so the target's text columns take them.
            select = sql.SQL(", ").join(
                sql.SQL("{}::text").format(sql.Identifier(n)) if enum else sql.Identifier(n)
                for n, _, enum in columns
            )
            copy_out = sql.SQL("copy (select {} from {}) to stdout").format(
                select, sql.Identifier("public", table)
            )
            copy_in = sql.SQL("copy {} ({}) from stdin").format(
                sql.Identifier(schema, table), names
            )
            with source.cursor().copy(copy_out) as out, conn.cursor().copy(copy_in) as into:
                for chunk in out:
                    into.write(chunk)
