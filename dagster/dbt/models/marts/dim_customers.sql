-- One row per customer: identity (email from the party), status, counts and balances.
select
    cast(customers.customer_id as {{ lana_dw.type_id() }}) as customer_id,
    customers.public_id,
    cast(customers.party_id as {{ lana_dw.type_id() }}) as party_id,
    parties.email,
    customers.customer_type,
    customers.kyc_level,
    customers.status,
    customers.created_at,
    customers.modified_at,
    cast(metrics.deposit_account_count as {{ lana_dw.type_bigint() }}) as deposit_account_count,
    cast(metrics.transaction_count as {{ lana_dw.type_bigint() }}) as transaction_count,
    cast(metrics.total_deposits_usd as {{ lana_dw.type_usd() }}) as total_deposits_usd,
    cast(metrics.total_withdrawals_usd as {{ lana_dw.type_usd() }}) as total_withdrawals_usd,
    cast(metrics.deposit_balance_usd as {{ lana_dw.type_usd() }}) as deposit_balance_usd,
    metrics.last_transaction_at,
    cast(metrics.facility_count as {{ lana_dw.type_bigint() }}) as facility_count,
    cast(metrics.active_facility_count as {{ lana_dw.type_bigint() }}) as active_facility_count,
    cast(metrics.total_facility_amount_usd as {{ lana_dw.type_usd() }}) as total_facility_amount_usd,
    cast(metrics.total_disbursed_usd as {{ lana_dw.type_usd() }}) as total_disbursed_usd,
    cast(metrics.principal_outstanding_usd as {{ lana_dw.type_usd() }}) as principal_outstanding_usd,
    cast(metrics.interest_outstanding_usd as {{ lana_dw.type_usd() }}) as interest_outstanding_usd,
    cast(metrics.total_paid_usd as {{ lana_dw.type_usd() }}) as total_paid_usd,
    cast(metrics.collateral_btc as {{ lana_dw.type_btc() }}) as collateral_btc
from {{ ref('stg_customers') }} as customers
inner join {{ ref('int_customer_metrics') }} as metrics
    on customers.customer_id = metrics.customer_id
left join {{ ref('stg_lana__parties') }} as parties
    on customers.party_id = parties.party_id
