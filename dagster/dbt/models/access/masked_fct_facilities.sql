-- fct_facilities as analysts read it (schema dbt_lana_marts_masked; access/roles.yml).
-- no personal columns.
-- Columns are listed, never `*`: a column added to the mart reaches analysts only once it is
-- added here (and access/roles.yml's personal columns are never granted to analysts).
{{ config(materialized='view', schema='dbt_lana_marts_masked', alias='fct_facilities') }}

select
    mart.facility_id,
    mart.public_id,
    mart.customer_id,
    mart.status,
    mart.collateralization_state,
    mart.facility_amount_usd,
    mart.annual_rate_pct,
    mart.one_time_fee_rate_pct,
    mart.duration_months,
    mart.accrual_cycle_interval,
    mart.activated_at,
    mart.maturity_date,
    mart.matured_at,
    mart.completed_at,
    mart.disbursal_count,
    mart.disbursed_usd,
    mart.undrawn_usd,
    mart.interest_billed_usd,
    mart.payment_count,
    mart.principal_paid_usd,
    mart.interest_paid_usd,
    mart.principal_outstanding_usd,
    mart.interest_outstanding_usd,
    mart.last_payment_date,
    mart.overdue_obligation_count,
    mart.defaulted_obligation_count,
    mart.collateral_btc,
    mart.btc_price_usd,
    mart.collateral_value_usd
from {{ ref('fct_facilities') }} as mart
