"""The webhook log that says which applicants to fetch: Lana's ``inbox_events``.

Sumsub has no endpoint that lists applicants (apis.md B.3); Lana stores every Sumsub
webhook in ``inbox_events`` (``payload`` = the webhook body, ``recorded_at`` = when it
arrived). A *candidate* is one customer (``payload.externalUserId``) with webhooks recorded
at or after the stream's bookmark: its latest ``recorded_at``, and the ``applicantId`` and type
of that latest webhook (no ``applicantId`` there: the applicant is looked up by
``externalUserId``, which gives Sumsub's current applicant of the customer). Candidates are
ordered by (``recorded_at``, customer id), the order the streams fetch them and move their
bookmark.

Two sources, read once per run (a consistent snapshot, before any record goes out):

- the core PostgreSQL database (``pg_dsn``, Meltano env alias ``LANA_PG_DSN``), table
  ``inbox_table`` (default ``public.inbox_events``);
- the warehouse copy in DuckDB (``inbox_duckdb_path`` + ``inbox_duckdb_table``, e.g.
  ``lana_raw.inbox_events`` as tap-postgres lands it), opened read-only and closed again
  before the first record, so a target writing the same file is not locked out.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

TABLE_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class InboxError(Exception):
    """The webhook log could not be read (its message names the source, never a password)."""


@dataclass(frozen=True)
class Candidate:
    customer_id: str
    recorded_at: datetime  # aware UTC, microseconds
    applicant_id: str | None
    webhook_type: str | None

    @property
    def bookmark(self) -> str:
        return format_recorded_at(self.recorded_at)


def format_recorded_at(at: datetime) -> str:
    """The one text form of ``recorded_at`` in records and state (sortable as text)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def parse_recorded_at(text: str) -> datetime:
    at = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def check_table(name: str, setting: str) -> str:
    if not TABLE_PATTERN.match(name):
        raise ValueError(f"{setting} must be a table name like schema.table, not {name!r}")
    return name


def _pg_query(table: str, types: list[str] | None) -> str:
    type_filter = "AND payload->>'type' = ANY(%(types)s)" if types else ""
    return f"""
        SELECT payload->>'externalUserId' AS customer_id,
               max(recorded_at) AS recorded_at,
               (array_agg(payload->>'applicantId' ORDER BY recorded_at DESC, id DESC))[1]
                  AS applicant_id,
               (array_agg(payload->>'type' ORDER BY recorded_at DESC, id DESC))[1] AS type
        FROM {table}
        WHERE payload->>'externalUserId' IS NOT NULL
          AND recorded_at >= %(since)s AND recorded_at <= %(until)s {type_filter}
        GROUP BY 1
        ORDER BY 2, 1"""


def read_postgres(
    dsn: str, table: str, since: datetime, until: datetime, types: list[str] | None
) -> list[Candidate]:
    import psycopg

    try:
        with psycopg.connect(dsn, connect_timeout=30) as conn:
            rows = conn.execute(
                _pg_query(table, types), {"since": since, "until": until, "types": types}
            ).fetchall()
    except psycopg.Error as exc:
        # psycopg's messages name host, port and database, never the password.
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InboxError(f"reading the webhook log {table} in PostgreSQL: {first}") from None
    return [Candidate(c, at.astimezone(UTC), a, ty) for c, at, a, ty in rows]


def read_duckdb(
    path: str, table: str, since: datetime, until: datetime, types: list[str] | None
) -> list[Candidate]:
    import duckdb

    type_filter = ""
    params: list[t.Any] = [since, until]
    if types:
        type_filter = f"AND payload->>'$.type' IN ({', '.join('?' for _ in types)})"
        params += types
    sql = f"""
        SELECT payload->>'$.externalUserId' AS customer_id,
               epoch_us(max(recorded_at)) AS recorded_us,
               arg_max(payload->>'$.applicantId', recorded_at) AS applicant_id,
               arg_max(payload->>'$.type', recorded_at) AS type
        FROM {table}
        WHERE payload->>'$.externalUserId' IS NOT NULL
          AND recorded_at >= ? AND recorded_at <= ? {type_filter}
        GROUP BY 1
        ORDER BY 2, 1"""
    try:
        with duckdb.connect(path, read_only=True) as conn:
            conn.execute("SET TimeZone = 'UTC'")
            rows = conn.execute(sql, params).fetchall()
    except duckdb.Error as exc:
        raise InboxError(f"reading the webhook log {table} in DuckDB {path}: {exc}") from None
    return [Candidate(c, _EPOCH + timedelta(microseconds=us), a, ty) for c, us, a, ty in rows]
