"""Deterministic market data for the fake Bitfinex: trades, candles, ticker and order book.

Everything is a pure function of the seed and the time asked about, built on the minute path
of :mod:`lana_sandbox.prices`, so any window can be produced on its own and always gives the
same rows, and rows only ever appear (never change) as the clock moves forward:

- **Trades**: each minute gets 0 to ~100 trades; about 12 % of minutes are quiet (no trade,
  so candle histories have gaps). Trades come in bursts that share one millisecond (1 to 6
  trades each). Trade ids are ``minute * 1000 + n``, increasing with time. About 3 % of
  trades are a single 1e-8 unit (written ``1e-08``), about half are sells (negative amount),
  and about 1 % of prices are whole dollars (written without a decimal point).
- **Candles** ``[MTS, OPEN, CLOSE, HIGH, LOW, VOLUME]`` aggregate those trades; a period
  with no trade has no candle.
- **Ticker** and **order book** are snapshots at the current time around the last trade.

``many_decimals=True`` gives every generated trade price nine decimals (e.g.
``67012.123456789``) to test that a client keeps every digit.
Trades added with :meth:`Market.add_trades` / :meth:`Market.add_burst` join the generated
ones (ids ``minute * 1000 + 500 + n``).
"""

from __future__ import annotations

import math
import random
import threading
import typing as t
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from lana_sandbox.prices import minute_prices

from . import wire

__all__ = [
    "DEFAULT_LISTED_AT",
    "SYMBOLS",
    "TIMEFRAMES",
    "Candle",
    "Market",
    "Trade",
    "period_end",
    "period_start",
]

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
WEEK_MS = 7 * DAY_MS
NANOS_PER_CENT = 10**7
QUIET_MINUTE_PROBABILITY = 0.12
ONE_UNIT_PROBABILITY = 0.03
_MONDAY_OFFSET_MS = 4 * DAY_MS  # 1970-01-05 was the first Monday after the epoch
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

DEFAULT_LISTED_AT = datetime(2013, 1, 14, tzinfo=UTC)
"""No trade exists before this instant (tBTCUSD's listing on Bitfinex, roughly)."""

TIMEFRAMES: dict[str, int | None] = {
    "1m": MINUTE_MS,
    "5m": 5 * MINUTE_MS,
    "15m": 15 * MINUTE_MS,
    "30m": 30 * MINUTE_MS,
    "1h": HOUR_MS,
    "3h": 3 * HOUR_MS,
    "6h": 6 * HOUR_MS,
    "12h": 12 * HOUR_MS,
    "1D": DAY_MS,
    "1W": WEEK_MS,
    "14D": 2 * WEEK_MS,
    "1M": None,  # calendar month
}
"""Candle timeframes and their length in ms (1W and 14D start on a Monday, 1M on the 1st)."""


class SymbolSpec(t.NamedTuple):
    seed_offset: int  # the price path is the BTC path of seed + offset ...
    divisor: int  # ... divided by this


SYMBOLS: dict[str, SymbolSpec] = {
    "tBTCUSD": SymbolSpec(0, 1),
    "tETHUSD": SymbolSpec(1, 25),
}
FUNDING_SYMBOLS = ("fUSD",)


class Trade(t.NamedTuple):
    id: int
    mts: int
    amount: int  # 1e-8 of the base currency; negative = sell
    price: int  # 1e-9 USD

    def wire(self) -> list:
        return [self.id, self.mts, wire.amount(self.amount), wire.price(self.price)]


class Candle(t.NamedTuple):
    mts: int
    open: int
    close: int
    high: int
    low: int
    volume: int  # 1e-8 of the base currency

    def wire(self) -> list:
        p = wire.price
        return [
            self.mts,
            p(self.open),
            p(self.close),
            p(self.high),
            p(self.low),
            wire.fixed(self.volume, 8),
        ]


def period_start(ms: int, timeframe: str) -> int:
    """Open time (ms) of the ``timeframe`` candle containing ``ms``."""
    length = TIMEFRAMES[timeframe]
    if length is None:
        ts = _EPOCH + timedelta(milliseconds=ms)
        return _to_ms(datetime(ts.year, ts.month, 1, tzinfo=UTC))
    if length >= WEEK_MS:
        return ms - (ms - _MONDAY_OFFSET_MS) % length
    return ms - ms % length


def period_end(start: int, timeframe: str) -> int:
    """Open time of the next candle after the one opening at ``start`` (exclusive end)."""
    length = TIMEFRAMES[timeframe]
    if length is not None:
        return start + length
    ts = _EPOCH + timedelta(milliseconds=start)
    year, month = (ts.year + 1, 1) if ts.month == 12 else (ts.year, ts.month + 1)
    return _to_ms(datetime(year, month, 1, tzinfo=UTC))


