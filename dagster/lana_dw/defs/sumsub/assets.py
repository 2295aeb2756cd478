"""KYC data from Sumsub (tap-sumsubapi) into lana_raw, for the customers in Lana's webhook log."""

from lana_dw.defs.shared.el import meltano_el_assets, selected_tables

SUMSUB_TABLES = selected_tables("extract/tap-sumsubapi.meltano.yml")

sumsub_el = meltano_el_assets(
    name="sumsub_el",
    meltano_job="el-sumsub",
    tables=SUMSUB_TABLES,
    source="Sumsub REST API (applicants in Lana's inbox_events), tap-sumsubapi",
    group="sumsub",
)
