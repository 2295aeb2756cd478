"""Writing events the way Lana stores them: events, rollup snapshots, index rows, public ids.

The simulator hands over one simulated day at a time (`DayLog`): an ordered list of events.
`Store.apply` stamps them with recorded_at times inside the day, folds each into its entity's
rollup (spec.fold) and encodes the rows into buffers: events and rollups in PostgreSQL's binary
COPY format (copybin), the small raw tables as COPY text, the ledger's transactions as data
that the writer renders (ledger.render_ledger); `Store.flush` sends the buffers with `COPY ...
FROM STDIN` in one transaction, together with the bookkeeping that says which day the database
has reached. Memory stays flat: buffers are flushed every 16 MB or so, and the rollup cache
holds only the latest row of entities that can still change.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import random
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg

from lana_sandbox import copybin as cb
from lana_sandbox.copytext import copy_json, copy_text
from lana_sandbox.entities import ENTITIES, PUBLIC_IDS_TABLE
from lana_sandbox.ledger import BALANCES, LEDGER, LEG_CHARS, render_ledger
from lana_sandbox.spec import ROLLUP_BASE_COLUMNS, EntitySpec, fold

# ---- COPY text format ----

_text = copy_text
_json = copy_json


def _uuid_array(v: list[str | None]) -> str:
    if None in v:
        return "{" + ",".join("NULL" if x is None else x for x in v) + "}"
    return "{" + ",".join(v) + "}"


ENCODERS: Mapping[str, Callable[[Any], str]] = {
    "UUID": str,
    "VARCHAR": _text,
    "TEXT": _text,
    "BIGINT": str,
    "INTEGER": str,
    "INT": str,
    "BOOLEAN": lambda v: "t" if v else "f",
    "JSONB": _json,
    "TIMESTAMPTZ": lambda v: v.isoformat(),
    "UUID[]": _uuid_array,
}


def encode_row(values: Iterable[Any], encoders: Iterable[Callable[[Any], str]]) -> str:
    return "\t".join(["\\N" if v is None else e(v) for v, e in zip(values, encoders, strict=True)])


#: The same per SQL type in the binary COPY format (copybin): each returns a whole field.
BINARY_ENCODERS: Mapping[str, Callable[[Any], bytes]] = {
    "UUID": cb.uuid,
    "VARCHAR": cb.text,
    "TEXT": cb.text,
    "BIGINT": cb.int8,
    "INTEGER": cb.int4,
    "INT": cb.int4,
    "BOOLEAN": cb.boolean,
    "JSONB": cb.jsonb,
    "TIMESTAMPTZ": cb.timestamptz,
    "UUID[]": cb.uuid_array,
}


def encode_binary_row(values: tuple, encoders: tuple[Callable[[Any], bytes], ...]) -> bytes:
    return cb.row_head(len(values)) + b"".join(
        [cb.NULL if v is None else e(v) for v, e in zip(values, encoders, strict=True)]
    )


class _Memo:
    """Encodes values that recur by identity (a rollup row copies the previous row's JSON and
    timestamps forward) once. Values handed to the store are never mutated afterwards.

    They recur within a day or two (one `terms` in a proposal, a pending facility, a facility
    and its cycles), so a few thousand are enough; a larger memo keeps values alive that the
    bank has let go of (100,000 cost a fifth of the peak RSS at 1,000 x 365, for no speed)."""

    def __init__(self, encode: Callable[[Any], bytes], size: int = 5_000):
        self.encode, self.size = encode, size
        self.seen: dict[int, tuple[Any, bytes]] = {}

    def __call__(self, v: Any) -> bytes:
        hit = self.seen.get(id(v))
        if hit is not None and hit[0] is v:
            return hit[1]
        text = self.encode(v)
        if len(self.seen) >= self.size:
            self.seen.clear()
        self.seen[id(v)] = (v, text)
        return text


_EVENT_ROW_HEAD = cb.row_head(6)


# ---- one simulated day ----


class Event:
    __slots__ = ("spec", "id", "payload", "new", "time_keys", "window", "recorded_at")

    def __init__(self, spec, entity_id, payload, new, time_keys, window):
        self.spec: EntitySpec = spec
        self.id: str = entity_id
        self.payload: dict[str, Any] = payload
        self.new: bool = new
        self.time_keys: tuple[str, ...] = time_keys
        self.window: tuple[int, int] = window
        self.recorded_at: datetime | None = None


class RawRow:
    """Rows of tables outside the entity pattern (inbox_events, the Cala ledger) that happen at
    one moment: `make` turns that moment into `[(table, values), ...]` once the day is stamped;
    `values` is a tuple in the table's column order, or the row already encoded (a COPY text
    line, or bytes in the binary format for the tables in BINARY_RAW_TABLES), or for LEDGER
    a posted transaction as data."""

    __slots__ = ("make", "window", "recorded_at", "time_keys", "payload")

    def __init__(
        self, make: Callable[[datetime], list[tuple[str, tuple]]], window: tuple[int, int]
    ):
        self.make = make
        self.window = window
        self.recorded_at: datetime | None = None
        self.time_keys: tuple[str, ...] = ()
        self.payload: dict[str, Any] = {}


#: Columns of the raw tables, in COPY order, with their encoders; and the load order.
RAW_TABLES: dict[str, tuple[tuple[str, ...], tuple[Callable[[Any], str], ...]]] = {}
#: The raw tables loaded in the binary COPY format (the ledger's big ones), with their
#: binary encoders; the others (a few rows per customer) go as text.
BINARY_RAW_TABLES: dict[str, tuple[Callable[[Any], bytes], ...]] = {}


def raw_table(table: str, columns: str, binary: bool = False) -> None:
    """Register a raw table: "name TYPE, ..." in COPY order."""
    names, encoders, binary_encoders = [], [], []
    for item in columns.split(","):
        name, sql_type = item.split()
        names.append(name)
        encoders.append(ENCODERS[sql_type])
        binary_encoders.append(BINARY_ENCODERS.get(sql_type))
    RAW_TABLES[table] = (tuple(names), tuple(encoders))
    if binary:
        BINARY_RAW_TABLES[table] = tuple(binary_encoders)


raw_table(
    "inbox_events",
    "id UUID, idempotency_key TEXT, payload JSONB, status TEXT, error TEXT, "
    "recorded_at TIMESTAMPTZ, processed_at TIMESTAMPTZ",
)
raw_table("cala_journals", "id UUID, name TEXT, created_at TIMESTAMPTZ")
raw_table(
    "cala_accounts",
    "id UUID, code TEXT, name TEXT, external_id TEXT, normal_balance_type TEXT, "
    "eventually_consistent BOOLEAN, velocity_context_values JSONB, status TEXT, "
    "created_at TIMESTAMPTZ",
)
raw_table(
    "cala_account_sets",
    "id UUID, journal_id UUID, name TEXT, external_id TEXT, created_at TIMESTAMPTZ",
)
raw_table(
    "cala_account_set_member_accounts",
    "account_set_id UUID, member_account_id UUID, transitive BOOLEAN, created_at TIMESTAMPTZ",
)
raw_table(
    "cala_account_set_member_account_sets",
    "account_set_id UUID, member_account_set_id UUID, created_at TIMESTAMPTZ",
)
raw_table(
    "cala_transactions",
    "id UUID, journal_id UUID, tx_template_id UUID, external_id TEXT, correlation_id TEXT, "
    "created_at TIMESTAMPTZ",
    binary=True,
)
raw_table(
    "cala_entries",
    "id UUID, journal_id UUID, account_id UUID, transaction_id UUID, created_at TIMESTAMPTZ",
    binary=True,
)
raw_table(
    "cala_entry_events",
    "id UUID, sequence INT, event_type TEXT, event JSONB, recorded_at TIMESTAMPTZ",
    binary=True,
)
raw_table(
    "cala_balance_history",
    "journal_id UUID, account_id UUID, latest_entry_id UUID, currency TEXT, version INT, "
    "values JSONB, recorded_at TIMESTAMPTZ",
)
raw_table(
    "cala_cumulative_effective_balances",
    "journal_id UUID, account_id UUID, currency TEXT, effective TEXT, version INT, "
    "all_time_version INT, latest_entry_id UUID, values JSONB, updated_at TIMESTAMPTZ, "
    "created_at TIMESTAMPTZ",
)


class DayLog:
    """The events of one simulated day, in the order they happen.

    Events are emitted inside phases (time windows of the day, non-decreasing); `stamp` gives
    them strictly increasing recorded_at times inside their window, drawn from `clock`.
    `time_keys` name payload keys that must carry the event's own recorded_at (e.g. a facility's
    `activated_at`); they are filled in by `stamp`.
    """

    def __init__(self, day: date, clock: random.Random):
        self.day = day
        self.clock = clock
        self.events: list[Event | RawRow] = []
        self.forgotten: list[tuple[EntitySpec, str]] = []
        self.window = (1, 86_399)

    def phase(self, start_s: int, end_s: int) -> None:
        if start_s < self.window[0]:
            raise ValueError("phases of a day must not go back in time")
        self.window = (start_s, end_s)

    def emit(
        self,
        spec: EntitySpec,
        entity_id: str,
        payload: dict[str, Any],
        *,
        new: bool = False,
        time_keys: tuple[str, ...] = (),
    ) -> Event:
        ev = Event(spec, entity_id, payload, new, time_keys, self.window)
        self.events.append(ev)
        return ev

    def row(self, make: Callable[[datetime], list[tuple[str, tuple]]]) -> RawRow:
        """Raw rows (see RawRow), stamped in order with the events."""
        r = RawRow(make, self.window)
        self.events.append(r)
        return r

    def forget(self, spec: EntitySpec, entity_id: str) -> None:
        """The entity will get no more events: drop it from the rollup cache after this day."""
        self.forgotten.append((spec, entity_id))

    def stamp(self) -> None:
        midnight = datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC)
        i, n = 0, len(self.events)
        while i < n:
            window = self.events[i].window
            j = i
            while j < n and self.events[j].window == window:
                j += 1
            start_us, end_us = window[0] * 1_000_000, window[1] * 1_000_000
            offsets = sorted(self.clock.sample(range(start_us, end_us), j - i))
            for ev, us in zip(self.events[i:j], offsets, strict=True):
                ev.recorded_at = midnight + timedelta(microseconds=us)
                for key in ev.time_keys:
                    ev.payload[key] = ev.recorded_at.isoformat().replace("+00:00", "Z")
            i = j


# ---- database rows <-> in-memory rollup rows ----


def row_from_db(spec: EntitySpec, record: Mapping[str, Any]) -> dict[str, Any]:
    """A rollup row as psycopg returns it, in the simulator's in-memory types (UUIDs as str)."""
    row = dict(record)
    row["id"] = str(row["id"])
    for c in spec.columns:
        v = row[c.name]
        if v is None:
            continue
        if c.type == "UUID":
            row[c.name] = str(v)
        elif c.is_collection:
            row[c.name] = [None if x is None else str(x) for x in v]
    return row


