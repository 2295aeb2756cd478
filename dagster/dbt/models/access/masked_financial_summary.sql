-- financial_summary as analysts read it (schema dbt_lana_marts_masked; access/roles.yml).
-- no personal columns.
-- Columns are listed, never `*`: a column added to the mart reaches analysts only once it is
-- added here (and access/roles.yml's personal columns are never granted to analysts).
{{ config(materialized='view', schema='dbt_lana_marts_masked', alias='financial_summary') }}

select
    mart.month_start,
    mart.new_customers,
    mart.deposits_usd,
    mart.withdrawals_usd,
    mart.net_deposits_usd,
    mart.disbursal_count,
    mart.disbursals_usd,
    mart.payments_principal_usd,
    mart.payments_interest_usd
from {{ ref('financial_summary') }} as mart
