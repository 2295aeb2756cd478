"""EL from the bank's PostgreSQL (Lana schema) into lana_raw: one asset key per stream."""

from lana_dw.defs.shared.el import meltano_el_assets, selected_tables

LANA_TABLES = selected_tables("extract/tap-postgres.meltano.yml")

lana_el = meltano_el_assets(
    name="lana_el",
    meltano_job="el-lana",
    tables=LANA_TABLES,
    source="the bank's PostgreSQL (Lana), tap-postgres",
)
