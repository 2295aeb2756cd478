-- fct_transactions as analysts read it (schema dbt_lana_marts_masked; access/roles.yml).
-- no personal columns.
-- Columns are listed, never `*`: a column added to the mart reaches analysts only once it is
-- added here (and access/roles.yml's personal columns are never granted to analysts).
{{ config(materialized='view', schema='dbt_lana_marts_masked', alias='fct_transactions') }}

select
    mart.transaction_id,
    mart.transaction_type,
    mart.deposit_account_id,
    mart.customer_id,
    mart.public_id,
    mart.reference,
    mart.status,
    mart.is_settled,
    mart.amount_usd,
    mart.signed_amount_usd,
    mart.transaction_date,
    mart.settled_date,
    mart.created_at,
    mart.settled_at
from {{ ref('fct_transactions') }} as mart