def fetch_latest(
    conn: psycopg.Connection, spec: EntitySpec, where: str = "true", params: tuple = ()
) -> dict[str, dict[str, Any]]:
    """Latest rollup row per entity, filtered by `where` on that latest row; in creation order."""
    sql = (
        f"SELECT * FROM (SELECT DISTINCT ON (id) * FROM {spec.rollup_table} "
        f"ORDER BY id, version DESC) r WHERE {where} ORDER BY created_at, id"
    )
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(sql, params)
        return {str(r["id"]): row_from_db(spec, r) for r in cur}


# ---- the store ----


class Store:
    """Folds and encodes events, and writes them in batches.

    With a `writer` DSN, each batch is written by a writer process (`WriterProcess`) while
    the simulator goes on with the next days; at most one batch is in flight. Without one,
    batches are written on `conn` at once. Either way a batch is one transaction that ends
    with the bookkeeping.
    """

    FLUSH_CHARS = 16_000_000  # about this many bytes of COPY data make a batch

    def __init__(
        self,
        conn: psycopg.Connection,
        entities: tuple[EntitySpec, ...] = ENTITIES,
        writer: str | None = None,
    ):
        self.conn = conn
        self._writer = WriterProcess(writer, entities) if writer is not None else None
        self._layout = layout(entities)
        self.entities = entities
        self.cache: dict[str, dict[str, dict[str, Any]]] = {e.name: {} for e in entities}
        self.rows_written: Counter[str] = Counter()
        self._buffers: dict[str, list[str]] = {}
        self._chars = 0
        # (entity, id) -> [index tuple before this batch or None if new, latest rollup row]
        self._touched: dict[tuple[str, str], list[Any]] = {}
        self._inflight_touched: dict[tuple[str, str], list[Any]] = {}
        self._inflight = False
        # Events and rollups go in the binary COPY format (copybin): their fields are bytes.
        # A rollup's JSONB columns are encoded once per value and copied forward into the
        # entity's next rows: their keys go in JSONB's order (PostgreSQL parses every copy).
        memo = {"JSONB": _Memo(cb.jsonb_sorted), "TIMESTAMPTZ": _Memo(cb.timestamptz)}

        def rollup_encoder(sql_type: str) -> Callable[[Any], bytes]:
            return memo.get(sql_type) or BINARY_ENCODERS[sql_type]

        self._rollup_enc = {
            e.name: [rollup_encoder(t.split()[0]) for _, t in ROLLUP_BASE_COLUMNS]
            + [rollup_encoder(c.type) for c in e.columns]
            for e in entities
        }
        self._index_enc = {e.name: [ENCODERS[c.type] for c in e.index] for e in entities}
        self._ts = memo["TIMESTAMPTZ"]
        # The latest rollup row's COPY fields per cached entity, (row, fields): a new row
        # re-encodes only the columns its event changed, and appends to the arrays its event
        # appends to.
        self._fields: dict[str, dict[str, tuple[dict[str, Any], list[bytes]]]] = {
            e.name: {} for e in entities
        }
        self._changed: dict[tuple[str, str], tuple[int, ...]] = {}
        self._appended: dict[tuple[str, str], tuple[int, ...]] = {}
        for e in entities:
            position = {name: i for i, name in enumerate(e.rollup_column_names)}
            for event_type, rule in e.events.items():
                cols = [c for c, _ in rule.sets] + list(rule.toggles)
                base = range(len(ROLLUP_BASE_COLUMNS))
                appended = {position[c] for c, _ in rule.appends}
                self._changed[(e.name, event_type)] = (
                    *base,
                    *sorted({position[c] for c in cols} - appended),
                )
                self._appended[(e.name, event_type)] = tuple(sorted(appended))

    # -- reading state --

    def latest(self, spec: EntitySpec, entity_id: str) -> dict[str, Any] | None:
        row = self.cache[spec.name].get(entity_id)
        if row is not None:
            return row
        for touched in (self._touched, self._inflight_touched):
            found = touched.get((spec.name, entity_id))
            if found is not None:  # forgotten, but not yet in the database
                return found[1]
        self.wait()
        rows = fetch_latest(self.conn, spec, "id = %s", (entity_id,))
        return rows.get(entity_id)

    def preload(self, spec: EntitySpec, rows: Mapping[str, dict[str, Any]]) -> None:
        self.cache[spec.name].update(rows)

    # -- writing --

    def _buf(self, table: str) -> list[str]:
        buf = self._buffers.get(table)
        if buf is None:
            buf = self._buffers[table] = []
        return buf

    def _index_tuple(self, spec: EntitySpec, row: Mapping[str, Any]) -> tuple:
        return tuple(c.value(row) for c in spec.index)

    def apply(self, log: DayLog) -> int:
        """Stamp, fold and encode one day's events. Returns the number of events."""
        log.stamp()
        chars = 0
        events = 0
        for ev in log.events:
            if type(ev) is RawRow:
                for table, values in ev.make(ev.recorded_at):
                    if table == LEDGER:  # a transaction, rendered by the writer
                        self._buf(table).append(values)
                        chars += LEG_CHARS * len(values[2])
                        continue
                    if type(values) is tuple:
                        binary = BINARY_RAW_TABLES.get(table)
                        if binary is None:
                            values = encode_row(values, RAW_TABLES[table][1])
                        else:
                            values = encode_binary_row(values, binary)
                    self._buf(table).append(values)
                    chars += len(values)
                continue
            events += 1
            spec = ev.spec
            cache = self.cache[spec.name]
            prev = cache.get(ev.id)
            if prev is None and not ev.new:
                prev = self.latest(spec, ev.id)
                if prev is None:
                    raise LookupError(
                        f"{spec.name} {ev.id}: event {ev.payload['type']} for no entity"
                    )
            if ev.new and prev is not None:
                raise ValueError(f"{spec.name} {ev.id}: created twice")
            event_type = ev.payload["type"]
            row = fold(spec, prev, ev.id, event_type, ev.payload, ev.recorded_at)
            cache[ev.id] = row
            fields = self._rollup_fields(spec, prev, row, event_type)
            # id, sequence, event_type, event, context, recorded_at: the rollup row's fields
            # where they are the same (the id, the version, the type, the time).
            line = b"".join(
                (_EVENT_ROW_HEAD, *fields[:2], fields[4], cb.jsonb(ev.payload), cb.NULL, fields[3])
            )
            self._buf(spec.events_table).append(line)
            chars += len(line)
            line = cb.row_head(len(fields)) + b"".join(fields)
            self._buf(spec.rollup_table).append(line)
            chars += len(line)
            key = (spec.name, ev.id)
            touched = self._touched.get(key)
            if touched is None:
                old = None if prev is None else self._index_tuple(spec, prev)
                self._touched[key] = [old, row]
            else:
                touched[1] = row
            if prev is None and spec.public_id:
                self._buf(PUBLIC_IDS_TABLE).append(
                    encode_row(
                        (ev.payload["public_id"], ev.id, ev.recorded_at),
                        (_text, str, ENCODERS["TIMESTAMPTZ"]),
                    )
                )
        for spec, entity_id in log.forgotten:
            self.cache[spec.name].pop(entity_id, None)
            self._fields[spec.name].pop(entity_id, None)
        self._chars += chars
        return events

    def _rollup_fields(
        self, spec: EntitySpec, prev, row: dict[str, Any], event_type: str
    ) -> list[bytes]:
        """The rollup row's binary COPY fields (kept for the entity's next row)."""
        encoders = self._rollup_enc[spec.name]
        names = spec.rollup_column_names
        fields_of = self._fields[spec.name]
        known = fields_of.get(row["id"]) if prev is not None else None
        if known is not None and known[0] is prev:
            fields = known[1].copy()
            key = (spec.name, event_type)
            for i in self._changed[key]:
                v = row[names[i]]
                fields[i] = cb.NULL if v is None else encoders[i](v)
            for i in self._appended[key]:
                v = row[names[i]]
                if fields[i] == cb.NULL:
                    fields[i] = encoders[i](v)
                else:
                    fields[i] = cb.uuid_array_append(fields[i], v[-1])
        else:
            fields = [
                cb.NULL if v is None else e(v)
                for v, e in zip([row[c] for c in names], encoders, strict=True)
            ]
        fields_of[row["id"]] = (row, fields)
        return fields

    @property
    def wants_flush(self) -> bool:
        return self._chars >= self.FLUSH_CHARS

    def flush(self, bookkeeping: Callable[[psycopg.Connection], None] | None = None) -> None:
        """Send everything buffered, and then the bookkeeping, as one transaction. With a writer
        process the bookkeeping must pickle (a module-level function or a partial of one)."""
        inserts: dict[str, list[str]] = {}
        updates: dict[str, list[tuple]] = {}
        specs = {e.name: e for e in self.entities}
        for (name, entity_id), (old, row) in self._touched.items():
            spec = specs[name]
            new = self._index_tuple(spec, row)
            if old is None:
                values = (entity_id, *new, row["created_at"])
                encoders = [str, *self._index_enc[name], ENCODERS["TIMESTAMPTZ"]]
                inserts.setdefault(name, []).append(encode_row(values, encoders))
            elif new != old:
                updates.setdefault(name, []).append((*new, entity_id))
        # Each table's lines as one UTF-8 text: bytes pickle as they are, and COPY sends them
        # without encoding them again.
        buffers = {t: _joined(lines) for t, lines in self._buffers.items()}
        inserts = {t: _joined(lines) for t, lines in inserts.items()}
        batch = (buffers, inserts, updates, bookkeeping)
        self.wait()
        self._inflight_touched = self._touched
        self._buffers, self._touched, self._chars = {}, {}, 0
        if self._writer is None:
            self.rows_written.update(write_batch(self.conn, self._layout, batch))
            self._inflight_touched = {}
        else:
            self._writer.submit(batch)
            self._inflight = True

    def wait(self) -> None:
        """Wait for the batch in flight, if any; its error, if any, is raised here."""
        if self._inflight:
            self._inflight = False
            self.rows_written.update(self._writer.result())
            self._inflight_touched = {}

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if self._writer is not None:
                self._writer.close()


