"""The deterministic BTC/USD price path shared by the simulator and the fake Bitfinex."""

from datetime import UTC, date, datetime, timedelta

import pytest
from lana_sandbox import prices


def test_same_seed_same_path_other_seed_other_path():
    day = date(2026, 1, 15)
    assert prices.btc_price_cents(day, 1) == prices.btc_price_cents(day, 1)
    assert prices.minute_prices(day, 1) == prices.minute_prices(day, 1)
    assert len({prices.btc_price_cents(day, seed) for seed in range(10)}) == 10


def test_the_walk_starts_between_60k_and_100k_and_stays_plausible():
    for seed in range(20):
        path = [c for _, c in prices.daily_prices(prices.ORIGIN, date(2030, 12, 31), seed)]
        assert 6_000_000 * 0.9 < path[0] < 10_000_000 * 1.1
        assert all(isinstance(c, int) for c in path)
        assert min(path) > 2_000_000 and max(path) < 25_000_000
        moves = [abs(b / a - 1) for a, b in zip(path, path[1:], strict=False)]
        assert max(moves) < 0.2  # a walk, not jumps


def test_daily_prices_is_the_same_as_asking_day_by_day():
    start, end = date(2025, 12, 30), date(2026, 1, 3)
    assert prices.daily_prices(start, end, 5) == [
        (start + timedelta(days=i), prices.btc_price_cents(start + timedelta(days=i), 5))
        for i in range(5)
    ]


def test_minutes_bridge_one_close_to_the_next():
    day = date(2026, 1, 15)
    minutes = prices.minute_prices(day, 3)
    assert len(minutes) == 1440
    assert minutes[0] == prices.btc_price_cents(day - timedelta(days=1), 3)
    close = prices.btc_price_cents(day, 3)
    assert abs(minutes[-1] / close - 1) < 0.01  # one minute before the close
    assert prices.minute_prices(day + timedelta(days=1), 3)[0] == close


def test_price_at_a_time_and_the_minute_generator():
    ts = datetime(2026, 1, 15, 13, 37, 59, tzinfo=UTC)
    assert prices.btc_price_cents_at(ts, 2) == prices.minute_prices(ts.date(), 2)[13 * 60 + 37]
    got = list(prices.iter_minute_prices(ts, ts + timedelta(minutes=3), 2))
    assert [m for m, _ in got] == [datetime(2026, 1, 15, 13, 37 + i, tzinfo=UTC) for i in range(4)]
    assert [c for _, c in got] == [prices.btc_price_cents_at(m, 2) for m, _ in got]
    across = list(
        prices.iter_minute_prices(
            datetime(2026, 1, 15, 23, 59, tzinfo=UTC), datetime(2026, 1, 16, 0, 1, tzinfo=UTC), 2
        )
    )
    assert [c for _, c in across] == [
        prices.minute_prices(date(2026, 1, 15), 2)[-1],
        prices.minute_prices(date(2026, 1, 16), 2)[0],
    ]


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="starts on 2000-01-01"):
        prices.btc_price_cents(date(1999, 12, 31), 1)
    with pytest.raises(TypeError):
        prices.btc_price_cents(datetime(2026, 1, 1, tzinfo=UTC), 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        prices.btc_price_cents_at(datetime(2026, 1, 1), 1)
