"""Bitfinex's wire format: JSON arrays of numbers written digit for digit, and its error bodies.

Numbers are kept as integers in fixed units (1e-9 USD for prices, 1e-8 of the base currency
for amounts) and written here as JSON number text, the way Bitfinex writes them: whole values
without a decimal point (``67012``), fractions without trailing zeros (``0.0012``), a single
satoshi in exponent notation (``1e-08``) as some clients have seen.
"""

from __future__ import annotations

import json
import typing as t
from decimal import Decimal

__all__ = [
    "Raw",
    "encode",
    "error_body",
    "fixed",
    "from_fixed",
]


class Raw(str):
    """JSON text written as is (a number already formatted)."""

    __slots__ = ()


def fixed(value: int, digits: int) -> Raw:
    """``value * 10**-digits`` as JSON number text, e.g. ``fixed(670121, 1) == "67012.1"``."""
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 10**digits)
    if frac == 0:
        return Raw(f"{sign}{whole}")
    return Raw(f"{sign}{whole}.{frac:0{digits}d}".rstrip("0"))


def amount(sats: int) -> Raw:
    """An amount in 1e-8 units; exactly one unit is written in exponent notation."""
    if abs(sats) == 1:
        return Raw(f"{'-' if sats < 0 else ''}1e-08")
    return fixed(sats, 8)


def price(nanos: int) -> Raw:
    """A price in 1e-9 USD units."""
    return fixed(nanos, 9)


def from_fixed(value: str | int | Decimal, digits: int) -> int:
    """Parse a number into ``10**-digits`` units, refusing anything that would be rounded."""
    exact = Decimal(str(value)).scaleb(digits)
    if exact != exact.to_integral_value():
        raise ValueError(f"{value} has more than {digits} decimal places")
    return int(exact)


def encode(value: t.Any) -> str:
    """Compact JSON text of nested lists/tuples/dicts of str, int, None, bool and :class:`Raw`."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(encode(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Decimal):
        return format(value, "f")
    return json.dumps(value)


def error_body(code: int, message: str) -> str:
    """``["error",<code>,"<message>"]``"""
    return encode(["error", code, message])
