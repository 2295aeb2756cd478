"""Type map: JSON schema -> DuckDB, checked in information_schema and on real tap output."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from target_duckdb.typemap import (
    BIGINT,
    JSON,
    VARCHAR,
    ColumnType,
    SchemaChangeError,
    column_type_for,
    reconcile,
)


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": ["integer"]}, "BIGINT"),
        ({"type": ["integer", "null"]}, "BIGINT"),
        ({"type": ["number", "null"]}, "DECIMAL(38,18)"),
        ({"type": ["integer", "number"]}, "DECIMAL(38,18)"),
        ({"type": "number", "multipleOf": 0.01}, "DECIMAL(38,2)"),
        ({"type": "number", "multipleOf": Decimal("0.0001"), "maximum": 10**16}, "DECIMAL(21,4)"),
        ({"type": "number", "multipleOf": 1, "maximum": 999, "minimum": -999}, "DECIMAL(3,0)"),
        ({"type": "number", "maximum": 10**30}, "DECIMAL(38,7)"),
        (
            {"type": "string", "format": "x-singer.decimal", "precision": 20, "scale": 4},
            "DECIMAL(20,4)",
        ),
        ({"type": "string", "format": "x-singer.decimal"}, "DECIMAL(38,18)"),
        ({"type": ["string", "null"], "format": "date-time"}, "TIMESTAMPTZ"),
        ({"type": ["string", "null"], "format": "date"}, "DATE"),
        ({"type": ["string", "null"], "format": "time"}, "TIME"),
        ({"type": ["string", "null"], "format": "uuid"}, "UUID"),
        ({"type": ["boolean", "null"]}, "BOOLEAN"),
        ({"type": ["string", "null"], "maxLength": 50}, "VARCHAR"),
        ({"type": ["object", "null"], "additionalProperties": True}, "JSON"),
        ({"type": ["array", "null"], "items": {"type": ["string"]}}, "JSON"),
        ({}, "JSON"),
        ({"description": "untyped"}, "JSON"),
        ({"type": ["string", "number", "integer", "array", "object", "boolean"]}, "JSON"),
        ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, "JSON"),
        ({"anyOf": [{"type": "integer"}, {"type": "null"}]}, "BIGINT"),
        (
            {"anyOf": [{"type": "string", "format": "date-time"}, {"type": ["string", "null"]}]},
            "TIMESTAMPTZ",
        ),
        ({"anyOf": [{"type": "integer"}, {"type": "number", "multipleOf": 0.01}]}, "DECIMAL(38,2)"),
    ],
)
def test_json_schema_to_duckdb_type(schema, expected):
    assert column_type_for("col", schema).sql == expected


def test_metadata_columns_have_fixed_types_whatever_the_schema_says():
    assert column_type_for("_sdc_deleted_at", {"type": ["string"]}).sql == "TIMESTAMPTZ"
    assert column_type_for("_sdc_sequence", {"type": ["string"]}).sql == "BIGINT"
    assert column_type_for("_sdc_lsn", {"type": ["integer"]}).sql == "BIGINT"


@pytest.mark.parametrize(
    ("existing", "new", "expected"),
    [
        ("BIGINT", BIGINT, None),
        ("INTEGER", BIGINT, "BIGINT"),
        ("DECIMAL(38,18)", BIGINT, None),
        ("BIGINT", ColumnType("DECIMAL", 38, 18), "DECIMAL(38,18)"),
        ("DECIMAL(10,2)", ColumnType("DECIMAL", 38, 18), "DECIMAL(38,18)"),
        ("DECIMAL(38,18)", ColumnType("DECIMAL", 20, 4), None),
        ("DECIMAL(10,2)", ColumnType("DECIMAL", 12, 6), "DECIMAL(14,6)"),
        ("VARCHAR", ColumnType("UUID"), None),
        ("VARCHAR", JSON, None),
        ("TIMESTAMP WITH TIME ZONE", ColumnType("TIMESTAMPTZ"), None),
    ],
)
def test_lossless_schema_changes(existing, new, expected):
    assert reconcile(existing, new) == expected


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        ("DOUBLE", ColumnType("DECIMAL", 38, 18)),  # the PyPI target's money columns
        ("TIMESTAMP", ColumnType("TIMESTAMPTZ")),  # ... and its naive timestamps
        ("BIGINT", VARCHAR),
        ("UUID", VARCHAR),
        ("JSON", BIGINT),
        ("DECIMAL(38,2)", ColumnType("DECIMAL", 38, 18)),  # no DECIMAL holds both
    ],
)
def test_lossy_schema_changes_are_refused(existing, new):
    with pytest.raises(SchemaChangeError, match="may lose data"):
        reconcile(existing, new)


def test_types_landed_in_information_schema(wh, singer):
    stream = "public-core_credit_facility_events_rollup"
    props = {
        "id": {"type": ["string"], "format": "uuid"},
        "version": {"type": ["integer"]},
        "amount": {"type": ["number", "null"]},
        "recorded_at": {"type": ["string", "null"], "format": "date-time"},
        "due": {"type": ["string", "null"], "format": "date"},
        "at": {"type": ["string", "null"], "format": "time"},
        "approved": {"type": ["boolean", "null"]},
        "event": {"type": ["object", "null"]},
        "tags": {"type": ["array", "null"], "items": {"type": "string"}},
        "status": {"type": ["string", "null"]},
    }
    rec = {
        "id": "0b6f7c1e-3a8f-4c4e-9d7b-2f1a5e6c8d90",
        "version": 3,
        "amount": Decimal("100.25"),
        "recorded_at": "2026-03-04T05:06:07.123456+02:00",
        "due": "2026-12-31",
        "at": "23:59:59.5",
        "approved": True,
        "event": {"type": "approved", "amount": Decimal("12345678901234567890.123456789012345678")},
        "tags": ["a", "b"],
        "status": "ACTIVE",
    }
    wh.run([singer.schema(stream, props, keys=["id", "version"]), singer.record(stream, rec)])
    types = wh.types("core_credit_facility_events_rollup")
    assert {k: v for k, v in types.items() if not k.startswith("_sdc_")} == {
        "id": "UUID",
        "version": "BIGINT",
        "amount": "DECIMAL(38,18)",
        "recorded_at": "TIMESTAMP WITH TIME ZONE",
        "due": "DATE",
        "at": "TIME",
        "approved": "BOOLEAN",
        "event": "JSON",
        "tags": "JSON",
        "status": "VARCHAR",
    }
    row = wh.query(
        'SELECT id, amount, recorded_at, due, "at", approved, event, tags '
        "FROM lana_raw.core_credit_facility_events_rollup"
    )[0]
    assert row[0] == uuid.UUID(rec["id"])
    assert row[1] == Decimal("100.25")
    assert row[2] == datetime.datetime(2026, 3, 4, 3, 6, 7, 123456, tzinfo=datetime.UTC)
    assert row[3] == datetime.date(2026, 12, 31)
    assert row[4] == datetime.time(23, 59, 59, 500000)
    assert row[5] is True
    # JSON text keeps every digit of nested numbers (no float on the way)
    assert row[6] == '{"type":"approved","amount":12345678901234567890.123456789012345678}'
    assert row[7] == '["a","b"]'


def test_real_tap_postgres_output_lands_with_exact_values(wh, singer):
    """Output captured from meltanolabs-tap-postgres 0.10.0 (see tests/data/*.sql)."""
    lines = (singer.data / "tap_postgres_0_10_0_probe.singer").read_text().splitlines()
    wh.run(lines)
    types = wh.types("probe")
    assert {k: v for k, v in types.items() if not k.startswith("_sdc_")} == {
        "id": "BIGINT",
        "i": "BIGINT",
        "n": "DECIMAL(38,18)",  # numeric: tap sends no precision/scale hints
        "n2": "DECIMAL(38,18)",  # numeric(20,4): likewise
        "u": "VARCHAR",  # uuid: tap sends a plain string (see README for format: uuid)
        "ua": "JSON",  # uuid[]: an array of strings
        "j": "JSON",
        "ja": "JSON",
        "ts": "TIMESTAMP WITH TIME ZONE",
        "t": "TIMESTAMP WITH TIME ZONE",  # timestamp without tz: tap sends +00:00
        "v": "VARCHAR",
        "b": "BOOLEAN",
        "d": "DATE",
        "tm": "TIME",
    }
    rows = wh.query("SELECT id, n, n2, ua, j, ja, ts, d FROM lana_raw.probe ORDER BY id")
    assert rows[0][1] == Decimal("12345678901234.123456789")
    assert rows[0][2] == Decimal("12.34")
    assert (
        rows[0][3]
        == '["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12"]'
    )
    assert rows[0][4] == '{"a":1.10,"b":{"c":[1,2]}}'
    assert rows[0][5] == '[1,"x"]'  # jsonb array, declared "object" by the tap
    assert rows[0][6] == datetime.datetime(2024, 1, 2, 1, 4, 5, 123456, tzinfo=datetime.UTC)
    assert rows[2][0] == 9223372036854775807
    assert rows[2][1] == Decimal("-99999999999999999999.999999999999")
    assert rows[2][4] == '"str"'  # jsonb string
    assert rows[2][5] is None  # jsonb 'null' arrives as null
    assert rows[2][7] == datetime.date(1, 1, 1)


def test_catalog_hints_give_uuid_and_numeric_scale(wh, singer):
    """With `format: uuid` / `multipleOf` added in the tap's catalog (meltano.yml `schema:`)."""
    lines = (singer.data / "tap_postgres_0_10_0_probe.singer").read_text().splitlines()
    lines[0] = (
        lines[0]
        .replace('"u":{"type":["string","null"]}', '"u":{"type":["string","null"],"format":"uuid"}')
        .replace(
            '"n2":{"type":["number","null"]}', '"n2":{"type":["number","null"],"multipleOf":0.0001}'
        )
    )
    wh.run(lines)
    types = wh.types("probe")
    assert types["u"] == "UUID"
    assert types["n2"] == "DECIMAL(38,4)"
    assert wh.query("SELECT n2 FROM lana_raw.probe ORDER BY id") == [
        (Decimal("12.3400"),),
        (None,),
        (Decimal("9999999999999999.9999"),),
    ]
