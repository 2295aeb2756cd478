"""The fake Bitfinex server speaks the v2 wire protocol (apis.md Part A) and fails on demand
(Part C.1). Plain ``http.client`` against 127.0.0.1, time on the server's fake clock."""

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from lana_sandbox.fake_bitfinex import FakeBitfinex, FakeClock, to_ms
from lana_sandbox.fake_bitfinex.market import period_end, period_start

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
NOW_MS = to_ms(NOW)
MINUTE = 60_000


class Reply:
    def __init__(self, status: int, reason: str, headers: dict, body: bytes):
        self.status, self.reason, self.headers, self.body = status, reason, headers, body

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self):
        return json.loads(self.body, parse_float=Decimal)


def get(fx: FakeBitfinex, path: str, method: str = "GET", body: dict | None = None) -> Reply:
    conn = http.client.HTTPConnection("127.0.0.1", fx.port, timeout=5)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=payload)
        resp = conn.getresponse()
        return Reply(resp.status, resp.reason, dict(resp.getheaders()), resp.read())
    finally:
        conn.close()


@pytest.fixture
def fx():
    with FakeBitfinex(seed=3, now=NOW) as server:
        yield server


# --- wire protocol ------------------------------------------------------------------------


def test_status_and_the_edge_headers(fx):
    r = get(fx, "/v2/platform/status")
    assert (r.status, r.body) == (200, b"[1]")
    assert r.headers["Server"] == "cloudflare"
    assert r.headers["cf-cache-status"] == "DYNAMIC"
    assert r.headers["Content-Type"].startswith("application/json")
    assert "Retry-After" not in r.headers


def test_ticker_is_a_flat_array_of_ten_numbers(fx):
    r = get(fx, "/v2/ticker/tBTCUSD")
    values = r.json()
    assert len(values) == 10
    bid, _, ask, _, change, relative, last, volume, high, low = values
    assert bid < ask and low <= last <= high and volume > 0
    assert abs(relative) < 1 and change == last - (last - change)


def test_tickers_put_the_symbol_first_and_drop_unknown_symbols(fx):
    rows = get(fx, "/v2/tickers?symbols=tBTCUSD,tNOPE,tETHUSD").json()
    assert [r[0] for r in rows] == ["tBTCUSD", "tETHUSD"]
    assert all(len(r) == 11 for r in rows)
    assert rows[0][1:] == get(fx, "/v2/ticker/tBTCUSD").json()
    every = get(fx, "/v2/tickers?symbols=ALL").json()
    assert [len(r) for r in every] == [11, 11, 17]  # a funding row is longer
    assert every[-1][0] == "fUSD"


@pytest.mark.parametrize("path", ["/v2/ticker/tbtcusd", "/v2/ticker/tFOO", "/v2/book/BTCUSD/P0"])
def test_an_unknown_or_lowercase_symbol_is_a_500_error_array(fx, path):
    r = get(fx, path)
    assert (r.status, r.json()) == (500, ["error", 10020, "symbol: invalid"])


def test_an_unknown_path_is_an_html_404(fx):
    r = get(fx, "/v2/nope")
    assert r.status == 404
    assert r.headers["Content-Type"].startswith("text/html")
    assert "<pre>Cannot GET /api/v2/nope</pre>" in r.text


def test_trades_default_to_newest_first_125_rows(fx):
    rows = get(fx, "/v2/trades/tBTCUSD/hist").json()
    assert len(rows) == 125
    keys = [(r[1], r[0]) for r in rows]
    assert keys == sorted(keys, reverse=True)
    assert all(len(r) == 4 and r[1] <= NOW_MS for r in rows)


def test_trades_sort_1_is_oldest_first_and_start_end_are_inclusive(fx):
    window = fx.trades("tBTCUSD", NOW_MS - 10 * MINUTE)
    first, last = window[0], window[-1]
    rows = get(
        fx, f"/v2/trades/tBTCUSD/hist?sort=1&limit=10000&start={first.mts}&end={last.mts}"
    ).json()
    assert [r[0] for r in rows] == [t.id for t in window]
    assert rows[0][1] == first.mts and rows[-1][1] == last.mts  # MTS == start and == end


def test_a_bare_start_with_the_default_sort_returns_the_newest_rows_not_the_oldest(fx):
    start = NOW_MS - 30 * MINUTE
    rows = get(fx, f"/v2/trades/tBTCUSD/hist?start={start}&limit=5").json()
    assert [r[0] for r in rows] == [t.id for t in fx.trades("tBTCUSD", start)[-5:]][::-1]