# ---- writing a batch ----


def layout(entities: tuple[EntitySpec, ...]) -> tuple[tuple, ...]:
    """What writing needs of the entity specs, in a form that pickles: per entity its name,
    index table and columns, events table, rollup table and columns."""
    return tuple(
        (
            e.name,
            e.index_table,
            ("id", *(c.name for c in e.index), "created_at"),
            tuple(c.name for c in e.index),
            e.events_table,
            e.rollup_table,
            e.rollup_column_names,
        )
        for e in entities
    )


def _joined(lines: list[str] | list[bytes] | list[tuple]) -> tuple[bytes, int]:
    """A table's rows as one text: COPY text lines, or rows in the binary format (bytes), or
    the posted transactions (LEDGER) pickled."""
    if type(lines[0]) is tuple:
        return pickle.dumps(lines, protocol=pickle.HIGHEST_PROTOCOL), len(lines)
    if type(lines[0]) is bytes:
        return b"".join(lines), len(lines)
    return ("\n".join(lines) + "\n").encode(), len(lines)


EVENTS_COLUMNS = ("id", "sequence", "event_type", "event", "context", "recorded_at")


def _copy(
    cur: psycopg.Cursor,
    table: str,
    columns,
    data: tuple[bytes, int] | None,
    rows,
    binary: bool = False,
) -> None:
    """COPY one table's rows, given as (their text, how many): COPY text lines (UTF-8), or
    rows in the binary format (copybin) without the header and trailer."""
    if not data:
        return
    text, count = data
    options = " (FORMAT binary)" if binary else ""
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN{options}") as cp:
        if binary:
            cp.write(cb.HEADER)
        view = memoryview(text)
        step = 4_000_000
        for i in range(0, len(text), step):
            cp.write(view[i : i + step])
        if binary:
            cp.write(cb.TRAILER)
    if cur.rowcount != count:
        raise RuntimeError(f"COPY {table}: {cur.rowcount} rows stored of {count} sent")
    rows[table] += count


