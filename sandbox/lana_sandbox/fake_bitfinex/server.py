"""The fake Bitfinex v2 public REST server: real HTTP on 127.0.0.1, switchable failure modes.

Speaks the wire protocol of ``reference/apis.md`` Part A (exact array layouts, inclusive
``start``/``end``, default ``sort=-1``, ``limit`` caps, the error bodies of A.4, a 404 HTML
page for unknown paths) with the data of :mod:`.market`. Time comes from an injectable clock
(a :class:`~.clock.FakeClock` by default), and rate limits (A.5) and the 60 s IP block are
computed on that clock, so tests never wait for real.

Failure modes (Part C.1) are switched per test with :meth:`FakeBitfinex.fail`::

    with FakeBitfinex(seed=1, now=datetime(2026, 1, 15, 12, tzinfo=UTC)) as fx:
        fx.fail("rate_limit", endpoint="trades", form="200_array")
        fx.fail("edge_5xx", times=2, status=522)
        ... fx.base_url ...

Modes (``endpoint`` limits a mode to one of :data:`ENDPOINTS`, ``times`` is how many
requests it hits, ``None`` for all until :meth:`FakeBitfinex.clear`; ``after`` lets that
many matching requests through first):

- ``rate_limit`` (``form`` = ``429_array`` | ``200_array`` | ``429_object``): block the IP
  now; every request answers with that form until ``block_seconds`` have passed.
- ``maintenance`` (``code`` = 20060 | 11000, ``status`` = 500 | 503): ``/platform/status``
  answers ``[0]``, data endpoints answer ``["error",20060,"maintenance"]`` or
  ``["error",11000,"ready: invalid"]``.
- ``edge_5xx`` (``status`` = 502 | 503 | 520 | 522 | 524): a Cloudflare HTML error page.
- ``error`` (``status``, ``code``, ``message``): any Bitfinex error array.
- ``truncated`` (``keep`` bytes, default half): a 200 whose JSON is cut off mid-array.
- ``empty``: a 200 with an empty body. ``object``: a 200 with a JSON object.
- ``wrong_length`` (``length``): the (first) row has ``length`` elements instead of its own.
- ``slow`` (``delay`` real seconds, keep it small): the reply starts after a delay.
- ``reset``: the headers and half the body are sent, then the connection is closed.

Also: :meth:`FakeBitfinex.add_burst` (several trades sharing one millisecond, e.g. across a
page boundary), ``edge_cache_seconds`` (identical URLs answered from a cache, C.9),
``many_decimals`` (prices with nine decimals), ``rate_limits`` (per-endpoint budgets per
window), and :attr:`FakeBitfinex.requests` (every request seen, for assertions).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, unquote, urlsplit

from lana_sandbox.local_http import LocalHTTPServer

from . import wire
from .clock import FakeClock, to_ms
from .market import DEFAULT_LISTED_AT, FUNDING_SYMBOLS, SYMBOLS, TIMEFRAMES, Market, Trade

__all__ = [
    "DEFAULT_NOW",
    "DEFAULT_RATE_LIMITS",
    "ENDPOINTS",
    "FAILURE_MODES",
    "Failure",
    "FakeBitfinex",
    "LoggedRequest",
]

ENDPOINTS = ("status", "ticker", "tickers", "trades", "candles", "book")
DEFAULT_RATE_LIMITS: dict[str, int | None] = {
    "status": 30,
    "ticker": 90,
    "tickers": 30,
    "trades": 15,
    "candles": 30,
    "book": 240,
}
"""Requests per window (60 s) per IP, from the current docs pages (apis.md A.5)."""

RATE_LIMIT_FORMS = ("429_array", "200_array", "429_object")
FAILURE_MODES = (
    "rate_limit",
    "maintenance",
    "edge_5xx",
    "error",
    "truncated",
    "empty",
    "object",
    "wrong_length",
    "slow",
    "reset",
)
EDGE_STATUSES = {
    502: "Bad gateway",
    503: "Service unavailable",
    520: "Web server is returning an unknown error",
    522: "Connection timed out",
    524: "A timeout occurred",
}
DEFAULT_NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
BOOK_LENGTHS = {"1", "25", "100", "250"}
PRECISIONS = {"P0", "P1", "P2", "P3", "P4", "R0"}
MAX_LIMIT = 10_000

_ROUTES = [
    ("status", re.compile(r"/v2/platform/status")),
    ("ticker", re.compile(r"/v2/ticker/([^/]+)")),
    ("tickers", re.compile(r"/v2/tickers")),
    ("trades", re.compile(r"/v2/trades/([^/]+)/hist")),
    ("candles", re.compile(r"/v2/candles/([^/]+)/(hist|last)")),
    ("book", re.compile(r"/v2/book/([^/]+)/([^/]+)")),
]


@dataclass
class Failure:
    """One switched-on failure mode (see the module docstring)."""

    mode: str
    endpoint: str | None = None
    times: int | None = 1
    options: dict = field(default_factory=dict)
    after: int = 0  # let this many matching requests through first
    hits: int = 0
    passed: int = 0

    @property
    def active(self) -> bool:
        return self.times is None or self.hits < self.times


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str  # as sent (percent-encoding kept), without the query
    query: dict[str, str]
    endpoint: str | None
    status: int
    at: datetime  # on the server's clock
    failure: str | None = None  # the failure mode that shaped the reply, or "blocked"


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str = JSON_TYPE
    reason: str | None = None
    cache_status: str = "DYNAMIC"
    delay: float = 0.0
    reset: bool = False


class _ParamError(Exception):
    """A bad request parameter: HTTP 500 ``["error",10020,"<what>: invalid"]``."""


def _json_reply(status: int, text: str, **kw) -> _Reply:
    return _Reply(status, text.encode(), **kw)


def _cannot(method: str, path: str, status: int = 404) -> _Reply:
    body = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Error</title>\n</head>\n<body>\n<pre>Cannot {method} /api{path}</pre>\n"
        "</body>\n</html>\n"
    )
    return _Reply(status, body.encode(), HTML_TYPE)


def _edge_page(status: int) -> _Reply:
    title = EDGE_STATUSES[status]
    body = (
        "<!DOCTYPE html>\n<html><head><title>api-pub.bitfinex.com | "
        f'{status}: {title}</title></head>\n<body><div id="cf-error-details">'
        f"<h1>{title}</h1><span>Error code {status}</span>"
        "<p>Visit cloudflare.com for more information.</p>"
        "<p>Cloudflare Ray ID: 8f1c2d3e4a5b6c7d</p></div></body></html>\n"
    )
    return _Reply(status, body.encode(), HTML_TYPE, reason=title)


def _rate_limited(form: str) -> _Reply:
    if form == "429_object":
        return _json_reply(429, '{"error":"ERR_RATE_LIMIT"}', reason="Too Many Requests")
    status = 200 if form == "200_array" else 429
    reason = "OK" if status == 200 else "Too Many Requests"
    return _json_reply(status, wire.error_body(11010, "ratelimit: error"), reason=reason)


def _int_param(query: dict[str, str], name: str, default: int | None) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise _ParamError(f"{name}: invalid") from None


def _limit(query: dict[str, str], default: int) -> int:
    limit = _int_param(query, "limit", default)
    assert limit is not None
    if not 1 <= limit <= MAX_LIMIT:
        raise _ParamError("limit: invalid")
    return limit


def _check_symbol(symbol: str) -> None:
    if symbol not in SYMBOLS:
        raise _ParamError("symbol: invalid")


class FakeBitfinex(LocalHTTPServer):
    """A fake ``api-pub.bitfinex.com`` on 127.0.0.1; use as a context manager.

    Args:
        seed: market data seed (the BTC path of :mod:`lana_sandbox.prices` for this seed).
        now: start time of a new :class:`FakeClock` (default :data:`DEFAULT_NOW`).
        clock: a clock to use instead (e.g. one shared with the client under test).
        port: 0 for an ephemeral port.
        rate_limits: per-endpoint budgets overriding :data:`DEFAULT_RATE_LIMITS`
            (``None`` for unlimited); ``rate_limited=False`` switches all limits off.
        rate_limit_window_seconds / block_seconds: the budget window and the IP block (60 s).
        rate_limit_form: the reply while blocked after exceeding a budget.
        edge_cache_seconds: serve identical URLs from a cache this long (0 = off).
        many_decimals: nine-decimal trade prices.
    """

    name = "fake-bitfinex"

    REQUEST_LOG_LIMIT = 100_000

    def __init__(
        self,
        seed: int = 0,
        now: datetime | None = None,
        *,
        clock=None,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limits: dict[str, int | None] | None = None,
        rate_limited: bool = True,
        rate_limit_window_seconds: float = 60.0,
        block_seconds: float = 60.0,
        rate_limit_form: str = "429_array",
        edge_cache_seconds: float = 0.0,
        many_decimals: bool = False,
        listed_at: datetime = DEFAULT_LISTED_AT,
    ) -> None:
        if clock is not None and now is not None:
            raise ValueError("give either now= or clock=, not both")
        if rate_limit_form not in RATE_LIMIT_FORMS:
            raise ValueError(f"rate_limit_form must be one of {RATE_LIMIT_FORMS}")
        unknown = set(rate_limits or {}) - set(ENDPOINTS)
        if unknown:
            raise ValueError(f"unknown endpoints in rate_limits: {sorted(unknown)}")
        self.seed = seed
        self.clock = clock if clock is not None else FakeClock(now or DEFAULT_NOW)
        self.market = Market(seed, many_decimals=many_decimals, listed_at=listed_at)
        self.rate_limits = {**DEFAULT_RATE_LIMITS, **(rate_limits or {})}
        self.rate_limited = rate_limited
        self.rate_limit_window_seconds = rate_limit_window_seconds
        self.block_seconds = block_seconds
        self.rate_limit_form = rate_limit_form
        self.edge_cache_seconds = edge_cache_seconds
        self.requests: list[LoggedRequest] = []
        self._failures: list[Failure] = []
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._blocked: dict[str, tuple[float, str]] = {}
        self._cache: dict[str, tuple[float, _Reply]] = {}
        self._lock = threading.RLock()
        self._init_server(host, port)

    # --- test controls --------------------------------------------------------------

    @property
    def now_ms(self) -> int:
        return to_ms(self.clock.now())

    def fail(
        self,
        mode: str,
        *,
        endpoint: str | None = None,
        times: int | None = 1,
        after: int = 0,
        **options,
    ) -> Failure:
        """Switch on a failure mode for ``times`` matching requests (None: all of them).

        ``after`` lets that many matching requests through first (e.g. fail the 3rd page).
        """
        if mode not in FAILURE_MODES:
            raise ValueError(f"unknown failure mode {mode!r}; one of {FAILURE_MODES}")
        if endpoint is not None and endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {ENDPOINTS}")
        if mode == "rate_limit" and options.get("form", "429_array") not in RATE_LIMIT_FORMS:
            raise ValueError(f"rate_limit form must be one of {RATE_LIMIT_FORMS}")
        if mode == "edge_5xx" and options.get("status", 502) not in EDGE_STATUSES:
            raise ValueError(f"edge_5xx status must be one of {sorted(EDGE_STATUSES)}")
        if mode == "maintenance" and options.get("code", 20060) not in (20060, 11000):
            raise ValueError("maintenance code must be 20060 or 11000")
        failure = Failure(mode, endpoint, times, dict(options), after)
        with self._lock:
            self._failures.append(failure)
        return failure

    def clear(self) -> None:
        """Switch off every failure mode and lift blocks, budgets and the edge cache."""
        with self._lock:
            self._failures.clear()
            self._blocked.clear()
            self._hits.clear()
            self._cache.clear()

    def unblock(self) -> None:
        with self._lock:
            self._blocked.clear()
            self._hits.clear()

    def add_burst(self, symbol: str, mts: int, count: int) -> list[Trade]:
        """Add ``count`` trades sharing the millisecond ``mts`` (for page-edge tests)."""
        return self.market.add_burst(symbol, mts, count)

    def add_trades(self, symbol: str, rows: Iterable[tuple]) -> list[Trade]:
        """Add exact trades ``(mts, amount, price)``, e.g. ``(mts, "0.5", "67012.123456789")``."""
        return self.market.add_trades(symbol, rows)

    def trades(self, symbol: str, start_ms: int, end_ms: int | None = None) -> list[Trade]:
        """Every trade with ``start_ms <= MTS <= end_ms`` (default: now), oldest first."""
        now = self.now_ms
        return self.market.trades(symbol, start_ms, min(now, now if end_ms is None else end_ms))

    def requests_to(self, endpoint: str) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.requests if r.endpoint == endpoint]

    # --- request handling -----------------------------------------------------------

    def handle(self, method: str, target: str, ip: str, body: bytes = b"") -> _Reply:
        split = urlsplit(target)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        path = unquote(split.path)
        if path.startswith("/__fake__/"):
            return self._admin(method, path, body)
        endpoint, args = None, ()
        for name, pattern in _ROUTES:
            if m := pattern.fullmatch(path):
                endpoint, args = name, m.groups()
                break
        if endpoint is None or method != "GET":
            reply = _cannot(method, split.path)
            self._log(method, split.path, query, None, reply.status, None)
            return reply
        reply, failure, label = self._gate(endpoint, ip)
        if reply is None:
            reply = self._cached_or_serve(endpoint, args, query, target, failure)
        self._log(method, split.path, query, endpoint, reply.status, label)
        return reply

    def _log(self, method, path, query, endpoint, status, failure) -> None:
        with self._lock:
            if len(self.requests) >= self.REQUEST_LOG_LIMIT:  # a long-running demo server
                del self.requests[: self.REQUEST_LOG_LIMIT // 2]
            self.requests.append(
                LoggedRequest(method, path, query, endpoint, status, self.clock.now(), failure)
            )

    def _gate(self, endpoint: str, ip: str) -> tuple[_Reply | None, Failure | None, str | None]:
        """Blocks, failure modes and budgets: (a finished reply or None, the failure, a label)."""
        now = self.clock.now().timestamp()
        with self._lock:
            blocked = self._blocked.get(ip)
            if blocked is not None:
                if now < blocked[0]:
                    return _rate_limited(blocked[1]), None, "blocked"
                del self._blocked[ip]
            failure = None
            for candidate in self._failures:
                if not candidate.active or candidate.endpoint not in (None, endpoint):
                    continue
                if candidate.passed < candidate.after:
                    candidate.passed += 1
                    continue
                failure = candidate
                failure.hits += 1
                break
            if failure is not None and failure.mode == "rate_limit":
                form = failure.options.get("form", "429_array")
                self._blocked[ip] = (now + self.block_seconds, form)
                return _rate_limited(form), failure, "rate_limit"
            limit = self.rate_limits.get(endpoint) if self.rate_limited else None
            if limit is not None:
                hits = self._hits.setdefault((ip, endpoint), deque())
                while hits and hits[0] <= now - self.rate_limit_window_seconds:
                    hits.popleft()
                if len(hits) >= limit:
                    self._blocked[ip] = (now + self.block_seconds, self.rate_limit_form)
                    return _rate_limited(self.rate_limit_form), None, "rate_limit"
                hits.append(now)
        if failure is None:
            return None, None, None
        opts = failure.options
        if failure.mode == "maintenance":
            if endpoint == "status":
                return _json_reply(200, "[0]"), failure, "maintenance"
            code = opts.get("code", 20060)
            message = "maintenance" if code == 20060 else "ready: invalid"
            reply = _json_reply(opts.get("status", 500), wire.error_body(code, message))
            return reply, failure, "maintenance"
        if failure.mode == "edge_5xx":
            return _edge_page(opts.get("status", 502)), failure, "edge_5xx"
        if failure.mode == "error":
            body = wire.error_body(opts.get("code", 10001), opts.get("message", "error"))
            return _json_reply(opts.get("status", 500), body), failure, "error"
        return None, failure, failure.mode  # shapes a normal reply below

    def _cached_or_serve(self, endpoint, args, query, target, failure: Failure | None) -> _Reply:
        now = self.clock.now().timestamp()
        reply = None
        if self.edge_cache_seconds > 0:
            with self._lock:
                hit = self._cache.get(target)
            if hit is not None and now < hit[0]:
                reply = replace(hit[1], cache_status="HIT")
        if reply is None:
            try:
                status, text = 200, self._serve(endpoint, args, query)
            except _ParamError as e:
                status, text = 500, wire.error_body(10020, str(e))
            reply = _json_reply(status, text)
            if self.edge_cache_seconds > 0 and status == 200:
                with self._lock:
                    if len(self._cache) >= 1000:
                        self._cache = {k: v for k, v in self._cache.items() if now < v[0]}
                    self._cache[target] = (now + self.edge_cache_seconds, reply)
        return self._shape(reply, failure) if failure else reply

    @staticmethod
    def _shape(reply: _Reply, failure: Failure) -> _Reply:
        mode, opts = failure.mode, failure.options
        if mode == "slow":
            return replace(reply, delay=float(opts.get("delay", 0.5)))
        if mode == "reset":
            return replace(reply, reset=True)
        if reply.status != 200:
            return reply
        if mode == "truncated":
            keep = int(opts.get("keep", max(1, len(reply.body) // 2)))
            return replace(reply, body=reply.body[:keep])
        if mode == "empty":
            return replace(reply, body=b"")
        if mode == "object":
            return replace(reply, body=b'{"message":"Service temporarily unavailable"}')
        if mode == "wrong_length":
            data = json.loads(reply.body, parse_float=wire.Raw, parse_int=wire.Raw)
            row = data[0] if data and isinstance(data[0], list) else data
            length = int(opts.get("length", len(row) - 1))
            del row[length:]
            row.extend(wire.Raw("0") for _ in range(length - len(row)))
            return replace(reply, body=wire.encode(data).encode())
        return reply

    def _serve(self, endpoint: str, args: tuple, query: dict[str, str]) -> str:
        now = self.now_ms
        m = self.market
        if endpoint == "status":
            return "[1]"
        if endpoint == "ticker":
            (symbol,) = args
            if symbol in FUNDING_SYMBOLS:
                return wire.encode(m.funding_ticker_values())
            _check_symbol(symbol)
            return wire.encode(m.ticker_values(symbol, now))
        if endpoint == "tickers":
            wanted = query.get("symbols") or "ALL"
            names = [*SYMBOLS, *FUNDING_SYMBOLS] if wanted == "ALL" else wanted.split(",")
            rows = []
            for name in names:
                if name in SYMBOLS:
                    rows.append([name, *m.ticker_values(name, now)])
                elif name in FUNDING_SYMBOLS:
                    rows.append([name, *m.funding_ticker_values()])
            return wire.encode(rows)
        if endpoint == "trades":
            (symbol,) = args
            _check_symbol(symbol)
            limit = _limit(query, 125)
            start = _int_param(query, "start", None)
            end = _int_param(query, "end", None)
            ascending = query.get("sort", "-1").strip() == "1"
            hi = now if end is None else min(end, now)
            page = m.trades_page(symbol, start, hi, limit=limit, ascending=ascending)
            return wire.encode([t.wire() for t in page])
        if endpoint == "candles":
            key, section = args
            parts = key.split(":")
            if len(parts) != 3 or parts[0] != "trade" or parts[1] not in TIMEFRAMES:
                raise _ParamError("key: invalid")
            timeframe, symbol = parts[1], parts[2]
            _check_symbol(symbol)
            if section == "last":
                page = m.candles_page(
                    symbol, timeframe, None, now, limit=1, ascending=False, now_ms=now
                )
                return wire.encode(page[0].wire() if page else [])
            limit = _limit(query, 100)
            start = _int_param(query, "start", None)
            end = _int_param(query, "end", None)
            ascending = query.get("sort", "-1").strip() == "1"
            hi = now if end is None else end
            page = m.candles_page(
                symbol, timeframe, start, hi, limit=limit, ascending=ascending, now_ms=now
            )
            return wire.encode([c.wire() for c in page])
        if endpoint == "book":
            symbol, precision = args
            _check_symbol(symbol)
            if precision not in PRECISIONS:
                raise _ParamError("prec: invalid")
            length = query.get("len", "25")
            if length not in BOOK_LENGTHS:
                raise _ParamError("len: invalid")
            return wire.encode(m.book(symbol, precision, int(length), now))
        raise AssertionError(endpoint)

    # --- admin (for a server in another process: the demo, end-to-end tests) ---------

    def _admin(self, method: str, path: str, body: bytes) -> _Reply:
        try:
            payload = json.loads(body) if body else {}
            if method == "GET" and path == "/__fake__/health":
                result = {"now": self.clock.now().isoformat(), "seed": self.seed}
            elif method == "GET" and path == "/__fake__/requests":
                with self._lock:
                    result = [
                        {
                            "method": r.method,
                            "path": r.path,
                            "query": r.query,
                            "endpoint": r.endpoint,
                            "status": r.status,
                            "at": r.at.isoformat(),
                            "failure": r.failure,
                        }
                        for r in self.requests
                    ]
            elif method == "POST" and path == "/__fake__/fail":
                mode = payload.pop("mode")
                endpoint = payload.pop("endpoint", None)
                times = payload.pop("times", 1)
                after = payload.pop("after", 0)
                self.fail(mode, endpoint=endpoint, times=times, after=after, **payload)
                result = {"ok": True}
            elif method == "POST" and path == "/__fake__/clear":
                self.clear()
                result = {"ok": True}
            elif method == "POST" and path == "/__fake__/clock":
                if not isinstance(self.clock, FakeClock):
                    raise ValueError("this server runs on a real clock")
                if "now" in payload:
                    self.clock.set(datetime.fromisoformat(payload["now"]))
                self.clock.advance(float(payload.get("advance_seconds", 0)))
                result = {"now": self.clock.now().isoformat()}
            elif method == "POST" and path == "/__fake__/burst":
                mts, count = int(payload["mts"]), int(payload["count"])
                added = self.add_burst(payload["symbol"], mts, count)
                result = {"ids": [t.id for t in added]}
            else:
                return _cannot(method, path)
        except (KeyError, TypeError, ValueError) as e:
            return _json_reply(400, json.dumps({"error": str(e)}))
        return _json_reply(200, json.dumps(result))


class _Handler(BaseHTTPRequestHandler):
    app: FakeBitfinex
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls
    timeout = 10  # idle keep-alive connections are closed after this many real seconds

    def version_string(self) -> str:
        return "cloudflare"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass  # the app keeps its own request log

    def handle(self) -> None:
        # OSError: the client went away (e.g. it timed out on a slow reply).
        with contextlib.suppress(OSError):
            super().handle()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.app.handle(self.command, self.path, self.client_address[0], body)
        if reply.delay:
            time.sleep(reply.delay)
        self.send_response(reply.status, reply.reason)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("cf-cache-status", reply.cache_status)
        self.end_headers()
        if reply.reset:
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve  # noqa: N815


FakeBitfinex.handler_class = _Handler
