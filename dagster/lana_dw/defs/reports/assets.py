"""Report files read from the marts."""

import csv
import os

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from lana_dw import paths
from lana_dw.defs.shared.resources import DUCKDB_POOL, DuckDBWarehouse
from lana_dw.defs.transform.assets import lana_dbt_models

MARTS_SCHEMA = "dbt_lana_marts"


@dg.asset(
    key=["reports", "financial_summary"],
    deps=[get_asset_key_for_model([lana_dbt_models], "financial_summary")],
    group_name="reports",
    kinds={"csv"},
    pool=DUCKDB_POOL,
    description="Monthly financial summary (dbt model financial_summary) as financial_summary.csv",
)
def financial_summary_csv(context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse):
    target = paths.reports_dir() / "financial_summary.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".csv.tmp")
    with warehouse.connect() as con:
        cur = con.execute(f"select * from {MARTS_SCHEMA}.financial_summary order by 1")
        columns = [d[0] for d in cur.description]
        rows = cur.fetchall()
    with tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    os.replace(tmp, target)
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(target)), "rows": len(rows)}
    )
