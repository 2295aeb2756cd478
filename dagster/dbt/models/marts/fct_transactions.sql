-- One row per deposit or withdrawal of a deposit account (every status).
select
    cast(txns.transaction_id as {{ lana_dw.type_id() }}) as transaction_id,
    txns.transaction_type,
    cast(txns.deposit_account_id as {{ lana_dw.type_id() }}) as deposit_account_id,
    cast(deposit_accounts.customer_id as {{ lana_dw.type_id() }}) as customer_id,
    txns.public_id,
    txns.reference,
    txns.status,
    txns.is_settled,
    cast(txns.amount_usd as {{ lana_dw.type_usd() }}) as amount_usd,
    cast(txns.signed_amount_usd as {{ lana_dw.type_usd() }}) as signed_amount_usd,
    {{ lana_dw.utc_date('txns.created_at') }} as transaction_date,
    {{ lana_dw.utc_date('txns.settled_at') }} as settled_date,
    txns.created_at,
    txns.settled_at
from {{ ref('stg_transactions') }} as txns
left join {{ ref('stg_lana__deposit_accounts') }} as deposit_accounts
    on txns.deposit_account_id = deposit_accounts.deposit_account_id
