"""Trades: forward paging on MTS with dedupe by ID, compared against the fake's full list."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from lana_sandbox.fake_bitfinex import to_ms

SYMBOL = "tBTCUSD"
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # the `now` fixture
START = NOW - timedelta(minutes=30)  # the default start_date of `sync`


@pytest.fixture(autouse=True)
def _same_now(now):
    assert now == NOW


def _ids(rows: list[dict]) -> list[int]:
    return [r["id"] for r in rows]


def _truth(fake, start=START, end=NOW) -> list[int]:
    return [t.id for t in fake.trades(SYMBOL, to_ms(start), to_ms(end))]


def test_first_sync_emits_every_trade_once_in_order(sync, fake):
    run = sync(streams=["bitfinex_trades"])
    assert run.error is None
    rows = run.rows("bitfinex_trades")
    assert _ids(rows) == _truth(fake)
    assert [r["mts"] for r in rows] == sorted(r["mts"] for r in rows)
    for request in fake.requests_to("trades"):
        assert request.query["sort"] == "1"  # never the default newest-first order
        assert request.query["end"] == str(to_ms(NOW))
    part = run.bookmark("bitfinex_trades", symbol=SYMBOL)
    assert part["replication_key_value"] == rows[-1]["mts"]
    assert part["trade_ids_at_bookmark"] == [r["id"] for r in rows if r["mts"] == rows[-1]["mts"]]


@pytest.mark.parametrize("into_burst", [1, 3, 5])
def test_trades_sharing_a_millisecond_across_a_page_edge(sync, fake, into_burst):
    """A page ends inside a burst of 6 trades at one MTS: none lost, none twice.

    Lana's ``start = last MTS + 1`` would lose the ``6 - into_burst`` trades past the edge.
    """
    burst_mts = to_ms(START + timedelta(minutes=10, milliseconds=123))
    burst = fake.add_burst(SYMBOL, burst_mts, 6)
    before = len(fake.trades(SYMBOL, to_ms(START), burst_mts - 1))
    limit = before + into_burst

    run = sync(streams=["bitfinex_trades"], trades_page_limit=limit)

    assert run.error is None
    ids = _ids(run.rows("bitfinex_trades"))
    assert len(ids) == len(set(ids))
    assert ids == _truth(fake)
    assert {t.id for t in burst} <= set(ids)
    starts = [int(r.query["start"]) for r in fake.requests_to("trades")]
    assert starts[:2] == [to_ms(START), burst_mts]  # the next page starts AT the last MTS


@pytest.mark.parametrize("limit", [7, 50])
def test_small_pages_still_give_the_exact_list(sync, fake, limit):
    run = sync(streams=["bitfinex_trades"], trades_page_limit=limit)
    assert run.error is None
    assert _ids(run.rows("bitfinex_trades")) == _truth(fake)


def test_more_trades_in_one_millisecond_than_a_page_holds(sync, fake):
    """9 trades at one MTS, pages of 5: the tap reads that ms from both ends, loses nothing."""
    burst_mts = to_ms(START + timedelta(minutes=1, milliseconds=7))
    fake.add_burst(SYMBOL, burst_mts, 9)
    run = sync(
        streams=["bitfinex_trades"],
        trades_page_limit=5,
        start_date=(START + timedelta(minutes=1, milliseconds=7)).isoformat(),
    )
    assert run.error is None
    ids = _ids(run.rows("bitfinex_trades"))
    assert sorted(ids) == sorted(_truth(fake, start=START + timedelta(minutes=1)))
    assert len(ids) == len(set(ids))
    backwards = [r.query for r in fake.requests_to("trades") if r.query["sort"] == "-1"]
    # (the generated data has a few natural bursts of 5-6 trades too: read the same way)
    assert {"limit": "5", "sort": "-1", "start": str(burst_mts), "end": str(burst_mts)} in (
        backwards
    )


def test_more_than_two_pages_in_one_millisecond_is_a_logged_loss(sync, fake, caplog):
    """12 trades at one MTS, pages of 5: 2 in the middle cannot be reached; a warning says so."""
    burst_mts = to_ms(START + timedelta(minutes=1, milliseconds=7))
    burst = fake.add_burst(SYMBOL, burst_mts, 12)
    with caplog.at_level(logging.WARNING):
        run = sync(
            streams=["bitfinex_trades"],
            trades_page_limit=5,
            start_date=(START + timedelta(minutes=1, milliseconds=7)).isoformat(),
        )
    assert run.error is None
    ids = _ids(run.rows("bitfinex_trades"))
    missing = set(_truth(fake, start=START + timedelta(minutes=1))) - set(ids)
    assert missing == {burst[5].id, burst[6].id}
    assert len(ids) == len(set(ids))
    assert "more than 10 trades share MTS" in caplog.text


def test_second_sync_from_the_bookmark_yields_only_new_trades(sync, fake, clock):
    first = sync(streams=["bitfinex_trades"])
    clock.set(NOW + timedelta(minutes=10))
    second = sync(streams=["bitfinex_trades"], state=first.state)

    assert first.error is None and second.error is None
    old, new = _ids(first.rows("bitfinex_trades")), _ids(second.rows("bitfinex_trades"))
    assert new, "ten more minutes bring new trades"
    assert not set(old) & set(new)
    assert old + new == _truth(fake, end=NOW + timedelta(minutes=10))
    assert min(r["mts"] for r in second.rows("bitfinex_trades")) >= max(
        r["mts"] for r in first.rows("bitfinex_trades")
    )
    resumed_at = int(fake.requests_to("trades")[-1].query["start"])
    assert resumed_at == first.bookmark("bitfinex_trades", symbol=SYMBOL)["replication_key_value"]


def test_a_late_trade_at_the_bookmark_millisecond_is_picked_up_once(sync, fake):
    first = sync(streams=["bitfinex_trades"])
    bookmark = first.bookmark("bitfinex_trades", symbol=SYMBOL)["replication_key_value"]
    (late,) = fake.add_trades(SYMBOL, [(bookmark, "-0.25", "100123.5")])

    second = sync(streams=["bitfinex_trades"], state=first.state)

    assert second.error is None
    assert _ids(second.rows("bitfinex_trades")) == [late.id]
    ids = second.bookmark("bitfinex_trades", symbol=SYMBOL)["trade_ids_at_bookmark"]
    assert late.id in ids and len(ids) >= 2


def test_nothing_new_means_no_rows_and_the_same_bookmark(sync, fake):
    first = sync(streams=["bitfinex_trades"])
    second = sync(streams=["bitfinex_trades"], state=first.state)
    assert second.error is None
    assert second.rows("bitfinex_trades") == []
    assert second.bookmark("bitfinex_trades", symbol=SYMBOL) == first.bookmark(
        "bitfinex_trades", symbol=SYMBOL
    )


def test_a_later_start_date_wins_over_an_older_bookmark(sync, fake, clock):
    first = sync(streams=["bitfinex_trades"])
    clock.set(NOW + timedelta(minutes=10))
    later = NOW + timedelta(minutes=5)
    second = sync(streams=["bitfinex_trades"], state=first.state, start_date=later.isoformat())
    assert second.error is None
    assert _ids(second.rows("bitfinex_trades")) == _truth(fake, start=later, end=clock.now())
    assert fake.requests_to("trades")[-1].query["start"] == str(to_ms(later))


def test_each_symbol_has_its_own_bookmark(sync, fake):
    run = sync(streams=["bitfinex_trades"], symbols=["tBTCUSD", "tETHUSD"])
    assert run.error is None
    by_symbol = {}
    for row in run.rows("bitfinex_trades"):
        by_symbol.setdefault(row["symbol"], []).append(row["id"])
    assert by_symbol["tBTCUSD"] == _truth(fake)
    eth = [t.id for t in fake.trades("tETHUSD", to_ms(START), to_ms(NOW))]
    assert by_symbol["tETHUSD"] == eth
    assert run.bookmark("bitfinex_trades", symbol="tETHUSD")["replication_key_value"] == (
        fake.trades("tETHUSD", to_ms(START), to_ms(NOW))[-1].mts
    )
