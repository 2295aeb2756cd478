"""The Meltano SDK's standard tap tests, against a fake Sumsub server on 127.0.0.1.

``get_tap_test_class`` needs the config when this module is imported, so the database (on
the test server, found as the root conftest finds it), its webhooks and the fake server are
set up here and torn down when the module's tests are done. The tap shares the server's fake
clock through ``default_clock``.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from lana_sandbox.fake_sumsub import FakeClock, FakeSumsub, insert_webhooks, kyc_webhooks
from psycopg import conninfo
from singer_sdk.testing import get_tap_test_class
from tap_sumsubapi.tap import TapSumsubApi


def _admin_dsn() -> str:
    """The test server, as the root conftest's ``pg_admin_dsn`` finds it (that fixture cannot
    be used at import time)."""
    dsn = os.environ.get("LANA_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        psycopg.connect(dsn, connect_timeout=3).close()
    except psycopg.OperationalError:
        if "LANA_TEST_PG_DSN" in os.environ:
            raise
        from lana_sandbox import pg  # noqa: PLC0415

        root = Path(__file__).resolve().parents[4] / ".lana" / "pg"
        dsn = conninfo.make_conninfo(pg.ensure_server(root=root), dbname="postgres")
    return dsn


_ADMIN = _admin_dsn()
_NAME = f"lana_test_{uuid.uuid4().hex[:12]}"
with psycopg.connect(_ADMIN, autocommit=True) as _con:
    _con.execute(f'create database "{_NAME}"')
_DSN = conninfo.make_conninfo(_ADMIN, dbname=_NAME)
with psycopg.connect(_DSN, autocommit=True) as _con:
    insert_webhooks(_con, kyc_webhooks([str(uuid.UUID(int=7000 + i)) for i in range(10)], seed=1))

_CLOCK = FakeClock(datetime(2026, 1, 15, 12, 0, tzinfo=UTC))
_TOKEN, _SECRET = "sbx:standard-tests-token", "standard-tests-secret"
_FAKE = FakeSumsub(_DSN, seed=1, clock=_CLOCK, tokens={_TOKEN: _SECRET}).start()


class _TapOnFakeClock(TapSumsubApi):
    default_clock = _CLOCK


_CONFIG = {
    "app_token": _TOKEN,
    "secret_key": _SECRET,
    "base_url": _FAKE.base_url,
    "pg_dsn": _DSN,
}

_Standard = get_tap_test_class(_TapOnFakeClock, config=_CONFIG)


class TestTapSumsubApiStandard(_Standard):
    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _stop_fake_server(cls):
        yield
        _FAKE.stop()
        with psycopg.connect(_ADMIN, autocommit=True) as con:
            con.execute(f'drop database if exists "{_NAME}" with (force)')
