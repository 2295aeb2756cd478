"""Sumsub request signing (apis.md B.2), as a ``requests`` auth hook.

Every request carries ``X-App-Token``, ``X-App-Access-Ts`` (Unix seconds) and
``X-App-Access-Sig``: the lowercase hex HMAC-SHA256, keyed with the secret key, of
``ts + METHOD + path_with_query + body``. The signature is computed on the **prepared**
request, over the exact bytes that go on the wire (``PreparedRequest.path_url``, with the
``-;externalUserId=`` segment and its percent-encoding as sent), so nothing is re-encoded
after signing. The secrets never appear in a repr, a log line or an error message.
"""

from __future__ import annotations

import hashlib
import hmac
import typing as t

import requests

if t.TYPE_CHECKING:
    from tap_sumsubapi.clock import Clock


def signature(secret_key: str, ts: str, method: str, path_url: str, body: bytes = b"") -> str:
    """Lowercase hex HMAC-SHA256 of ``ts + METHOD + path_url + body``."""
    message = ts.encode() + method.upper().encode() + path_url.encode() + body
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


class SumsubSigner(requests.auth.AuthBase):
    """Adds Sumsub's three auth headers to a prepared request, timestamped by ``clock``."""

    def __init__(self, app_token: str, secret_key: str, clock: Clock) -> None:
        self._app_token = app_token
        self._secret_key = secret_key
        self._clock = clock

    def __repr__(self) -> str:
        return "SumsubSigner(<redacted>)"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        ts = str(int(self._clock.now().timestamp()))
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        method = (request.method or "GET").upper()
        request.headers["X-App-Token"] = self._app_token
        request.headers["X-App-Access-Ts"] = ts
        request.headers["X-App-Access-Sig"] = signature(
            self._secret_key, ts, method, request.path_url, body
        )
        request.headers["Accept"] = "application/json"
        return request
