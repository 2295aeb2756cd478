"""One test per failure mode of the fake server (apis.md C.1) and what the tap does about it.

Every wait of the tap goes through the shared fake clock: ``clock.sleeps`` lists them, and
the fake server sees the time pass (a 60 s IP block is over after the tap's 60 s wait).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lana_sandbox.fake_bitfinex import to_ms
from singer_sdk.exceptions import ConfigValidationError
from tap_bitfinex.client import (
    BitfinexError,
    BitfinexMalformedResponseError,
    BitfinexParameterError,
    BitfinexRateLimitError,
    BitfinexUnavailableError,
)
from tap_bitfinex.tap import TapBitfinex

SYMBOL = "tBTCUSD"
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # the `now` fixture
START = NOW - timedelta(minutes=30)
TRADES = ["bitfinex_trades"]
TICKER = ["bitfinex_ticker"]


def _truth(fake) -> list[int]:
    return [t.id for t in fake.trades(SYMBOL, to_ms(START), to_ms(NOW))]


def _ids(run) -> list[int]:
    return [r["id"] for r in run.rows("bitfinex_trades")]


def _bookmark(run) -> dict:
    return run.bookmark("bitfinex_trades", symbol=SYMBOL)


# --- rate limits: the IP is blocked 60 s, in any of the three reply forms ------------------


@pytest.mark.parametrize(
    ("form", "status"), [("429_array", 429), ("200_array", 200), ("429_object", 429)]
)
def test_rate_limit_in_each_form_waits_out_the_block_and_goes_on(sync, fake, clock, form, status):
    fake.fail("rate_limit", endpoint="trades", form=form)
    run = sync(streams=TRADES)

    assert run.error is None
    assert _ids(run) == _truth(fake)
    assert clock.sleeps == [60]
    first, second = fake.requests_to("trades")[:2]
    assert (first.status, first.failure) == (status, "rate_limit")
    assert second.status == 200
    assert second.at - first.at == timedelta(seconds=60)


def test_going_over_an_endpoint_budget_gets_the_ip_blocked_and_the_tap_waits(
    sync, make_fake, clock
):
    """The fake counts requests per endpoint on the clock: 3 trades requests per minute here,
    and the tap was told not to space them (interval 0), so the 4th one is blocked."""
    fake = make_fake(rate_limits={"trades": 3})
    run = sync(
        fake=fake, streams=TRADES, trades_page_limit=40, request_interval_seconds={"trades": 0}
    )

    assert run.error is None
    assert _ids(run) == _truth(fake)
    assert [r.failure for r in fake.requests_to("trades")][:5] == [None] * 3 + ["rate_limit", None]
    assert 60 in clock.sleeps


def test_spacing_requests_keeps_under_the_documented_limit(sync, fake, clock):
    """With the default spacing (4 s per trades request) a 15/min budget is never hit."""
    run = sync(streams=TRADES, trades_page_limit=10)
    assert run.error is None
    assert _ids(run) == _truth(fake)
    trades = fake.requests_to("trades")
    assert len(trades) > 15
    assert all(r.failure is None for r in trades)
    gaps = {(b.at - a.at).total_seconds() for a, b in zip(trades, trades[1:], strict=False)}
    assert gaps == {4.0}


def test_rate_limit_retries_are_bounded(sync, fake, clock):
    fake.fail("rate_limit", endpoint="ticker", times=None)
    run = sync(streams=TICKER, rate_limit_max_retries=2)

    assert isinstance(run.error, BitfinexRateLimitError)
    assert "GET /v2/ticker/tBTCUSD: rate limited (HTTP 429" in str(run.error)
    assert "still blocked after 2 waits of 60 s" in str(run.error)
    assert run.rows("bitfinex_ticker") == []
    assert clock.sleeps == [60, 60]


def test_waiting_less_than_the_block_is_not_enough(sync, fake, clock):
    fake.fail("rate_limit", endpoint="ticker")  # one trigger: blocked for 60 s
    run = sync(streams=TICKER, rate_limit_block_seconds=10, rate_limit_max_retries=3)
    assert isinstance(run.error, BitfinexRateLimitError)
    assert [r.failure for r in fake.requests_to("ticker")] == ["rate_limit"] + ["blocked"] * 3


# --- maintenance: end cleanly, state does not move ----------------------------------------


def test_platform_status_zero_ends_the_sync_cleanly_without_touching_state(sync, fake):
    before = sync(streams=TRADES)
    fake.clear()
    fake.requests.clear()
    fake.fail("maintenance", endpoint="status", times=None)

    run = sync(state=before.state)

    assert run.error is None
    assert run.records == {}
    assert [r.endpoint for r in fake.requests] == ["status"]  # nothing else is read
    assert _bookmark(run)["replication_key_value"] == _bookmark(before)["replication_key_value"]
    assert _bookmark(run)["trade_ids_at_bookmark"] == _bookmark(before)["trade_ids_at_bookmark"]


@pytest.mark.parametrize(("code", "status"), [(20060, 500), (11000, 503)])
def test_maintenance_errors_mid_stream_stop_cleanly_at_the_last_emitted_row(
    sync, fake, code, status
):
    fake.fail("maintenance", endpoint="trades", after=2, times=None, code=code, status=status)
    first = sync(streams=TRADES, trades_page_limit=50)

    assert first.error is None
    emitted = _ids(first)
    assert emitted == _truth(fake)[: len(emitted)]
    assert 50 < len(emitted) <= 100  # two pages (less what the second page repeated)
    assert _bookmark(first)["replication_key_value"] == first.rows("bitfinex_trades")[-1]["mts"]

    fake.clear()
    second = sync(streams=TRADES, state=first.state, trades_page_limit=50)
    assert second.error is None
    assert emitted + _ids(second) == _truth(fake)


def test_maintenance_in_one_stream_skips_the_streams_after_it(sync, fake):
    """Streams run in name order: candles, order book, ticker, trades."""
    fake.fail("maintenance", endpoint="candles", after=1, times=None)
    run = sync(candles_page_limit=10)

    assert run.error is None
    candles = run.rows("bitfinex_candles")
    assert len(candles) == 10  # the first page
    assert set(run.records) == {"bitfinex_candles"}
    assert [r.endpoint for r in fake.requests] == ["status", "candles", "candles"]
    part = run.bookmark("bitfinex_candles", symbol=SYMBOL, timeframe="1m")
    assert part["replication_key_value"] == candles[-1]["mts"]


# --- 5xx and broken transport: exponential backoff, bounded ------------------------------


@pytest.mark.parametrize("status", [502, 503, 520, 522, 524])
def test_html_5xx_from_the_edge_is_retried_with_backoff(sync, fake, clock, status):
    fake.fail("edge_5xx", endpoint="ticker", times=2, status=status)
    run = sync(streams=TICKER)

    assert run.error is None
    assert len(run.rows("bitfinex_ticker")) == 1
    assert clock.sleeps == [1, 2]
    assert [r.status for r in fake.requests_to("ticker")] == [status, status, 200]


def test_5xx_retries_are_bounded_and_the_error_names_the_endpoint(sync, fake, clock):
    fake.fail("edge_5xx", endpoint="trades", times=None, status=522)
    run = sync(streams=TRADES, max_retries=3, request_interval_seconds={"trades": 0})

    assert isinstance(run.error, BitfinexUnavailableError)
    message = str(run.error)
    assert "GET /v2/trades/tBTCUSD/hist?limit=10000&sort=1&start=" in message
    assert "HTTP 522 Connection timed out: api-pub.bitfinex.com | 522: Connection timed out" in (
        message
    )
    assert "giving up after 4 attempts" in message
    assert clock.sleeps == [1, 2, 4]
    assert run.rows("bitfinex_trades") == []


def test_a_generic_bitfinex_error_is_retried(sync, fake):
    fake.fail("error", endpoint="ticker", code=10001, message="generic error")
    run = sync(streams=TICKER)
    assert run.error is None
    assert len(run.rows("bitfinex_ticker")) == 1


def test_an_unknown_error_code_fails_at_once(sync, fake, clock):
    fake.fail("error", endpoint="ticker", status=500, code=10100, message="auth: invalid")
    run = sync(streams=TICKER)
    assert isinstance(run.error, BitfinexError)
    assert "GET /v2/ticker/tBTCUSD: Bitfinex answered error 10100 'auth: invalid'" in str(run.error)
    assert clock.sleeps == []


def test_a_slow_reply_times_out_and_is_retried(sync, fake, clock):
    # the timeout leaves an ordinary local reply room on a busy machine (0.1 s did not)
    fake.fail("slow", endpoint="ticker", delay=1.5)
    run = sync(streams=TICKER, request_timeout_seconds=0.5)
    assert run.error is None
    assert len(run.rows("bitfinex_ticker")) == 1
    assert clock.sleeps == [1]


def test_a_connection_reset_mid_body_is_retried(sync, fake, clock):
    fake.fail("reset", endpoint="trades")
    run = sync(streams=TRADES)
    assert run.error is None
    assert _ids(run) == _truth(fake)
    assert clock.sleeps == [1, 3]  # the 1 s backoff, then the rest of the 4 s trades spacing


# --- malformed replies: fail the stream, never a half-parsed row --------------------------


@pytest.mark.parametrize(
    ("mode", "options", "expected"),
    [
        ("truncated", {}, "HTTP 200 with invalid (truncated?) JSON"),
        ("empty", {}, "HTTP 200 with an empty body"),
        ("object", {}, "the reply is dict, expected [BID, BID_SIZE, ASK"),
        ("wrong_length", {"length": 9}, "the reply has 9 elements, expected 10"),
        ("wrong_length", {"length": 11}, "the reply has 11 elements, expected 10"),
    ],
)
def test_a_malformed_ticker_fails_the_stream_naming_the_endpoint(
    sync, fake, clock, mode, options, expected
):
    fake.fail(mode, endpoint="ticker", **options)
    run = sync(streams=TICKER)

    assert isinstance(run.error, BitfinexMalformedResponseError)
    assert str(run.error).startswith("GET /v2/ticker/tBTCUSD: ")
    assert expected in str(run.error)
    assert run.rows("bitfinex_ticker") == []
    assert clock.sleeps == []  # not retried


def test_a_truncated_page_emits_nothing_of_it_and_keeps_the_earlier_pages_bookmark(sync, fake):
    fake.fail("truncated", endpoint="trades", after=1)
    run = sync(streams=TRADES, trades_page_limit=50)

    assert isinstance(run.error, BitfinexMalformedResponseError)
    assert "GET /v2/trades/tBTCUSD/hist?limit=50&sort=1&start=" in str(run.error)
    emitted = _ids(run)
    assert emitted == _truth(fake)[:50]  # exactly the first page
    assert _bookmark(run)["replication_key_value"] == run.rows("bitfinex_trades")[-1]["mts"]


@pytest.mark.parametrize("length", [3, 5])
def test_a_trade_row_of_the_wrong_length_fails(sync, fake, length):
    fake.fail("wrong_length", endpoint="trades", length=length)
    run = sync(streams=TRADES)
    assert isinstance(run.error, BitfinexMalformedResponseError)
    assert f"row 0 has {length} elements, expected 4: [ID, MTS, AMOUNT, PRICE]" in str(run.error)
    assert run.rows("bitfinex_trades") == []


# --- parameter errors and wrong paths ----------------------------------------------------


def test_an_unknown_symbol_fails_with_bitfinex_s_message(sync, fake):
    run = sync(streams=TICKER, symbols=["tFOOBAR"])
    assert isinstance(run.error, BitfinexParameterError)
    assert "GET /v2/ticker/tFOOBAR: Bitfinex rejected a parameter: error 10020 " in str(run.error)
    assert "'symbol: invalid' (HTTP 500)" in str(run.error)


def test_a_lowercase_symbol_is_refused_before_any_request(fake):
    with pytest.raises(ConfigValidationError):
        TapBitfinex(config={"base_url": fake.base_url, "symbols": ["tbtcusd"]}, clock=fake.clock)
    assert fake.requests == []


@pytest.mark.parametrize(
    "bad",
    [
        {"trades_page_limit": 10_001},
        {"request_interval_seconds": {"trades": -1}},
        {"request_interval_seconds": {"orders": 1}},
        {"candle_timeframe": "7m"},
        {"order_book_length": 7},
    ],
)
def test_bad_settings_are_refused_before_any_request(fake, bad):
    with pytest.raises(ConfigValidationError):
        TapBitfinex(config={"base_url": fake.base_url, **bad}, clock=fake.clock)
    assert fake.requests == []


def test_a_wrong_base_url_gets_the_404_page_and_a_hint(sync, fake):
    run = sync(streams=TICKER, base_url=fake.base_url + "/api")
    assert isinstance(run.error, BitfinexError)
    message = str(run.error)
    assert "GET /v2/platform/status: HTTP 404 Not Found (is base_url right?)" in message
    assert "Error Cannot GET /api/api/v2/platform/status" in message


# --- the edge cache: identical snapshots are fine ------------------------------------------


def test_the_edge_cache_can_repeat_a_ticker_snapshot(sync, make_fake, clock):
    fake = make_fake(edge_cache_seconds=5)
    first = sync(fake=fake, streams=TICKER)
    clock.advance(2)
    second = sync(fake=fake, streams=TICKER)
    (a,), (b,) = first.rows("bitfinex_ticker"), second.rows("bitfinex_ticker")
    assert a["requested_at"] != b["requested_at"]
    assert {k: v for k, v in a.items() if k != "requested_at"} == {
        k: v for k, v in b.items() if k != "requested_at"
    }
