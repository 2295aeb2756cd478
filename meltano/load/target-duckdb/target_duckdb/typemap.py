"""JSON schema -> DuckDB column types, and exact Python -> Arrow conversion.

Rules (see README "Type map"):

- ``integer`` -> BIGINT
- ``number`` (or ``integer``+``number``) -> DECIMAL(p, s) from ``multipleOf`` (scale) and
  ``minimum``/``maximum`` (integer digits) when present, else DECIMAL(38,18)
- string formats: ``date-time`` -> TIMESTAMPTZ, ``date`` -> DATE, ``time`` -> TIME,
  ``uuid`` -> UUID, ``x-singer.decimal`` -> DECIMAL(precision, scale)
- ``boolean`` -> BOOLEAN, plain ``string`` -> VARCHAR
- ``object``, ``array``, ``{}``/untyped and mixtures of types -> JSON
- ``_sdc_*`` metadata columns have fixed types whatever the schema says.

Values are converted to Arrow arrays without ever going through ``float`` and without
rounding: a value that does not fit its column raises :class:`ValueDoesNotFitError`.
"""

from __future__ import annotations

import datetime
import decimal
import re
import typing as t
import uuid
from dataclasses import dataclass

import pyarrow as pa
from singer_sdk.helpers._typing import get_datelike_property_type
from singer_sdk.singerlib.json import serialize_json

MAX_PRECISION = 38
DEFAULT_PRECISION = 38
DEFAULT_SCALE = 18
BIGINT_DIGITS = 19  # integer digits a DECIMAL needs to hold every BIGINT

TIMESTAMP_METADATA = ("_sdc_extracted_at", "_sdc_received_at", "_sdc_batched_at", "_sdc_deleted_at")
INTEGER_METADATA = ("_sdc_sequence", "_sdc_table_version", "_sdc_sync_started_at")
SDC_PREFIX = "_sdc_"
DELETED_AT = "_sdc_deleted_at"


class TargetDuckDBError(Exception):
    """Base class of the errors this target raises on purpose."""


class ValueDoesNotFitError(TargetDuckDBError):
    """A value cannot be stored exactly in its column."""

    def __init__(self, stream: str, column: str, column_type: ColumnType, value: t.Any, why: str):
        self.stream = stream
        self.column = column
        self.value = value
        super().__init__(
            f"stream '{stream}', column '{column}' ({column_type.sql}): value {value!r} "
            f"cannot be stored exactly: {why}. Nothing of this batch was loaded."
        )


class SchemaChangeError(TargetDuckDBError):
    """A new SCHEMA message would change a column in a way that may lose data."""


@dataclass(frozen=True)
class ColumnType:
    """A DuckDB column type this target creates."""

    kind: str  # BIGINT DECIMAL TIMESTAMPTZ DATE TIME UUID BOOLEAN JSON VARCHAR
    precision: int | None = None
    scale: int | None = None

    @property
    def sql(self) -> str:
        if self.kind == "DECIMAL":
            return f"DECIMAL({self.precision},{self.scale})"
        return self.kind

    @property
    def arrow_type(self) -> pa.DataType:
        """The Arrow type values are staged in (UUID and JSON travel as text)."""
        return {
            "BIGINT": pa.int64(),
            "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
            "DATE": pa.date32(),
            "TIME": pa.time64("us"),
            "BOOLEAN": pa.bool_(),
        }.get(self.kind) or (
            pa.decimal128(self.precision, self.scale) if self.kind == "DECIMAL" else pa.string()
        )


BIGINT = ColumnType("BIGINT")
TIMESTAMPTZ = ColumnType("TIMESTAMPTZ")
DATE = ColumnType("DATE")
TIME = ColumnType("TIME")
UUID = ColumnType("UUID")
BOOLEAN = ColumnType("BOOLEAN")
JSON = ColumnType("JSON")
VARCHAR = ColumnType("VARCHAR")
DEFAULT_DECIMAL = ColumnType("DECIMAL", DEFAULT_PRECISION, DEFAULT_SCALE)