def write_batch(conn: psycopg.Connection, entities: tuple[tuple, ...], batch) -> Counter[str]:
    """One batch in one transaction: public ids, new index rows, index updates, events and
    rollups, the raw tables, then the bookkeeping. Returns the rows written per table."""
    buffers, inserts, updates, bookkeeping = batch
    if LEDGER in buffers:
        buffers = dict(buffers)
        buffers.update(render_ledger(pickle.loads(buffers.pop(LEDGER)[0])))
    rows: Counter[str] = Counter()
    with conn.transaction(), conn.cursor() as cur:
        columns = ("id", "target_id", "created_at")
        _copy(cur, PUBLIC_IDS_TABLE, columns, buffers.get(PUBLIC_IDS_TABLE), rows)
        for name, index_table, cols, _, _, _, _ in entities:
            _copy(cur, index_table, cols, inserts.get(name), rows)
        for name, index_table, _, index_cols, _, _, _ in entities:
            if name in updates:
                sets = ", ".join(f"{c} = %s" for c in index_cols)
                cur.executemany(f"UPDATE {index_table} SET {sets} WHERE id = %s", updates[name])
                rows[index_table + " (updated)"] += len(updates[name])
        for _, _, _, _, events_table, rollup_table, rollup_cols in entities:
            _copy(cur, events_table, EVENTS_COLUMNS, buffers.get(events_table), rows, True)
            _copy(cur, rollup_table, rollup_cols, buffers.get(rollup_table), rows, True)
        for table, (columns, _) in RAW_TABLES.items():
            binary = table in BINARY_RAW_TABLES
            _copy(cur, table, columns, buffers.get(table), rows, binary)
        _write_balances(cur, buffers.get(BALANCES), rows)
        if bookkeeping is not None:
            bookkeeping(conn)
    return rows


