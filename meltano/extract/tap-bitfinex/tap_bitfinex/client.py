"""The Bitfinex v2 public REST client shared by all streams.

One request path for every stream (:meth:`BitfinexStream.request_json`):

1. **Spacing**: at most one request per ``request_interval_seconds[<endpoint>]`` to each
   endpoint, tap-wide (Bitfinex limits are per IP and per endpoint, apis.md A.5).
2. **Decoding** (:func:`decode_response`): JSON with ``Decimal`` for every non-integer number,
   so no value ever passes through ``float``. NaN/Infinity are refused.
3. **Classification** of the reply:

   - rate limit, in any of its three forms (HTTP 429 with ``["error",11010,...]`` or
     ``{"error":"ERR_RATE_LIMIT"}``, or HTTP 200 with the 11010 array): the IP is blocked, so
     wait ``rate_limit_block_seconds`` and retry, at most ``rate_limit_max_retries`` times,
     then fail with :class:`BitfinexRateLimitError`;
   - maintenance (``["error",20060,...]`` or ``["error",11000,...]``):
     :class:`BitfinexMaintenance`, which the streams turn into a clean stop;
   - HTTP 5xx (Cloudflare HTML pages included), ``["error",10000|10001,...]``, timeouts and
     broken connections: retry with exponential backoff (``backoff_base_seconds`` doubling,
     at most ``max_retries`` retries), then fail with :class:`BitfinexUnavailableError`;
   - ``["error",10020,"<param>: invalid"]``: :class:`BitfinexParameterError` (no retry);
   - any other 4xx (a 404 means a wrong ``base_url``), another error code, or a 200 whose
     body is empty, truncated, not JSON or not the expected shape: fail at once, naming the
     endpoint, before any row of that reply is emitted.

All waiting goes through the tap's injectable clock (:mod:`tap_bitfinex.clock`).
"""

from __future__ import annotations

import json
import re
import typing as t
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

import requests
from singer_sdk.exceptions import FatalAPIError
from singer_sdk.streams import RESTStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from singer_sdk.helpers.types import Context

    from tap_bitfinex.clock import Clock
    from tap_bitfinex.tap import TapBitfinex

ENDPOINTS = ("status", "ticker", "trades", "candles", "book")

DEFAULT_REQUEST_INTERVALS: dict[str, float] = {
    "status": 2.0,  # 30 req/min documented
    "ticker": 1.0,  # 90 req/min documented
    "trades": 4.0,  # 15 req/min documented (the tightest; apis.md A.5 advises 1 per 4 s)
    "candles": 2.0,  # 30 req/min documented
    "book": 0.25,  # 240 req/min documented
}
"""Minimum seconds between two requests to one endpoint: 60 / the documented per-minute limit."""