_FORMAT_TYPES = {"date-time": TIMESTAMPTZ, "date": DATE, "time": TIME, "uuid": UUID}
_SINGER_DECIMAL_FORMATS = {"x-singer.decimal", "singer.decimal"}


def _types_of(schema: dict) -> list[str]:
    raw = schema.get("type", [])
    types = [raw] if isinstance(raw, str) else list(raw)
    return [x for x in types if x != "null"]


def _integer_digits(bound: t.Any) -> int:
    value = abs(decimal.Decimal(str(bound)))
    return max(1, len(str(int(value))))


def _number_type(schema: dict) -> ColumnType:
    """DECIMAL(p, s) from the hints of a JSON schema ``number``."""
    scale: int | None = None
    if (multiple_of := schema.get("multipleOf")) is not None:
        step = decimal.Decimal(str(multiple_of)).normalize()
        scale = max(0, -int(step.as_tuple().exponent))
    bounds = [
        schema[k]
        for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
        if isinstance(schema.get(k), (int, float, decimal.Decimal))
        and not isinstance(schema[k], bool)
    ]
    digits = max((_integer_digits(b) for b in bounds), default=None)
    if scale is None and digits is None:
        return DEFAULT_DECIMAL
    if scale is None:
        scale = max(0, min(DEFAULT_SCALE, MAX_PRECISION - digits))
    if scale > MAX_PRECISION:
        msg = f"multipleOf {schema.get('multipleOf')} needs scale {scale} > {MAX_PRECISION}"
        raise SchemaChangeError(msg)
    precision = MAX_PRECISION if digits is None else min(MAX_PRECISION, max(1, digits + scale))
    return ColumnType("DECIMAL", precision, scale)


def _singer_decimal_type(schema: dict) -> ColumnType:
    precision = schema.get("precision")
    scale = schema.get("scale")
    if precision is None and scale is None:
        return DEFAULT_DECIMAL
    scale = int(scale or 0)
    precision = int(precision or MAX_PRECISION)
    if precision > MAX_PRECISION or scale > precision:
        msg = f"x-singer.decimal precision {precision} scale {scale} is not supported"
        raise SchemaChangeError(msg)
    return ColumnType("DECIMAL", precision, scale)


def _widest_number(types: list[ColumnType]) -> ColumnType | None:
    """BIGINT and DECIMALs together collapse to one DECIMAL holding them all."""
    if not types or any(ct.kind not in {"BIGINT", "DECIMAL"} for ct in types):
        return None
    if all(ct.kind == "BIGINT" for ct in types):
        return BIGINT
    scale = max(ct.scale or 0 for ct in types if ct.kind == "DECIMAL")
    digits = max(
        BIGINT_DIGITS if ct.kind == "BIGINT" else (ct.precision or 0) - (ct.scale or 0)
        for ct in types
    )
    if digits + scale > MAX_PRECISION:
        return DEFAULT_DECIMAL
    return ColumnType("DECIMAL", digits + scale, scale)


def column_type_for(name: str, schema: dict) -> ColumnType:
    """Map one JSON schema property to its DuckDB column type."""
    if name in TIMESTAMP_METADATA:
        return TIMESTAMPTZ
    if name in INTEGER_METADATA:
        return BIGINT
    if not isinstance(schema, dict) or not schema:
        return JSON
    # The SDK parses these to date/datetime/time objects, so the column must agree.
    if datelike := get_datelike_property_type(schema):
        return _FORMAT_TYPES[datelike]
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            branches = [
                column_type_for(name, branch)
                for branch in schema[combinator]
                if not (isinstance(branch, dict) and _types_of(branch) == [] and "type" in branch)
            ]
            distinct = list(dict.fromkeys(branches))
            if len(distinct) == 1:
                return distinct[0]
            return _widest_number(distinct) or JSON
    types = _types_of(schema)
    if not types:
        return JSON
    if set(types) <= {"integer", "number"}:
        return BIGINT if types == ["integer"] else _number_type(schema)
    if len(types) > 1:
        return JSON
    kind = types[0]
    if kind == "boolean":
        return BOOLEAN
    if kind == "string":
        fmt = schema.get("format")
        if fmt in _SINGER_DECIMAL_FORMATS:
            return _singer_decimal_type(schema)
        return _FORMAT_TYPES.get(fmt, VARCHAR)
    return JSON  # object, array, anything else


