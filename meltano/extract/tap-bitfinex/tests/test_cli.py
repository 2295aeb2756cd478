"""The installed ``tap-bitfinex`` executable, as Meltano runs it (a separate process)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from lana_sandbox.fake_bitfinex import to_ms

EXECUTABLE = Path(sys.executable).parent / "tap-bitfinex"


def _records(messages: list[dict], stream: str) -> list[dict]:
    return [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == stream]


def test_about_lists_settings_and_capabilities():
    out = subprocess.run(
        [EXECUTABLE, "--about", "--format", "json"], capture_output=True, text=True, check=True
    )
    about = json.loads(out.stdout)
    assert about["name"] == "tap-bitfinex"
    assert {"catalog", "discover", "state", "about", "stream-maps"} <= set(about["capabilities"])
    assert {
        "symbols",
        "base_url",
        "start_date",
        "request_interval_seconds",
        "candle_timeframe",
        "rate_limit_block_seconds",
    } <= set(about["settings"]["properties"])


def test_a_real_process_syncs_and_resumes_from_its_state(fake, now, tmp_path):
    """Real clock in the tap (no waits configured), fake clock in the server."""
    config = {
        "base_url": fake.base_url,
        "start_date": (now - timedelta(minutes=10)).isoformat(),
        "request_interval_seconds": dict.fromkeys(
            ["status", "ticker", "trades", "candles", "book"], 0
        ),
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    catalog = subprocess.run(
        [EXECUTABLE, "--config", tmp_path / "config.json", "--discover"],
        capture_output=True,
        text=True,
        check=True,
    )
    streams = {s["tap_stream_id"] for s in json.loads(catalog.stdout)["streams"]}
    assert streams == {
        "bitfinex_ticker",
        "bitfinex_trades",
        "bitfinex_candles",
        "bitfinex_order_book",
    }

    def run(*extra: str) -> list[dict]:
        done = subprocess.run(
            [EXECUTABLE, "--config", tmp_path / "config.json", *extra],
            capture_output=True,
            text=True,
            check=True,
        )
        return [json.loads(line, parse_float=Decimal) for line in done.stdout.splitlines()]

    first = run()
    trades = [
        m["record"] for m in first if m["type"] == "RECORD" and m["stream"] == "bitfinex_trades"
    ]
    truth = fake.trades("tBTCUSD", to_ms(now - timedelta(minutes=10)))
    assert [t["id"] for t in trades] == [t.id for t in truth]
    state = [m["value"] for m in first if m["type"] == "STATE"][-1]
    (tmp_path / "state.json").write_text(json.dumps(state, default=str))

    fake.clock.advance(minutes=5)
    second = run("--state", str(tmp_path / "state.json"))
    new = [
        m["record"]["id"]
        for m in second
        if m["type"] == "RECORD" and m["stream"] == "bitfinex_trades"
    ]
    truth = fake.trades("tBTCUSD", to_ms(now - timedelta(minutes=10)))
    assert [t["id"] for t in trades] + new == [t.id for t in truth]
