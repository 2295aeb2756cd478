"""tap-bitfinex: the Tap class, its settings and the run-wide state shared by the streams."""

from __future__ import annotations

import re
import typing as t

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from tap_bitfinex import streams
from tap_bitfinex.client import (
    DEFAULT_REQUEST_INTERVALS,
    ENDPOINTS,
    BitfinexMaintenance,
    BitfinexStream,
    expect_list,
    malformed,
)
from tap_bitfinex.clock import Clock, SystemClock

SYMBOL_PATTERN = r"^t[A-Z0-9:]+$"
BOOK_LENGTHS = [1, 25, 100, 250]


class TapBitfinex(Tap):
    """Bitfinex v2 public REST: ticker, trades, candles and the P0 order book."""

    name = "tap-bitfinex"
    # The time and the waiting: ``TapBitfinex(clock=...)`` or this class attribute. Tests
    # inject a fake clock (shared with the fake server) so that nothing sleeps for real.
    default_clock: t.ClassVar[Clock] = SystemClock()

    config_jsonschema = th.PropertiesList(
        th.Property(
            "symbols",
            th.ArrayType(th.StringType(pattern=SYMBOL_PATTERN)),
            default=["tBTCUSD"],
            description="Trading pairs to extract, e.g. tBTCUSD (case matters).",
        ),
        th.Property(
            "base_url",
            th.StringType,
            default="https://api-pub.bitfinex.com",
            description="API host; paths start with /v2.",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            description=(
                "Where trades and candles start on a first run (no bookmark yet). "
                "Without it a first run starts 10 minutes before now."
            ),
        ),
        th.Property(
            "candle_timeframe",
            th.StringType,
            default="1m",
            allowed_values=list(streams.TIMEFRAME_MS),
            description="Candle timeframe (Bitfinex names: 1m, 5m, ..., 1D, 1W, 14D, 1M).",
        ),
        th.Property(
            "request_interval_seconds",
            th.ObjectType(
                *(th.Property(name, th.NumberType(minimum=0)) for name in ENDPOINTS),
                additional_properties=False,
            ),
            default=dict(DEFAULT_REQUEST_INTERVALS),
            description=(
                "Minimum seconds between two requests to one endpoint (status, ticker, "
                "trades, candles, book). Defaults: 60 / the documented per-minute limit, "
                "4 s for trades. Endpoints left out keep their default."
            ),
        ),
        th.Property(
            "rate_limit_block_seconds",
            th.NumberType(minimum=0),
            default=60,
            description="How long to wait after a rate-limit reply (Bitfinex blocks the IP 60 s).",
        ),
        th.Property(
            "rate_limit_max_retries",
            th.IntegerType(minimum=0),
            default=3,
            description="Block waits per request before the stream fails.",
        ),
        th.Property(
            "max_retries",
            th.IntegerType(minimum=0),
            default=5,
            description="Retries of a request after HTTP 5xx, timeouts or broken connections.",
        ),
        th.Property(
            "backoff_base_seconds",
            th.NumberType(minimum=0),
            default=1,
            description="First retry delay after a 5xx/timeout; doubles on each retry.",
        ),
        th.Property(
            "backoff_max_seconds",
            th.NumberType(minimum=0),
            default=60,
            description="Cap of one retry delay.",
        ),
        th.Property(
            "request_timeout_seconds",
            th.NumberType(exclusive_minimum=0),
            default=30,
            description="HTTP timeout of one request (connect and read).",
        ),
        th.Property(
            "trades_page_limit",
            th.IntegerType(minimum=1, maximum=10_000),
            default=10_000,
            description="Trades per request (Bitfinex maximum 10000).",
        ),
        th.Property(
            "candles_page_limit",
            th.IntegerType(minimum=1, maximum=10_000),
            default=10_000,
            description="Candles per request (Bitfinex maximum 10000).",
        ),
        th.Property(
            "order_book_length",
            th.IntegerType,
            default=100,
            allowed_values=BOOK_LENGTHS,
            description="P0 price levels per side.",
        ),
    ).to_dict()

    def __init__(self, *, clock: Clock | None = None, **kwargs: t.Any) -> None:
        self.clock: Clock = clock if clock is not None else self.default_clock
        self._last_request: dict[str, float] = {}
        self._operative: bool | None = None
        super().__init__(**kwargs)
        bad = [s for s in self.config.get("symbols") or [] if not re.match(SYMBOL_PATTERN, s)]
        if bad:
            msg = f"symbols must be trading pairs like tBTCUSD (case matters): {bad}"
            raise ConfigValidationError(msg, errors=[msg])
        intervals = self.config.get("request_interval_seconds") or {}
        unknown = set(intervals) - set(ENDPOINTS)
        if unknown:
            msg = f"request_interval_seconds: unknown endpoints {sorted(unknown)}"
            raise ConfigValidationError(msg, errors=[msg])
        self.request_intervals = {**DEFAULT_REQUEST_INTERVALS, **intervals}

    def discover_streams(self) -> list[BitfinexStream]:
        return [
            streams.TickerStream(self),
            streams.TradesStream(self),
            streams.CandlesStream(self),
            streams.OrderBookStream(self),
        ]

    # --- run-wide state shared by the streams -----------------------------------------

    def wait_turn(self, endpoint: str) -> None:
        """Sleep (on the clock) until ``endpoint`` may be called again, then claim the slot."""
        interval = float(self.request_intervals.get(endpoint, 0))
        last = self._last_request.get(endpoint)
        now = self.clock.monotonic()
        if last is not None and (wait := last + interval - now) > 0:
            self.clock.sleep(wait)
            now = self.clock.monotonic()
        self._last_request[endpoint] = now

    def platform_operative(self, stream: BitfinexStream) -> bool:
        """``GET /v2/platform/status`` once per run: False in maintenance (``[0]``)."""
        if self._operative is None:
            path = "/v2/platform/status"
            try:
                data = expect_list(f"GET {path}", stream.request_json(path, endpoint="status"))
            except BitfinexMaintenance as exc:
                self.enter_maintenance(str(exc))
                return False
            if data not in ([0], [1]):
                raise malformed(f"GET {path}", f"expected [1] or [0], got {data!r:.120}")
            if data == [0]:
                self.enter_maintenance(f"GET {path} answered [0]")
            else:
                self._operative = True
        return bool(self._operative)

    def enter_maintenance(self, reason: str) -> None:
        if self._operative is not False:
            self.logger.warning(
                "Bitfinex is in maintenance (%s): ending the sync cleanly; nothing more is "
                "read and no bookmark moves past the rows already emitted.",
                reason,
            )
        self._operative = False

    @property
    def in_maintenance(self) -> bool:
        return self._operative is False


if __name__ == "__main__":
    TapBitfinex.cli()
