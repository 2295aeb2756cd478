"""Helpers: build Singer messages, run the target, read DuckDB back."""

from __future__ import annotations

import io
import json
import typing as t
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
import simplejson
from target_duckdb.target import TargetDuckDB

DATA = Path(__file__).parent / "data"


def line(message: dict) -> str:
    # simplejson keeps Decimal exact in the text, as a tap writes it.
    return simplejson.dumps(message, use_decimal=True)


def schema_msg(stream: str, properties: dict, keys: list[str] | None = None) -> str:
    return line(
        {
            "type": "SCHEMA",
            "stream": stream,
            "schema": {"type": "object", "properties": properties},
            "key_properties": keys if keys is not None else ["id"],
        }
    )


def record_msg(stream: str, record: dict) -> str:
    return line(
        {
            "type": "RECORD",
            "stream": stream,
            "record": record,
            "time_extracted": "2026-01-01T00:00:00+00:00",
        }
    )


def state_msg(value: dict) -> str:
    return line({"type": "STATE", "value": value})


def batch_msg(stream: str, files: list[Path], fmt: str, compression: str = "none") -> str:
    return line(
        {
            "type": "BATCH",
            "stream": stream,
            "encoding": {"format": fmt, "compression": compression},
            "manifest": [f.as_uri() for f in files],
        }
    )


class Warehouse:
    """A DuckDB file in tmp_path and a way to run the target into it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def config(self, **extra: t.Any) -> dict:
        return {"path": str(self.path), **extra}

    def run(self, lines: t.Iterable[str], **extra: t.Any) -> None:
        text = "\n".join(lines) + "\n"
        TargetDuckDB(config=self.config(**extra)).listen(file_input=io.StringIO(text))

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def scalar(self, sql: str, params: list | None = None) -> t.Any:
        return self.query(sql, params)[0][0]

    def table(self, name: str, order_by: str = "id") -> list[tuple]:
        return self.query(f"SELECT * FROM lana_raw.{name} ORDER BY {order_by}")

    def types(self, name: str) -> dict[str, str]:
        rows = self.query(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'lana_raw' AND table_name = ? ORDER BY ordinal_position",
            [name],
        )
        return dict(rows)


@pytest.fixture
def wh(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "warehouse" / "lana.duckdb")


def stdout_states(captured: str) -> list[dict]:
    return [json.loads(x) for x in captured.splitlines() if x.strip()]


@pytest.fixture
def singer() -> SimpleNamespace:
    """Message builders (test modules cannot import conftest under importlib mode)."""
    return SimpleNamespace(
        line=line,
        schema=schema_msg,
        record=record_msg,
        state=state_msg,
        batch=batch_msg,
        states=stdout_states,
        data=DATA,
    )
