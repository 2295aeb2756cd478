"""Ticker, order book and candles against the fake server; exact Decimals end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from lana_sandbox.fake_bitfinex import to_ms

SYMBOL = "tBTCUSD"
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # the `now` fixture
START = NOW - timedelta(minutes=30)
TICKER_FIELDS = [
    "bid",
    "bid_size",
    "ask",
    "ask_size",
    "daily_change",
    "daily_change_relative",
    "last_price",
    "volume",
    "high",
    "low",
]


def _dec(text: str) -> Decimal | int:
    """A wire number the way the tap reads it: ints stay ints, the rest Decimal."""
    return json.loads(text, parse_float=Decimal)


def test_platform_status_is_asked_first_and_once_per_run(sync, fake):
    run = sync()
    assert run.error is None
    endpoints = [r.endpoint for r in fake.requests]
    assert endpoints[0] == "status"
    assert endpoints.count("status") == 1
    assert set(endpoints) == {"status", "ticker", "trades", "candles", "book"}


def test_ticker_is_one_snapshot_row_with_the_ten_fields(sync, fake):
    run = sync(streams=["bitfinex_ticker"], symbols=["tBTCUSD", "tETHUSD"])
    assert run.error is None
    rows = run.rows("bitfinex_ticker")
    assert [r["symbol"] for r in rows] == ["tBTCUSD", "tETHUSD"]
    assert rows[0]["requested_at"] == "2026-01-15T12:00:00.000000+00:00"
    assert rows[1]["requested_at"] == "2026-01-15T12:00:01.000000+00:00"  # 1 s ticker spacing
    for row in rows:
        assert list(row) == ["symbol", "requested_at", *TICKER_FIELDS]
        asked = to_ms(datetime.fromisoformat(row["requested_at"]))
        expected = fake.market.ticker_values(row["symbol"], asked)
        assert [row[f] for f in TICKER_FIELDS] == [_dec(v) for v in expected]
        assert row["bid"] < row["ask"]


def test_order_book_is_p0_price_count_amount_with_a_side(sync, fake):
    run = sync(streams=["bitfinex_order_book"], order_book_length=25)
    assert run.error is None
    rows = run.rows("bitfinex_order_book")
    (request,) = fake.requests_to("book")
    assert request.path == "/v2/book/tBTCUSD/P0"  # not R0, whose rows start with an order id
    assert request.query == {"len": "25"}

    bids = [r for r in rows if r["side"] == "bid"]
    asks = [r for r in rows if r["side"] == "ask"]
    assert len(bids) == len(asks) == 25
    assert [r["level"] for r in bids] == list(range(1, 26))
    assert all(r["amount"] > 0 for r in bids) and all(r["amount"] < 0 for r in asks)
    assert [r["price"] for r in bids] == sorted((r["price"] for r in bids), reverse=True)
    assert [r["price"] for r in asks] == sorted(r["price"] for r in asks)
    assert bids[0]["price"] < asks[0]["price"]
    assert all(isinstance(r["count"], int) and r["count"] >= 1 for r in rows)
    assert len({r["requested_at"] for r in rows}) == 1

    expected_bids, expected_asks = fake.market.book_levels(SYMBOL, "P0", 25, fake.now_ms)
    got = [(r["price"], r["count"], r["amount"]) for r in bids + asks]
    want = [
        (Decimal(p).scaleb(-9), n, Decimal(a).scaleb(-8))
        for p, n, a in (*expected_bids, *expected_asks)
    ]
    assert got == want


def test_candles_are_closed_ones_only_with_gaps_left_as_gaps(sync, fake):
    fake.clock.advance(seconds=30)  # the 12:00 candle is open now
    run = sync(streams=["bitfinex_candles"])
    assert run.error is None
    rows = run.rows("bitfinex_candles")
    truth = fake.market.candles(SYMBOL, "1m", to_ms(START), to_ms(NOW) - 1, fake.now_ms)
    assert [r["mts"] for r in rows] == [c.mts for c in truth]
    assert len(rows) < 30  # minutes without trades have no candle
    assert rows[-1]["mts"] < to_ms(NOW)
    first = truth[0]
    assert rows[0] == {
        "symbol": SYMBOL,
        "timeframe": "1m",
        "mts": first.mts,
        "period_start": datetime.fromtimestamp(first.mts / 1000, UTC).isoformat(
            timespec="microseconds"
        ),
        "open": Decimal(first.open).scaleb(-9),
        "close": Decimal(first.close).scaleb(-9),
        "high": Decimal(first.high).scaleb(-9),
        "low": Decimal(first.low).scaleb(-9),
        "volume": Decimal(first.volume).scaleb(-8),
    }
    part = run.bookmark("bitfinex_candles", symbol=SYMBOL, timeframe="1m")
    assert part["replication_key_value"] == rows[-1]["mts"]


def test_candles_resume_after_the_last_closed_candle(sync, fake, clock):
    first = sync(streams=["bitfinex_candles"])
    clock.advance(minutes=7)
    second = sync(streams=["bitfinex_candles"], state=first.state)
    assert second.error is None
    old = [r["mts"] for r in first.rows("bitfinex_candles")]
    new = [r["mts"] for r in second.rows("bitfinex_candles")]
    truth = fake.market.candles(SYMBOL, "1m", to_ms(START), fake.now_ms - 1, fake.now_ms)
    assert old + new == [c.mts for c in truth]
    assert int(fake.requests_to("candles")[-1].query["start"]) == old[-1] + 60_000


@pytest.mark.parametrize(("timeframe", "hours"), [("5m", 2), ("1h", 6)])
def test_candle_timeframe_is_configurable(sync, fake, timeframe, hours):
    run = sync(
        streams=["bitfinex_candles"],
        candle_timeframe=timeframe,
        start_date=(NOW - timedelta(hours=hours)).isoformat(),
    )
    assert run.error is None
    (request,) = fake.requests_to("candles")
    assert request.path == f"/v2/candles/trade:{timeframe}:tBTCUSD/hist"
    rows = run.rows("bitfinex_candles")
    truth = fake.market.candles(
        SYMBOL, timeframe, to_ms(NOW - timedelta(hours=hours)), fake.now_ms, fake.now_ms
    )
    closed = [c.mts for c in truth if c.mts < to_ms(NOW)]  # NOW itself opens a candle
    assert [r["mts"] for r in rows] == closed
    assert {r["timeframe"] for r in rows} == {timeframe}
    assert run.bookmark("bitfinex_candles", symbol=SYMBOL, timeframe=timeframe)


def test_prices_and_amounts_come_out_digit_for_digit(sync, make_fake):
    """Nine-decimal prices and 1e-08 amounts survive: parsed as Decimal, written as is."""
    fake = make_fake(many_decimals=True)
    mts = to_ms(NOW - timedelta(minutes=3, milliseconds=-17))
    fake.add_trades(SYMBOL, [(mts, "0.00000001", "67012.123456789"), (mts, "-1.5", "67012")])
    run = sync(fake=fake, streams=["bitfinex_trades"])
    assert run.error is None

    rows = run.rows("bitfinex_trades")
    truth = fake.trades(SYMBOL, to_ms(START))
    assert [(r["id"], r["price"], r["amount"]) for r in rows] == [
        (t.id, Decimal(t.price).scaleb(-9), Decimal(t.amount).scaleb(-8)) for t in truth
    ]
    assert sum(1 for r in rows if len(str(r["price"]).split(".")[-1]) == 9) > len(rows) / 2
    special = [r for r in rows if r["mts"] == mts][-2:]
    assert special[0]["price"] == Decimal("67012.123456789")
    assert special[0]["amount"] == Decimal("1E-8")
    assert special[1]["price"] == 67012 and isinstance(special[1]["price"], int)
    assert special[1]["amount"] == Decimal("-1.5")

    # The RECORD text itself carries the digits as a JSON number, never via float.
    (line,) = [x for x in run.lines if f'"id":{special[0]["id"]},' in x]
    assert '"amount":1E-8,"price":67012.123456789}' in line