def _to_ms(ts: datetime) -> int:
    return (ts - _EPOCH) // timedelta(milliseconds=1)


class Market:
    """The trade history and snapshots of every symbol for one seed."""

    CACHE_LIMIT = 20_000  # minutes kept per cache (a few MB)

    def __init__(
        self,
        seed: int,
        *,
        many_decimals: bool = False,
        listed_at: datetime = DEFAULT_LISTED_AT,
    ) -> None:
        self.seed = seed
        self.many_decimals = many_decimals
        self.listed_ms = _to_ms(listed_at)
        self._lock = threading.RLock()
        self._generated: dict[tuple[str, int], tuple[Trade, ...]] = {}
        self._minute_candles: dict[tuple[str, int], Candle | None] = {}
        self._period_candles: dict[tuple[str, str, int], Candle | None] = {}
        self._extra: dict[tuple[str, int], list[Trade]] = {}

    # --- trades ---------------------------------------------------------------------

    def _minute_price(self, symbol: str, minute: int) -> int:
        spec = SYMBOLS[symbol]
        ts = _EPOCH + timedelta(minutes=minute)
        cents = minute_prices(ts.date(), self.seed + spec.seed_offset)[ts.hour * 60 + ts.minute]
        return max(1, cents // spec.divisor)

    def _generate(self, symbol: str, minute: int) -> tuple[Trade, ...]:
        if minute * MINUTE_MS < self.listed_ms:
            return ()
        spec = SYMBOLS[symbol]
        rng = random.Random(f"fake-bitfinex/{self.seed}/{symbol}/trades/{minute}")
        if rng.random() < QUIET_MINUTE_PROBABILITY:
            return ()
        p0 = self._minute_price(symbol, minute)
        p1 = self._minute_price(symbol, minute + 1)
        events = 1 + min(15, int(rng.expovariate(0.3)))
        offsets = sorted(rng.randrange(MINUTE_MS) for _ in range(events))
        trades: list[Trade] = []
        for offset in offsets:
            size = 1
            while size < 6 and rng.random() < 0.45:
                size += 1
            base = p0 + (p1 - p0) * offset / MINUTE_MS
            for _ in range(size):
                cents = max(1, round(base * (1.0 + rng.gauss(0.0, 0.0002))))
                if rng.random() < ONE_UNIT_PROBABILITY:
                    units = 1
                else:
                    units = max(1, round(rng.lognormvariate(math.log(2_000_000), 1.5)))
                    units *= spec.divisor
                if rng.random() < 0.5:
                    units = -units
                trade_id = minute * 1000 + len(trades)
                nanos = cents * NANOS_PER_CENT
                if self.many_decimals:
                    nanos += (trade_id * 2_654_435_761 + 97) % NANOS_PER_CENT or 1
                trades.append(Trade(trade_id, minute * MINUTE_MS + offset, units, nanos))
        return tuple(trades)

    def minute_trades(self, symbol: str, minute: int) -> tuple[Trade, ...]:
        """All trades of one minute (epoch minute number), sorted by (MTS, ID)."""
        key = (symbol, minute)
        with self._lock:
            trades = self._generated.get(key)
            if trades is None:
                if len(self._generated) >= self.CACHE_LIMIT:
                    self._generated.clear()
                trades = self._generated[key] = self._generate(symbol, minute)
            extra = self._extra.get(key)
        if extra:
            return tuple(sorted((*trades, *extra), key=lambda tr: (tr.mts, tr.id)))
        return trades

    def trades(self, symbol: str, start: int, end: int, *, ascending: bool = True) -> list[Trade]:
        """Every trade with ``start <= MTS <= end``: the ground truth for tests."""
        return self.trades_page(symbol, start, end, limit=None, ascending=ascending)

    def trades_page(
        self,
        symbol: str,
        start: int | None,
        end: int,
        *,
        limit: int | None,
        ascending: bool,
    ) -> list[Trade]:
        """Up to ``limit`` trades with ``start <= MTS <= end``, oldest or newest first."""
        lo = max(self.listed_ms, start if start is not None else self.listed_ms)
        if lo > end:
            return []
        out: list[Trade] = []
        minutes: Iterable[int] = (
            range(lo // MINUTE_MS, end // MINUTE_MS + 1)
            if ascending
            else range(end // MINUTE_MS, lo // MINUTE_MS - 1, -1)
        )
        for minute in minutes:
            trades = self.minute_trades(symbol, minute)
            for trade in trades if ascending else reversed(trades):
                if lo <= trade.mts <= end:
                    out.append(trade)
                    if limit is not None and len(out) >= limit:
                        return out
        return out

    def last_trade(self, symbol: str, at_or_before: int) -> Trade | None:
        minute = at_or_before // MINUTE_MS
        floor = self.listed_ms // MINUTE_MS
        while minute >= floor:
            for trade in reversed(self.minute_trades(symbol, minute)):
                if trade.mts <= at_or_before:
                    return trade
            minute -= 1
        return None

    def add_trades(self, symbol: str, rows: Iterable[tuple[int, t.Any, t.Any]]) -> list[Trade]:
        """Add trades ``(mts, amount, price)`` (exact numbers: int, Decimal or text)."""
        if symbol not in SYMBOLS:
            raise ValueError(f"unknown symbol {symbol!r}")
        added = []
        with self._lock:
            for mts, amount, price in rows:
                minute = mts // MINUTE_MS
                extra = self._extra.setdefault((symbol, minute), [])
                if len(extra) >= 500:
                    raise ValueError(f"at most 500 added trades per minute (minute {minute})")
                trade = Trade(
                    minute * 1000 + 500 + len(extra),
                    mts,
                    wire.from_fixed(amount, 8),
                    wire.from_fixed(price, 9),
                )
                extra.append(trade)
                added.append(trade)
            self._minute_candles.clear()
            self._period_candles.clear()
        return added

    def add_burst(self, symbol: str, mts: int, count: int) -> list[Trade]:
        """Add ``count`` trades that all share the millisecond ``mts``."""
        nanos = self._minute_price(symbol, mts // MINUTE_MS) * NANOS_PER_CENT
        price = Decimal(nanos).scaleb(-9)
        rows = [(mts, Decimal((i + 1) * (-1) ** i).scaleb(-3), price) for i in range(count)]
        return self.add_trades(symbol, rows)

    # --- candles --------------------------------------------------------------------

    @staticmethod
    def _aggregate(mts: int, parts: Iterable[Candle]) -> Candle | None:
        parts = list(parts)
        if not parts:
            return None
        return Candle(
            mts,
            parts[0].open,
            parts[-1].close,
            max(c.high for c in parts),
            min(c.low for c in parts),
            sum(c.volume for c in parts),
        )

    def minute_candle(self, symbol: str, minute: int, now_ms: int) -> Candle | None:
        complete = (minute + 1) * MINUTE_MS - 1 <= now_ms
        key = (symbol, minute)
        if complete:
            with self._lock:
                if key in self._minute_candles:
                    return self._minute_candles[key]
        trades = [tr for tr in self.minute_trades(symbol, minute) if tr.mts <= now_ms]
        candle = None
        if trades:
            prices = [tr.price for tr in trades]
            candle = Candle(
                minute * MINUTE_MS,
                prices[0],
                prices[-1],
                max(prices),
                min(prices),
                sum(abs(tr.amount) for tr in trades),
            )
        if complete:
            with self._lock:
                if len(self._minute_candles) >= self.CACHE_LIMIT:
                    self._minute_candles.clear()
                self._minute_candles[key] = candle
        return candle

    def candle(self, symbol: str, timeframe: str, start: int, now_ms: int) -> Candle | None:
        """The candle opening at ``start`` (a period start), as of ``now_ms``; None if no trade."""
        if timeframe == "1m":
            return self.minute_candle(symbol, start // MINUTE_MS, now_ms)
        end = period_end(start, timeframe)
        complete = end - 1 <= now_ms
        key = (symbol, timeframe, start)
        if complete:
            with self._lock:
                if key in self._period_candles:
                    return self._period_candles[key]
        last_minute = (min(end - 1, now_ms)) // MINUTE_MS
        candle = self._aggregate(
            start,
            (
                c
                for m in range(start // MINUTE_MS, last_minute + 1)
                if (c := self.minute_candle(symbol, m, now_ms)) is not None
            ),
        )
        if complete:
            with self._lock:
                self._period_candles[key] = candle
        return candle

    def candles_page(
        self,
        symbol: str,
        timeframe: str,
        start: int | None,
        end: int,
        *,
        limit: int,
        ascending: bool,
        now_ms: int,
    ) -> list[Candle]:
        """Up to ``limit`` candles with ``start <= MTS <= end``; gaps are simply absent."""
        lo = max(self.listed_ms, start if start is not None else self.listed_ms)
        hi = min(end, now_ms)
        out: list[Candle] = []
        if lo > hi:
            return out
        if ascending:
            ps = period_start(lo, timeframe)
            if ps < lo:
                ps = period_end(ps, timeframe)
            while ps <= hi and len(out) < limit:
                if (c := self.candle(symbol, timeframe, ps, now_ms)) is not None:
                    out.append(c)
                ps = period_end(ps, timeframe)
        else:
            ps = period_start(hi, timeframe)
            while ps >= lo and len(out) < limit:
                if (c := self.candle(symbol, timeframe, ps, now_ms)) is not None:
                    out.append(c)
                ps = period_start(ps - 1, timeframe)
        return out

    def candles(self, symbol: str, timeframe: str, start: int, end: int, now_ms: int) -> list:
        """Every candle with ``start <= MTS <= end`` (ground truth for tests), oldest first."""
        return self.candles_page(
            symbol, timeframe, start, end, limit=10**9, ascending=True, now_ms=now_ms
        )

    # --- snapshots ------------------------------------------------------------------

    def _mid(self, symbol: str, now_ms: int) -> int:
        trade = self.last_trade(symbol, now_ms)
        if trade is not None:
            return trade.price
        return self._minute_price(symbol, now_ms // MINUTE_MS) * NANOS_PER_CENT

    def book_levels(
        self, symbol: str, precision: str, length: int, now_ms: int
    ) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
        """(bids, asks) as ``(price_nanos, count, amount_units)``, best first; asks negative.

        For ``R0`` the middle value is an order id instead of a count.
        """
        mid = self._mid(symbol, now_ms)
        spec = SYMBOLS[symbol]
        rng = random.Random(f"fake-bitfinex/{self.seed}/{symbol}/book/{precision}/{now_ms // 1000}")
        significant = 5 - (0 if precision == "R0" else int(precision[1]))
        digits = len(str(max(1, mid // 10**9)))
        tick = 10 ** max(0, 9 + digits - significant)
        best_bid = (mid // tick) * tick
        if best_bid == mid:
            best_bid -= tick

        def side(first: int, step: int, sign: int) -> list[tuple[int, int, int]]:
            rows: list[tuple[int, int, int]] = []
            level = first
            while len(rows) < length and level > 0:
                if precision == "R0":
                    for _ in range(1 + int(rng.random() < 0.3)):
                        if len(rows) < length:
                            order_id = rng.randrange(10**11, 2 * 10**11)
                            units = round(rng.lognormvariate(math.log(5_000_000), 1.2))
                            rows.append((level, order_id, sign * max(1, units) * spec.divisor))
                else:
                    count = 1 + min(19, int(rng.expovariate(0.4)))
                    units = sum(
                        max(1, round(rng.lognormvariate(math.log(5_000_000), 1.2)))
                        for _ in range(count)
                    )
                    rows.append((level, count, sign * units * spec.divisor))
                level += step * (1 + int(rng.random() < 0.3))
            return rows

        return side(best_bid, -tick, 1), side(best_bid + tick, tick, -1)

    def book(self, symbol: str, precision: str, length: int, now_ms: int) -> list[list]:
        """Wire rows: P0..P4 ``[PRICE, COUNT, AMOUNT]``, R0 ``[ORDER_ID, PRICE, AMOUNT]``."""
        bids, asks = self.book_levels(symbol, precision, length, now_ms)
        if precision == "R0":
            return [[oid, wire.price(p), wire.amount(a)] for p, oid, a in (*bids, *asks)]
        return [[wire.price(p), n, wire.amount(a)] for p, n, a in (*bids, *asks)]

    def ticker_values(self, symbol: str, now_ms: int) -> list[wire.Raw]:
        """The 10 ticker fields BID .. LOW, as wire numbers."""
        last = self._mid(symbol, now_ms)
        before = self.last_trade(symbol, now_ms - DAY_MS)
        previous = before.price if before is not None else last
        day = [
            c
            for m in range((now_ms - DAY_MS) // MINUTE_MS + 1, now_ms // MINUTE_MS + 1)
            if (c := self.minute_candle(symbol, m, now_ms)) is not None
        ]
        bids, asks = self.book_levels(symbol, "P0", 25, now_ms)
        change = last - previous
        relative = (Decimal(change) / Decimal(previous)).quantize(Decimal("0.0001"))
        return [
            wire.price(bids[0][0]),
            wire.fixed(sum(b[2] for b in bids), 8),
            wire.price(asks[0][0]),
            wire.fixed(-sum(a[2] for a in asks), 8),
            wire.price(change),
            wire.Raw(format(relative.normalize(), "f") if relative else "0"),
            wire.price(last),
            wire.fixed(sum(c.volume for c in day), 8),
            wire.price(max((c.high for c in day), default=last)),
            wire.price(min((c.low for c in day), default=last)),
        ]

    @staticmethod
    def funding_ticker_values() -> list:
        """A funding ticker (16 fields, nulls included): only for ``/v2/tickers`` filtering."""
        r = wire.Raw
        return [
            r("0.0002"),
            r("0.00018"),
            30,
            r("1250000.5"),
            r("0.0002"),
            2,
            r("980000"),
            r("0.00001"),
            r("0.05"),
            r("0.00019"),
            r("152000000.1"),
            r("0.0003"),
            r("0.00011"),
            None,
            None,
            r("43000000"),
        ]
