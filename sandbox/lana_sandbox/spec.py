"""Entity specs: one declarative description per Lana entity.

A spec says what Lana's rollup generator (`dev/entity-rollups`) would read from an event enum:
the rollup columns with their SQL types, and per event type which columns the event sets,
which collections it appends to (`x_ids += x_id`) and which toggles it flips (`is_<event>`).
It also names the entity's index table and its lookup columns. From a spec we generate

- the DDL of the three tables (`ddl.py`): `core_<plural>`, `core_<entity>_events`,
  `core_<entity>_events_rollup`;
- the rollup fold (`fold` below): one full snapshot row per event, exactly the rules of
  lana-source.md §1.1, so bulk loads never need Lana's triggers.

Adding an entity (or Lana adding a column) is a new or edited spec, nothing else.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from types import MappingProxyType
from typing import Any

import orjson

SCALAR_TYPES = ("UUID", "VARCHAR", "BIGINT", "INTEGER", "BOOLEAN", "JSONB", "TIMESTAMPTZ")
COLLECTION_TYPE = "UUID[]"
#: Every rollup table starts with these, in this order (lana-source.md §1.3).
ROLLUP_BASE_COLUMNS = (
    ("id", "UUID NOT NULL"),
    ("version", "INT NOT NULL"),
    ("created_at", "TIMESTAMPTZ NOT NULL"),
    ("modified_at", "TIMESTAMPTZ NOT NULL"),
    ("event_type", "TEXT NOT NULL"),
)


class UnknownEventType(ValueError):
    """An event type the entity's spec does not know (Lana's trigger raises too)."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # one of SCALAR_TYPES or COLLECTION_TYPE; toggles are BOOLEAN named is_*

    @property
    def is_collection(self) -> bool:
        return self.type == COLLECTION_TYPE

    @property
    def is_toggle(self) -> bool:
        return self.type == "BOOLEAN" and self.name.startswith("is_")


@dataclass(frozen=True)
class EventRule:
    sets: tuple[tuple[str, str], ...]  # (column, event key)
    appends: tuple[tuple[str, str], ...]  # (collection column, singular event key)
    toggles: tuple[str, ...]


@dataclass(frozen=True)
class IndexColumn:
    """A lookup column of the index table `core_<plural>`, computed from the latest rollup row."""

    name: str
    type: str
    source: str | Callable[[Mapping[str, Any]], Any]
    nullable: bool = False
    unique: bool = False
    references: str | None = None  # another index table, e.g. "core_customers"

    def value(self, row: Mapping[str, Any]) -> Any:
        return row[self.source] if isinstance(self.source, str) else self.source(row)


@dataclass(frozen=True)
class EntitySpec:
    name: str  # snake_case entity, e.g. "credit_facility"
    plural: str  # e.g. "credit_facilities"
    columns: tuple[Column, ...]
    events: Mapping[str, EventRule]
    index: tuple[IndexColumn, ...] = ()
    index_constraints: tuple[str, ...] = ()
    public_id: bool = False  # has a row in core_public_ids
    schema_file: str = ""  # the JSON Schema of the event enum in lana-event-schemas/
    types: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def index_table(self) -> str:
        return f"core_{self.plural}"

    @property
    def events_table(self) -> str:
        return f"core_{self.name}_events"

    @property
    def rollup_table(self) -> str:
        return f"core_{self.name}_events_rollup"

    @cached_property
    def rollup_column_names(self) -> tuple[str, ...]:
        return tuple(n for n, _ in ROLLUP_BASE_COLUMNS) + tuple(c.name for c in self.columns)

    def blank_row(self) -> dict[str, Any]:
        """Column values before the first event: NULL, empty collections, toggles off."""
        row: dict[str, Any] = {}
        for c in self.columns:
            row[c.name] = [] if c.is_collection else False if c.is_toggle else None
        return row


_COLUMN_RE = re.compile(r"^([a-z_][a-z0-9_]*)\s+(UUID\[\]|[A-Z]+)$")
_APPEND_RE = re.compile(r"^([a-z_][a-z0-9_]*)\+=([a-z_][a-z0-9_]*)$")
_TOGGLE_RE = re.compile(r"^(is_[a-z0-9_]+)=true$")
_SET_FROM_RE = re.compile(r"^([a-z_][a-z0-9_]*)<-([a-z_][a-z0-9_]*)$")


