"""Lana's webhook inbox (``inbox_events``) and the Sumsub webhooks that land in it.

Lana stores every Sumsub callback as one ``inbox_events`` row: the raw JSON body in
``payload``, an idempotency key, a processing status and ``recorded_at`` (lana-source.md
§1.4). The DDL below is Lana's (its obix inbox migration); :func:`inbox_ddl` prefers
``lana_sandbox.ddl``'s copy once the simulator writes the table itself.

Until the simulator writes webhooks, tests (and the demo) write them with
:func:`kyc_webhooks` + :func:`insert_webhooks`: one applicant per customer going
``applicantCreated`` -> ``applicantPending`` -> ``applicantReviewed`` (GREEN, or RED with
RETRY/FINAL), deterministic for a seed.
"""

from __future__ import annotations

import json
import random
import typing as t
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

if t.TYPE_CHECKING:
    import psycopg

__all__ = [
    "INBOX_EVENTS_DDL",
    "KYC_LEVELS",
    "WEBHOOK_TYPES",
    "ensure_inbox_events",
    "format_created_at_ms",
    "inbox_ddl",
    "insert_webhooks",
    "kyc_webhooks",
    "parse_created_at_ms",
    "webhook",
]

# Lana's inbox (obix): the enum is created only once (several inboxes may share it).
INBOX_EVENTS_DDL: tuple[str, ...] = (
    """DO $$ BEGIN
    CREATE TYPE InboxEventStatus AS ENUM ('pending', 'processing', 'completed', 'failed');
EXCEPTION
    WHEN duplicate_object THEN null;
END $$""",
    """CREATE TABLE IF NOT EXISTS inbox_events (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  idempotency_key VARCHAR UNIQUE,
  payload JSONB NOT NULL,
  status InboxEventStatus NOT NULL DEFAULT 'pending',
  error VARCHAR,
  recorded_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  processed_at TIMESTAMPTZ
)""",
    """CREATE INDEX IF NOT EXISTS idx_inbox_events_status ON inbox_events(status)
  WHERE status IN ('pending', 'processing', 'failed')""",
)

WEBHOOK_TYPES = ("applicantCreated", "applicantPending", "applicantReviewed")
KYC_LEVELS = ("basic-kyc-level", "advanced-kyc-level")
REVIEW_STATUS = {
    "applicantCreated": "init",
    "applicantPending": "pending",
    "applicantReviewed": "completed",
}
RED_LABELS = {
    "RETRY": ("UNSATISFACTORY_PHOTOS", "SCREENSHOTS", "SELFIE_MISMATCH", "FRONT_SIDE_MISSING"),
    "FINAL": ("FORGERY", "BLACKLIST", "EXTERNAL_DECISION_REJECTION"),
}


def inbox_ddl() -> list[str]:
    """The ``inbox_events`` DDL: the simulator's own when it has one, else Lana's (above)."""
    try:
        from lana_sandbox import ddl
    except ImportError:  # pragma: no cover - the package always has it
        ddl = None
    for name in ("inbox_events_ddl", "inbox_ddl"):
        own = getattr(ddl, name, None)
        if callable(own):
            statements = own()
            return [statements] if isinstance(statements, str) else list(statements)
    return list(INBOX_EVENTS_DDL)


def ensure_inbox_events(conn: psycopg.Connection) -> None:
    """Create ``inbox_events`` (and its status enum) unless they exist."""
    exists = conn.execute("SELECT to_regclass('inbox_events') IS NOT NULL").fetchone()
    if exists and exists[0]:
        return
    for statement in inbox_ddl():
        conn.execute(statement)


