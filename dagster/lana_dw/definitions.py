"""The lana-dw code location. Only wiring: every asset, job and resource lives in defs/."""

import dagster as dg

from lana_dw.defs.bitfinex.assets import bitfinex_el
from lana_dw.defs.bitfinex.schedules import bitfinex_job, bitfinex_schedule
from lana_dw.defs.lana_el.assets import lana_el
from lana_dw.defs.pipeline.schedules import daily_pipeline_job, daily_pipeline_schedule
from lana_dw.defs.reports.assets import financial_summary_csv, regulator_report_files
from lana_dw.defs.shared.resources import DuckDBWarehouse, MeltanoResource
from lana_dw.defs.sumsub.assets import sumsub_el
from lana_dw.defs.sumsub.sensors import sumsub_job, sumsub_on_new_webhooks
from lana_dw.defs.transform.assets import lana_dbt_models
from lana_dw.defs.transform.resources import dbt_resource

defs = dg.Definitions(
    assets=[
        lana_el,
        bitfinex_el,
        sumsub_el,
        lana_dbt_models,
        financial_summary_csv,
        regulator_report_files,
    ],
    jobs=[daily_pipeline_job, bitfinex_job, sumsub_job],
    schedules=[daily_pipeline_schedule, bitfinex_schedule],
    sensors=[sumsub_on_new_webhooks],
    resources={
        "meltano": MeltanoResource(),
        "warehouse": DuckDBWarehouse(),
        "dbt": dbt_resource,
    },
)
