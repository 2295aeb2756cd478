"""RECORD messages end to end: counts, exact sums, upsert, idempotent reruns, state."""

from __future__ import annotations

from decimal import Decimal

import pytest

STREAM = "public-core_loans"
PROPS = {
    "id": {"type": ["integer"]},
    "amount": {"type": ["number", "null"]},
    "cents": {"type": ["integer", "null"]},
    "note": {"type": ["string", "null"]},
}
BIG = Decimal("12345678901234.123456789")


def loan_lines(singer, n: int, *, amount=BIG, note="x") -> list[str]:
    lines = [singer.schema(STREAM, PROPS)]
    lines += [
        singer.record(STREAM, {"id": i, "amount": amount + i, "cents": 100 * i + 1, "note": note})
        for i in range(n)
    ]
    lines.append(singer.state({"bookmarks": {STREAM: {"replication_key_value": n}}}))
    return lines


def test_n_rows_in_exact_rows_and_sums_out(wh, singer):
    n = 10_001
    wh.run(loan_lines(singer, n))
    count, amount_sum, cents_sum = wh.query(
        "SELECT count(*), sum(amount), sum(cents) FROM lana_raw.core_loans"
    )[0]
    assert count == n
    assert amount_sum == BIG * n + sum(range(n))  # exact, not a float
    assert isinstance(amount_sum, Decimal)
    assert cents_sum == sum(100 * i + 1 for i in range(n))
    assert wh.scalar("SELECT amount FROM lana_raw.core_loans WHERE id = 0") == BIG


