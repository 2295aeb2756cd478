-- dim_customers as analysts read it (schema dbt_lana_marts_masked; access/roles.yml).
-- personal data hashed: email -> email_hash (md5 of the lower-cased email).
-- Columns are listed, never `*`: a column added to the mart reaches analysts only once it is
-- added here (and access/roles.yml's personal columns are never granted to analysts).
{{ config(materialized='view', schema='dbt_lana_marts_masked', alias='dim_customers') }}

select
    mart.customer_id,
    mart.public_id,
    mart.party_id,
    {{ dbt.hash('lower(mart.email)') }} as email_hash,
    mart.customer_type,
    mart.kyc_level,
    mart.status,
    mart.created_at,
    mart.modified_at,
    mart.deposit_account_count,
    mart.transaction_count,
    mart.total_deposits_usd,
    mart.total_withdrawals_usd,
    mart.deposit_balance_usd,
    mart.last_transaction_at,
    mart.facility_count,
    mart.active_facility_count,
    mart.total_facility_amount_usd,
    mart.total_disbursed_usd,
    mart.principal_outstanding_usd,
    mart.interest_outstanding_usd,
    mart.total_paid_usd,
    mart.collateral_btc
from {{ ref('dim_customers') }} as mart
