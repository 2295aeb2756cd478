"""BATCH messages (SDK batch spec): jsonl (gzip or not) and parquet files."""

from __future__ import annotations

import gzip
import json
import uuid
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import simplejson
from target_duckdb.typemap import TargetDuckDBError, ValueDoesNotFitError

STREAM = "public-core_customer_events_rollup"
PROPS = {
    "id": {"type": ["string"], "format": "uuid"},
    "version": {"type": ["integer"]},
    "amount": {"type": ["number", "null"]},
    "cents": {"type": ["integer", "null"]},
    "recorded_at": {"type": ["string", "null"], "format": "date-time"},
    "event": {"type": ["object", "null"]},
    "active": {"type": ["boolean", "null"]},
}
KEYS = ["id", "version"]
BIG = Decimal("12345678901234.123456789")


def rows(n: int, start: int = 0, amount: Decimal = BIG) -> list[dict]:
    return [
        {
            "id": str(uuid.UUID(int=i)),
            "version": 1,
            "amount": amount + i,
            "cents": 100 * i + 1,
            "recorded_at": f"2026-01-01T00:00:{i % 60:02d}.123456+00:00",
            "event": {"type": "opened", "nested": {"sats": Decimal("0.00000001") * i}},
            "active": i % 2 == 0,
        }
        for i in range(start, start + n)
    ]


def write_jsonl(path, records, *, gz: bool):
    text = "".join(simplejson.dumps(r, use_decimal=True) + "\n" for r in records).encode()
    path.write_bytes(gzip.compress(text) if gz else text)
    return path


def write_parquet(path, records):
    pq.write_table(pa.Table.from_pylist(records), path)  # as the SDK's parquet batcher does
    return path


def check_loaded(wh, n: int, start: int = 0):
    count, amount_sum, cents_sum = wh.query(
        "SELECT count(*), sum(amount), sum(cents) FROM lana_raw.core_customer_events_rollup"
    )[0]
    ids = range(start, start + n)
    assert count == n
    assert amount_sum == BIG * n + sum(ids)
    assert cents_sum == sum(100 * i + 1 for i in ids)


