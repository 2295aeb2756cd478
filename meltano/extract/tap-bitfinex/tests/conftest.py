"""Run the tap in-process against the fake Bitfinex server, on one shared fake clock.

The tap and the fake server share a :class:`FakeClock`: the tap's waits (request spacing,
rate-limit blocks, backoff) move that clock instead of sleeping, and the server sees the
time go by, so a 60 s IP block is over as soon as the tap has "waited" for it.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import typing as t
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from lana_sandbox.fake_bitfinex import FakeBitfinex, FakeClock
from tap_bitfinex.tap import TapBitfinex

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
SEED = 7
ALL_STREAMS = ("bitfinex_ticker", "bitfinex_trades", "bitfinex_candles", "bitfinex_order_book")


@dataclass
class Run:
    """What one tap run wrote: RECORD rows per stream, STATE values, and the error if any."""

    messages: list[dict]
    error: BaseException | None = None
    lines: list[str] = field(default_factory=list)  # the raw Singer output
    records: dict[str, list[dict]] = field(default_factory=dict)
    states: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        for message in self.messages:
            if message["type"] == "RECORD":
                self.records.setdefault(message["stream"], []).append(message["record"])
            elif message["type"] == "STATE":
                self.states.append(message["value"])

    @property
    def state(self) -> dict:
        """The last STATE message (what Meltano would store)."""
        return self.states[-1] if self.states else {}

    def rows(self, stream: str) -> list[dict]:
        return self.records.get(stream, [])

    def bookmark(self, stream: str, **context: str) -> dict:
        """The state partition of ``stream`` whose context is ``context``."""
        for partition in self.state.get("bookmarks", {}).get(stream, {}).get("partitions", []):
            if partition["context"] == context:
                return partition
        return {}


def config_for(fake: FakeBitfinex, **overrides: t.Any) -> dict:
    return {
        "base_url": fake.base_url,
        "symbols": ["tBTCUSD"],
        "start_date": (NOW - timedelta(minutes=30)).isoformat(),
        **overrides,
    }


def run_tap(
    fake: FakeBitfinex,
    *,
    streams: t.Iterable[str] = ALL_STREAMS,
    state: dict | None = None,
    **config: t.Any,
) -> Run:
    """Sync the selected streams once; never raises (the error is on ``Run.error``)."""
    state = copy.deepcopy(state or {})  # the tap updates the state it is given in place
    tap = TapBitfinex(config=config_for(fake, **config), state=state, clock=fake.clock)
    wanted = set(streams)
    for name, stream in tap.streams.items():
        stream.selected = name in wanted
    out = io.StringIO()
    error = None
    with contextlib.redirect_stdout(out):
        try:
            tap.sync_all()
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            error = exc
    lines = out.getvalue().splitlines()
    messages = [json.loads(line, parse_float=Decimal) for line in lines]
    return Run(messages, error, lines)


@pytest.fixture
def now() -> datetime:
    """The fake clock's start: 2026-01-15 12:00 UTC. Syncs read from 30 minutes before."""
    return NOW


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def fake(clock: FakeClock) -> t.Iterator[FakeBitfinex]:
    with FakeBitfinex(seed=SEED, clock=clock) as fx:
        yield fx


@pytest.fixture
def make_fake(clock: FakeClock) -> t.Iterator[t.Callable[..., FakeBitfinex]]:
    """``make_fake(**options)``: another running fake server on the same clock."""
    started: list[FakeBitfinex] = []

    def make(**options: t.Any) -> FakeBitfinex:
        started.append(FakeBitfinex(seed=SEED, clock=clock, **options).start())
        return started[-1]

    yield make
    for fx in started:
        fx.stop()


@pytest.fixture
def sync(fake: FakeBitfinex) -> t.Callable[..., Run]:
    """``sync(streams=[...], state=..., fake=..., **config)``: one tap run (default: ``fake``)."""

    def _sync(*, fake: FakeBitfinex = fake, **kwargs: t.Any) -> Run:
        return run_tap(fake, **kwargs)

    return _sync
