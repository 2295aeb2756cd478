"""The four Bitfinex streams: ticker, trades, candles and the P0 order book."""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta
from importlib import resources

from singer_sdk import SchemaDirectory, StreamSchema

from tap_bitfinex.client import (
    BitfinexStream,
    expect_list,
    integer,
    malformed,
    number,
    row_of,
)
from tap_bitfinex.clock import from_ms, to_ms

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context

SCHEMAS = SchemaDirectory(resources.files(__package__) / "schemas")

TICKER_FIELDS = (
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
)
TRADE_FIELDS = ("ID", "MTS", "AMOUNT", "PRICE")
CANDLE_FIELDS = ("MTS", "OPEN", "CLOSE", "HIGH", "LOW", "VOLUME")
BOOK_FIELDS = ("PRICE", "COUNT", "AMOUNT")
DEFAULT_LOOKBACK = timedelta(minutes=10)
MAX_PAGE_LIMIT = 10_000

MINUTE_MS = 60_000
TIMEFRAME_MS: dict[str, int | None] = {
    "1m": MINUTE_MS,
    "5m": 5 * MINUTE_MS,
    "15m": 15 * MINUTE_MS,
    "30m": 30 * MINUTE_MS,
    "1h": 60 * MINUTE_MS,
    "3h": 180 * MINUTE_MS,
    "6h": 360 * MINUTE_MS,
    "12h": 720 * MINUTE_MS,
    "1D": 1440 * MINUTE_MS,
    "1W": 7 * 1440 * MINUTE_MS,
    "14D": 14 * 1440 * MINUTE_MS,
    "1M": None,  # a calendar month
}


def candle_end(mts: int, timeframe: str) -> int:
    """End (exclusive, ms) of the ``timeframe`` candle that opens at ``mts``."""
    length = TIMEFRAME_MS[timeframe]
    if length is not None:
        return mts + length
    opened = from_ms(mts)
    year, month = (opened.year + 1, 1) if opened.month == 12 else (opened.year, opened.month + 1)
    return to_ms(opened.replace(year=year, month=month, day=1))


class _SnapshotStream(BitfinexStream):
    """A snapshot per run and symbol: FULL_TABLE, keyed by the time it was requested."""

    def requested_at(self) -> datetime:
        """When the latest (successful) request went out, to the millisecond."""
        assert self.last_sent_at is not None
        return from_ms(to_ms(self.last_sent_at))


class TickerStream(_SnapshotStream):
    """``GET /v2/ticker/{symbol}``: one row per symbol and run with the 10 ticker fields."""

    name = "bitfinex_ticker"
    endpoint = "ticker"
    primary_keys = ("symbol", "requested_at")
    replication_key = None
    schema = StreamSchema(SCHEMAS, key="ticker")

    def fetch_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:  # noqa: ARG002
        for symbol in self.symbols:
            path = f"/v2/ticker/{symbol}"
            data = self.request_json(path)
            requested_at = self.requested_at()
            values = row_of(f"GET {path}", data, [f.upper() for f in TICKER_FIELDS])
            record: dict[str, t.Any] = {"symbol": symbol, "requested_at": requested_at}
            for field, value in zip(TICKER_FIELDS, values, strict=True):
                record[field] = number(f"GET {path}", value, field.upper())
            yield record


class OrderBookStream(_SnapshotStream):
    """``GET /v2/book/{symbol}/P0?len=N``: one row per price level, side ``bid`` or ``ask``.

    P0 rows are ``[PRICE, COUNT, AMOUNT]`` (not R0's ``[ORDER_ID, PRICE, AMOUNT]``, which
    Lana's extractor mislabelled). AMOUNT keeps its sign as sent (asks negative); ``level`` is
    the 1-based rank within the side, best price first.
    """

    name = "bitfinex_order_book"
    endpoint = "book"
    primary_keys = ("symbol", "requested_at", "side", "price")
    replication_key = None
    schema = StreamSchema(SCHEMAS, key="order_book")

    def fetch_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:  # noqa: ARG002
        length = int(self.config.get("order_book_length", 100))
        for symbol in self.symbols:
            path = f"/v2/book/{symbol}/P0"
            what = f"GET {path}?len={length}"
            rows = expect_list(what, self.request_json(path, {"len": length}))
            requested_at = self.requested_at()
            records = []
            levels = {"bid": 0, "ask": 0}
            for i, raw in enumerate(rows):
                price, count, amount = row_of(what, raw, BOOK_FIELDS, i)
                price = number(what, price, f"row {i} PRICE")
                count = integer(what, count, f"row {i} COUNT")
                amount = number(what, amount, f"row {i} AMOUNT")
                if price <= 0 or count < 1 or amount == 0:
                    problem = f"row {i} {raw!r} is not a P0 level [PRICE, COUNT, AMOUNT]"
                    raise malformed(what, problem)
                side = "bid" if amount > 0 else "ask"
                levels[side] += 1
                records.append(
                    {
                        "symbol": symbol,
                        "requested_at": requested_at,
                        "side": side,
                        "level": levels[side],
                        "price": price,
                        "count": count,
                        "amount": amount,
                    }
                )
            yield from records


class _HistoryStream(BitfinexStream):
    """Forward incremental sync on ``mts`` (``sort=1``), one state partition per key."""

    replication_key = "mts"
    is_sorted = True

    def get_starting_ms(self, state: dict) -> tuple[int, bool]:
        """(cursor in ms, whether it is this partition's bookmark) for a new sync."""
        start_date = self.config.get("start_date")
        start_ms = None
        if start_date:
            parsed = datetime.fromisoformat(str(start_date).replace("Z", "+00:00"))
            start_ms = to_ms(parsed)
        bookmark = state.get("replication_key_value")
        if bookmark is not None and state.get("replication_key") == self.replication_key:
            bookmark = int(bookmark)
            if start_ms is None or bookmark >= start_ms:
                return bookmark, True
        if start_ms is None:
            start_ms = to_ms(self.clock.now() - DEFAULT_LOOKBACK)
        return start_ms, False

    def page_limit(self, setting: str) -> int:
        limit = int(self.config.get(setting, MAX_PAGE_LIMIT))
        if not 1 <= limit <= MAX_PAGE_LIMIT:
            raise ValueError(f"{setting} must be between 1 and {MAX_PAGE_LIMIT}, not {limit}")
        return limit


class TradesStream(_HistoryStream):
    """``GET /v2/trades/{symbol}/hist?sort=1&start=&end=&limit=``: every trade, once.

    Paging (apis.md A.3): the next page starts **at** the last trade's MTS, not one ms after
    it, and trades already emitted at that MTS are skipped by ID, so trades sharing a
    millisecond across a page edge are neither lost nor duplicated. The partition state keeps
    the bookmark MTS and ``trade_ids_at_bookmark`` (the IDs emitted at that MTS), so a later
    run resumes exactly. When more than ``limit`` trades share one MTS a page brings no new
    ID: the tap then reads that millisecond from the other end (``sort=-1``, ``start=end=MTS``)
    and moves on to MTS + 1; only a millisecond with more than twice ``limit`` trades can
    still lose some, and that is logged as a warning.

    Each run stops at the time it started (``end``), so a busy market cannot keep it going.
    """

    name = "bitfinex_trades"
    endpoint = "trades"
    primary_keys = ("symbol", "id")
    schema = StreamSchema(SCHEMAS, key="trades")
    IDS_KEY = "trade_ids_at_bookmark"

    @property
    def partitions(self) -> list[dict]:
        return [{"symbol": symbol} for symbol in self.symbols]

    def _page(self, symbol: str, params: dict) -> list[dict]:
        """One page, checked whole: rows of 4, MTS within the window and in order."""
        path = f"/v2/trades/{symbol}/hist"
        what = f"GET {path}?{'&'.join(f'{k}={v}' for k, v in params.items())}"
        rows = expect_list(what, self.request_json(path, params))
        if len(rows) > params["limit"]:
            raise malformed(what, f"{len(rows)} rows for limit={params['limit']}")
        trades = []
        previous = None
        for i, raw in enumerate(rows):
            trade_id, mts, amount, price = row_of(what, raw, TRADE_FIELDS, i)
            mts = integer(what, mts, f"row {i} MTS")
            if not params["start"] <= mts <= params["end"]:
                raise malformed(what, f"row {i} MTS {mts} is outside start..end")
            if previous is not None and (mts - previous) * params["sort"] < 0:
                raise malformed(what, f"row {i} is out of order for sort={params['sort']}")
            previous = mts
            trades.append(
                {
                    "symbol": symbol,
                    "id": integer(what, trade_id, f"row {i} ID"),
                    "mts": mts,
                    "executed_at": from_ms(mts),
                    "amount": number(what, amount, f"row {i} AMOUNT"),
                    "price": number(what, price, f"row {i} PRICE"),
                }
            )
        return trades

    def fetch_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        assert context is not None
        symbol = context["symbol"]
        state = self.get_context_state(context)
        limit = self.page_limit("trades_page_limit")
        end = to_ms(self.clock.now())
        cursor, resumed = self.get_starting_ms(state)
        # IDs already emitted at MTS == cursor; grows as trades at the bookmark MTS go out.
        seen: set[int] = set(state.get(self.IDS_KEY) or []) if resumed else set()
        emitted_mts: int | None = None
        emitted_ids: list[int] = []
        if resumed:
            emitted_mts, emitted_ids = cursor, sorted(seen)
            state[self.IDS_KEY] = emitted_ids

        def emit(record: dict) -> dict:
            nonlocal emitted_mts, emitted_ids
            if record["mts"] != emitted_mts:
                emitted_mts, emitted_ids = record["mts"], []
                state[self.IDS_KEY] = emitted_ids
            emitted_ids.append(record["id"])
            return record

        while cursor <= end:
            params = {"limit": limit, "sort": 1, "start": cursor, "end": end}
            page = self._page(symbol, params)
            fresh = [r for r in page if r["id"] not in seen]
            for record in fresh:
                yield emit(record)
            self.checkpoint()
            if len(page) < limit:
                break
            last_mts = page[-1]["mts"]
            if fresh:
                if last_mts > cursor:
                    seen = {r["id"] for r in page if r["mts"] == last_mts}
                    cursor = last_mts
                else:
                    seen.update(r["id"] for r in page)
                continue
            # A full page and nothing new: more than `limit` trades share MTS == cursor.
            params = {"limit": limit, "sort": -1, "start": cursor, "end": cursor}
            tail = self._page(symbol, params)
            rest = [r for r in reversed(tail) if r["id"] not in seen]
            for record in sorted(rest, key=lambda r: r["id"]):
                yield emit(record)
            self.checkpoint()
            if len(tail) == limit and len(rest) == len(tail):
                self.logger.warning(
                    "%s: more than %d trades share MTS %d; read %d from each end of that "
                    "millisecond, some in between may be missing (raise trades_page_limit)",
                    symbol,
                    2 * limit,
                    cursor,
                    limit,
                )
            cursor, seen = cursor + 1, set()