@pytest.mark.parametrize("gz", [True, False], ids=["jsonl.gz", "jsonl"])
def test_batch_jsonl(wh, singer, tmp_path, gz):
    n = 5_001
    suffix = ".jsonl.gz" if gz else ".jsonl"
    files = [
        write_jsonl(tmp_path / f"a{suffix}", rows(3_000), gz=gz),
        write_jsonl(tmp_path / f"b{suffix}", rows(n - 3_000, start=3_000), gz=gz),
    ]
    compression = "gzip" if gz else "none"
    lines = [
        singer.schema(STREAM, PROPS, keys=KEYS),
        singer.batch(STREAM, files, "jsonl", compression),
        singer.state({"bookmarks": {STREAM: {"replication_key_value": n}}}),
    ]
    wh.run(lines)
    check_loaded(wh, n)
    types = wh.types("core_customer_events_rollup")
    assert types["id"] == "UUID"
    assert types["amount"] == "DECIMAL(38,18)"
    assert types["recorded_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["event"] == "JSON"
    event = wh.scalar(
        "SELECT event FROM lana_raw.core_customer_events_rollup WHERE id = ?",
        [str(uuid.UUID(int=7))],
    )
    assert event == '{"type":"opened","nested":{"sats":7E-8}}'  # Decimal text, never a float
    before = wh.table("core_customer_events_rollup", order_by="id")
    wh.run(lines)  # rerun: a no-op, _sdc_* included
    assert wh.table("core_customer_events_rollup", order_by="id") == before


def test_batch_parquet(wh, singer, tmp_path):
    n = 4_001
    files = [
        write_parquet(tmp_path / "a.parquet", rows(2_000)),
        write_parquet(tmp_path / "b.parquet", rows(n - 2_000, start=2_000)),
    ]
    lines = [singer.schema(STREAM, PROPS, keys=KEYS), singer.batch(STREAM, files, "parquet")]
    wh.run(lines)
    check_loaded(wh, n)
    row = wh.query(
        "SELECT amount, recorded_at, event, active, _sdc_batched_at, _sdc_received_at "
        "FROM lana_raw.core_customer_events_rollup WHERE id = ?",
        [str(uuid.UUID(int=3))],
    )[0]
    assert row[0] == BIG + 3
    assert row[1].isoformat() == "2026-01-01T00:00:03.123456+00:00"
    # nested DECIMALs keep their exact value (DuckDB's to_json may write it as 3e-8)
    assert json.loads(row[2], parse_float=Decimal) == {
        "type": "opened",
        "nested": {"sats": Decimal("0.00000003")},
    }
    assert row[3] is False
    assert row[4] is not None and row[5] is not None
    before = wh.table("core_customer_events_rollup", order_by="id")
    wh.run(lines)
    assert wh.table("core_customer_events_rollup", order_by="id") == before


def test_batch_upserts_and_keeps_arrival_order_with_records(wh, singer, tmp_path):
    """RECORDs before a BATCH are written first; the BATCH then updates them."""
    changed = rows(3, amount=Decimal("1.5"))
    f = write_parquet(tmp_path / "changed.parquet", changed)
    lines = [singer.schema(STREAM, PROPS, keys=KEYS)]
    lines += [singer.record(STREAM, r) for r in rows(5)]
    lines += [singer.batch(STREAM, [f], "parquet")]
    wh.run(lines)
    amounts = wh.query("SELECT amount FROM lana_raw.core_customer_events_rollup ORDER BY cents")
    assert [a for (a,) in amounts] == [
        Decimal("1.5"),
        Decimal("2.5"),
        Decimal("3.5"),
        BIG + 3,
        BIG + 4,
    ]


def test_batch_last_duplicate_wins_across_files(wh, singer, tmp_path):
    first = rows(2)
    second = [dict(first[0], amount=Decimal("7"))]
    files = [
        write_jsonl(tmp_path / "1.jsonl.gz", first, gz=True),
        write_jsonl(tmp_path / "2.jsonl.gz", second, gz=True),
    ]
    wh.run([singer.schema(STREAM, PROPS, keys=KEYS), singer.batch(STREAM, files, "jsonl", "gzip")])
    assert wh.query("SELECT amount FROM lana_raw.core_customer_events_rollup ORDER BY cents") == [
        (Decimal("7"),),
        (BIG + 1,),
    ]


def test_batch_jsonl_too_many_decimals_is_an_error_and_loads_nothing(wh, singer, tmp_path):
    """DuckDB's read_json would round this silently; the target refuses it."""
    good = write_jsonl(tmp_path / "good.jsonl.gz", rows(10), gz=True)
    bad_rows = rows(3, start=10)
    bad_rows[1]["amount"] = Decimal("0.1234567890123456789")
    bad = write_jsonl(tmp_path / "bad.jsonl.gz", bad_rows, gz=True)
    with pytest.raises(ValueDoesNotFitError, match=r"column 'amount'.*0\.1234567890123456789"):
        wh.run(
            [
                singer.schema(STREAM, PROPS, keys=KEYS),
                singer.batch(STREAM, [good, bad], "jsonl", "gzip"),
            ]
        )
    assert wh.scalar("SELECT count(*) FROM lana_raw.core_customer_events_rollup") == 0


def test_batch_parquet_bad_uuid_is_an_error_and_loads_nothing(wh, singer, tmp_path):
    wh.run([singer.schema(STREAM, PROPS, keys=KEYS), *[singer.record(STREAM, r) for r in rows(2)]])
    before = wh.table("core_customer_events_rollup", order_by="id")
    bad_rows = rows(3, start=5)
    bad_rows[2]["id"] = "not-a-uuid"
    f = write_parquet(tmp_path / "bad.parquet", bad_rows)
    with pytest.raises(ValueDoesNotFitError, match=r"column 'id' \(UUID\).*not-a-uuid"):
        wh.run([singer.schema(STREAM, PROPS, keys=KEYS), singer.batch(STREAM, [f], "parquet")])
    assert wh.table("core_customer_events_rollup", order_by="id") == before


def test_batch_parquet_rounding_decimal_is_an_error(wh, singer, tmp_path):
    props = dict(PROPS, amount={"type": ["number", "null"], "multipleOf": 0.01})
    bad_rows = rows(2, amount=Decimal("1.25"))
    bad_rows[1]["amount"] = Decimal("1.005")
    f = write_parquet(tmp_path / "bad.parquet", bad_rows)
    with pytest.raises(ValueDoesNotFitError, match=r"column 'amount' \(DECIMAL\(38,2\)\).*1\.005"):
        wh.run([singer.schema(STREAM, props, keys=KEYS), singer.batch(STREAM, [f], "parquet")])


def test_batch_parquet_float_column_for_money_is_refused(wh, singer, tmp_path):
    table = pa.table({"id": [str(uuid.UUID(int=1))], "version": [1], "amount": [0.1]})
    pq.write_table(table, tmp_path / "float.parquet")
    with pytest.raises(TargetDuckDBError, match="floating point"):
        wh.run(
            [
                singer.schema(STREAM, PROPS, keys=KEYS),
                singer.batch(STREAM, [tmp_path / "float.parquet"], "parquet"),
            ]
        )


def test_batch_with_metadata_off(wh, singer, tmp_path):
    f = write_parquet(tmp_path / "a.parquet", rows(3))
    wh.run(
        [singer.schema(STREAM, PROPS, keys=KEYS), singer.batch(STREAM, [f], "parquet")],
        add_record_metadata=False,
    )
    assert not [c for c in wh.types("core_customer_events_rollup") if c.startswith("_sdc_")]
    check_loaded(wh, 3)


def test_real_tap_postgres_jsonl_batch_equals_its_record_output(wh, singer, tmp_path):
    """tap-postgres 0.10.0 with batch_config jsonl/gzip, same table as the RECORD fixture.

    Its batch files differ from its RECORDs (timestamp without time zone comes without
    an offset); the loaded rows must not.
    """
    records = (singer.data / "tap_postgres_0_10_0_probe.singer").read_text().splitlines()
    batch_file = tmp_path / "probe.json.gz"
    batch_file.write_bytes((singer.data / "tap_postgres_0_10_0_probe.batch.json.gz").read_bytes())
    wh.run(records, default_target_schema="via_records")
    wh.run([records[0], singer.batch("public-probe", [batch_file], "jsonl", "gzip")])
    data_cols = "id, i, n, n2, u, ua, j, ja, ts, t, v, b, d, tm"
    via_records = wh.query(f"SELECT {data_cols} FROM via_records.probe ORDER BY id")
    via_batch = wh.query(f"SELECT {data_cols} FROM lana_raw.probe ORDER BY id")
    assert via_batch == via_records
    assert len(via_batch) == 3
