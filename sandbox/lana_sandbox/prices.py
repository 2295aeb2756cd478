"""A deterministic BTC/USD price path: integer US cents per BTC, per day and per minute.

One seed gives one market history, the same on every run. The bank simulator values
collateral with :func:`btc_price_cents` and the fake Bitfinex server builds its trades,
candles, ticker and order book on :func:`minute_prices` of the same seed, so the warehouse
sees one consistent BTC price from both sources.

The model:

- **Daily closes** follow a geometric random walk with a weak pull towards an anchor level
  (an Ornstein-Uhlenbeck process on the log price): daily volatility 2.5 %, mean reversion
  1 % a day. The anchor and the first close are drawn from the seed between USD 60,000 and
  USD 100,000; the pull keeps the path in a plausible band (mostly 0.7x to 1.4x the anchor,
  about 0.5x to 1.8x at the extremes of 30 years) however many years are simulated, while
  day to day it looks like a plain walk.
  The walk starts on :data:`ORIGIN` and runs forward day by day.
- **Minutes** inside a day follow a Brownian bridge on the log price from the previous
  day's close to the day's close, so the minute path always ends exactly on the daily
  close and ``minute_prices(day)[0]`` is the previous day's close.

API:

- ``btc_price_cents(day, seed)``: the day's closing price (at 24:00 UTC), the price to value
  collateral with at the end of ``day``.
- ``daily_prices(start, end, seed)``: ``[(day, close_cents), ...]`` for a date range.
- ``minute_prices(day, seed)``: a tuple of 1440 prices, index ``i`` = the price at minute
  ``i`` of ``day`` (00:00 UTC + i minutes).
- ``btc_price_cents_at(ts, seed)``: the price of the minute containing ``ts``.
- ``iter_minute_prices(start, end, seed)``: ``(minute_start_utc, cents)`` for each minute in
  ``[start, end)``: the generator trades and candles are built on.

Floating point is used inside (``random.gauss``, ``math.exp``), rounded to whole cents at
the end; results are identical across runs and CPython builds with IEEE-754 doubles.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

__all__ = [
    "MINUTES_PER_DAY",
    "ORIGIN",
    "btc_price_cents",
    "btc_price_cents_at",
    "daily_prices",
    "iter_minute_prices",
    "minute_prices",
]

ORIGIN = date(2000, 1, 1)
"""First day of the path; earlier days are refused."""

MINUTES_PER_DAY = 1440
DAILY_VOLATILITY = 0.025
MEAN_REVERSION = 0.01
MIN_ANCHOR_CENTS = 6_000_000
MAX_ANCHOR_CENTS = 10_000_000
_MINUTE_VOLATILITY = DAILY_VOLATILITY / math.sqrt(MINUTES_PER_DAY)


class _DailyWalk:
    """The daily closes of one seed, extended on demand and kept for reuse."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"lana-prices/{seed}/daily")
        anchor = self._rng.randint(MIN_ANCHOR_CENTS, MAX_ANCHOR_CENTS)
        self._mu = math.log(anchor)
        self._log_closes: list[float] = [self._mu]  # close of ORIGIN - 1 day
        self._lock = threading.Lock()

    def log_close(self, index: int) -> float:
        """Log close of day ``ORIGIN + index - 1`` (index 0 is the day before ORIGIN)."""
        with self._lock:
            closes = self._log_closes
            while len(closes) <= index:
                previous = closes[-1]
                step = MEAN_REVERSION * (self._mu - previous)
                closes.append(previous + step + self._rng.gauss(0.0, DAILY_VOLATILITY))
            return closes[index]


_walks: dict[int, _DailyWalk] = {}
_walks_lock = threading.Lock()


def _walk(seed: int) -> _DailyWalk:
    with _walks_lock:
        walk = _walks.get(seed)
        if walk is None:
            walk = _walks[seed] = _DailyWalk(seed)
        return walk


def _day_index(day: date) -> int:
    if not isinstance(day, date) or isinstance(day, datetime):
        raise TypeError(f"expected a datetime.date, got {type(day).__name__}")
    index = (day - ORIGIN).days + 1
    if index < 1:
        raise ValueError(f"the price path starts on {ORIGIN.isoformat()}; {day} is earlier")
    return index


def _cents(log_price: float) -> int:
    return max(1, round(math.exp(log_price)))


def btc_price_cents(day: date, seed: int) -> int:
    """The closing BTC/USD price of ``day`` (at 24:00 UTC), in cents per BTC."""
    return _cents(_walk(seed).log_close(_day_index(day)))


def daily_prices(start: date, end: date, seed: int) -> list[tuple[date, int]]:
    """``[(day, close_cents), ...]`` for every day from ``start`` to ``end`` inclusive."""
    days = (end - start).days
    return [
        (start + timedelta(days=i), btc_price_cents(start + timedelta(days=i), seed))
        for i in range(days + 1)
    ]


@lru_cache(maxsize=512)  # ~50 KB a day
def minute_prices(day: date, seed: int) -> tuple[int, ...]:
    """1440 prices (cents per BTC): index ``i`` is the price at ``day`` 00:00 UTC + i minutes.

    Index 0 equals the previous day's close; the bridge reaches the day's close at 24:00.
    """
    index = _day_index(day)
    walk = _walk(seed)
    start, end = walk.log_close(index - 1), walk.log_close(index)
    rng = random.Random(f"lana-prices/{seed}/minutes/{day.isoformat()}")
    steps = [rng.gauss(0.0, _MINUTE_VOLATILITY) for _ in range(MINUTES_PER_DAY)]
    total = math.fsum(steps)
    prices = []
    level = 0.0
    for i in range(MINUTES_PER_DAY):
        fraction = i / MINUTES_PER_DAY
        # Brownian bridge: the free walk minus the straight line to its own end point.
        bridge = level - fraction * total
        prices.append(_cents(start + fraction * (end - start) + bridge))
        level += steps[i]
    return tuple(prices)


def _as_utc(ts: datetime) -> datetime:
    if ts.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware (UTC)")
    return ts.astimezone(UTC)


def btc_price_cents_at(ts: datetime, seed: int) -> int:
    """The price of the minute containing ``ts`` (an aware datetime)."""
    ts = _as_utc(ts)
    return minute_prices(ts.date(), seed)[ts.hour * 60 + ts.minute]


def iter_minute_prices(start: datetime, end: datetime, seed: int) -> Iterator[tuple[datetime, int]]:
    """``(minute_start, cents)`` for each whole minute from ``start``'s minute up to ``end``.

    ``start`` is rounded down to its minute; minutes starting at or after ``end`` are left out.
    """
    minute = _as_utc(start).replace(second=0, microsecond=0)
    end = _as_utc(end)
    while minute < end:
        yield minute, minute_prices(minute.date(), seed)[minute.hour * 60 + minute.minute]
        minute += timedelta(minutes=1)
