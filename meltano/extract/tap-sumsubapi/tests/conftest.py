"""Run the tap in-process against the fake Sumsub server, on one shared fake clock.

Every test module gets a PostgreSQL database (the root conftest's ``make_db``) holding Lana's
``inbox_events`` with the KYC webhooks of :data:`CUSTOMERS` (webhooks a test adds are removed
after it); every test a fake Sumsub server reading it and a :class:`FakeClock` shared by tap
and server: the tap's waits (spacing, 429 waits, backoff) move that clock instead of
sleeping, and the server checks the signature timestamps against it.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import typing as t
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import psycopg
import pytest
from lana_sandbox.fake_sumsub import FakeClock, FakeSumsub, insert_webhooks, kyc_webhooks
from tap_sumsubapi.tap import TapSumsubApi

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
SEED = 1  # every review status, GREEN, RED with RETRY and FINAL, companies
TOKEN = "sbx:test-app-token-7f3a9c"
SECRET = "test-secret-key-b41d8e0c"
CUSTOMERS = [str(uuid.UUID(int=1000 + i)) for i in range(12)]
BOTH = ("sumsub_applicants", "sumsub_documents")


@dataclass
class Run:
    """What one tap run wrote: RECORD rows per stream, STATE values, and the error if any."""

    messages: list[dict]
    error: BaseException | None = None
    lines: list[str] = field(default_factory=list)
    records: dict[str, list[dict]] = field(default_factory=dict)
    states: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        for message in self.messages:
            if message["type"] == "RECORD":
                self.records.setdefault(message["stream"], []).append(message["record"])
            elif message["type"] == "STATE":
                self.states.append(message["value"])

    @property
    def state(self) -> dict:
        return self.states[-1] if self.states else {}

    def rows(self, stream: str = "sumsub_applicants") -> list[dict]:
        return self.records.get(stream, [])

    def customers(self, stream: str = "sumsub_applicants") -> list[str]:
        return [r["customer_id"] for r in self.rows(stream)]

    def bookmark(self, stream: str = "sumsub_applicants") -> dict:
        return self.state.get("bookmarks", {}).get(stream, {})


@dataclass
class Bank:
    """The sandbox bank's webhook log: its DSN and the webhooks in it."""

    dsn: str
    webhooks: list[dict]
    added: list[str] = field(default_factory=list)  # idempotency keys, removed after the test

    def add(self, webhooks: list[dict]) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            insert_webhooks(conn, webhooks)
        self.webhooks = self.webhooks + webhooks
        self.added += [f"sumsub:{w['correlationId']}:{w['type']}" for w in webhooks]

    def latest(self) -> dict[str, dict]:
        """Latest webhook per customer (by createdAtMs)."""
        out: dict[str, dict] = {}
        for w in sorted(self.webhooks, key=lambda w: w["createdAtMs"]):
            out[w["externalUserId"]] = w
        return out

    def order(self) -> list[str]:
        """Customers in the order the tap fetches them: by their latest webhook."""
        latest = self.latest()
        return sorted(latest, key=lambda c: (latest[c]["createdAtMs"], c))


def make_config(fake: FakeSumsub, dsn: str, **overrides: t.Any) -> dict:
    return {
        "app_token": TOKEN,
        "secret_key": SECRET,
        "base_url": fake.base_url,
        "pg_dsn": dsn,
        "request_interval_ms": 0,  # spacing has its own test; keeps clock.sleeps clean
        **overrides,
    }


def run_tap(
    fake: FakeSumsub,
    dsn: str,
    *,
    streams: t.Iterable[str] = BOTH,
    state: dict | None = None,
    **config: t.Any,
) -> Run:
    """Sync the selected streams once; never raises (the error is on ``Run.error``)."""
    state = copy.deepcopy(state or {})
    tap = TapSumsubApi(config=make_config(fake, dsn, **config), state=state, clock=fake.clock)
    wanted = set(streams)
    for name, stream in tap.streams.items():
        stream.selected = name in wanted
    out = io.StringIO()
    error = None
    with contextlib.redirect_stdout(out):
        try:
            tap.sync_all()
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            error = exc
    lines = out.getvalue().splitlines()
    return Run([json.loads(line, parse_float=Decimal) for line in lines], error, lines)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture(scope="module")
def _bank_database(make_db) -> tuple[str, list[dict]]:
    """One database per test module (creating databases is the slow part on a busy machine)."""
    dsn = make_db()
    webhooks = kyc_webhooks(CUSTOMERS, seed=SEED)
    with psycopg.connect(dsn, autocommit=True) as conn:
        insert_webhooks(conn, webhooks)
    return dsn, webhooks


@pytest.fixture
def bank(_bank_database) -> t.Iterator[Bank]:
    """The module's database with :data:`CUSTOMERS`' webhooks; what a test adds is removed."""
    dsn, webhooks = _bank_database
    state = Bank(dsn, list(webhooks))
    yield state
    if state.added:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("DELETE FROM inbox_events WHERE idempotency_key = ANY(%s)", (state.added,))


@pytest.fixture
def fake(bank: Bank, clock: FakeClock) -> t.Iterator[FakeSumsub]:
    with FakeSumsub(bank.dsn, seed=SEED, clock=clock, tokens={TOKEN: SECRET}) as fx:
        yield fx


@pytest.fixture
def sync(fake: FakeSumsub, bank: Bank) -> t.Callable[..., Run]:
    """``sync(streams=[...], state=..., **config)``: one tap run against ``fake``."""

    def _sync(**kwargs: t.Any) -> Run:
        return run_tap(fake, bank.dsn, **kwargs)

    return _sync


@pytest.fixture
def run_on(bank: Bank) -> t.Callable[..., Run]:
    """``run_on(other_fake, **kwargs)``: one tap run against another fake server."""

    def _run(fake: FakeSumsub, **kwargs: t.Any) -> Run:
        return run_tap(fake, bank.dsn, **kwargs)

    return _run
