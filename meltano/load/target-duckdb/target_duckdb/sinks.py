"""DuckDB sink: exact types, one transaction per batch, upsert without indexes."""

from __future__ import annotations

import contextlib
import copy
import datetime
import gzip
import shutil
import tempfile
import time
import typing as t
import uuid
from pathlib import Path
from urllib.parse import unquote, urlparse

import duckdb
import pyarrow as pa
from singer_sdk.helpers._batch import BatchFileFormat, StorageTarget
from singer_sdk.singerlib.json import deserialize_json
from singer_sdk.sinks import BatchSink

from target_duckdb.typemap import (
    DELETED_AT,
    SDC_PREFIX,
    ColumnType,
    SchemaChangeError,
    TargetDuckDBError,
    ValueDoesNotFitError,
    column_type_for,
    json_text,
    normalize_sql_type,
    reconcile,
    to_arrow,
)
from target_duckdb.validation import FastRecordValidator

if t.TYPE_CHECKING:
    from singer_sdk.helpers._batch import BaseBatchFileEncoding

    from target_duckdb.target import TargetDuckDB

ORD = "__ord"  # arrival order of a row within one batch: the last one per key wins
_FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL"}
_EXACT_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT")


def quote(identifier: str) -> str:
    """Quote a DuckDB identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def table_name_for(stream_name: str) -> str:
    """`public-core_customer_events_rollup` -> `core_customer_events_rollup`."""
    return stream_name.split("-", 1)[1] if "-" in stream_name else stream_name


def _is_exact_numeric(sql_type: str) -> bool:
    return (
        sql_type.startswith(("DECIMAL", "NUMERIC"))
        or sql_type in _EXACT_NUMERIC
        or (sql_type.startswith("U") and sql_type[1:] in _EXACT_NUMERIC)
    )


class DuckDBSink(BatchSink):
    """Loads one stream into one DuckDB table."""

    MAX_SIZE_DEFAULT = 100_000

    def __init__(
        self,
        target: TargetDuckDB,
        stream_name: str,
        schema: dict,
        key_properties: t.Sequence[str] | None,
    ) -> None:
        self._target = target
        self._column_types_cache: dict[str, ColumnType] | None = None
        self._table_types: dict[str, str] = {}
        self._views: list[str] = []  # Arrow tables registered on the connection
        super().__init__(target, stream_name, schema, key_properties)

    # --- configuration ---------------------------------------------------------------

    @property
    def include_sdc_metadata_properties(self) -> bool:
        return bool(self.config.get("add_record_metadata", True))

    @property
    def load_method(self) -> str:
        return str(self.config.get("load_method") or "upsert")

    @property
    def schema_name(self) -> str:
        return str(self.config.get("default_target_schema") or "lana_raw")

    @property
    def table_name(self) -> str:
        return table_name_for(self.stream_name)

    @property
    def full_table_name(self) -> str:
        return f"{quote(self.schema_name)}.{quote(self.table_name)}"

    @property
    def column_types(self) -> dict[str, ColumnType]:
        """Column name -> DuckDB type, in schema order."""
        if self._column_types_cache is None:
            self._column_types_cache = {
                name: column_type_for(name, prop)
                for name, prop in self.schema.get("properties", {}).items()
            }
        return self._column_types_cache

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        return self._target.connection

    def get_validator(self) -> FastRecordValidator | None:
        """Validate as the SDK does (faster), except that a JSON column takes any JSON value.

        tap-postgres declares jsonb as ``object`` (``json_as_object``) yet sends arrays and
        strings from jsonb too; the JSON column stores them all exactly.
        """
        if not self.validate_schema:
            return None
        schema = copy.deepcopy(self.schema)
        for name, ct in self.column_types.items():
            if ct.kind == "JSON":
                schema["properties"][name] = {}
        return FastRecordValidator(schema, validate_formats=self.validate_field_string_format)

    def _parse_timestamps_in_record(self, record: dict, schema: dict, treatment: t.Any) -> None:
        """Leave date/time strings as they are: conversion to Arrow parses them once.

        (The SDK version walks the schema for every field of every record.) Unknown fields
        are still reported once, as the SDK does.
        """
        if schema.get("additionalProperties"):
            return
        for key in record.keys() - self.column_types.keys():
            if record[key] is not None and key not in self._warned_missing_fields:
                self.logger.warning("No schema for record field '%s'", key)
                self._warned_missing_fields.add(key)

    # --- table DDL ---------------------------------------------------------------------

    def setup(self) -> None:
        """Create the table, add new columns, widen columns losslessly (one transaction)."""
        super().setup()
        missing_keys = [k for k in self.key_properties if k not in self.column_types]
        if missing_keys:
            msg = (
                f"stream '{self.stream_name}': key properties {missing_keys} are not in its schema"
            )
            raise TargetDuckDBError(msg)
        if not self.column_types:
            msg = f"stream '{self.stream_name}' has no properties and no metadata columns"
            raise TargetDuckDBError(msg)
        con = self.connection
        con.begin()
        try:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(self.schema_name)}")
            existing = self._existing_columns(con)
            if not existing:
                cols = ", ".join(f"{quote(c)} {ct.sql}" for c, ct in self.column_types.items())
                con.execute(f"CREATE TABLE {self.full_table_name} ({cols})")
                self.logger.info("Created table %s", self.full_table_name)
            else:
                self._evolve(con, existing)
            self._table_types = {
                c: normalize_sql_type(sql) for c, (_, sql) in self._lookup(con).items()
            }
            con.commit()
        except BaseException:
            con.rollback()
            raise

    def _existing_columns(self, con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
        """Lower-cased column name -> (column name, data type) of the existing table."""
        rows = con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = ? "
            "AND lower(table_name) = lower(?) ORDER BY column_index",
            [self.schema_name, self.table_name],
        ).fetchall()
        return {name.lower(): (name, data_type) for name, data_type in rows}

    def _lookup(self, con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
        existing = self._existing_columns(con)
        return {c: existing[c.lower()] for c in self.column_types}

    def _evolve(self, con: duckdb.DuckDBPyConnection, existing: dict[str, tuple[str, str]]) -> None:
        for col, ct in self.column_types.items():
            if col.lower() not in existing:
                con.execute(f"ALTER TABLE {self.full_table_name} ADD COLUMN {quote(col)} {ct.sql}")
                self.logger.info("Added column %s %s to %s", col, ct.sql, self.full_table_name)
                continue
            name, current = existing[col.lower()]
            try:
                widen_to = reconcile(current, ct)
            except SchemaChangeError as exc:
                where = f"stream '{self.stream_name}', table {self.full_table_name}"
                msg = f"{where}, column '{name}': {exc}"
                raise SchemaChangeError(msg) from exc
            if widen_to:
                con.execute(
                    f"ALTER TABLE {self.full_table_name} ALTER COLUMN {quote(name)} TYPE {widen_to}"
                )
                self.logger.info(
                    "Widened %s.%s from %s to %s", self.full_table_name, name, current, widen_to
                )

    # --- RECORD messages ------------------------------------------------------------------

    def process_record(self, record: dict, context: dict) -> None:
        """Buffer the record column-wise (JSON as text): far less memory than dicts."""
        buffers = context.get("columns")
        if buffers is None:
            buffers = context["columns"] = {c: [] for c in self.column_types}
        self._buffer(buffers, record)

    def _buffer(self, buffers: dict[str, list], record: dict) -> None:
        for col, ct in self.column_types.items():
            value = record.get(col)
            buffers[col].append(json_text(value) if ct.kind == "JSON" else value)

    def process_batch(self, context: dict) -> None:
        """Write the records of one drain in one transaction."""
        buffers: dict[str, list] | None = context.get("columns")
        count = len(next(iter(buffers.values()))) if buffers else 0
        if not buffers or not count:
            return
        if "_sdc_batched_at" in buffers:
            # One value per committed batch: it tells which rows a run really changed.
            buffers["_sdc_batched_at"] = [datetime.datetime.now(tz=datetime.UTC)] * count

        def fill(con: duckdb.DuckDBPyConnection, stage: str) -> int:
            return self._insert_columns(con, stage, buffers, count, 0)

        self._load(fill, count)
        context.pop("columns", None)

    # --- BATCH messages ---------------------------------------------------------------

    def process_batch_files(self, encoding: BaseBatchFileEncoding, files: t.Sequence[str]) -> None:
        """Load the files of one BATCH message with DuckDB, in one transaction."""
        if self.current_size:
            # Keep arrival order: records received before this BATCH go first.
            self._target.drain_one(self)
        with tempfile.TemporaryDirectory(prefix="target-duckdb-") as tmp:
            paths = [self._local_path(url, Path(tmp)) for url in files]
            batched_at = datetime.datetime.now(tz=datetime.UTC)
            if encoding.format == BatchFileFormat.JSONL:

                def fill(con: duckdb.DuckDBPyConnection, stage: str) -> int:
                    return self._fill_from_jsonl(con, stage, paths, batched_at)

            elif encoding.format == BatchFileFormat.PARQUET:

                def fill(con: duckdb.DuckDBPyConnection, stage: str) -> int:
                    return self._fill_from_parquet(con, stage, paths, batched_at)

            else:
                msg = f"Unsupported batch encoding format: {encoding.format}"
                raise NotImplementedError(msg)
            with self.batch_processing_timer:
                count = self._load(fill, None)
            self.record_counter_metric.increment(count)

    def _local_path(self, url: str, tmp: Path) -> Path:
        parsed = urlparse(url)
        if parsed.scheme in {"", "file"}:
            return Path(unquote(parsed.path) if parsed.scheme else url)
        # Remote storage (fsspec): copy to a local temp file DuckDB can read.
        head, tail = StorageTarget.split_url(url)
        storage = self.batch_config.storage if self.batch_config else StorageTarget.from_url(head)
        local = tmp / f"{uuid.uuid4().hex}-{tail}"
        with storage.open(tail, mode="rb") as src, local.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        return local

    def _batch_metadata(self, batched_at: datetime.datetime) -> dict[str, t.Any]:
        """Metadata values for rows from BATCH files (which carry no RECORD envelope)."""
        if not self.include_sdc_metadata_properties:
            return {}
        now = datetime.datetime.now(tz=datetime.UTC)
        return {
            "_sdc_received_at": now,
            "_sdc_batched_at": batched_at,
            "_sdc_sequence": round(time.time() * 1000),
            "_sdc_sync_started_at": self.sync_started_at,
        }

    def _fill_from_jsonl(
        self,
        con: duckdb.DuckDBPyConnection,
        stage: str,
        paths: list[Path],
        batched_at: datetime.datetime,
    ) -> int:
        """JSONL files are parsed with Decimal numbers, then staged like RECORDs.

        DuckDB's read_json rounds numbers with more decimals than a DECIMAL column's scale
        without an error, and re-encodes numbers nested in JSON columns through DOUBLE
        (DuckDB 2.0.1), so JSONL text is parsed exactly here and handed to DuckDB as Arrow.
        """
        metadata = self._batch_metadata(batched_at)
        total = count = 0
        buffers = self._new_buffers()
        for path in paths:
            with path.open("rb") as raw:
                is_gzip = raw.read(2) == b"\x1f\x8b"
            opener = gzip.open if is_gzip else open
            with opener(path, "rb") as fh:
                for line in fh:
                    if not line.strip():
                        continue
                    record = deserialize_json(line)
                    for key, value in metadata.items():
                        if key == "_sdc_sequence" and record.get(key) is not None:
                            continue
                        record[key] = value
                    self._buffer(buffers, record)
                    count += 1
                    if count >= self.max_size:
                        total += self._insert_columns(con, stage, buffers, count, total)
                        buffers, count = self._new_buffers(), 0
        if count:
            total += self._insert_columns(con, stage, buffers, count, total)
        return total

    def _new_buffers(self) -> dict[str, list]:
        return {c: [] for c in self.column_types}

    def _fill_from_parquet(
        self,
        con: duckdb.DuckDBPyConnection,
        stage: str,
        paths: list[Path],
        batched_at: datetime.datetime,
    ) -> int:
        """Parquet is typed: DuckDB reads it directly, casts are checked to be exact."""
        metadata = self._batch_metadata(batched_at)
        total = 0
        for path in paths:
            source = f"read_parquet({_sql_str(str(path))}, file_row_number = true)"
            described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
            source_types = {row[0].lower(): (row[0], row[1]) for row in described}
            exprs: list[str] = []
            params: list[t.Any] = []
            for col, ct in self.column_types.items():
                found = source_types.get(col.lower())
                if col in metadata and not (col == "_sdc_sequence" and found):
                    exprs.append(f"CAST(? AS {ct.sql})")
                    value = metadata[col]
                    params.append(
                        value.isoformat() if isinstance(value, datetime.datetime) else value
                    )
                elif found is None:
                    exprs.append(f"CAST(NULL AS {ct.sql})")
                else:
                    name, src_type = found
                    self._check_parquet_column(con, source, col, ct, name, src_type.upper())
                    exprs.append(_cast_expr(quote(name), src_type.upper(), ct))
            rows = con.execute(
                f"INSERT INTO {stage} SELECT {', '.join(exprs)}, {total} + file_row_number "
                f"FROM {source}",
                params,
            ).fetchone()
            total += rows[0] if rows else 0
        return total

    def _check_parquet_column(
        self,
        con: duckdb.DuckDBPyConnection,
        source: str,
        col: str,
        ct: ColumnType,
        name: str,
        src_type: str,
    ) -> None:
        """Fail with the offending value if a cast would not be exact."""
        if ct.kind == "JSON":
            return
        x = quote(name)
        if ct.kind in {"BIGINT", "DECIMAL"}:
            if src_type in _FLOAT_TYPES:
                msg = (
                    f"stream '{self.stream_name}', column '{col}' ({ct.sql}): the parquet "
                    f"column is {src_type}; binary floating point cannot be loaded into an "
                    "exact column. Write the parquet column as DECIMAL."
                )
                raise TargetDuckDBError(msg)
            if src_type == "VARCHAR":
                values = con.execute(f"SELECT {x} FROM {source} WHERE {x} IS NOT NULL").fetchall()
                to_arrow([v for (v,) in values], ct, stream=self.stream_name, column=col)
                return
        bad = f"{x} IS NOT NULL AND TRY_CAST({x} AS {ct.sql}) IS NULL"
        if _is_exact_numeric(src_type) or (ct.kind == "DATE" and "TIMESTAMP" in src_type):
            # Round trip in the source type: catches rounding and overflow alike.
            back = f"TRY_CAST(TRY_CAST({x} AS {ct.sql}) AS {src_type})"
            bad = f"{x} IS NOT NULL AND {back} IS DISTINCT FROM {x}"
        row = con.execute(f"SELECT {x} FROM {source} WHERE {bad} LIMIT 1").fetchone()
        if row:
            raise ValueDoesNotFitError(
                self.stream_name,
                col,
                ct,
                row[0],
                f"the parquet {src_type} value does not convert exactly",
            )

    # --- staging and merge ------------------------------------------------------------

    def _insert_columns(
        self,
        con: duckdb.DuckDBPyConnection,
        stage: str,
        buffers: dict[str, list],
        count: int,
        offset: int,
    ) -> int:
        """Stage buffered values through Arrow (exact), casting UUID/JSON text in DuckDB."""
        names = list(self.column_types)
        arrays = [
            to_arrow(buffers[c], ct, stream=self.stream_name, column=c)
            for c, ct in self.column_types.items()
        ]
        arrays.append(pa.array(range(offset, offset + count), type=pa.int64()))
        aliases = [f"c{i}" for i in range(len(names))]
        table = pa.Table.from_arrays(arrays, names=[*aliases, ORD])
        view = f"__arrow_{uuid.uuid4().hex}"
        con.register(view, table)
        self._views.append(view)
        self._check_text_casts(con, view, names, aliases)
        exprs = []
        for alias, ct in zip(aliases, self.column_types.values(), strict=True):
            exprs.append(f"CAST({alias} AS {ct.sql})" if ct.kind in {"UUID", "JSON"} else alias)
        con.execute(f"INSERT INTO {stage} SELECT {', '.join(exprs)}, {ORD} FROM {view}")
        con.unregister(view)
        self._views.remove(view)
        return count

    def _check_text_casts(
        self, con: duckdb.DuckDBPyConnection, view: str, names: list[str], aliases: list[str]
    ) -> None:
        """Find a value DuckDB cannot cast to UUID before the INSERT fails on it."""
        checks = [
            (name, alias, self.column_types[name])
            for name, alias in zip(names, aliases, strict=True)
            if self.column_types[name].kind == "UUID"
        ]
        if not checks:
            return
        bad = "{a} IS NOT NULL AND TRY_CAST({a} AS UUID) IS NULL"
        selects = ", ".join(
            f"first({alias}) FILTER (WHERE {bad.format(a=alias)})" for _, alias, _ in checks
        )
        row = con.execute(f"SELECT {selects} FROM {view}").fetchone() or ()
        for (name, _, ct), bad in zip(checks, row, strict=True):
            if bad is not None:
                raise ValueDoesNotFitError(self.stream_name, name, ct, bad, "not a valid UUID")

    def _load(
        self, fill: t.Callable[[duckdb.DuckDBPyConnection, str], int], expected: int | None
    ) -> int:
        """Stage, then merge or append, all in one transaction; roll back on any error."""
        con = self.connection
        stage = f"__stage_{uuid.uuid4().hex}"
        cols = ", ".join(f"{quote(c)} {ct.sql}" for c, ct in self.column_types.items())
        con.begin()
        try:
            con.execute(f"CREATE TEMP TABLE {stage} ({cols}, {ORD} BIGINT)")
            staged = fill(con, stage)
            if expected is not None and staged != expected:
                msg = f"staged {staged} rows of {expected}: refusing to commit"
                raise TargetDuckDBError(msg)
            overwrite = self.load_method == "overwrite" and (
                self.full_table_name not in self._target.overwritten_tables
            )
            if overwrite:
                con.execute(f"DELETE FROM {self.full_table_name}")
            before = self._count(con)
            if self.key_properties and self.load_method != "append-only":
                affected = self._merge(con, stage)
            else:
                affected = self._append_rows(con, stage)
            inserted = self._count(con) - before
            con.execute(f"DROP TABLE {stage}")
            con.commit()
        except BaseException:
            con.rollback()
            self._unregister_views(con)
            raise
        if overwrite:
            self._target.overwritten_tables.add(self.full_table_name)
        self.logger.info(
            "%s: %d rows staged, %d inserted, %d updated, %d unchanged or merged duplicates",
            self.full_table_name,
            staged,
            inserted,
            affected - inserted,
            staged - affected,
        )
        return staged

    def _unregister_views(self, con: duckdb.DuckDBPyConnection) -> None:
        while self._views:
            view = self._views.pop()
            with contextlib.suppress(duckdb.Error):
                con.unregister(view)

    def _count(self, con: duckdb.DuckDBPyConnection) -> int:
        row = con.execute(f"SELECT count(*) FROM {self.full_table_name}").fetchone()
        return int(row[0]) if row else 0

    def _src(self, col: str) -> str:
        """Stage value of ``col``, cast to the table column type where they differ."""
        expr = f"s.{quote(col)}"
        table_type = self._table_types.get(col)
        if table_type and table_type != self.column_types[col].sql:
            expr = f"CAST({expr} AS {table_type})"
        return expr

    def _append_rows(self, con: duckdb.DuckDBPyConnection, stage: str) -> int:
        cols = list(self.column_types)
        row = con.execute(
            f"INSERT INTO {self.full_table_name} ({', '.join(map(quote, cols))}) "
            f"SELECT {', '.join(self._src(c) for c in cols)} FROM {stage} AS s ORDER BY s.{ORD}"
        ).fetchone()
        return int(row[0]) if row else 0

    def _merge(self, con: duckdb.DuckDBPyConnection, stage: str) -> int:
        """Upsert: last row per key wins; rows equal in every data column change nothing.

        Compared columns are all non-``_sdc_*`` columns plus ``_sdc_deleted_at``. For a
        soft-delete row (``_sdc_deleted_at`` set) columns it leaves NULL keep their stored
        values (tap-postgres LOG_BASED deletes carry only the key).
        """
        keys = list(self.key_properties)
        cols = list(self.column_types)
        data_cols = [
            c for c in cols if c not in keys and (not c.startswith(SDC_PREFIX) or c == DELETED_AT)
        ]
        meta_cols = [c for c in cols if c not in keys and c not in data_cols]
        soft_delete = DELETED_AT in cols

        def value(col: str) -> str:
            if soft_delete and col in data_cols and col != DELETED_AT:
                return (
                    f"CASE WHEN s.{quote(DELETED_AT)} IS NOT NULL "
                    f"THEN COALESCE({self._src(col)}, t.{quote(col)}) ELSE {self._src(col)} END"
                )
            return self._src(col)

        partition = ", ".join(quote(k) for k in keys)
        latest = (
            f"(SELECT * FROM {stage} "
            f"QUALIFY row_number() OVER (PARTITION BY {partition} ORDER BY {ORD} DESC) = 1)"
        )
        on = " AND ".join(f"t.{quote(k)} IS NOT DISTINCT FROM {self._src(k)}" for k in keys)
        sql = f"MERGE INTO {self.full_table_name} AS t USING {latest} AS s ON {on} "
        if data_cols:
            changed = " OR ".join(f"{value(c)} IS DISTINCT FROM t.{quote(c)}" for c in data_cols)
            updates = ", ".join(f"{quote(c)} = {value(c)}" for c in data_cols + meta_cols)
            sql += f"WHEN MATCHED AND ({changed}) THEN UPDATE SET {updates} "
        sql += (
            f"WHEN NOT MATCHED THEN INSERT ({', '.join(map(quote, cols))}) "
            f"VALUES ({', '.join(self._src(c) for c in cols)})"
        )
        row = con.execute(sql).fetchone()
        return int(row[0]) if row else 0


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _cast_expr(x: str, src_type: str, ct: ColumnType) -> str:
    if ct.kind == "JSON":
        return f"CAST({x} AS JSON)" if src_type == "JSON" else f"to_json({x})"
    return f"CAST({x} AS {ct.sql})"
