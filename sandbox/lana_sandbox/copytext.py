"""PostgreSQL's COPY text format: the escaping of one field."""

from __future__ import annotations

from typing import Any

import orjson

_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def copy_text(v: str) -> str:
    if v.isprintable() and "\\" not in v:  # nearly always: nothing to escape
        return v
    return v.translate(_ESCAPES)


def copy_json(v: Any) -> str:
    # orjson escapes control characters itself; only COPY's backslash needs doubling.
    text = orjson.dumps(v).decode()
    return text.replace("\\", "\\\\") if "\\" in text else text