# --- existing DuckDB column types (schema evolution) ---------------------------------

_INT_DIGITS = {"TINYINT": 3, "SMALLINT": 5, "INTEGER": 10, "BIGINT": 19, "HUGEINT": 39}
_DECIMAL_RE = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


def _digits_and_scale(sql_type: str) -> tuple[int, int] | None:
    """(integer digits, scale) of an exact numeric DuckDB type, else None."""
    if sql_type in _INT_DIGITS:
        return _INT_DIGITS[sql_type], 0
    if m := _DECIMAL_RE.fullmatch(sql_type):
        precision, scale = int(m.group(1)), int(m.group(2))
        return precision - scale, scale
    return None


def normalize_sql_type(sql_type: str) -> str:
    sql_type = sql_type.upper().strip()
    return {"TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ", "TIME WITHOUT TIME ZONE": "TIME"}.get(
        sql_type, sql_type
    )


def reconcile(existing_sql: str, new: ColumnType) -> str | None:
    """Decide what to do with an existing column when a schema declares ``new``.

    Returns None when the existing column already holds every value of ``new`` exactly,
    or the SQL type to widen the column to. Raises :class:`SchemaChangeError` when no
    lossless change exists.
    """
    existing_sql = normalize_sql_type(existing_sql)
    if existing_sql == new.sql:
        return None
    old_num = _digits_and_scale(existing_sql)
    new_num = _digits_and_scale(new.sql)
    if old_num and new_num:
        digits = max(old_num[0], new_num[0])
        scale = max(old_num[1], new_num[1])
        if (digits, scale) == old_num or (existing_sql in _INT_DIGITS and new.sql in _INT_DIGITS):
            return None if old_num[0] >= new_num[0] else new.sql
        if digits + scale <= MAX_PRECISION:
            return f"DECIMAL({digits + scale},{scale})"
    if existing_sql == "VARCHAR" and new.kind in {"UUID", "JSON"}:
        return None  # text holds the canonical text of both, exactly
    msg = (
        f"column is {existing_sql} in DuckDB but the stream now declares {new.sql}; "
        "that change may lose data, so the target refuses it. Migrate the column by hand "
        "(e.g. ALTER TABLE ... ALTER COLUMN ... TYPE ...) if the change is intended."
    )
    raise SchemaChangeError(msg)


# --- values --------------------------------------------------------------------------

_DEC_CONTEXT = decimal.Context(prec=100, traps=[decimal.InvalidOperation])


def _decimal_fits(value: decimal.Decimal, ct: ColumnType) -> str | None:
    """None if ``value`` fits DECIMAL(p, s) exactly, else why not."""
    if not value.is_finite():
        return "not a finite number"
    assert ct.precision is not None and ct.scale is not None
    quantum = decimal.Decimal(1).scaleb(-ct.scale)
    rounded = value.quantize(quantum, context=_DEC_CONTEXT)
    if rounded != value:
        return f"it has more than {ct.scale} decimal places and would be rounded"
    if rounded != 0 and rounded.adjusted() >= ct.precision - ct.scale:
        return f"it has more than {ct.precision - ct.scale} integer digits"
    return None