BALANCE_HISTORY_COLUMNS = RAW_TABLES["cala_balance_history"][0]
CUMULATIVE_COLUMNS = RAW_TABLES["cala_cumulative_effective_balances"][0]


def _write_balances(cur: psycopg.Cursor, data: tuple[bytes, int] | None, rows) -> None:
    """The ledger's balance lines (ledger.BALANCES) into both balance tables. A balance's
    `values` is the same JSON in both: PostgreSQL parses it once, into a staging table
    (temporary, emptied at commit), and copies the rows from there."""
    if not data:
        return
    cur.execute(
        "CREATE TEMP TABLE IF NOT EXISTS balance_stage (journal_id UUID, account_id UUID, "
        "latest_entry_id UUID, currency VARCHAR, version INT, values JSONB, "
        "recorded_at TIMESTAMPTZ, effective DATE, effective_version INT) "
        "ON COMMIT DELETE ROWS"
    )
    staged: Counter[str] = Counter()
    stage_columns = (*BALANCE_HISTORY_COLUMNS, "effective", "effective_version")
    _copy(cur, "balance_stage", stage_columns, data, staged, True)
    cur.execute(
        f"INSERT INTO cala_balance_history ({', '.join(BALANCE_HISTORY_COLUMNS)}) "
        f"SELECT {', '.join(BALANCE_HISTORY_COLUMNS)} FROM balance_stage"
    )
    rows["cala_balance_history"] += cur.rowcount
    cur.execute(
        f"INSERT INTO cala_cumulative_effective_balances ({', '.join(CUMULATIVE_COLUMNS)}) "
        "SELECT journal_id, account_id, currency, effective, effective_version, version, "
        "latest_entry_id, values, recorded_at, recorded_at FROM balance_stage"
    )
    rows["cala_cumulative_effective_balances"] += cur.rowcount


