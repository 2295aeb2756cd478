"""A fake Bitfinex v2 public REST API (``api-pub.bitfinex.com``) for tests and the demo.

Real HTTP on 127.0.0.1, the exact wire protocol of ``reference/apis.md`` Part A, data from
the seeded BTC price path of :mod:`lana_sandbox.prices`, an injectable clock, per-endpoint
rate limits with the 60 s IP block, and the failure modes of Part C.1 switched per test::

    from lana_sandbox.fake_bitfinex import FakeBitfinex, FakeClock

    clock = FakeClock(datetime(2026, 1, 15, 12, tzinfo=UTC))
    with FakeBitfinex(seed=7, clock=clock) as fx:
        fx.fail("edge_5xx", endpoint="trades", times=2)
        ...  # point a client at fx.base_url; fx.trades(...) is the ground truth

Run one for the demo with ``python -m lana_sandbox.fake_bitfinex --port 8765 --seed 7``.
"""

from .clock import FakeClock, RunningClock, SystemClock, to_ms
from .market import SYMBOLS, TIMEFRAMES, Candle, Market, Trade
from .server import (
    DEFAULT_NOW,
    DEFAULT_RATE_LIMITS,
    ENDPOINTS,
    FAILURE_MODES,
    Failure,
    FakeBitfinex,
    LoggedRequest,
)

__all__ = [
    "DEFAULT_NOW",
    "DEFAULT_RATE_LIMITS",
    "ENDPOINTS",
    "FAILURE_MODES",
    "SYMBOLS",
    "TIMEFRAMES",
    "Candle",
    "Failure",
    "FakeBitfinex",
    "FakeClock",
    "LoggedRequest",
    "Market",
    "RunningClock",
    "SystemClock",
    "Trade",
    "to_ms",
]
