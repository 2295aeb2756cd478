"""Meltano EL jobs as Dagster multi-assets: one asset key per stream, ["lana_raw", table]."""

from collections.abc import Sequence
from datetime import UTC, datetime

import dagster as dg
import yaml

from lana_dw import paths
from lana_dw.defs.shared.resources import DUCKDB_POOL, DuckDBWarehouse, MeltanoResource

RAW_SCHEMA = "lana_raw"


def selected_tables(plugin_file: str) -> list[str]:
    """The raw tables an extractor fills, read from its `select` in the Meltano project.

    `public-core_customers.*` (tap-postgres: schema-table) lands as table `core_customers`;
    `bitfinex_ticker.*` as `bitfinex_ticker`.
    """
    spec = yaml.safe_load((paths.MELTANO_PROJECT_DIR / plugin_file).read_text())
    (tap,) = spec["plugins"]["extractors"]
    streams = [pattern.split(".", 1)[0] for pattern in tap["select"]]
    return [stream.split("-", 1)[-1] for stream in streams]


def meltano_el_assets(
    *, name: str, meltano_job: str, tables: Sequence[str], source: str, group: str = RAW_SCHEMA
) -> dg.AssetsDefinition:
    """A multi-asset that runs `meltano run <meltano_job>` and reports each table it loads."""

    @dg.multi_asset(
        name=name,
        specs=[
            dg.AssetSpec(
                [RAW_SCHEMA, table],
                group_name=group,
                kinds={"meltano", "duckdb"},
                description=f"{table} from {source}, loaded by Meltano job {meltano_job}",
            )
            for table in tables
        ],
        pool=DUCKDB_POOL,
        retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL),
    )
    def _el(
        context: dg.AssetExecutionContext, meltano: MeltanoResource, warehouse: DuckDBWarehouse
    ):
        started = datetime.now(UTC)
        meltano.run(context, meltano_job)
        with warehouse.connect() as con:
            for table in tables:
                total, changed = con.execute(
                    "select count(*), count(*) filter (where _sdc_batched_at >= ?)"
                    f' from {RAW_SCHEMA}."{table}"',
                    [started],
                ).fetchone()
                yield dg.MaterializeResult(
                    asset_key=[RAW_SCHEMA, table],
                    metadata={"rows": total, "rows_loaded_this_run": changed},
                )

    return _el