class WriterError(RuntimeError):
    """A batch failed in the writer process (the message carries its traceback)."""


class WriterProcess:
    """Writes batches over its own connection in a child process, one at a time, while the
    simulator goes on with the next days: Python makes rows on one core, PostgreSQL parses
    and stores them on the other, and the two never share a GIL. The process is spawned, so a
    script that simulates must keep its top level behind `if __name__ == "__main__":` (as
    every caller here does: the CLI, bench/, pytest)."""

    def __init__(self, dsn: str, entities: tuple[EntitySpec, ...] = ENTITIES):
        ctx = multiprocessing.get_context("spawn")
        self._pipe, child = ctx.Pipe()
        self._process = ctx.Process(
            target=_writer_main, args=(dsn, layout(entities), child), daemon=True
        )
        self._process.start()
        child.close()

    def submit(self, batch) -> None:
        # The texts go as they are (send_bytes), after a pickled header saying what they are.
        buffers, inserts, updates, bookkeeping = batch
        header = (
            [(t, n) for t, (_, n) in buffers.items()],
            [(t, n) for t, (_, n) in inserts.items()],
            updates,
            bookkeeping,
        )
        self._pipe.send(header)
        for data, _ in (*buffers.values(), *inserts.values()):
            self._pipe.send_bytes(data)

    def result(self) -> Counter[str]:
        try:
            kind, value = self._pipe.recv()
        except EOFError:
            code = self._process.exitcode
            raise WriterError(f"the writer process died (exit code {code})") from None
        if kind == "error":
            raise WriterError(value)
        return value

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._pipe.send(None)
        self._process.join(timeout=60)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()
        self._pipe.close()


def _writer_main(dsn: str, entities: tuple[tuple, ...], pipe) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute("SET temp_buffers = '64MB'")  # the staged balances of a batch, in memory
        # A batch's commit need not wait for its WAL to reach the disk: after a crash the
        # database is still at a batch boundary (the bookkeeping is in the batch), at worst an
        # earlier one, and the simulator goes on from the day it records.
        conn.execute("SET synchronous_commit = off")
        while True:
            try:
                header = pipe.recv()
                if header is None:
                    return
                buffer_counts, insert_counts, updates, bookkeeping = header
                buffers = {t: (pipe.recv_bytes(), n) for t, n in buffer_counts}
                inserts = {t: (pipe.recv_bytes(), n) for t, n in insert_counts}
            except EOFError:
                return
            batch = (buffers, inserts, updates, bookkeeping)
            try:
                rows = write_batch(conn, entities, batch)
            except Exception:
                pipe.send(("error", traceback.format_exc()))
            else:
                pipe.send(("ok", rows))
