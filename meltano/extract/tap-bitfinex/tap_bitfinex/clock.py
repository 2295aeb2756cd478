"""Where the tap gets the time and how it waits: injectable, so tests never sleep for real.

Any object with ``now()`` (an aware UTC datetime), ``monotonic()`` (seconds) and
``sleep(seconds)`` will do. Tests pass a fake clock whose ``sleep`` only moves its time on,
shared with the fake Bitfinex server, so a 60 s rate-limit block is waited out instantly.
"""

from __future__ import annotations

import time
import typing as t
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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


def to_ms(ts: datetime) -> int:
    """Milliseconds since the Unix epoch (Bitfinex ``MTS``) of an aware datetime, exactly."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return (ts - _EPOCH) // timedelta(milliseconds=1)


def from_ms(mts: int) -> datetime:
    """The aware UTC datetime of a Bitfinex ``MTS``."""
    return _EPOCH + timedelta(milliseconds=mts)
