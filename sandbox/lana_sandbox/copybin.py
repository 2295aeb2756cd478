"""PostgreSQL's binary COPY format: fields as their length and their binary value.

The big tables (the Cala ledger's transactions, entries, entry events and balances, every
entity's events and rollups) are loaded with `COPY ... (FORMAT binary)`: PostgreSQL then reads
UUIDs, integers, timestamps, dates and UUID arrays as they are instead of parsing their text
(`uuid_in`, `array_in`, `timestamptz_in`, the splitting of text lines into fields). JSONB goes
as its text behind a version byte (PostgreSQL still parses it), text as its UTF-8 bytes.

A field is its length (int32, big-endian; -1 for NULL) followed by the value; a row is the
number of fields (int16) followed by its fields. Every function here returns a whole field,
length included, so that a row is `row_head(n) + b"".join(fields)`.
"""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
TRAILER = b"\xff\xff"
NULL = b"\xff\xff\xff\xff"

_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_PG_EPOCH_DAY = date(2000, 1, 1).toordinal()
_US = timedelta(microseconds=1)
_UUID_OID = 2950

_i2 = struct.Struct(">h").pack
_i4 = struct.Struct(">i").pack
_len_i4_value = struct.Struct(">ii").pack  # a field of type int4: (4, value)
_len_i8_value = struct.Struct(">iq").pack  # a field of type int8 or timestamptz: (8, value)
_array_head = struct.Struct(">iiiiii").pack  # length, ndim, has nulls, element type, n, lbound

UUID_LEN = b"\x00\x00\x00\x10"
TRUE = b"\x00\x00\x00\x01\x01"
FALSE = b"\x00\x00\x00\x01\x00"


def row_head(fields: int) -> bytes:
    return _i2(fields)


def uuid_bytes(v: str) -> bytes:
    """'xxxxxxxx-xxxx-...' -> its 16 bytes."""
    return bytes.fromhex(v.replace("-", ""))


def uuid(v: str) -> bytes:
    return UUID_LEN + bytes.fromhex(v.replace("-", ""))


def text(v: str) -> bytes:
    b = v.encode()
    return _i4(len(b)) + b


def int4(v: int) -> bytes:
    return _len_i4_value(4, v)


def int8(v: int) -> bytes:
    return _len_i8_value(8, v)


def boolean(v: bool) -> bytes:
    return TRUE if v else FALSE


def jsonb_text(v: bytes) -> bytes:
    """A JSONB field from JSON text already encoded as UTF-8."""
    return _i4(len(v) + 1) + b"\x01" + v


def jsonb(v: Any) -> bytes:
    b = orjson.dumps(v)
    return _i4(len(b) + 1) + b"\x01" + b


def _jsonb_key(k: str) -> tuple[int, bytes]:
    b = k.encode()
    return len(b), b


def jsonb_ordered(v: Any) -> Any:
    """`v` with the keys of every object in JSONB's own order (shorter first, then bytewise):
    the same JSONB value, and PostgreSQL, which sorts the keys of each object it parses,
    finds them sorted already."""
    if isinstance(v, dict):
        return {k: jsonb_ordered(v[k]) for k in sorted(v, key=_jsonb_key)}
    if isinstance(v, list):
        return [jsonb_ordered(x) for x in v]
    return v


def jsonb_sorted(v: Any) -> bytes:
    """A JSONB field with its keys in JSONB's order (for values encoded once and copied
    into many rows, such as a rollup's terms)."""
    return jsonb(jsonb_ordered(v))


def timestamp_us(v: datetime) -> int:
    """Microseconds since 2000-01-01 UTC: PostgreSQL's timestamptz."""
    return (v - _PG_EPOCH) // _US


def timestamptz(v: datetime) -> bytes:
    return _len_i8_value(8, (v - _PG_EPOCH) // _US)


def pg_day(v: date) -> int:
    """Days since 2000-01-01: PostgreSQL's date."""
    return v.toordinal() - _PG_EPOCH_DAY


def date_field(v: date) -> bytes:
    return _len_i4_value(4, v.toordinal() - _PG_EPOCH_DAY)


def uuid_array(values: list[str | None]) -> bytes:
    """A one-dimensional uuid[] (an empty list is the empty array)."""
    if not values:
        return _i4(12) + _i4(0) + _i4(0) + _i4(_UUID_OID)
    nulls = None in values
    elements = b"".join(
        NULL if v is None else UUID_LEN + bytes.fromhex(v.replace("-", "")) for v in values
    )
    return _array_head(20 + len(elements), 1, 1 if nulls else 0, _UUID_OID, len(values), 1) + (
        elements
    )


def uuid_array_append(field: bytes, v: str | None) -> bytes:
    """The uuid[] field `field` with one more element at the end (`xs += [x]`)."""
    length, ndim, nulls = struct.unpack_from(">iii", field)
    if ndim == 0:
        return uuid_array([v])
    (n,) = struct.unpack_from(">i", field, 16)
    element = NULL if v is None else UUID_LEN + bytes.fromhex(v.replace("-", ""))
    nulls = 1 if (nulls or v is None) else 0
    return _array_head(length + len(element), 1, nulls, _UUID_OID, n + 1, 1) + field[24:] + element