@pytest.mark.parametrize(("batch_size", "n"), [(1, 101), (7, 500), (1000, 1_003)])
def test_first_row_of_every_batch_is_kept(wh, singer, batch_size, n):
    """The PyPI target-duckdb 0.8.0 loses row 1 of each batch with DuckDB >= 1.3."""
    wh.run(loan_lines(singer, n), batch_size_rows=batch_size)
    assert wh.scalar("SELECT count(*) FROM lana_raw.core_loans") == n
    ids = [r[0] for r in wh.query("SELECT id FROM lana_raw.core_loans ORDER BY id")]
    assert ids == list(range(n))
    assert wh.scalar("SELECT count(DISTINCT _sdc_batched_at) FROM lana_raw.core_loans") == (
        -(-n // batch_size)
    )


def test_rerun_with_same_input_changes_nothing(wh, singer):
    lines = loan_lines(singer, 500)
    wh.run(lines, batch_size_rows=100)
    before = wh.table("core_loans")
    wh.run(lines, batch_size_rows=100)
    after = wh.table("core_loans")
    assert after == before  # values, and every _sdc_* column, untouched


def test_changed_row_is_updated_and_only_it_gets_new_batched_at(wh, singer):
    wh.run(loan_lines(singer, 100))
    before = {
        r[0]: r for r in wh.query("SELECT id, amount, _sdc_batched_at FROM lana_raw.core_loans")
    }
    lines = loan_lines(singer, 100)
    # id 42 changes; id 100 is new; everything else is sent again unchanged
    lines[1 + 42] = singer.record(
        STREAM, {"id": 42, "amount": Decimal("0.000000000000000001"), "cents": 4201, "note": "x"}
    )
    lines.insert(-1, singer.record(STREAM, {"id": 100, "amount": 1, "cents": 1, "note": "new"}))
    wh.run(lines)
    after = {
        r[0]: r for r in wh.query("SELECT id, amount, _sdc_batched_at FROM lana_raw.core_loans")
    }
    assert len(after) == 101
    assert after[42][1] == Decimal("0.000000000000000001")
    assert after[42][2] > before[42][2]
    changed = {i for i in before if after[i][2] != before[i][2]}
    assert changed == {42}
    assert after[100][2] == after[42][2]  # one _sdc_batched_at per committed batch


def test_duplicates_in_one_batch_keep_the_last(wh, singer):
    lines = [singer.schema(STREAM, PROPS)]
    for version in range(5):
        for i in range(3):
            lines.append(singer.record(STREAM, {"id": i, "amount": version, "cents": version}))
    wh.run(lines)
    rows = wh.query("SELECT id, amount, cents FROM lana_raw.core_loans ORDER BY id")
    assert rows == [(0, 4, 4), (1, 4, 4), (2, 4, 4)]


def test_duplicates_across_batches_keep_the_last(wh, singer):
    lines = [singer.schema(STREAM, PROPS)]
    lines += [singer.record(STREAM, {"id": 1, "amount": v, "cents": v}) for v in range(10)]
    wh.run(lines, batch_size_rows=3)
    assert wh.query("SELECT id, amount, cents FROM lana_raw.core_loans") == [(1, 9, 9)]


def test_composite_key_upsert(wh, singer):
    props = {"id": {"type": "string"}, "version": {"type": "integer"}, "v": {"type": "string"}}
    stream = "public-core_deposit_events_rollup"
    lines = [singer.schema(stream, props, keys=["id", "version"])]
    lines += [singer.record(stream, {"id": "a", "version": v, "v": f"a{v}"}) for v in (1, 2)]
    lines += [singer.record(stream, {"id": "b", "version": 1, "v": "b1"})]
    lines += [singer.record(stream, {"id": "a", "version": 2, "v": "a2-fixed"})]
    wh.run(lines)
    rows = wh.query("SELECT id, version, v FROM lana_raw.core_deposit_events_rollup ORDER BY 1, 2")
    assert rows == [("a", 1, "a1"), ("a", 2, "a2-fixed"), ("b", 1, "b1")]


def test_stream_without_keys_is_appended(wh, singer):
    stream = "prices"
    lines = [singer.schema(stream, {"price": {"type": "number"}}, keys=[])]
    lines += [singer.record(stream, {"price": 1})] * 3
    wh.run(lines)
    wh.run(lines)
    assert wh.scalar("SELECT count(*) FROM lana_raw.prices") == 6


def test_append_only_load_method_keeps_every_version(wh, singer):
    wh.run(loan_lines(singer, 10), load_method="append-only")
    wh.run(loan_lines(singer, 10), load_method="append-only")
    assert wh.scalar("SELECT count(*) FROM lana_raw.core_loans") == 20


def test_overwrite_load_method_replaces_the_table_once_per_run(wh, singer):
    wh.run(loan_lines(singer, 10))
    wh.run(loan_lines(singer, 4), load_method="overwrite", batch_size_rows=2)
    assert wh.scalar("SELECT count(*) FROM lana_raw.core_loans") == 4


def test_table_name_drops_the_schema_prefix_and_schema_is_configurable(wh, singer):
    wh.run(loan_lines(singer, 3), default_target_schema="raw_other")
    assert wh.query("SELECT count(*) FROM raw_other.core_loans") == [(3,)]


def test_state_is_emitted_after_the_batch_committed(wh, singer, capsys):
    wh.run(loan_lines(singer, 25), batch_size_rows=10)
    states = singer.states(capsys.readouterr().out)
    assert states == [{"bookmarks": {STREAM: {"replication_key_value": 25}}}]
    assert wh.scalar("SELECT count(*) FROM lana_raw.core_loans") == 25


def test_no_state_is_emitted_when_the_batch_holding_its_records_fails(wh, singer, capsys):
    lines = loan_lines(singer, 5)
    lines.insert(-1, singer.record(STREAM, {"id": 99, "amount": Decimal("0.1234567890123456789")}))
    with pytest.raises(Exception, match="amount"):
        wh.run(lines)
    assert capsys.readouterr().out == ""
    assert wh.scalar("SELECT count(*) FROM lana_raw.core_loans") == 0


def test_state_is_never_ahead_of_committed_rows(wh, singer, capsys):
    """Batch 1 commits (sink full), its STATE follows, batch 2 fails: no state goes out.

    The SDK emits state only after draining every sink, so a failure can at worst make
    the next run re-read committed rows, which the upsert then ignores.
    """
    lines = loan_lines(singer, 5)  # schema, 5 records, state
    lines += [singer.record(STREAM, {"id": 10, "amount": Decimal("0.1234567890123456789")})]
    with pytest.raises(Exception, match="amount"):
        wh.run(lines, batch_size_rows=5)
    assert capsys.readouterr().out == ""
    assert wh.scalar("SELECT count(*) FROM lana_raw.core_loans") == 5


def test_soft_delete_is_stored_and_keeps_the_row(wh, singer):
    """LOG_BASED deletes from tap-postgres carry the key and _sdc_deleted_at only."""
    stream = "public-customers"
    props = {
        "id": {"type": ["integer"]},
        "email": {"type": ["string", "null"]},
        "_sdc_deleted_at": {"type": ["string"]},  # what tap-postgres 0.10.0 declares
        "_sdc_lsn": {"type": ["integer"]},
    }
    wh.run(
        [
            singer.schema(stream, props),
            singer.record(
                stream, {"id": 1, "email": "a@x", "_sdc_deleted_at": None, "_sdc_lsn": 10}
            ),
            singer.record(
                stream, {"id": 2, "email": "b@x", "_sdc_deleted_at": None, "_sdc_lsn": 11}
            ),
        ]
    )
    wh.run(
        [
            singer.schema(stream, props),
            singer.record(
                stream, {"id": 1, "_sdc_deleted_at": "2026-02-03T04:05:06Z", "_sdc_lsn": 12}
            ),
        ]
    )
    rows = wh.query(
        "SELECT id, email, _sdc_deleted_at, _sdc_lsn FROM lana_raw.customers ORDER BY id"
    )
    assert len(rows) == 2
    assert rows[0][:2] == (1, "a@x")
    assert rows[0][2].isoformat() == "2026-02-03T04:05:06+00:00"
    assert rows[0][3] == 12
    assert rows[1][2] is None
    assert wh.types("customers")["_sdc_deleted_at"] == "TIMESTAMP WITH TIME ZONE"


def test_metadata_columns_and_their_types(wh, singer):
    wh.run(loan_lines(singer, 2))
    types = wh.types("core_loans")
    assert {k: v for k, v in types.items() if k.startswith("_sdc_")} == {
        "_sdc_extracted_at": "TIMESTAMP WITH TIME ZONE",
        "_sdc_received_at": "TIMESTAMP WITH TIME ZONE",
        "_sdc_batched_at": "TIMESTAMP WITH TIME ZONE",
        "_sdc_deleted_at": "TIMESTAMP WITH TIME ZONE",
        "_sdc_sequence": "BIGINT",
        "_sdc_table_version": "BIGINT",
        "_sdc_sync_started_at": "BIGINT",
    }
    extracted = wh.scalar("SELECT min(_sdc_extracted_at) FROM lana_raw.core_loans")
    assert extracted.isoformat() == "2026-01-01T00:00:00+00:00"


def test_add_record_metadata_false_adds_no_sdc_columns(wh, singer):
    wh.run(loan_lines(singer, 2), add_record_metadata=False)
    assert list(wh.types("core_loans")) == ["id", "amount", "cents", "note"]
    wh.run(loan_lines(singer, 2), add_record_metadata=False)
    assert wh.scalar("SELECT count(*) FROM lana_raw.core_loans") == 2


def test_rows_buffered_across_streams_are_bounded(wh, singer, capsys):
    """Two streams of 6 rows, batch_size_rows=10: all sinks drain once 10 rows wait."""
    other = "public-core_deposits"
    lines = [singer.schema(STREAM, PROPS), singer.schema(other, PROPS)]
    lines += [singer.record(STREAM, {"id": i, "amount": i}) for i in range(6)]
    lines += [singer.state({"after": STREAM})]
    lines += [singer.record(other, {"id": i, "amount": i}) for i in range(6)]
    lines += [singer.state({"after": other})]
    wh.run(lines, batch_size_rows=10)
    assert wh.scalar("SELECT count(DISTINCT _sdc_batched_at) FROM lana_raw.core_loans") == 1
    assert wh.scalar("SELECT count(DISTINCT _sdc_batched_at) FROM lana_raw.core_deposits") == 2
    # the mid-run drain acknowledged the state received before it
    assert singer.states(capsys.readouterr().out) == [{"after": STREAM}, {"after": other}]
