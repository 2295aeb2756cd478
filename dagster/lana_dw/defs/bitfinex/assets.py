"""BTC/USD market data from Bitfinex (tap-bitfinex) into lana_raw."""

from lana_dw.defs.shared.el import meltano_el_assets, selected_tables

BITFINEX_TABLES = selected_tables("extract/tap-bitfinex.meltano.yml")

bitfinex_el = meltano_el_assets(
    name="bitfinex_el",
    meltano_job="el-bitfinex",
    tables=BITFINEX_TABLES,
    source="Bitfinex v2 public REST, tap-bitfinex",
    group="bitfinex",
)
