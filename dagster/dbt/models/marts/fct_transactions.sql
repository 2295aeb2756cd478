-- One row per deposit or withdrawal of a deposit account (every status).
select
    cast(transactions.transaction_id as {{ lana_dw.type_id() }}) as transaction_id,
    transactions.transaction_type,
    cast(transactions.deposit_account_id as {{ lana_dw.type_id() }}) as deposit_account_id,
    cast(accounts.customer_id as {{ lana_dw.type_id() }}) as customer_id,
    transactions.public_id,
    transactions.reference,
    transactions.status,
    transactions.is_settled,
    cast(transactions.amount_usd as {{ lana_dw.type_usd() }}) as amount_usd,
    cast(transactions.signed_amount_usd as {{ lana_dw.type_usd() }}) as signed_amount_usd,
    {{ lana_dw.utc_date('transactions.created_at') }} as transaction_date,
    {{ lana_dw.utc_date('transactions.settled_at') }} as settled_date,
    transactions.created_at,
    transactions.settled_at
from {{ ref('stg_transactions') }} as transactions
left join {{ ref('stg_lana__deposit_accounts') }} as accounts
    on transactions.deposit_account_id = accounts.deposit_account_id