def entity(
    name: str,
    plural: str,
    *,
    columns: str,
    events: Mapping[str, str],
    index: tuple[IndexColumn, ...] = (),
    index_constraints: tuple[str, ...] = (),
    public_id: bool = False,
) -> EntitySpec:
    """Build a spec from the contract's own notation.

    `columns`: "name TYPE" items separated by commas or newlines.
    `events`: per event type, space-separated items: `col` (set from the same key),
    `col<-key` (set from another key), `xs+=x` (append), `is_x=true` (toggle).
    Columns are ordered like Lana's generator: scalars, then collections, then toggles,
    each alphabetically.
    """
    cols: dict[str, Column] = {}
    for item in re.split(r"[,\n]", columns):
        item = " ".join(item.split())
        if not item:
            continue
        m = _COLUMN_RE.match(item)
        if not m or (m.group(2) not in SCALAR_TYPES and m.group(2) != COLLECTION_TYPE):
            raise ValueError(f"{name}: bad column {item!r}")
        if m.group(1) in cols:
            raise ValueError(f"{name}: duplicate column {m.group(1)}")
        cols[m.group(1)] = Column(m.group(1), m.group(2))

    def order(c: Column) -> tuple[int, str]:
        return (2 if c.is_toggle else 1 if c.is_collection else 0, c.name)

    ordered = tuple(sorted(cols.values(), key=order))
    rules: dict[str, EventRule] = {}
    for event_type, text in events.items():
        sets, appends, toggles = [], [], []
        for tok in text.split():
            if m := _APPEND_RE.match(tok):
                col, key = m.groups()
                kind = "collection"
                appends.append((col, key))
            elif m := _TOGGLE_RE.match(tok):
                col, kind = m.group(1), "toggle"
                toggles.append(col)
            elif m := _SET_FROM_RE.match(tok):
                col, key = m.groups()
                kind = "scalar"
                sets.append((col, key))
            else:
                col, kind = tok, "scalar"
                sets.append((col, tok))
            c = cols.get(col)
            if c is None:
                raise ValueError(f"{name}.{event_type}: unknown column {col}")
            actual = "toggle" if c.is_toggle else "collection" if c.is_collection else "scalar"
            if actual != kind:
                raise ValueError(f"{name}.{event_type}: {col} is a {actual}, used as {kind}")
        rules[event_type] = EventRule(tuple(sets), tuple(appends), tuple(toggles))
    for ic in index:
        if isinstance(ic.source, str) and ic.source not in cols:
            raise ValueError(f"{name}: index column {ic.name} reads unknown column {ic.source}")
    return EntitySpec(
        name=name,
        plural=plural,
        columns=ordered,
        events=MappingProxyType(rules),
        index=index,
        index_constraints=index_constraints,
        public_id=public_id,
        schema_file=f"{name}_event_schema.json",
        types=MappingProxyType({c.name: c.type for c in ordered}),
    )


# ---- casting event values to the rollup's SQL types (what `(event ->> 'k')::TYPE` does) ----


def _as_text(v: Any) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return str(v)
    return orjson.dumps(v).decode()


@functools.lru_cache(maxsize=4096)  # the same times recur (every facility's accrued_at of a day)
def _as_timestamptz(v: Any) -> datetime | None:
    if v is None or isinstance(v, datetime):
        return v
    ts = datetime.fromisoformat(v)
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _as_int(v: Any) -> int | None:
    return None if v is None else int(v)


def _as_bool(v: Any) -> bool | None:
    return None if v is None else bool(v)


def _as_uuid(v: Any) -> str | None:
    return None if v is None else str(v)


def _as_json(v: Any) -> Any:
    return v


CASTS: Mapping[str, Callable[[Any], Any]] = {
    "UUID": _as_uuid,
    "VARCHAR": _as_text,
    "BIGINT": _as_int,
    "INTEGER": _as_int,
    "BOOLEAN": _as_bool,
    "JSONB": _as_json,
    "TIMESTAMPTZ": _as_timestamptz,
}


def fold(
    spec: EntitySpec,
    prev: Mapping[str, Any] | None,
    entity_id: str,
    event_type: str,
    event: Mapping[str, Any],
    recorded_at: datetime,
) -> dict[str, Any]:
    """The rollup row after one event: the previous row copied forward, then only this event's
    fields overwritten, its `x_id`s appended to `x_ids`, its toggles set (lana-source.md §1.1)."""
    rule = spec.events.get(event_type)
    if rule is None:
        raise UnknownEventType(f"{spec.name}: unknown event type {event_type!r}")
    if prev is None:
        row = spec.blank_row()
        version, created_at = 1, recorded_at
    else:
        row = dict(prev)
        version, created_at = prev["version"] + 1, prev["created_at"]
    types = spec.types
    for col, key in rule.sets:
        row[col] = CASTS[types[col]](event.get(key))
    for col, key in rule.appends:
        row[col] = [*(row[col] or ()), _as_uuid(event.get(key))]
    for col in rule.toggles:
        row[col] = True
    row["id"] = entity_id
    row["version"] = version
    row["created_at"] = created_at
    row["modified_at"] = recorded_at
    row["event_type"] = event_type
    return row