RATE_LIMIT_CODE = 11010
MAINTENANCE_CODES = (20060, 11000)
PARAMETER_CODE = 10020
TRANSIENT_CODES = (10000, 10001)
_TRANSPORT_ERRORS = (
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class BitfinexError(FatalAPIError):
    """The stream cannot go on: the message says which request and why."""


class BitfinexRateLimitError(BitfinexError):
    """Still rate limited after the configured number of block waits."""


class BitfinexUnavailableError(BitfinexError):
    """5xx replies or broken connections outlasted the retries."""


class BitfinexParameterError(BitfinexError):
    """Bitfinex rejected a request parameter (error 10020), e.g. an unknown symbol."""


class BitfinexMalformedResponseError(BitfinexError):
    """A reply that is not the JSON Bitfinex sends: empty, truncated, or the wrong shape."""


class BitfinexMaintenance(Exception):  # noqa: N818 - a state, not a failure
    """Bitfinex is in maintenance (status ``[0]``, or error 20060/11000)."""


class _RateLimited(Exception):
    pass


class _Transient(Exception):
    pass


class _NotJSON:
    def __repr__(self) -> str:
        return "<not JSON>"


NOT_JSON = _NotJSON()


def _refuse_constant(name: str) -> t.NoReturn:
    raise ValueError(f"{name} is not a number")


def _snippet(body: bytes, limit: int = 160) -> str:
    """The start of a body for an error message; HTML pages (404, Cloudflare) as plain text."""
    text = body.decode("utf-8", "replace").strip()
    if text.startswith("<"):
        text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
        text = re.sub(r"<[^>]*>", " ", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def _is_error_array(data: t.Any) -> bool:
    return isinstance(data, list) and len(data) >= 2 and data[0] == "error"


def decode_response(what: str, response: requests.Response) -> t.Any:
    """The JSON of a Bitfinex reply (Decimals for fractions), or the exception it calls for.

    ``what`` names the request in messages (``GET /v2/trades/tBTCUSD/hist?...``).
    """
    status = response.status_code
    body = response.content or b""
    data: t.Any = NOT_JSON
    if body.strip():
        try:
            data = json.loads(body, parse_float=Decimal, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            data = NOT_JSON
    if (
        status == 429
        or (_is_error_array(data) and data[1] == RATE_LIMIT_CODE)
        or (isinstance(data, dict) and data.get("error") == "ERR_RATE_LIMIT")
    ):
        raise _RateLimited(f"{what}: rate limited (HTTP {status}, {_snippet(body)})")
    if _is_error_array(data):
        code = data[1]
        message = data[2] if len(data) > 2 else ""
        detail = f"error {code} {message!r} (HTTP {status})"
        if code in MAINTENANCE_CODES:
            raise BitfinexMaintenance(f"{what}: Bitfinex is in maintenance: {detail}")
        if code == PARAMETER_CODE:
            raise BitfinexParameterError(f"{what}: Bitfinex rejected a parameter: {detail}")
        if code in TRANSIENT_CODES:
            raise _Transient(f"{what}: {detail}")
        raise BitfinexError(f"{what}: Bitfinex answered {detail}")
    if status >= 500:
        raise _Transient(f"{what}: HTTP {status} {response.reason}: {_snippet(body)}")
    if status >= 400:
        hint = " (is base_url right?)" if status == 404 else ""
        raise BitfinexError(f"{what}: HTTP {status} {response.reason}{hint}: {_snippet(body)}")
    if status != 200:
        raise BitfinexMalformedResponseError(f"{what}: unexpected HTTP {status} {response.reason}")
    if data is NOT_JSON:
        kind = "an empty body" if not body.strip() else "invalid (truncated?) JSON"
        raise BitfinexMalformedResponseError(
            f"{what}: HTTP 200 with {kind}, {len(body)} bytes: {_snippet(body)!r}"
        )
    return data


# --- shape checks: a reply is checked whole before any of its rows is emitted -------------


def malformed(what: str, problem: str) -> BitfinexMalformedResponseError:
    return BitfinexMalformedResponseError(f"{what}: unexpected reply: {problem}")


def expect_list(what: str, data: t.Any) -> list:
    if not isinstance(data, list):
        raise malformed(what, f"expected a JSON array, got {type(data).__name__}: {data!r:.120}")
    return data


def number(what: str, value: t.Any, field: str) -> int | Decimal:
    """An exact number (int or Decimal), never a float or a bool."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise malformed(what, f"{field} is {value!r}, not a number")
    if isinstance(value, Decimal) and not value.is_finite():
        raise malformed(what, f"{field} is {value!r}, not a finite number")
    return value


def integer(what: str, value: t.Any, field: str) -> int:
    value = number(what, value, field)
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise malformed(what, f"{field} is {value}, not an integer")
        return int(value)
    return value


def row_of(what: str, row: t.Any, names: t.Sequence[str], index: int | None = None) -> list:
    """A row (JSON array) with exactly ``len(names)`` elements."""
    where = "the reply" if index is None else f"row {index}"
    if not isinstance(row, list):
        raise malformed(what, f"{where} is {type(row).__name__}, expected [{', '.join(names)}]")
    if len(row) != len(names):
        raise malformed(
            what, f"{where} has {len(row)} elements, expected {len(names)}: [{', '.join(names)}]"
        )
    return row


class BitfinexStream(RESTStream):
    """Base stream: Bitfinex's request path, shared spacing, retries and maintenance stops.

    Subclasses set ``endpoint`` (a key of :data:`ENDPOINTS`) and implement
    :meth:`fetch_records`; rows come from :meth:`request_json`, never from the SDK paginator.
    """

    endpoint: t.ClassVar[str]
    last_sent_at: datetime | None = None  # when the latest request went out (tap clock)

    @property
    def url_base(self) -> str:
        return str(self.config.get("base_url", "https://api-pub.bitfinex.com")).rstrip("/")

    @property
    def tap(self) -> TapBitfinex:
        return self._tap  # type: ignore[return-value]

    @property
    def clock(self) -> Clock:
        return self.tap.clock

    @property
    def timeout(self) -> float:  # type: ignore[override]
        return float(self.config.get("request_timeout_seconds", 30))

    @property
    def http_headers(self) -> dict:
        return {"accept": "application/json"}

    @property
    def symbols(self) -> list[str]:
        return list(self.config.get("symbols") or ["tBTCUSD"])

    def parse_response(self, response: requests.Response) -> Iterable[dict]:  # noqa: ARG002
        return iter(())  # rows are built by fetch_records

    def get_new_paginator(self) -> None:
        return None

    # --- requests -------------------------------------------------------------------

    def request_json(
        self, path: str, params: Mapping[str, t.Any] | None = None, *, endpoint: str | None = None
    ) -> t.Any:
        """GET ``base_url + path`` with the spacing, retry and error rules of this module."""
        endpoint = endpoint or self.endpoint
        query = urlencode(params or {})
        what = f"GET {path}{'?' + query if query else ''}"
        config = self.config
        max_retries = int(config.get("max_retries", 5))
        max_blocks = int(config.get("rate_limit_max_retries", 3))
        block_seconds = float(config.get("rate_limit_block_seconds", 60))
        base_delay = float(config.get("backoff_base_seconds", 1))
        max_delay = float(config.get("backoff_max_seconds", 60))
        failures = blocks = 0
        while True:
            self.tap.wait_turn(endpoint)
            self.last_sent_at = self.clock.now()
            prepared = self.build_prepared_request(
                method="GET", url=self.url_base + path, params=params, headers=self.http_headers
            )
            try:
                response = self.requests_session.send(prepared, timeout=self.timeout)
                return decode_response(what, response)
            except _RateLimited as exc:
                blocks += 1
                if blocks > max_blocks:
                    msg = (
                        f"{exc}; still blocked after {max_blocks} waits of {block_seconds:g} s "
                        "(rate_limit_max_retries). Bitfinex blocks an IP for 60 s when it goes "
                        "over an endpoint's limit; raise request_interval_seconds."
                    )
                    raise BitfinexRateLimitError(msg) from None
                self.logger.warning(
                    "%s; the IP is blocked: waiting %g s (wait %d of %d)",
                    exc,
                    block_seconds,
                    blocks,
                    max_blocks,
                )
                self.clock.sleep(block_seconds)
                continue
            except _Transient as exc:
                problem = str(exc)
            except _TRANSPORT_ERRORS as exc:
                problem = f"{what}: {type(exc).__name__}: {exc}"
            failures += 1
            if failures > max_retries:
                msg = f"{problem}; giving up after {failures} attempts (max_retries={max_retries})"
                raise BitfinexUnavailableError(msg)
            delay = min(max_delay, base_delay * 2 ** (failures - 1))
            self.logger.warning("%s; retry %d of %d in %g s", problem, failures, max_retries, delay)
            self.clock.sleep(delay)

    # --- records --------------------------------------------------------------------

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Rows of :meth:`fetch_records`, unless Bitfinex is (or goes) into maintenance.

        Maintenance ends this stream and every later one cleanly: nothing more is read and
        the bookmark stays at the last row actually emitted.
        """
        if not self.tap.platform_operative(self):
            return
        try:
            yield from self.fetch_records(context)
        except BitfinexMaintenance as exc:
            self.tap.enter_maintenance(str(exc))

    def fetch_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        raise NotImplementedError

    def checkpoint(self) -> None:
        """Emit STATE now, after a page whose rows are all out: a later failure in the run
        then costs no re-reads. Not in BATCH mode, where rows wait in files until the end.
        """
        if self.get_batch_config(self.config) is None:
            self._write_state_message()  # writes only if records went out since the last one
