"""TargetDuckDB: a Singer target for DuckDB on the Meltano SDK."""

from __future__ import annotations

import typing as t
from pathlib import Path

import duckdb
from singer_sdk import typing as th
from singer_sdk.helpers.capabilities import PluginCapabilities, TargetCapabilities
from singer_sdk.target_base import Target

from target_duckdb.sinks import DuckDBSink
from target_duckdb.typemap import TargetDuckDBError

if t.TYPE_CHECKING:
    from singer_sdk.sinks import Sink


class DatabaseLockedError(TargetDuckDBError):
    """Another process holds the DuckDB file (DuckDB allows one writing process)."""


class TargetDuckDB(Target):
    """Singer target for DuckDB: exact types, upsert on key properties, BATCH files."""

    name = "target-duckdb"
    default_sink_class = DuckDBSink

    capabilities: t.ClassVar[list] = [
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.STRUCTURED_LOGGING,
        PluginCapabilities.BATCH,
        TargetCapabilities.VALIDATE_RECORDS,
        TargetCapabilities.TARGET_SCHEMA,
    ]

    config_jsonschema = th.PropertiesList(
        th.Property(
            "path",
            th.StringType,
            required=True,
            title="DuckDB file",
            description="Path of the DuckDB database file (created if missing).",
        ),
        th.Property(
            "default_target_schema",
            th.StringType,
            default="lana_raw",
            title="Target schema",
            description="Schema the tables are created in.",
        ),
        th.Property(
            "add_record_metadata",
            th.BooleanType,
            default=True,
            title="Add record metadata",
            description="Add the _sdc_* metadata columns (extracted/received/batched/deleted "
            "at, sequence, table version, sync started at).",
        ),
        th.Property(
            "load_method",
            th.StringType,
            default="upsert",
            allowed_values=["upsert", "append-only", "overwrite"],
            title="Load method",
            description="`upsert` (default) merges on the stream's key properties and appends "
            "streams without keys; `append-only` always appends; `overwrite` empties each "
            "table at its first batch of the run, then upserts.",
        ),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        self._connection: duckdb.DuckDBPyConnection | None = None
        self.overwritten_tables: set[str] = set()
        self._since_buffer_check = 0
        super().__init__(*args, **kwargs)
        # One DuckDB connection, one writer: drain sinks one after the other.
        self.max_parallelism = 1

    # --- the one connection ----------------------------------------------------------

    @property
    def database_path(self) -> Path:
        return Path(self.config["path"]).expanduser()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The target's single DuckDB connection, opened on first use."""
        if self._connection is None:
            path = self.database_path
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                con = duckdb.connect(str(path))
            except duckdb.IOException as exc:
                if "lock" in str(exc).lower():
                    msg = (
                        f"DuckDB file {path} is locked by another process; DuckDB allows "
                        f"one writing process per file, so run one writer at a time. ({exc})"
                    )
                    raise DatabaseLockedError(msg) from exc
                raise
            # Naive timestamps (casts from text or TIMESTAMP) are read as UTC.
            con.execute("SET TimeZone = 'UTC'")
            self._connection = con
        return self._connection

    def close(self) -> None:
        """Close the DuckDB connection (checkpoints the file)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def listen(self, file_input: t.IO[str] | None = None) -> None:
        """Process all input, then close the connection whatever happened."""
        try:
            super().listen(file_input)
        finally:
            self.close()

    # --- sinks -----------------------------------------------------------------------

    @property
    def max_buffered_rows(self) -> int:
        """Rows all sinks may hold together before everything is drained."""
        return int(self.config.get("batch_size_rows") or DuckDBSink.MAX_SIZE_DEFAULT)

    def _process_record_message(self, message_dict: dict) -> None:
        """As the SDK, and bound the rows buffered across all streams, not only per stream.

        Streams arrive one after the other; without this, every finished stream would keep
        its last partial batch in memory until the end of the run.
        """
        super()._process_record_message(message_dict)
        self._since_buffer_check += 1
        if self._since_buffer_check >= min(1_000, self.max_buffered_rows):
            self._since_buffer_check = 0
            buffered = sum(sink.current_size for sink in self._sinks_active.values())
            if buffered >= self.max_buffered_rows:
                self.logger.info("%d rows buffered across streams: draining all", buffered)
                self.drain_all()

    def get_sink(
        self,
        stream_name: str,
        *,
        record: dict | None = None,
        schema: dict | None = None,
        key_properties: t.Sequence[str] | None = None,
    ) -> Sink:
        """As the SDK, but drain the old sink first when a stream's schema changes.

        The SDK would drain the retired sink later, possibly after the new one, which
        would let older rows overwrite newer ones in an upsert.
        """
        existing = self._sinks_active.get(stream_name)
        if (
            schema is not None
            and existing is not None
            and (existing.original_schema != schema or existing.key_properties != key_properties)
        ):
            self.drain_one(existing)
        return super().get_sink(
            stream_name, record=record, schema=schema, key_properties=key_properties
        )


if __name__ == "__main__":
    TargetDuckDB.cli()
