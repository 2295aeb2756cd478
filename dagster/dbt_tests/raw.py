"""What Meltano would load into lana_raw, built directly on a PostgreSQL warehouse.

Meltano has only a DuckDB loader, so the PostgreSQL build of the dbt project gets its raw
schema this way: Lana's tables copied from a simulated bank (the columns as in the source,
enums as text, plus the loader's `_sdc_*` columns the staging macros read), and the Bitfinex
and Sumsub tables created from the taps' own JSON schemas and filled with rows derived from
the same bank (the simulator's daily BTC price, the Sumsub webhooks in its inbox).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import psycopg
import yaml
from lana_sandbox.fake_sumsub.applicants import ApplicantBook
from lana_sandbox.raw_copy import SDC_COLUMNS, copy_to_raw
from psycopg import sql

REPO = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO / "dagster" / "dbt"
TAP_SCHEMAS = {
    "bitfinex": REPO / "meltano/extract/tap-bitfinex/tap_bitfinex/schemas",
    "sumsub": REPO / "meltano/extract/tap-sumsubapi/tap_sumsubapi/schemas",
}


def source_tables(source: str) -> list[str]:
    """The tables of one dbt source, from its sources YAML."""
    text = (DBT_PROJECT / f"models/staging/_{source}__sources.yml").read_text()
    return [t["name"] for t in yaml.safe_load(text)["sources"][0]["tables"]]


def copy_lana(source_dsn: str, conn: psycopg.Connection) -> None:
    """Lana's tables (the dbt source `lana`) into lana_raw, row for row."""
    conn.execute("create schema if not exists lana_raw")
    copy_to_raw(source_dsn, conn, source_tables("lana"))


def _pg_type(spec: dict) -> str:
    """The JSON schema type -> PostgreSQL, as target-duckdb maps it to DuckDB."""
    types = spec.get("type")
    types = [types] if isinstance(types, str) else [t for t in types if t != "null"]
    kind = types[0] if len(types) == 1 else "mixed"
    if kind == "integer":
        return "bigint"
    if kind == "number":
        return "numeric(38,18)"
    if kind == "boolean":
        return "boolean"
    if kind == "string":
        return {"date-time": "timestamptz", "date": "date"}.get(spec.get("format"), "text")
    return "jsonb"


def create_tap_table(conn: psycopg.Connection, source: str, table: str) -> list[str]:
    """An empty lana_raw table with the columns of a tap stream. Returns the column names."""
    stream = table.removeprefix(f"{source}_")
    schema = json.loads((TAP_SCHEMAS[source] / f"{stream}.json").read_text())
    columns = [(name, _pg_type(spec)) for name, spec in schema["properties"].items()]
    conn.execute(
        sql.SQL("create table {} ({}, {})").format(
            sql.Identifier("lana_raw", table),
            sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t)) for n, t in columns
            ),
            sql.SQL(SDC_COLUMNS),
        )
    )
    return [n for n, _ in columns]


def load_bitfinex(source_dsn: str, conn: psycopg.Connection) -> None:
    """Bitfinex tables from the simulator's daily BTC close (cents per BTC)."""
    for table in source_tables("bitfinex"):
        create_tap_table(conn, "bitfinex", table)
    with psycopg.connect(source_dsn) as source:
        days = source.execute(
            "select day, price from lana_sandbox.btc_price order by day"
        ).fetchall()
    for i, (day, cents) in enumerate(days):
        close = f"{cents // 100}.{cents % 100:02d}"  # exact text, never a float
        at = f"{day} 23:59:00+00"
        conn.execute(
            """insert into lana_raw.bitfinex_candles
               (symbol, timeframe, mts, period_start, open, close, high, low, volume)
               values ('tBTCUSD', '1D', extract(epoch from %s::timestamptz)::bigint * 1000,
                       %s::timestamptz, %s, %s, %s, %s, 12.5)""",
            (f"{day} 00:00+00", f"{day} 00:00+00", close, close, close, close),
        )
        conn.execute(
            """insert into lana_raw.bitfinex_ticker (symbol, requested_at, bid, bid_size, ask,
               ask_size, daily_change, daily_change_relative, last_price, volume, high, low)
               values ('tBTCUSD', %s, %s::numeric - 1, 3.2, %s::numeric + 1, 2.8, 0, 0, %s,
                       120.5, %s, %s)""",
            (at, close, close, close, close, close),
        )
        conn.execute(
            """insert into lana_raw.bitfinex_trades (symbol, id, mts, executed_at, amount, price)
               values ('tBTCUSD', %s, extract(epoch from %s::timestamptz)::bigint * 1000,
                       %s, %s, %s)""",
            (1000 + i, at, at, "0.01250000" if i % 2 else "-0.00400000", close),
        )
        for level in (1, 2):
            for side, sign in (("bid", 1), ("ask", -1)):
                conn.execute(
                    """insert into lana_raw.bitfinex_order_book
                       (symbol, requested_at, side, level, price, count, amount)
                       values ('tBTCUSD', %s, %s, %s, %s::numeric + %s, 2, %s)""",
                    (at, side, level, close, -sign * level, Decimal(sign * level) / 2),
                )


