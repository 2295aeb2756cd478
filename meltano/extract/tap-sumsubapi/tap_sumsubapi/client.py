"""The Sumsub REST client shared by both streams: one request path with every error rule.

:meth:`SumsubStream.request_json` sends a signed GET (:mod:`tap_sumsubapi.auth`) and
classifies the reply (apis.md B.5 and C.2):

- **200** with a JSON object (``Content-Type`` JSON, numbers parsed as ``Decimal``): the
  data, with the raw text. A 200 that is empty, truncated, not JSON, not an object, HTML
  (wrong ``Content-Type``) or an error object (``{"description", "code"}``) fails at once
  with :class:`SumsubMalformedResponseError`, naming the endpoint, before any row of it is
  emitted.
- **404**: :class:`SumsubNotFound` (the caller records it; it is not a failure).
- **429**: wait ``Retry-After`` seconds when Sumsub sends it, else
  ``rate_limit_wait_seconds`` (the 5 s window), at most ``rate_limit_max_retries`` times,
  then :class:`SumsubRateLimitError`.
- **5xx** (JSON, HTML or empty bodies), timeouts and broken connections: exponential
  backoff (``backoff_base_seconds`` doubling, capped by ``backoff_max_seconds``), at most
  ``max_retries`` retries, then :class:`SumsubUnavailableError`.
- **401**: :class:`SumsubAuthError` with Sumsub's errorCode and a hint (4003 wrong secret,
  4004 clock skew, 4001 token unknown or sandbox/production mix-up); **403** and other 4xx:
  :class:`SumsubError`. Not retried.

Requests are spaced by ``request_interval_ms`` (300 GETs per 5 s allowed). All waiting
goes through the tap's injectable clock. Messages never contain the token or the secret.
"""

from __future__ import annotations

import json
import re
import typing as t
from decimal import Decimal

import requests
from singer_sdk.exceptions import FatalAPIError
from singer_sdk.streams import RESTStream

from tap_sumsubapi.auth import SumsubSigner

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context

    from tap_sumsubapi.clock import Clock
    from tap_sumsubapi.tap import TapSumsubApi

