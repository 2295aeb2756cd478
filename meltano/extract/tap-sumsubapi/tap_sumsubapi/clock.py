"""Where the tap gets the time and how it waits: injectable, so tests never sleep for real.

Any object with ``now()`` (an aware UTC datetime), ``monotonic()`` (seconds) and
``sleep(seconds)`` will do. Tests pass a fake clock whose ``sleep`` only moves its time on,
shared with the fake Sumsub server, so rate-limit waits and backoff are over at once and the
server checks ``X-App-Access-Ts`` against the same time.
"""

from __future__ import annotations

import time
import typing as t
from datetime import UTC, datetime


class Clock(t.Protocol):
    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The machine's clock and real sleeping (the default)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
