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