class CandlesStream(_HistoryStream):
    """``GET /v2/candles/trade:{TF}:{symbol}/hist?sort=1&start=&end=&limit=``.

    Only closed candles are emitted (the open one still changes), so each candle lands once
    in its final form; the next page and the next run start at the end of the last candle.
    Periods without trades have no candle and are simply absent (gaps).
    """

    name = "bitfinex_candles"
    endpoint = "candles"
    primary_keys = ("symbol", "timeframe", "mts")
    schema = StreamSchema(SCHEMAS, key="candles")

    @property
    def timeframe(self) -> str:
        timeframe = str(self.config.get("candle_timeframe", "1m"))
        if timeframe not in TIMEFRAME_MS:
            raise ValueError(f"candle_timeframe must be one of {list(TIMEFRAME_MS)}")
        return timeframe

    @property
    def partitions(self) -> list[dict]:
        return [{"symbol": symbol, "timeframe": self.timeframe} for symbol in self.symbols]

    def fetch_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        assert context is not None
        symbol, timeframe = context["symbol"], context["timeframe"]
        state = self.get_context_state(context)
        limit = self.page_limit("candles_page_limit")
        now = to_ms(self.clock.now())
        cursor, resumed = self.get_starting_ms(state)
        if resumed:
            cursor = candle_end(cursor, timeframe)
        path = f"/v2/candles/trade:{timeframe}:{symbol}/hist"
        while cursor <= now:
            params = {"limit": limit, "sort": 1, "start": cursor, "end": now}
            what = f"GET {path}?{'&'.join(f'{k}={v}' for k, v in params.items())}"
            rows = expect_list(what, self.request_json(path, params))
            page = []
            previous = cursor - 1
            for i, raw in enumerate(rows):
                mts, open_, close, high, low, volume = row_of(what, raw, CANDLE_FIELDS, i)
                mts = integer(what, mts, f"row {i} MTS")
                if mts <= previous or mts > now:
                    problem = f"row {i} MTS {mts} is out of order or outside the window"
                    raise malformed(what, problem)
                previous = mts
                page.append(
                    {
                        "symbol": symbol,
                        "timeframe": timeframe,
                        "mts": mts,
                        "period_start": from_ms(mts),
                        "open": number(what, open_, f"row {i} OPEN"),
                        "close": number(what, close, f"row {i} CLOSE"),
                        "high": number(what, high, f"row {i} HIGH"),
                        "low": number(what, low, f"row {i} LOW"),
                        "volume": number(what, volume, f"row {i} VOLUME"),
                    }
                )
            closed = [r for r in page if candle_end(r["mts"], timeframe) <= now]
            yield from closed
            self.checkpoint()
            if len(page) < limit or len(closed) < len(page) or not page:
                break
            cursor = candle_end(page[-1]["mts"], timeframe)