DEFAULT_BASE_URL = "https://api.sumsub.com"
_TRANSPORT_ERRORS = (
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
AUTH_HINTS = {
    4000: "the app token is badly formed",
    4001: "app token not found: check app_token (a sbx: token works only in sandbox, "
    "a prd: token only in production)",
    4002: "the app token's private part does not match: check app_token",
    4003: "the signature does not match: check secret_key",
    4004: "X-App-Access-Ts is more than 60 s away from Sumsub's clock: check this machine's clock",
    4005: "invalid auth header values",
    4006: "not all auth headers were sent",
    4007: "invalid auth parameters",
}


class SumsubError(FatalAPIError):
    """The stream cannot go on: the message says which request and why."""


class SumsubAuthError(SumsubError):
    """Sumsub refused the credentials or the signature (HTTP 401)."""


class SumsubRateLimitError(SumsubError):
    """Still rate limited (HTTP 429) after the configured number of waits."""


class SumsubUnavailableError(SumsubError):
    """5xx replies or broken connections outlasted the retries."""


class SumsubMalformedResponseError(SumsubError):
    """A 200 that is not the JSON object Sumsub sends."""


class SumsubNotFound(Exception):  # noqa: N818 - an answer, not a failure
    """HTTP 404: the applicant (or its data) does not exist; ``body`` is Sumsub's error text."""

    def __init__(self, what: str, body: str) -> None:
        super().__init__(f"{what}: HTTP 404 {body}")
        self.body = body


class SumsubMaintenance(Exception):  # noqa: N818 - a state, not a failure
    """The API health check answered 503."""


class _RateLimited(Exception):
    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _Transient(Exception):
    pass


def _snippet(body: bytes, limit: int = 200) -> str:
    """The start of a body for an error message; HTML pages as plain text."""
    text = body.decode("utf-8", "replace").strip()
    if text.startswith("<"):
        text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
        text = re.sub(r"<[^>]*>", " ", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def _refuse_constant(name: str) -> t.NoReturn:
    raise ValueError(f"{name} is not a number")


def _json(body: bytes) -> t.Any:
    return json.loads(body, parse_float=Decimal, parse_constant=_refuse_constant)


def _error_detail(status: int, body: bytes) -> tuple[str, int | None]:
    """(Sumsub's error description and errorCode when the body is its error object, or a
    snippet of whatever came, errorCode None)."""
    try:
        data = _json(body) if body.strip() else None
    except (ValueError, RecursionError):
        data = None
    if isinstance(data, dict) and "description" in data:
        code = data.get("errorCode")
        detail = f"{data['description']!r}"
        if code is not None:
            detail += f" (errorCode {code}"
            detail += f", {data['errorName']})" if data.get("errorName") else ")"
        return detail, code if isinstance(code, int) else None
    return (_snippet(body) or "(empty body)"), None


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP date: fall back to the configured wait
    return seconds if seconds >= 0 else None


def decode_response(what: str, response: requests.Response) -> tuple[dict, str]:
    """(the JSON object, its raw text) of a 200, or the exception the reply calls for."""
    status = response.status_code
    body = response.content or b""
    if status == 429:
        detail, _ = _error_detail(status, body)
        raise _RateLimited(f"{what}: HTTP 429 {detail}", _retry_after(response))
    if status >= 500:
        detail, _ = _error_detail(status, body)
        raise _Transient(f"{what}: HTTP {status} {response.reason}: {detail}")
    if status == 404:
        raise SumsubNotFound(what, body.decode("utf-8", "replace"))
    if status == 401:
        detail, code = _error_detail(status, body)
        hint = AUTH_HINTS.get(code or 0, "Sumsub refused the request")
        raise SumsubAuthError(f"{what}: HTTP 401 {detail}: {hint}")
    if status == 403:
        detail, _ = _error_detail(status, body)
        raise SumsubError(
            f"{what}: HTTP 403 {detail}: the app token lacks a permission "
            "(View applicants / View applicant's personal data)"
        )
    if status != 200:
        detail, _ = _error_detail(status, body)
        raise SumsubError(f"{what}: HTTP {status} {response.reason}: {detail}")
    content_type = response.headers.get("Content-Type", "")
    if "json" not in content_type.lower():
        raise SumsubMalformedResponseError(
            f"{what}: HTTP 200 with Content-Type {content_type or '(none)'!r}, not JSON: "
            f"{_snippet(body)!r}"
        )
    if not body.strip():
        raise SumsubMalformedResponseError(f"{what}: HTTP 200 with an empty body")
    try:
        data = _json(body)
    except (ValueError, RecursionError):
        raise SumsubMalformedResponseError(
            f"{what}: HTTP 200 with invalid (truncated?) JSON, {len(body)} bytes: "
            f"{_snippet(body, 80)!r}"
        ) from None
    if not isinstance(data, dict):
        raise SumsubMalformedResponseError(
            f"{what}: expected a JSON object, got {type(data).__name__}"
        )
    if "description" in data and "code" in data and "id" not in data and "items" not in data:
        detail, _ = _error_detail(200, body)
        raise SumsubMalformedResponseError(f"{what}: HTTP 200 carrying an error object {detail}")
    return data, body.decode("utf-8")


def malformed(what: str, problem: str) -> SumsubMalformedResponseError:
    return SumsubMalformedResponseError(f"{what}: unexpected reply: {problem}")


class SumsubStream(RESTStream):
    """Base stream: Sumsub's request path, signing, spacing, retries and error rules.

    Rows come from :meth:`request_json`, never from the SDK's paginator.
    """

    @property
    def url_base(self) -> str:
        return str(self.config.get("base_url") or DEFAULT_BASE_URL).rstrip("/")

    @property
    def tap(self) -> TapSumsubApi:
        return self._tap  # type: ignore[return-value]

    @property
    def clock(self) -> Clock:
        return self.tap.clock

    @property
    def timeout(self) -> float:  # type: ignore[override]
        return float(self.config.get("request_timeout_seconds", 60))

    @property
    def authenticator(self) -> SumsubSigner:  # type: ignore[override]
        return self.tap.signer

    def parse_response(self, response: requests.Response) -> Iterable[dict]:  # noqa: ARG002
        return iter(())  # rows are built by get_records

    def get_new_paginator(self) -> None:
        return None

    def request_json(self, path: str, *, maintenance_ok: bool = False) -> tuple[dict, str]:
        """Signed ``GET base_url + path`` with the spacing, retry and error rules above.

        ``path`` is sent as given (already percent-encoded) and signed byte for byte.
        ``maintenance_ok``: a 503 raises :class:`SumsubMaintenance` at once (health check).
        """
        what = f"GET {path}"
        config = self.config
        max_retries = int(config.get("max_retries", 5))
        max_waits = int(config.get("rate_limit_max_retries", 5))
        default_wait = float(config.get("rate_limit_wait_seconds", 5))
        base_delay = float(config.get("backoff_base_seconds", 1))
        max_delay = float(config.get("backoff_max_seconds", 60))
        failures = waits = 0
        while True:
            self.tap.wait_turn()
            prepared = self.build_prepared_request(method="GET", url=self.url_base + path)
            try:
                response = self.requests_session.send(prepared, timeout=self.timeout)
                if maintenance_ok and response.status_code == 503:
                    detail, _ = _error_detail(503, response.content or b"")
                    raise SumsubMaintenance(f"{what}: HTTP 503 {detail}")
                return decode_response(what, response)
            except _RateLimited as exc:
                waits += 1
                if waits > max_waits:
                    raise SumsubRateLimitError(
                        f"{exc}; still rate limited after {max_waits} waits "
                        "(rate_limit_max_retries). Sumsub allows 300 GETs per 5 s by default; "
                        "raise request_interval_ms."
                    ) from None
                wait = exc.retry_after if exc.retry_after is not None else default_wait
                source = "Retry-After" if exc.retry_after is not None else "no Retry-After"
                self.logger.warning(
                    "%s; waiting %g s (%s, wait %d of %d)", exc, wait, source, waits, max_waits
                )
                self.clock.sleep(wait)
                continue
            except _Transient as exc:
                problem = str(exc)
            except _TRANSPORT_ERRORS as exc:
                problem = f"{what}: {type(exc).__name__}: {_redact(str(exc))}"
            failures += 1
            if failures > max_retries:
                raise SumsubUnavailableError(
                    f"{problem}; giving up after {failures} attempts (max_retries={max_retries})"
                )
            delay = min(max_delay, base_delay * 2 ** (failures - 1))
            self.logger.warning("%s; retry %d of %d in %g s", problem, failures, max_retries, delay)
            self.clock.sleep(delay)

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        raise NotImplementedError

    def checkpoint(self) -> None:
        """Emit STATE now (after a customer's rows are out): a failure later in the run then
        costs no re-fetch. Not in BATCH mode, where rows wait in files until the end."""
        if self.get_batch_config(self.config) is None:
            self.state_manager.is_flushed = False
            self._write_state_message()


def _redact(text: str) -> str:
    """urllib3 messages name the URL and host only; this is a belt for the braces."""
    return re.sub(r"(X-App-Access-Sig|X-App-Token)[^,)]*", r"\1=<redacted>", text)