def format_created_at_ms(at: datetime) -> str:
    """Sumsub's ``createdAtMs``: ``yyyy-MM-dd HH:mm:ss.SSS`` in UTC."""
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%d %H:%M:%S.") + f"{at.microsecond // 1000:03d}"


def parse_created_at_ms(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)


def webhook(
    type_: str,
    *,
    customer_id: str,
    applicant_id: str | None,
    created_at: datetime,
    inspection_id: str | None = None,
    level_name: str = "basic-kyc-level",
    applicant_type: str = "individual",
    review_answer: str | None = None,
    reject_type: str | None = None,
    reject_labels: Sequence[str] = (),
    review_status: str | None = None,
    correlation_id: str | None = None,
    client_id: str = "lana.sandbox",
) -> dict[str, t.Any]:
    """One Sumsub webhook body (apis.md B.4), as Lana stores it in ``inbox_events.payload``."""
    body: dict[str, t.Any] = {}
    if applicant_id is not None:
        body["applicantId"] = applicant_id
        body["inspectionId"] = inspection_id or _derived_id(applicant_id, "inspection")
    body.update(
        {
            "applicantType": applicant_type,
            "correlationId": correlation_id or f"req-{uuid.uuid4()}",
            "levelName": level_name,
            "externalUserId": customer_id,
            "type": type_,
            "sandboxMode": True,
            "reviewStatus": review_status or REVIEW_STATUS.get(type_, "pending"),
            "createdAtMs": format_created_at_ms(created_at),
            "clientId": client_id,
        }
    )
    if review_answer is not None:
        result: dict[str, t.Any] = {"reviewAnswer": review_answer}
        if review_answer == "RED":
            result["rejectLabels"] = list(reject_labels) or ["UNSATISFACTORY_PHOTOS"]
            result["reviewRejectType"] = reject_type or "RETRY"
            result["moderationComment"] = "Please upload a clear photo of your document."
            result["clientComment"] = "Rejected in the sandbox review."
        body["reviewResult"] = result
    return body


def _derived_id(applicant_id: str, salt: str) -> str:
    """A 24-hex id derived from another one (Sumsub ids are 24 hex characters)."""
    return f"{random.Random(f'{salt}:{applicant_id}').getrandbits(96):024x}"


def kyc_webhooks(
    customer_ids: Iterable[str],
    *,
    seed: int = 0,
    start: datetime = datetime(2026, 1, 1, tzinfo=UTC),
    spacing: timedelta = timedelta(hours=1),
    company_every: int = 7,
) -> list[dict[str, t.Any]]:
    """The webhooks of one KYC journey per customer, deterministic for ``seed``.

    Customer ``i`` is created at ``start + i * spacing``; about 80 % are reviewed (mostly
    GREEN; RED with RETRY or FINAL), the rest stop at pending or created. Every
    ``company_every``-th customer is a company applicant. Correlation ids are derived, so
    the same call gives the same rows (and idempotency keys).
    """
    events: list[dict[str, t.Any]] = []
    for i, customer_id in enumerate(customer_ids):
        rng = random.Random(f"kyc:{seed}:{customer_id}")
        applicant_id = f"{rng.getrandbits(96):024x}"
        inspection_id = f"{rng.getrandbits(96):024x}"
        created = start + i * spacing + timedelta(milliseconds=rng.randrange(1000))
        level = KYC_LEVELS[1] if rng.random() < 0.3 else KYC_LEVELS[0]
        kind = "company" if company_every and i % company_every == company_every - 1 else None
        common = {
            "customer_id": customer_id,
            "applicant_id": applicant_id,
            "inspection_id": inspection_id,
            "level_name": level,
            "applicant_type": kind or "individual",
        }
        stage = rng.random()
        steps = ["applicantCreated"]
        if stage < 0.9:
            steps.append("applicantPending")
        if stage < 0.8:
            steps.append("applicantReviewed")
        at = created
        for n, type_ in enumerate(steps):
            extra: dict[str, t.Any] = {}
            if type_ == "applicantReviewed":
                roll = rng.random()
                if roll < 0.8:
                    extra["review_answer"] = "GREEN"
                else:
                    reject = "RETRY" if roll < 0.92 else "FINAL"
                    extra.update(
                        review_answer="RED",
                        reject_type=reject,
                        reject_labels=[rng.choice(RED_LABELS[reject])],
                    )
            correlation = f"req-{uuid.UUID(int=rng.getrandbits(128), version=4)}"
            events.append(
                webhook(type_, created_at=at, correlation_id=correlation, **common, **extra)
            )
            at += timedelta(minutes=2 + n * 3, milliseconds=rng.randrange(1000))
    return events


def insert_webhooks(
    conn: psycopg.Connection,
    payloads: Iterable[dict[str, t.Any]],
    *,
    recorded_at: datetime | None = None,
    status: str = "completed",
) -> int:
    """Insert webhook bodies as Lana does: one ``inbox_events`` row each, idempotent.

    ``recorded_at`` defaults to each webhook's ``createdAtMs`` (deterministic). The
    idempotency key is the correlation id plus the type (apis.md B.4), so inserting the same
    webhook twice adds one row. Returns the number of rows added.
    """
    ensure_inbox_events(conn)
    added = 0
    for payload in payloads:
        at = recorded_at or parse_created_at_ms(payload["createdAtMs"])
        key = f"sumsub:{payload['correlationId']}:{payload['type']}"
        cur = conn.execute(
            "INSERT INTO inbox_events (idempotency_key, payload, status, recorded_at, "
            "processed_at) VALUES (%s, %s::jsonb, %s, %s, %s) "
            "ON CONFLICT (idempotency_key) DO NOTHING",
            (key, json.dumps(payload), status, at, at if status == "completed" else None),
        )
        added += cur.rowcount
    return added
