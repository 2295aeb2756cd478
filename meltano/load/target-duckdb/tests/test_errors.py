"""Bad values, failed batches, schema evolution, the single-writer lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from decimal import Decimal

import pytest
from singer_sdk.exceptions import InvalidRecord
from target_duckdb.sinks import DuckDBSink
from target_duckdb.target import DatabaseLockedError
from target_duckdb.typemap import SchemaChangeError, ValueDoesNotFitError

STREAM = "public-core_customers"
PROPS = {
    "id": {"type": ["integer"]},
    "customer_id": {"type": ["string", "null"], "format": "uuid"},
    "balance": {"type": ["number", "null"]},
}
UUID_1 = "0b6f7c1e-3a8f-4c4e-9d7b-2f1a5e6c8d90"


def base(singer, n=3, props=PROPS):
    return [singer.schema(STREAM, props)] + [
        singer.record(STREAM, {"id": i, "customer_id": UUID_1, "balance": Decimal("1.01") * i})
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ({"customer_id": "not-a-uuid"}, r"column 'customer_id' \(UUID\): value 'not-a-uuid'"),
        (
            {"balance": Decimal("1.0000000000000000001")},
            r"column 'balance' \(DECIMAL\(38,18\)\): value Decimal\('1.0000000000000000001'\)"
            r".*more than 18 decimal places",
        ),
        (
            {"balance": Decimal("123456789012345678901")},
            r"column 'balance'.*more than 20 integer digits",
        ),
        ({"id": 2**63}, r"column 'id' \(BIGINT\): value 9223372036854775808.*BIGINT range"),
    ],
    ids=["non-uuid", "too-many-decimals", "too-many-digits", "bigint-overflow"],
)
def test_bad_value_raises_clearly_and_leaves_the_table_as_it_was(wh, singer, bad, error):
    wh.run(base(singer))
    before = wh.table("core_customers")
    lines = base(singer, n=5)  # rows 0-2 again, 3-4 new, then a bad one in the same batch
    lines.append(singer.record(STREAM, {"id": 9, "customer_id": UUID_1, "balance": 1} | bad))
    with pytest.raises(ValueDoesNotFitError, match=f"stream 'public-core_customers', {error}"):
        wh.run(lines)
    assert wh.table("core_customers") == before


def test_invalid_record_type_is_rejected_by_validation(wh, singer):
    lines = base(singer)
    lines.append(singer.record(STREAM, {"id": "seven"}))
    with pytest.raises(InvalidRecord, match="seven"):
        wh.run(lines)


def test_json_column_takes_any_json_value(wh, singer):
    """tap-postgres declares jsonb as object but sends jsonb arrays and strings too."""
    props = {"id": {"type": "integer"}, "doc": {"type": ["object", "null"]}}
    values = [{"a": [1, Decimal("2.50")]}, [1, "x"], "text", 3, True, None]
    wh.run(
        [singer.schema(STREAM, props)]
        + [singer.record(STREAM, {"id": i, "doc": v}) for i, v in enumerate(values)]
    )
    docs = [d for (d,) in wh.query("SELECT doc FROM lana_raw.core_customers ORDER BY id")]
    assert docs == ['{"a":[1,2.50]}', '[1,"x"]', '"text"', "3", "true", None]


def test_error_after_the_merge_rolls_the_whole_batch_back(wh, singer, monkeypatch):
    wh.run(base(singer))
    before = wh.table("core_customers")
    original = DuckDBSink._merge

    def merge_then_fail(self, con, stage):
        assert original(self, con, stage) > 0  # rows were written inside the transaction
        raise RuntimeError("boom after merge")

    monkeypatch.setattr(DuckDBSink, "_merge", merge_then_fail)
    lines = [singer.schema(STREAM, PROPS)]
    lines += [singer.record(STREAM, {"id": i, "balance": 99}) for i in range(10)]
    with pytest.raises(RuntimeError, match="boom"):
        wh.run(lines)
    assert wh.table("core_customers") == before


def test_process_killed_mid_batch_leaves_nothing_of_that_batch(wh, singer, tmp_path):
    """A real crash (os._exit) after the MERGE, before COMMIT."""
    wh.run(base(singer))
    before = wh.table("core_customers")
    lines = [singer.schema(STREAM, PROPS)]
    lines += [singer.record(STREAM, {"id": i, "balance": 99}) for i in range(1_000)]
    messages = tmp_path / "in.singer"
    messages.write_text("\n".join(lines) + "\n")
    script = textwrap.dedent(
        f"""
        import os
        from target_duckdb.sinks import DuckDBSink
        from target_duckdb.target import TargetDuckDB
        original = DuckDBSink._merge
        def merge_then_die(self, con, stage):
            original(self, con, stage)
            os._exit(9)
        DuckDBSink._merge = merge_then_die
        with open({str(messages)!r}) as fh:
            TargetDuckDB(config={{"path": {str(wh.path)!r}}}).listen(fh)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 9, proc.stderr[-2000:]
    assert wh.table("core_customers") == before


