"""A fake Sumsub applicant API (``api.sumsub.com``) for tests and the demo.

Real HTTP on 127.0.0.1, the wire protocol of ``reference/apis.md`` Part B (signed requests
checked per B.2, Sumsub's JSON error bodies, the 300-GETs-per-5-s budget), one applicant per
customer with KYC derived from the sandbox bank's ``inbox_events`` webhooks, an injectable
clock, and the failure modes of Part C.2 switched per test::

    from lana_sandbox.fake_sumsub import FakeSumsub, insert_webhooks, kyc_webhooks

    with psycopg.connect(dsn, autocommit=True) as conn:
        insert_webhooks(conn, kyc_webhooks(["cust-1", "cust-2"], seed=7))
    with FakeSumsub(dsn, seed=7) as fx:
        fx.fail("server_error", endpoint="applicant", times=2, status=503)
        ...  # point a client at fx.base_url, signing with DEFAULT_TOKEN / DEFAULT_SECRET

Run one for the demo with ``python -m lana_sandbox.fake_sumsub --port 8766 --dsn DSN``.
"""

from lana_sandbox.fake_bitfinex.clock import FakeClock, RunningClock, SystemClock

from .applicants import ApplicantBook, applicant_from_webhooks
from .inbox import (
    INBOX_EVENTS_DDL,
    ensure_inbox_events,
    format_created_at_ms,
    inbox_ddl,
    insert_webhooks,
    kyc_webhooks,
    parse_created_at_ms,
    webhook,
)
from .server import (
    DEFAULT_NOW,
    DEFAULT_SECRET,
    DEFAULT_TOKEN,
    ENDPOINTS,
    FAILURE_MODES,
    Failure,
    FakeSumsub,
    LoggedRequest,
    sign,
)

__all__ = [
    "DEFAULT_NOW",
    "DEFAULT_SECRET",
    "DEFAULT_TOKEN",
    "ENDPOINTS",
    "FAILURE_MODES",
    "INBOX_EVENTS_DDL",
    "ApplicantBook",
    "Failure",
    "FakeClock",
    "FakeSumsub",
    "LoggedRequest",
    "RunningClock",
    "SystemClock",
    "applicant_from_webhooks",
    "ensure_inbox_events",
    "format_created_at_ms",
    "inbox_ddl",
    "insert_webhooks",
    "kyc_webhooks",
    "parse_created_at_ms",
    "sign",
    "webhook",
]