def test_several_trades_share_one_millisecond(fx):
    window = fx.trades("tBTCUSD", NOW_MS - 60 * MINUTE)
    per_mts: dict[int, int] = {}
    for trade in window:
        per_mts[trade.mts] = per_mts.get(trade.mts, 0) + 1
    assert max(per_mts.values()) >= 3
    assert len({t.id for t in window}) == len(window)


def test_empty_windows_and_a_full_last_page(fx):
    quiet = next(
        m
        for m in range(NOW_MS // MINUTE - 120, NOW_MS // MINUTE)
        if not fx.market.minute_trades("tBTCUSD", m)
    )
    start, end = quiet * MINUTE, quiet * MINUTE + MINUTE - 1
    assert get(fx, f"/v2/trades/tBTCUSD/hist?sort=1&start={start}&end={end}").json() == []
    assert get(fx, f"/v2/trades/tBTCUSD/hist?start={end}&end={start}").json() == []  # start>end
    window = fx.trades("tBTCUSD", NOW_MS - 5 * MINUTE)
    full = get(
        fx, f"/v2/trades/tBTCUSD/hist?sort=1&start={window[0].mts}&limit={len(window)}"
    ).json()
    assert len(full) == len(window)
    after = get(fx, f"/v2/trades/tBTCUSD/hist?sort=1&start={window[-1].mts + 1}").json()
    assert after == []


@pytest.mark.parametrize("query", ["limit=10001", "limit=0", "limit=ten", "start=yesterday"])
def test_bad_trade_parameters(fx, query):
    r = get(fx, f"/v2/trades/tBTCUSD/hist?{query}")
    name = query.split("=")[0]
    assert (r.status, r.json()) == (500, ["error", 10020, f"{name}: invalid"])


def test_numbers_are_exact_text(fx):
    """Whole prices without a point, 1e-08 amounts, signs for sells: digits, not floats."""
    body = get(fx, f"/v2/trades/tBTCUSD/hist?sort=1&limit=10000&start={NOW_MS - 600 * MINUTE}").text
    assert "1e-08" in body
    rows = json.loads(body, parse_float=Decimal)
    assert any(isinstance(r[3], int) for r in rows)  # e.g. 100415, not 100415.0
    assert any(r[2] < 0 for r in rows) and any(r[2] > 0 for r in rows)
    for row, trade in zip(rows, fx.trades("tBTCUSD", NOW_MS - 600 * MINUTE), strict=False):
        assert row[2] == Decimal(trade.amount).scaleb(-8)
        assert row[3] == Decimal(trade.price).scaleb(-9)


def test_many_decimals_gives_nine_decimal_prices():
    with FakeBitfinex(seed=3, now=NOW, many_decimals=True) as fx:
        rows = get(fx, "/v2/trades/tBTCUSD/hist?limit=50").json()
    assert all(len(str(r[3]).split(".")[1]) <= 9 for r in rows)
    assert sum(len(str(r[3]).split(".")[1]) == 9 for r in rows) > 40


def test_candle_keys_with_raw_or_encoded_colons(fx):
    raw = get(fx, "/v2/candles/trade:1m:tBTCUSD/hist?limit=20")
    encoded = get(fx, "/v2/candles/trade%3A1m%3AtBTCUSD/hist?limit=20")
    assert raw.status == encoded.status == 200
    assert raw.body == encoded.body
    rows = raw.json()
    assert [r[0] for r in rows] == sorted((r[0] for r in rows), reverse=True)  # newest first


def test_candles_put_close_before_high_and_low_and_have_gaps(fx):
    start = NOW_MS - 120 * MINUTE
    rows = get(fx, f"/v2/candles/trade:1m:tBTCUSD/hist?sort=1&start={start}&limit=200").json()
    assert len(rows) < 121  # quiet minutes have no candle
    for mts, open_, close, high, low, volume in rows:
        trades = [t for t in fx.market.minute_trades("tBTCUSD", mts // MINUTE) if t.mts <= NOW_MS]
        assert open_ == Decimal(trades[0].price).scaleb(-9)
        assert close == Decimal(trades[-1].price).scaleb(-9)
        assert high == max(Decimal(t.price).scaleb(-9) for t in trades)
        assert low == min(Decimal(t.price).scaleb(-9) for t in trades)
        assert volume == sum(Decimal(abs(t.amount)).scaleb(-8) for t in trades)


def test_bigger_candles_aggregate_the_minutes(fx):
    hour = to_ms(NOW - timedelta(hours=2))
    (candle,) = get(fx, f"/v2/candles/trade:1h:tBTCUSD/hist?start={hour}&end={hour}&limit=1").json()
    minutes = get(
        fx, f"/v2/candles/trade:1m:tBTCUSD/hist?sort=1&start={hour}&end={hour + 59 * MINUTE}"
    ).json()
    assert candle[0] == hour
    assert candle[1] == minutes[0][1] and candle[2] == minutes[-1][2]
    assert candle[3] == max(m[3] for m in minutes) and candle[4] == min(m[4] for m in minutes)
    assert candle[5] == sum(m[5] for m in minutes)


def test_candle_last_is_one_flat_candle_and_bad_keys_fail(fx):
    last = get(fx, "/v2/candles/trade:1m:tBTCUSD/last").json()
    assert len(last) == 6 and isinstance(last[0], int)
    assert get(fx, "/v2/candles/trade:7m:tBTCUSD/hist").json() == ["error", 10020, "key: invalid"]
    assert get(fx, "/v2/candles/trade:1m:tBTCUSD/middle").status == 404


def test_period_boundaries():
    ms = to_ms(datetime(2026, 1, 15, 13, 37, tzinfo=UTC))
    assert period_start(ms, "1h") == to_ms(datetime(2026, 1, 15, 13, tzinfo=UTC))
    assert period_start(ms, "1W") == to_ms(datetime(2026, 1, 12, tzinfo=UTC))  # a Monday
    assert period_start(ms, "1M") == to_ms(datetime(2026, 1, 1, tzinfo=UTC))
    assert period_end(period_start(ms, "1M"), "1M") == to_ms(datetime(2026, 2, 1, tzinfo=UTC))


def test_p0_book_is_price_count_amount_bids_first(fx):
    rows = get(fx, "/v2/book/tBTCUSD/P0?len=25").json()
    assert len(rows) == 50 and all(len(r) == 3 for r in rows)
    bids, asks = rows[:25], rows[25:]
    assert all(r[2] > 0 for r in bids) and all(r[2] < 0 for r in asks)
    assert [r[0] for r in bids] == sorted((r[0] for r in bids), reverse=True)
    assert [r[0] for r in asks] == sorted(r[0] for r in asks)
    assert bids[0][0] < asks[0][0]
    assert all(isinstance(r[1], int) and 1 <= r[1] <= 20 for r in rows)
    assert len(get(fx, "/v2/book/tBTCUSD/P0").json()) == 50  # len defaults to 25


def test_r0_book_rows_start_with_an_order_id(fx):
    """What Lana's extractor mislabelled: [ORDER_ID, PRICE, AMOUNT], not [PRICE, COUNT, AMOUNT]."""
    rows = get(fx, "/v2/book/tBTCUSD/R0?len=100").json()
    p0 = get(fx, "/v2/book/tBTCUSD/P0?len=1").json()
    assert len(rows) == 200
    assert all(isinstance(r[0], int) and r[0] > 10**10 for r in rows)
    assert abs(rows[0][1] - p0[0][0]) < 100  # the price is the second column


@pytest.mark.parametrize(
    ("query", "message"),
    [("P5?len=25", "prec: invalid"), ("P0?len=7", "len: invalid"), ("P0?len=250", None)],
)
def test_book_parameters(fx, query, message):
    r = get(fx, f"/v2/book/tBTCUSD/{query}")
    if message is None:
        assert r.status == 200 and len(r.json()) == 500
    else:
        assert (r.status, r.json()) == (500, ["error", 10020, message])


def test_the_same_seed_and_time_give_the_same_bytes():
    paths = ["/v2/ticker/tBTCUSD", "/v2/trades/tBTCUSD/hist?limit=500", "/v2/book/tBTCUSD/R0"]
    with FakeBitfinex(seed=3, now=NOW) as a, FakeBitfinex(seed=3, now=NOW) as b:
        bodies = [get(a, p).body for p in paths]
        assert bodies == [get(b, p).body for p in paths]
    with FakeBitfinex(seed=4, now=NOW) as c:
        assert [get(c, p).body for p in paths] != bodies


def test_history_only_grows_as_the_clock_moves(fx):
    start = NOW_MS - 20 * MINUTE
    before = fx.trades("tBTCUSD", start)
    fx.clock.advance(minutes=5)
    after = fx.trades("tBTCUSD", start)
    assert after[: len(before)] == before and len(after) > len(before)
    assert all(t.mts <= fx.now_ms for t in after)


def test_added_trades_join_the_history(fx):
    mts = NOW_MS - 7 * MINUTE + 123
    burst = fx.add_burst("tBTCUSD", mts, 4)
    (exact,) = fx.add_trades("tBTCUSD", [(mts + 1, "0.00000001", "67012.123456789")])
    rows = get(fx, f"/v2/trades/tBTCUSD/hist?sort=1&start={mts}&end={mts + 1}").json()
    assert [r[0] for r in rows][:4] == [t.id for t in burst]
    assert {r[1] for r in rows[:4]} == {mts}
    assert rows[-1] == [exact.id, mts + 1, Decimal("1E-8"), Decimal("67012.123456789")]
    with pytest.raises(ValueError, match="more than 8 decimal places"):
        fx.add_trades("tBTCUSD", [(mts, "0.000000001", "1")])


# --- rate limits on the injectable clock --------------------------------------------------


def test_going_over_an_endpoint_budget_blocks_the_ip_for_60_seconds():
    clock = FakeClock(NOW)
    with FakeBitfinex(seed=3, clock=clock, rate_limits={"ticker": 2}) as fx:
        assert [get(fx, "/v2/ticker/tBTCUSD").status for _ in range(2)] == [200, 200]
        third = get(fx, "/v2/ticker/tBTCUSD")
        assert (third.status, third.json()) == (429, ["error", 11010, "ratelimit: error"])
        assert "Retry-After" not in third.headers
        assert get(fx, "/v2/platform/status").status == 429  # the whole IP is blocked
        clock.advance(59)
        assert get(fx, "/v2/trades/tBTCUSD/hist").status == 429
        clock.advance(1)
        assert get(fx, "/v2/ticker/tBTCUSD").status == 200
        assert [r.failure for r in fx.requests_to("ticker")] == [None, None, "rate_limit", None]


def test_the_budget_is_a_sliding_window():
    clock = FakeClock(NOW)
    with FakeBitfinex(seed=3, clock=clock, rate_limits={"status": 3}) as fx:
        for _ in range(3):
            assert get(fx, "/v2/platform/status").status == 200
            clock.advance(20)
        assert get(fx, "/v2/platform/status").status == 200  # the first one left the window
        assert get(fx, "/v2/platform/status").status == 429


def test_limits_can_be_switched_off():
    with FakeBitfinex(seed=3, now=NOW, rate_limited=False) as fx:
        assert {get(fx, "/v2/platform/status").status for _ in range(40)} == {200}


@pytest.mark.parametrize(
    ("form", "status", "body"),
    [
        ("429_array", 429, '["error",11010,"ratelimit: error"]'),
        ("200_array", 200, '["error",11010,"ratelimit: error"]'),
        ("429_object", 429, '{"error":"ERR_RATE_LIMIT"}'),
    ],
)
def test_rate_limit_forms(fx, form, status, body):
    fx.fail("rate_limit", endpoint="candles", form=form)
    assert get(fx, "/v2/platform/status").status == 200  # not matched: other endpoint
    first = get(fx, "/v2/candles/trade:1m:tBTCUSD/last")
    assert (first.status, first.text) == (status, body)
    assert get(fx, "/v2/platform/status").text == body  # blocked now, same form
    fx.clock.advance(60)
    assert get(fx, "/v2/platform/status").text == "[1]"


# --- other failure modes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "message"), [(20060, 500, "maintenance"), (11000, 503, "ready: invalid")]
)
def test_maintenance(fx, code, status, message):
    fx.fail("maintenance", times=None, code=code, status=status)
    assert get(fx, "/v2/platform/status").text == "[0]"
    r = get(fx, "/v2/book/tBTCUSD/P0")
    assert (r.status, r.json()) == (status, ["error", code, message])
    fx.clear()
    assert get(fx, "/v2/platform/status").text == "[1]"


@pytest.mark.parametrize("status", [502, 503, 520, 522, 524])
def test_edge_5xx_is_a_cloudflare_html_page(fx, status):
    fx.fail("edge_5xx", status=status)
    r = get(fx, "/v2/ticker/tBTCUSD")
    assert r.status == status
    assert r.headers["Content-Type"].startswith("text/html")
    assert f"api-pub.bitfinex.com | {status}:" in r.text and "Cloudflare Ray ID" in r.text
    assert get(fx, "/v2/ticker/tBTCUSD").status == 200  # times=1


def test_body_failures(fx):
    path = f"/v2/trades/tBTCUSD/hist?sort=1&start={NOW_MS - 10 * MINUTE}"
    good = get(fx, path).body
    fx.fail("truncated", endpoint="trades")
    cut = get(fx, path)
    assert cut.status == 200 and good.startswith(cut.body) and len(cut.body) < len(good)
    with pytest.raises(json.JSONDecodeError):
        cut.json()
    fx.fail("empty")
    assert get(fx, path).body == b""
    fx.fail("object")
    assert isinstance(get(fx, path).json(), dict)
    fx.fail("wrong_length", endpoint="ticker", length=9)
    assert len(get(fx, "/v2/ticker/tBTCUSD").json()) == 9
    fx.fail("wrong_length", endpoint="ticker", length=11)
    assert len(get(fx, "/v2/ticker/tBTCUSD").json()) == 11
    fx.fail("wrong_length", endpoint="trades")
    assert len(get(fx, path).json()[0]) == 3
    assert get(fx, path).body == good


def test_an_error_array_of_choice_and_after(fx):
    fx.fail("error", endpoint="ticker", after=2, code=10000, message="unknown")
    assert [get(fx, "/v2/ticker/tBTCUSD").status for _ in range(4)] == [200, 200, 500, 200]
    assert fx.requests_to("ticker")[2].failure == "error"


def test_a_slow_reply_and_a_reset_connection(fx):
    fx.fail("slow", endpoint="status", delay=0.3)
    started = time.monotonic()
    assert get(fx, "/v2/platform/status").text == "[1]"
    assert time.monotonic() - started >= 0.3
    fx.fail("reset", endpoint="trades")
    with pytest.raises(http.client.IncompleteRead):
        get(fx, "/v2/trades/tBTCUSD/hist")
    assert get(fx, "/v2/trades/tBTCUSD/hist").status == 200


def test_the_edge_cache_repeats_a_body_for_a_few_seconds():
    clock = FakeClock(NOW)
    with FakeBitfinex(seed=3, clock=clock, edge_cache_seconds=5) as fx:
        first = get(fx, "/v2/ticker/tBTCUSD")
        clock.advance(3)
        second = get(fx, "/v2/ticker/tBTCUSD")
        assert second.body == first.body and second.headers["cf-cache-status"] == "HIT"
        clock.advance(3)
        third = get(fx, "/v2/ticker/tBTCUSD")
        assert third.headers["cf-cache-status"] == "DYNAMIC"


def test_unknown_modes_and_options_are_refused(fx):
    with pytest.raises(ValueError, match="unknown failure mode"):
        fx.fail("flaky")
    with pytest.raises(ValueError, match="edge_5xx status"):
        fx.fail("edge_5xx", status=500)
    with pytest.raises(ValueError, match="unknown endpoint"):
        fx.fail("empty", endpoint="orders")


# --- admin endpoints and the entry point --------------------------------------------------


def test_admin_endpoints(fx):
    assert (
        get(fx, "/__fake__/fail", "POST", {"mode": "edge_5xx", "endpoint": "status"}).status == 200
    )
    assert get(fx, "/v2/platform/status").status == 502
    moved = get(fx, "/__fake__/clock", "POST", {"advance_seconds": 90}).json()
    assert moved["now"] == (NOW + timedelta(seconds=90)).isoformat()
    burst = get(fx, "/__fake__/burst", "POST", {"symbol": "tBTCUSD", "mts": NOW_MS, "count": 3})
    assert len(burst.json()["ids"]) == 3
    log = get(fx, "/__fake__/requests").json()
    assert [r["status"] for r in log if r["endpoint"] == "status"] == [502]
    assert get(fx, "/__fake__/fail", "POST", {"mode": "nope"}).status == 400


def test_python_dash_m_serves_until_terminated():
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lana_sandbox.fake_bitfinex",
            "--port",
            "0",
            "--seed",
            "3",
            "--now",
            "2026-01-15T12:00:00Z",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        conn = http.client.HTTPConnection("127.0.0.1", urlsplit(url).port, timeout=5)
        conn.request("GET", "/v2/platform/status")
        assert conn.getresponse().read() == b"[1]"
        conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