def test_schema_evolution_adds_a_column(wh, singer):
    wh.run(base(singer))
    props = dict(PROPS, status={"type": ["string", "null"]})
    wh.run(
        [
            singer.schema(STREAM, props),
            singer.record(
                STREAM,
                {"id": 1, "customer_id": UUID_1, "balance": Decimal("1.01"), "status": "ACTIVE"},
            ),
            singer.record(STREAM, {"id": 7, "status": "NEW"}),
        ]
    )
    assert wh.types("core_customers")["status"] == "VARCHAR"
    rows = wh.query("SELECT id, balance, status FROM lana_raw.core_customers ORDER BY id")
    assert rows == [
        (0, Decimal("0"), None),
        (1, Decimal("1.01"), "ACTIVE"),
        (2, Decimal("2.02"), None),
        (7, None, "NEW"),
    ]


def test_schema_change_mid_stream_keeps_message_order(wh, singer):
    """Records before a new SCHEMA are written before records after it."""
    props = dict(PROPS, status={"type": ["string", "null"]})
    wh.run(
        [
            singer.schema(STREAM, PROPS),
            singer.record(STREAM, {"id": 1, "balance": 1}),
            singer.schema(STREAM, props),
            singer.record(STREAM, {"id": 1, "balance": 2, "status": "later"}),
        ]
    )
    assert wh.query("SELECT balance, status FROM lana_raw.core_customers") == [(2, "later")]


def test_lossless_widening_integer_to_number(wh, singer):
    props = dict(PROPS, balance={"type": ["integer", "null"]})
    wh.run([singer.schema(STREAM, props), singer.record(STREAM, {"id": 1, "balance": 2**62})])
    assert wh.types("core_customers")["balance"] == "BIGINT"
    wh.run(
        [singer.schema(STREAM, PROPS), singer.record(STREAM, {"id": 2, "balance": Decimal("0.5")})]
    )
    assert wh.types("core_customers")["balance"] == "DECIMAL(38,18)"
    assert wh.query("SELECT balance FROM lana_raw.core_customers ORDER BY id") == [
        (Decimal(2**62),),
        (Decimal("0.5"),),
    ]


def test_lossy_type_change_is_an_error_naming_the_column(wh, singer):
    wh.run(base(singer))
    props = dict(PROPS, balance={"type": ["string", "null"]})
    with pytest.raises(
        SchemaChangeError, match=r"core_customers.*column 'balance'.*DECIMAL\(38,18\).*VARCHAR"
    ):
        wh.run([singer.schema(STREAM, props), singer.record(STREAM, {"id": 1, "balance": "x"})])
    assert wh.types("core_customers")["balance"] == "DECIMAL(38,18)"


def test_locked_file_is_a_clear_error_naming_the_path(wh, singer):
    wh.run(base(singer))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys, time; c = duckdb.connect({str(wh.path)!r}); "
            "print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(DatabaseLockedError, match=f"DuckDB file {wh.path} is locked"):
            wh.run(base(singer))
    finally:
        holder.kill()
        holder.wait()
