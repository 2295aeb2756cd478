"""The Meltano SDK's standard tap tests, against a fake Bitfinex server on 127.0.0.1.

``get_tap_test_class`` needs the config when this module is imported, so the server starts
here, on its own fake clock (shared with the tap through ``default_clock``), and stops when
the module's tests are done. The SDK runs the streams as a dry run (150 records each).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lana_sandbox.fake_bitfinex import FakeBitfinex, FakeClock
from singer_sdk.testing import get_tap_test_class
from tap_bitfinex.tap import TapBitfinex

_NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
_CLOCK = FakeClock(_NOW)
_FAKE = FakeBitfinex(seed=11, clock=_CLOCK).start()


class _TapOnFakeClock(TapBitfinex):
    default_clock = _CLOCK


_CONFIG = {
    "base_url": _FAKE.base_url,
    "symbols": ["tBTCUSD", "tETHUSD"],
    "start_date": (_NOW - timedelta(hours=1)).isoformat(),
    "order_book_length": 25,
}

_Standard = get_tap_test_class(_TapOnFakeClock, config=_CONFIG)


class TestTapBitfinexStandard(_Standard):
    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _stop_fake_server(cls):
        yield
        _FAKE.stop()
