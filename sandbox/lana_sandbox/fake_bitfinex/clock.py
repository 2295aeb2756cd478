"""Clocks for the fake server (and for the tap under test): a test-driven one and real ones.

Every clock has ``now()`` (an aware UTC datetime), ``monotonic()`` (seconds, for measuring
intervals) and ``sleep(seconds)``. :class:`FakeClock` never sleeps: ``sleep`` moves its time
forward, so a tap that waits out a 60 s rate-limit block against the fake server, sharing one
FakeClock with it, finishes at once and the server sees the 60 s go by.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

__all__ = ["FakeClock", "RunningClock", "SystemClock", "to_ms"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_ms(ts: datetime) -> int:
    """Milliseconds since the Unix epoch of an aware datetime (exact, no float)."""
    if ts.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware (UTC)")
    return (ts - _EPOCH) // timedelta(milliseconds=1)


class FakeClock:
    """A clock that moves only when told: ``advance``, ``set`` or ``sleep``.

    ``sleeps`` records every ``sleep`` call (seconds), so tests can assert on the waits.
    Thread-safe: the fake server reads it from its request threads.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return (self._now - _EPOCH).total_seconds()

    def sleep(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("cannot sleep a negative time")
        with self._lock:
            self.sleeps.append(seconds)
            self._now += timedelta(seconds=seconds)

    def advance(self, seconds: float = 0.0, **delta: float) -> datetime:
        """Move time forward by ``seconds`` plus any ``timedelta`` keywords; return the new now."""
        step = timedelta(seconds=seconds, **delta)
        if step < timedelta(0):
            raise ValueError("a clock does not go backwards")
        with self._lock:
            self._now += step
            return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware time")
        with self._lock:
            self._now = when.astimezone(UTC)

    def __repr__(self) -> str:
        return f"FakeClock({self.now().isoformat()})"


class SystemClock:
    """The machine's clock and real sleeping."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class RunningClock(SystemClock):
    """Real time passing, but starting from a chosen instant (for a reproducible demo)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("RunningClock needs a timezone-aware start time")
        self._offset = start.astimezone(UTC) - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset
