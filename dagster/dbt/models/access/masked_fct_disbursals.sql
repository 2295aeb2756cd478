-- fct_disbursals as analysts read it (schema dbt_lana_marts_masked; access/roles.yml).
-- no personal columns.
-- Columns are listed, never `*`: a column added to the mart reaches analysts only once it is
-- added here (and access/roles.yml's personal columns are never granted to analysts).
{{ config(materialized='view', schema='dbt_lana_marts_masked', alias='fct_disbursals') }}

select
    mart.disbursal_id,
    mart.public_id,
    mart.facility_id,
    mart.customer_id,
    mart.status,
    mart.is_settled,
    mart.amount_usd,
    mart.disbursal_date,
    mart.due_date,
    mart.overdue_date,
    mart.created_at,
    mart.settled_at
from {{ ref('fct_disbursals') }} as mart