def _to_decimal(value: t.Any) -> decimal.Decimal:
    if isinstance(value, decimal.Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return decimal.Decimal(value)
    if isinstance(value, float):
        # Only reachable when something upstream already produced a float (stream maps).
        return decimal.Decimal(repr(value))
    if isinstance(value, str):
        return decimal.Decimal(value.strip())
    raise TypeError(f"{type(value).__name__} is not a number")


def _parse_datetime(value: t.Any) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    raise TypeError(f"{type(value).__name__} is not a timestamp")


def _parse_date(value: t.Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        if value.time() != datetime.time(0):
            raise ValueError("a timestamp with a time of day is not a date")
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        return datetime.date.fromisoformat(value.strip())
    raise TypeError(f"{type(value).__name__} is not a date")


def _parse_time(value: t.Any) -> datetime.time:
    if isinstance(value, str):
        value = datetime.time.fromisoformat(value.strip())
    if not isinstance(value, datetime.time):
        raise TypeError(f"{type(value).__name__} is not a time")
    if value.utcoffset():
        raise ValueError("a time with a UTC offset does not fit TIME (no time zone)")
    return value.replace(tzinfo=None)


_INT_TEXT = re.compile(r"\s*[+-]?\d+\s*")


def _is_integral(value: t.Any) -> bool:
    if isinstance(value, decimal.Decimal):
        return value.is_finite() and value == value.to_integral()
    return isinstance(value, str) and _INT_TEXT.fullmatch(value) is not None


def _parse_int(value: t.Any) -> int:
    if isinstance(value, bool):
        raise TypeError("a boolean is not an integer")
    if not isinstance(value, int) and not _is_integral(value):
        raise TypeError("not an integer")
    result = int(value)
    if not -(2**63) <= result < 2**63:
        raise ValueError("out of the BIGINT range")
    return result


def _parse_bool(value: t.Any) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError(f"{type(value).__name__} is not a boolean")


def _parse_uuid(value: t.Any) -> str:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"{type(value).__name__} is not a uuid string")


def _parse_varchar(value: t.Any) -> str:
    if isinstance(value, str):
        return value
    raise TypeError(f"{type(value).__name__} is not a string")


_PARSERS: dict[str, t.Callable[[t.Any], t.Any]] = {
    "BIGINT": _parse_int,
    "DECIMAL": _to_decimal,
    "TIMESTAMPTZ": _parse_datetime,
    "DATE": _parse_date,
    "TIME": _parse_time,
    "UUID": _parse_uuid,
    "BOOLEAN": _parse_bool,
    "VARCHAR": _parse_varchar,
}

# Python types pyarrow converts exactly to each Arrow type, with no checks needed here.
_FAST_TYPES: dict[str, set[type]] = {
    "BIGINT": {int, type(None)},
    "DECIMAL": {decimal.Decimal, int, type(None)},
    "TIMESTAMPTZ": {datetime.datetime, type(None)},
    "DATE": {datetime.date, type(None)},
    "BOOLEAN": {bool, type(None)},
    "UUID": {str, type(None)},
    "VARCHAR": {str, type(None)},
}


def json_text(value: t.Any) -> str | None:
    """JSON text of a value for a JSON column; Decimals keep every digit."""
    return None if value is None else serialize_json(value)


def to_arrow(values: list[t.Any], ct: ColumnType, *, stream: str, column: str) -> pa.Array:
    """Convert one column of Python values to Arrow, exactly, or raise a clear error.

    Values of a JSON column must already be JSON text (:func:`json_text`).
    """
    if ct.kind == "JSON":
        return pa.array(values, type=pa.string())
    fast = _FAST_TYPES.get(ct.kind)
    if fast is not None and set(map(type, values)) <= fast:
        try:
            return pa.array(values, type=ct.arrow_type)
        except (pa.ArrowException, OverflowError, TypeError, ValueError):
            pass  # find and name the offending value below
    parse = _PARSERS[ct.kind]
    converted = []
    for value in values:
        if value is None:
            converted.append(None)
            continue
        try:
            parsed = parse(value)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise ValueDoesNotFitError(stream, column, ct, value, str(exc)) from exc
        if ct.kind == "DECIMAL" and (why := _decimal_fits(parsed, ct)):
            raise ValueDoesNotFitError(stream, column, ct, value, why)
        converted.append(parsed)
    try:
        return pa.array(converted, type=ct.arrow_type)
    except (pa.ArrowException, OverflowError, TypeError, ValueError) as exc:
        # Should not happen after the checks above; still never swallow it.
        raise ValueDoesNotFitError(stream, column, ct, "<see cause>", str(exc)) from exc
