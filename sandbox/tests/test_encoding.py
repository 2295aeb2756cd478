"""The fast encoders print exactly what the obvious ones print."""

import random
import uuid
from decimal import Decimal

from lana_sandbox.copytext import copy_json, copy_text
from lana_sandbox.ledger import EXPONENT, major
from lana_sandbox.simulate import _V4_CLEAR, _V4_SET


def test_major_is_the_decimal_formatting():
    rng = random.Random(1)
    for currency, exponent in EXPONENT.items():
        values = [*range(-300, 3000), *(10**k for k in range(20))]
        values += [rng.randrange(10**15) for _ in range(20_000)]
        for units in values:
            assert major(units, currency) == f"{Decimal(units).scaleb(-exponent).normalize():f}"


def test_ids_are_version_4_uuids():
    rng = random.Random(2)
    for _ in range(20_000):
        n = rng.getrandbits(128)
        h = "%032x" % ((n & _V4_CLEAR) | _V4_SET)
        assert f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" == str(
            uuid.UUID(int=n, version=4)
        )


def test_copy_escapes():
    assert copy_text("a\\b\tc\nd\re") == "a\\\\b\\tc\\nd\\re"
    assert copy_json({"k": "a\\b\n"}) == '{"k":"a\\\\\\\\b\\\\n"}'
    assert copy_json({"k": "plain"}) == '{"k":"plain"}'


def test_binary_copy_fields_are_the_values_postgresql_reads(db):
    """Every binary field encoder, through a real `COPY ... (FORMAT binary)`."""
    import json
    from datetime import UTC, date, datetime

    import psycopg
    from lana_sandbox import copybin as cb

    ids = [str(uuid.uuid4()) for _ in range(3)]
    at = datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
    doc = {"b": [1, "x\\y\n"], "a": {"Finite": "140"}, "ccc": None}
    rows = [
        (ids[0], "Ünïcode\ttab", 7, -(2**40), True, doc, at, date(2024, 2, 29), ids),
        (ids[1], "", -1, 0, False, [], datetime(1999, 12, 31, tzinfo=UTC), date(2000, 1, 1), []),
        (ids[2], None, None, None, None, None, None, None, [ids[0], None]),
    ]
    encoders = (
        cb.uuid, cb.text, cb.int4, cb.int8, cb.boolean, cb.jsonb_sorted, cb.timestamptz,
        cb.date_field, cb.uuid_array,
    )  # fmt: skip
    data = b"".join(
        cb.row_head(len(r))
        + b"".join(cb.NULL if v is None else e(v) for v, e in zip(r, encoders, strict=True))
        for r in rows
    )
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE t (u uuid, s varchar, i int, b bigint, bo boolean, j jsonb, "
            "ts timestamptz, d date, a uuid[])"
        )
        with conn.cursor() as cur, cur.copy("COPY t FROM STDIN (FORMAT binary)") as cp:
            cp.write(cb.HEADER + data + cb.TRAILER)
        got = conn.execute("SELECT * FROM t ORDER BY u::text").fetchall()
    got = [
        tuple(
            str(v)
            if isinstance(v, uuid.UUID)
            else [None if x is None else str(x) for x in v]
            if isinstance(v, list) and k == 8
            else v
            for k, v in enumerate(r)
        )
        for r in got
    ]
    expected = sorted(rows, key=lambda r: r[0])
    assert [r[:5] + r[6:] for r in got] == [r[:5] + r[6:] for r in expected]
    assert [json.dumps(r[5], sort_keys=True) for r in got] == [
        json.dumps(r[5], sort_keys=True) for r in expected
    ]


def test_appending_to_an_encoded_uuid_array_is_encoding_the_longer_array():
    from lana_sandbox import copybin as cb

    rng = random.Random(3)
    for _ in range(200):
        values = [
            None if rng.random() < 0.1 else str(uuid.UUID(int=rng.getrandbits(128)))
            for _ in range(rng.randrange(0, 6))
        ]
        field = cb.uuid_array([])
        for i, v in enumerate(values):
            field = cb.uuid_array_append(field, v)
            assert field == cb.uuid_array(values[: i + 1])


def test_jsonb_order_is_postgresqls():
    from lana_sandbox import copybin as cb

    ordered = cb.jsonb_ordered({"modified_at": 1, "id": {"zz": 1, "b": 2}, "entry_id": 3, "a": 4})
    assert list(ordered) == ["a", "id", "entry_id", "modified_at"]
    assert list(ordered["id"]) == ["b", "zz"]
