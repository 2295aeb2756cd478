"""Prices every 10 minutes (ticker, trades, candles, order book)."""

import dagster as dg

from lana_dw.defs.bitfinex.assets import bitfinex_el

bitfinex_job = dg.define_asset_job(
    name="bitfinex_prices",
    selection=dg.AssetSelection.assets(bitfinex_el),
    description="Meltano job el-bitfinex: BTC/USD ticker, trades, candles and order book.",
    executor_def=dg.in_process_executor,
)

bitfinex_schedule = dg.ScheduleDefinition(
    name="bitfinex_prices_every_10_minutes",
    job=bitfinex_job,
    cron_schedule="*/10 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