def load_sumsub(conn: psycopg.Connection, warehouse_dsn: str | None = None) -> None:
    """Sumsub tables from the webhooks in lana_raw.inbox_events: per customer the applicant
    as of its latest webhook, and one selfie per applicant. With `warehouse_dsn`, `content`
    is the applicant the sandbox Sumsub server would answer (names, dob, documents,
    questionnaire), as tap-sumsubapi lands it; else the webhook itself."""
    for table in source_tables("sumsub"):
        create_tap_table(conn, "sumsub", table)
    conn.execute(
        """insert into lana_raw.sumsub_applicants (customer_id, recorded_at, webhook_type,
               applicant_id, fetch_status, inspection_id, external_user_id, applicant_type,
               level_name, review_status, review_answer, reject_type, reject_labels, created_at,
               review_date, fetched_at, content)
           select distinct on (payload ->> 'externalUserId')
               payload ->> 'externalUserId', recorded_at, payload ->> 'type',
               payload ->> 'applicantId', 'found', payload ->> 'inspectionId',
               payload ->> 'externalUserId', payload ->> 'applicantType',
               payload ->> 'levelName', payload ->> 'reviewStatus',
               payload -> 'reviewResult' ->> 'reviewAnswer',
               payload -> 'reviewResult' ->> 'reviewRejectType',
               payload -> 'reviewResult' -> 'rejectLabels', recorded_at,
               case when payload ->> 'type' = 'applicantReviewed' then recorded_at end,
               now(), payload::text
           from lana_raw.inbox_events
           order by payload ->> 'externalUserId', recorded_at desc"""
    )
    conn.execute(
        """insert into lana_raw.sumsub_documents (customer_id, recorded_at, applicant_id,
               image_id, id_doc_type, country, file_type, file_size, review_answer,
               deactivated, fetched_at, content)
           select customer_id, recorded_at, applicant_id, 'img-' || applicant_id, 'SELFIE',
                  'SLV', 'jpeg', 1024, review_answer, false, fetched_at, '{}'
           from lana_raw.sumsub_applicants"""
    )
    if warehouse_dsn is None:
        return
    conn.commit()
    book = ApplicantBook(warehouse_dsn, table="lana_raw.inbox_events")
    try:
        customers = conn.execute("select customer_id from lana_raw.sumsub_applicants").fetchall()
        for (customer_id,) in customers:
            applicant = book.applicant(external_user_id=customer_id)
            if applicant is not None:
                conn.execute(
                    "update lana_raw.sumsub_applicants set content = %s where customer_id = %s",
                    (json.dumps(applicant), customer_id),
                )
    finally:
        book.close()


def load_raw(source_dsn: str, warehouse_dsn: str) -> None:
    """The whole lana_raw schema of the warehouse, as after the three EL jobs."""
    with psycopg.connect(warehouse_dsn) as conn:
        copy_lana(source_dsn, conn)
        load_bitfinex(source_dsn, conn)
        load_sumsub(conn, warehouse_dsn)
