"""EL from the bank's PostgreSQL (Lana schema) into lana_raw: one asset key per stream."""

from datetime import UTC, datetime

import yaml

import dagster as dg
from lana_dw import paths
from lana_dw.defs.shared.resources import DUCKDB_POOL, DuckDBWarehouse, MeltanoResource

MELTANO_JOB = "el-lana"
RAW_SCHEMA = "lana_raw"


def selected_tables(plugin_file: str = "extract/tap-postgres.meltano.yml") -> list[str]:
    """The tables tap-postgres selects, read from the Meltano project (the one list)."""
    spec = yaml.safe_load((paths.MELTANO_PROJECT_DIR / plugin_file).read_text())
    (tap,) = spec["plugins"]["extractors"]
    tables = []
    for pattern in tap["select"]:
        stream = pattern.split(".", 1)[0]  # public-core_customer_events.* -> public-core_...
        tables.append(stream.split("-", 1)[1])
    return tables


LANA_TABLES = selected_tables()


@dg.multi_asset(
    name="lana_el",
    specs=[
        dg.AssetSpec(
            [RAW_SCHEMA, table],
            group_name="lana_raw",
            kinds={"meltano", "duckdb"},
            description=f"public.{table} of the bank's PostgreSQL, loaded by tap-postgres",
        )
        for table in LANA_TABLES
    ],
    pool=DUCKDB_POOL,
    retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL),
)
def lana_el(
    context: dg.AssetExecutionContext, meltano: MeltanoResource, warehouse: DuckDBWarehouse
):
    started = datetime.now(UTC)
    meltano.run(context, MELTANO_JOB)
    with warehouse.connect() as con:
        for table in LANA_TABLES:
            total, changed = con.execute(
                "select count(*), count(*) filter (where _sdc_batched_at >= ?)"
                f' from {RAW_SCHEMA}."{table}"',
                [started],
            ).fetchone()
            yield dg.MaterializeResult(
                asset_key=[RAW_SCHEMA, table],
                metadata={"rows": total, "rows_loaded_this_run": changed},
            )
