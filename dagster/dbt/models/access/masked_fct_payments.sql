-- fct_payments as analysts read it (schema dbt_lana_marts_masked; access/roles.yml).
-- no personal columns.
-- Columns are listed, never `*`: a column added to the mart reaches analysts only once it is
-- added here (and access/roles.yml's personal columns are never granted to analysts).
{{ config(materialized='view', schema='dbt_lana_marts_masked', alias='fct_payments') }}

select
    mart.payment_id,
    mart.facility_id,
    mart.customer_id,
    mart.payment_date,
    mart.amount_usd,
    mart.principal_usd,
    mart.interest_usd,
    mart.unallocated_usd,
    mart.allocation_count,
    mart.created_at
from {{ ref('fct_payments') }} as mart
