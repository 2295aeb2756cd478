"""The fake Sumsub API server: real HTTP on 127.0.0.1, signed requests, switchable failures.

Speaks the wire protocol of ``reference/apis.md`` Part B: every request must carry
``X-App-Token``, ``X-App-Access-Ts`` and ``X-App-Access-Sig`` (B.2), checked against the raw
request target as received (path with the ``-;externalUserId=`` segment and the query, not
decoded), the method and the raw body; errors are Sumsub's JSON error objects (B.5); the
GET budget is 300 per rolling 5 s (429 past it). Applicants come from the sandbox bank's
``inbox_events`` (:mod:`.applicants`). Time comes from an injectable clock.

Endpoints (B.3): ``/resources/applicants/{id}/one``,
``/resources/applicants/-;externalUserId={id}/one``, ``/resources/applicants/{id}/status``,
``/resources/applicants/{id}/metadata/resources``,
``/resources/inspections/{inspectionId}/resources/{imageId}`` (image bytes) and the health
check ``/resources/status/api``.

Failure modes (C.2), switched per test with :meth:`FakeSumsub.fail` (``endpoint`` limits a
mode to one of :data:`ENDPOINTS`, ``applicant_id`` to one applicant, ``times`` is how many
requests it hits (``None``: all until :meth:`FakeSumsub.clear`), ``after`` lets that many
matching requests through first):

- ``rate_limit`` (``retry_after`` seconds or ``None`` for no header): HTTP 429.
- ``maintenance``: the health check and every endpoint answer 503 (JSON error body).
- ``server_error`` (``status`` 500 | 502 | 503, ``body`` = ``json`` | ``html`` | ``empty``).
- ``truncated`` (``keep`` bytes, default half): a 200 whose JSON is cut off.
- ``wrong_content_type``: a 200 with an HTML page (``text/html``), like a proxy's.
- ``error_200``: a 200 carrying an error object ``{"description", "code", ...}``.
- ``missing_field`` (``field`` = ``info`` | ``review``): the applicant without that key.
- ``slow`` (``delay`` real seconds, keep it small): the reply starts late.
- ``reset``: headers and half the body, then the connection is closed.
- ``not_found``: a 404 for the matching applicant (also :meth:`FakeSumsub.delete`).
- ``forbidden``: a 403, as for a token without the "View applicants" permission.
- ``clock_skew`` (``seconds``): the server's clock is that far off when it checks
  ``X-App-Access-Ts`` (more than 60 s gives 401/4004).

Authentication failures need no switch: a wrong secret gives 401/4003 "Request signature
mismatch", a timestamp in ms or off by more than 60 s 401/4004, a missing header 401/4006,
an unknown token or one whose ``sbx:``/``prd:`` prefix is not the server's mode 401/4001.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import math
import re
import threading
import time
import typing as t
import uuid
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote, urlsplit

from lana_sandbox.fake_bitfinex.clock import FakeClock
from lana_sandbox.local_http import LocalHTTPServer

from .applicants import ApplicantBook

__all__ = [
    "DEFAULT_NOW",
    "DEFAULT_SECRET",
    "DEFAULT_TOKEN",
    "ENDPOINTS",
    "FAILURE_MODES",
    "Failure",
    "FakeSumsub",
    "LoggedRequest",
    "sign",
]

DEFAULT_NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
DEFAULT_TOKEN = "sbx:lana-dw-sandbox-app-token"
DEFAULT_SECRET = "lana-dw-sandbox-secret-key"
ENDPOINTS = ("health", "applicant", "applicant_by_external_id", "review", "metadata", "image")
FAILURE_MODES = (
    "rate_limit",
    "maintenance",
    "server_error",
    "truncated",
    "wrong_content_type",
    "error_200",
    "missing_field",
    "slow",
    "reset",
    "not_found",
    "forbidden",
    "clock_skew",
)
JSON_TYPE = "application/json;charset=UTF-8"
HTML_TYPE = "text/html; charset=utf-8"
MAX_SKEW_SECONDS = 60

_ROUTES = [
    ("health", re.compile(r"/resources/status/api")),
    ("applicant_by_external_id", re.compile(r"/resources/applicants/-;externalUserId=([^/]+)/one")),
    ("applicant", re.compile(r"/resources/applicants/([^/;-][^/;]*)/one")),
    ("review", re.compile(r"/resources/applicants/([^/;-][^/;]*)/status")),
    ("metadata", re.compile(r"/resources/applicants/([^/;-][^/;]*)/metadata/resources")),
    ("image", re.compile(r"/resources/inspections/([^/]+)/resources/([^/]+)")),
]
AUTH_ERRORS = {
    4001: ("App token not found", "app-token-not-found"),
    4003: ("Request signature mismatch", "app-token-signature-mismatch"),
    4004: ("Request expired", "app-token-request-expired"),
    4005: ("Invalid auth header values", "app-token-invalid-value"),
    4006: ("Not all auth headers were sent", "app-token-missing-headers"),
}


def sign(secret: str, ts: str, method: str, target: str, body: bytes = b"") -> str:
    """Sumsub's X-App-Access-Sig: hex HMAC-SHA256 of ts + METHOD + target + body (B.2)."""
    message = ts.encode() + method.upper().encode() + target.encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass
class Failure:
    """One switched-on failure mode (see the module docstring)."""

    mode: str
    endpoint: str | None = None
    applicant_id: str | None = None
    times: int | None = 1
    after: int = 0
    options: dict = field(default_factory=dict)
    hits: int = 0
    passed: int = 0

    @property
    def active(self) -> bool:
        return self.times is None or self.hits < self.times


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    target: str  # the raw request target, as received
    endpoint: str | None
    key: str | None  # applicant id / externalUserId (decoded) / inspection id
    status: int
    at: datetime  # on the server's clock
    failure: str | None = None
    headers: dict = field(default_factory=dict, compare=False)


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    reset: bool = False


class FakeSumsub(LocalHTTPServer):
    """A fake ``api.sumsub.com`` on 127.0.0.1; use as a context manager.

    Args:
        dsn: the PostgreSQL database whose ``inbox_events`` holds the webhooks.
        seed: seed of the made-up personal data.
        now / clock: a new :class:`FakeClock` at ``now`` (default :data:`DEFAULT_NOW`), or
            a clock to share with the client under test.
        tokens: app token -> secret key (default one sandbox token, :data:`DEFAULT_TOKEN`).
        mode: ``sbx`` or ``prd``: tokens with the other prefix are refused (401/4001).
        rate_limit / rate_window_seconds: the GET budget (300 per 5 s).
        retry_after: send ``Retry-After`` (seconds until the budget frees) on a budget 429.
    """

    name = "fake-sumsub"

    REQUEST_LOG_LIMIT = 100_000

    def __init__(
        self,
        dsn: str,
        *,
        seed: int = 0,
        now: datetime | None = None,
        clock=None,
        host: str = "127.0.0.1",
        port: int = 0,
        tokens: dict[str, str] | None = None,
        mode: str = "sbx",
        rate_limit: int | None = 300,
        rate_window_seconds: float = 5.0,
        retry_after: bool = True,
        inbox_table: str = "inbox_events",
    ) -> None:
        if clock is not None and now is not None:
            raise ValueError("give either now= or clock=, not both")
        if mode not in ("sbx", "prd"):
            raise ValueError("mode must be 'sbx' or 'prd'")
        self.clock = clock if clock is not None else FakeClock(now or DEFAULT_NOW)
        self.book = ApplicantBook(dsn, seed=seed, table=inbox_table)
        self.seed = seed
        self.tokens = dict(tokens or {DEFAULT_TOKEN: DEFAULT_SECRET})
        self.mode = mode
        self.rate_limit = rate_limit
        self.rate_window_seconds = rate_window_seconds
        self.retry_after = retry_after
        self.requests: list[LoggedRequest] = []
        self._failures: list[Failure] = []
        self._hits: deque[float] = deque()
        self._correlation = itertools.count(1)
        self._lock = threading.RLock()
        self._init_server(host, port)

    # --- lifecycle ------------------------------------------------------------------

    def stop(self) -> None:
        super().stop()
        self.book.close()

    # --- test controls --------------------------------------------------------------

    def fail(
        self,
        mode: str,
        *,
        endpoint: str | None = None,
        applicant_id: str | None = None,
        times: int | None = 1,
        after: int = 0,
        **options,
    ) -> Failure:
        """Switch on a failure mode for ``times`` matching requests (None: all of them)."""
        if mode not in FAILURE_MODES:
            raise ValueError(f"unknown failure mode {mode!r}; one of {FAILURE_MODES}")
        if endpoint is not None and endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {ENDPOINTS}")
        if mode == "server_error" and options.get("body", "json") not in ("json", "html", "empty"):
            raise ValueError("server_error body must be json, html or empty")
        if mode == "missing_field" and options.get("field", "info") not in ("info", "review"):
            raise ValueError("missing_field field must be info or review")
        failure = Failure(mode, endpoint, applicant_id, times, after, dict(options))
        with self._lock:
            self._failures.append(failure)
        return failure

    def clear(self) -> None:
        """Switch off every failure mode and forget the rate budget."""
        with self._lock:
            self._failures.clear()
            self._hits.clear()

    def delete(self, applicant_id: str) -> None:
        """The applicant is gone: 404 on every endpoint from now on."""
        self.book.deleted.add(applicant_id)

    def applicant(self, applicant_id: str) -> dict | None:
        """Ground truth: the applicant object the server would send (None: 404)."""
        return self.book.applicant(applicant_id=applicant_id)

    def metadata(self, applicant_id: str) -> dict | None:
        return self.book.metadata(applicant_id)

    def requests_to(self, endpoint: str) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.requests if r.endpoint == endpoint]

    # --- request handling -----------------------------------------------------------

    def error(self, status: int, description: str, **extra) -> _Reply:
        """Sumsub's error body (B.5)."""
        body = {
            "description": description,
            "code": status,
            "correlationId": f"req-{uuid.UUID(int=next(self._correlation), version=4)}",
            **extra,
        }
        return _Reply(status, json.dumps(body).encode())

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> _Reply:
        split = urlsplit(target)
        if split.path.startswith("/__fake__/"):
            return self._admin(method, split.path, body)
        endpoint, args = None, ()
        for name, pattern in _ROUTES:
            if m := pattern.fullmatch(split.path):
                endpoint, args = name, tuple(unquote(a) for a in m.groups())
                break
        key = args[0] if args else None
        reply, label = self._gate(method, target, endpoint, key, headers, body)
        if reply is None:
            reply = self._serve(endpoint, args)
        with self._lock:
            if len(self.requests) >= self.REQUEST_LOG_LIMIT:
                del self.requests[: self.REQUEST_LOG_LIMIT // 2]
            self.requests.append(
                LoggedRequest(
                    method, target, endpoint, key, reply.status, self.clock.now(), label, headers
                )
            )
        return reply

    def _pick(self, endpoint: str | None, key: str | None, modes: tuple) -> Failure | None:
        for candidate in self._failures:
            if candidate.mode not in modes or not candidate.active:
                continue
            if candidate.endpoint not in (None, endpoint):
                continue
            if candidate.applicant_id not in (None, key):
                continue
            if candidate.passed < candidate.after:
                candidate.passed += 1
                continue
            candidate.hits += 1
            return candidate
        return None

    def _gate(self, method, target, endpoint, key, headers, body) -> tuple[_Reply | None, t.Any]:
        now = self.clock.now().timestamp()
        with self._lock:
            # The edge first: budget and switched-on 429s, before any authentication.
            forced = self._pick(endpoint, key, ("rate_limit",))
            if forced is not None:
                reply = self.error(429, "Too many requests")
                if forced.options.get("retry_after", 5) is not None:
                    reply.headers["Retry-After"] = str(forced.options.get("retry_after", 5))
                return reply, "rate_limit"
            if method == "GET" and self.rate_limit is not None:
                while self._hits and self._hits[0] <= now - self.rate_window_seconds:
                    self._hits.popleft()
                if len(self._hits) >= self.rate_limit:
                    reply = self.error(429, "Too many requests")
                    if self.retry_after:
                        wait = self._hits[0] + self.rate_window_seconds - now
                        reply.headers["Retry-After"] = str(max(1, math.ceil(wait)))
                    return reply, "rate_limit"
                self._hits.append(now)
            skew = self._pick(endpoint, key, ("clock_skew",))
        offset = float(skew.options.get("seconds", 120)) if skew else 0.0
        denied = self._authenticate(method, target, headers, body, now + offset)
        if denied is not None:
            return denied, "clock_skew" if skew else "auth"
        if endpoint is None:
            return self.error(404, f"Resource not found: {urlsplit(target).path}"), None
        with self._lock:
            failure = self._pick(
                endpoint,
                key,
                tuple(m for m in FAILURE_MODES if m not in ("rate_limit", "clock_skew")),
            )
        if failure is None:
            return None, None
        opts = failure.options
        if failure.mode == "maintenance":
            return self.error(503, "Service is under maintenance"), "maintenance"
        if failure.mode == "server_error":
            status = int(opts.get("status", 500))
            kind = opts.get("body", "json")
            if kind == "json":
                return self.error(status, "Internal server error"), "server_error"
            if kind == "empty":
                return _Reply(status, b"", HTML_TYPE), "server_error"
            page = f"<html><head><title>{status}</title></head><body>{status}</body></html>"
            return _Reply(status, page.encode(), HTML_TYPE), "server_error"
        if failure.mode == "not_found":
            return self._not_found(endpoint, key), "not_found"
        if failure.mode == "forbidden":
            return self.error(403, "Forbidden: not enough permissions"), "forbidden"
        if failure.mode == "wrong_content_type":
            page = b"<html><body><p>Please enable cookies.</p></body></html>"
            return _Reply(200, page, HTML_TYPE), "wrong_content_type"
        if failure.mode == "error_200":
            reply = self.error(500, "Something went wrong", errorCode=5000)
            return replace(reply, status=200), "error_200"
        reply = self._serve(endpoint, self._args_of(target, endpoint))
        return self._shape(reply, failure), failure.mode

    def _args_of(self, target: str, endpoint: str) -> tuple:
        for name, pattern in _ROUTES:
            if name == endpoint and (m := pattern.fullmatch(urlsplit(target).path)):
                return tuple(unquote(a) for a in m.groups())
        return ()

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
        if mode == "missing_field":
            data = json.loads(reply.body)
            data.pop(opts.get("field", "info"), None)
            return replace(reply, body=json.dumps(data).encode())
        return reply

    def _authenticate(self, method, target, headers, body, now: float) -> _Reply | None:
        token = headers.get("x-app-token")
        ts = headers.get("x-app-access-ts")
        signature = headers.get("x-app-access-sig")
        if not token or not ts or not signature:
            return self._auth_error(4006)
        secret = self.tokens.get(token)
        if secret is None or not token.startswith(f"{self.mode}:"):
            return self._auth_error(4001)
        if not ts.isdigit():
            return self._auth_error(4005)
        if abs(now - int(ts)) > MAX_SKEW_SECONDS:
            return self._auth_error(4004)
        expected = sign(secret, ts, method, target, body)
        if not hmac.compare_digest(expected, signature.lower()):
            return self._auth_error(4003)
        return None

    def _auth_error(self, code: int) -> _Reply:
        description, name = AUTH_ERRORS[code]
        return self.error(401, description, errorCode=code, errorName=name)

    def _not_found(self, endpoint: str | None, key: str | None) -> _Reply:
        if endpoint == "applicant_by_external_id":
            return self.error(404, f"Applicant with external user id '{key}' not found")
        if endpoint == "image":
            return self.error(404, "Image not found")
        return self.error(404, f"Applicant not found: {key}")

    def _serve(self, endpoint: str, args: tuple) -> _Reply:
        book = self.book
        if endpoint == "health":
            return _Reply(200, b'{"status":"ok"}')
        if endpoint == "image":
            image = book.image(*args)
            if image is None:
                return self._not_found(endpoint, args[1])
            return _Reply(200, image.body, image.content_type)
        (key,) = args
        if endpoint == "applicant_by_external_id":
            data = book.applicant(external_user_id=key)
        elif endpoint == "applicant":
            data = book.applicant(applicant_id=key)
        elif endpoint == "review":
            data = book.review(key)
        else:
            data = book.metadata(key)
        if data is None:
            return self._not_found(endpoint, key)
        return _Reply(200, json.dumps(data, ensure_ascii=False).encode())

    # --- admin (for a server in another process: the demo) ----------------------------

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
                            "target": r.target,
                            "endpoint": r.endpoint,
                            "status": r.status,
                            "at": r.at.isoformat(),
                            "failure": r.failure,
                        }
                        for r in self.requests
                    ]
            elif method == "POST" and path == "/__fake__/fail":
                mode = payload.pop("mode")
                self.fail(
                    mode,
                    endpoint=payload.pop("endpoint", None),
                    applicant_id=payload.pop("applicant_id", None),
                    times=payload.pop("times", 1),
                    after=payload.pop("after", 0),
                    **payload,
                )
                result = {"ok": True}
            elif method == "POST" and path == "/__fake__/clear":
                self.clear()
                result = {"ok": True}
            elif method == "POST" and path == "/__fake__/delete":
                self.delete(payload["applicant_id"])
                result = {"ok": True}
            elif method == "POST" and path == "/__fake__/clock":
                if not isinstance(self.clock, FakeClock):
                    raise ValueError("this server runs on a real clock")
                if "now" in payload:
                    self.clock.set(datetime.fromisoformat(payload["now"]))
                self.clock.advance(float(payload.get("advance_seconds", 0)))
                result = {"now": self.clock.now().isoformat()}
            else:
                return self.error(404, f"Resource not found: {path}")
        except (KeyError, TypeError, ValueError) as e:
            return self.error(400, str(e))
        return _Reply(200, json.dumps(result).encode())


class _Handler(BaseHTTPRequestHandler):
    app: FakeSumsub
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 10

    def version_string(self) -> str:
        return "nginx"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass

    def handle(self) -> None:
        with contextlib.suppress(OSError):
            super().handle()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = self.app.handle(self.command, self.path, headers, body)
        if reply.delay:
            time.sleep(reply.delay)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if reply.reset:
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve  # noqa: N815


FakeSumsub.handler_class = _Handler
