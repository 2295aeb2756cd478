-- Deposits and withdrawals of deposit accounts, one row each, with a signed amount.
-- is_settled: the movement counts in the account balance (a confirmed deposit that was not
-- reverted, or a confirmed withdrawal).
with

deposits as (
    select
        deposit_id as transaction_id,
        'DEPOSIT' as transaction_type,
        deposit_account_id,
        public_id,
        reference,
        status,
        status = 'Confirmed' as is_settled,
        amount_cents,
        amount_usd,
        amount_usd as signed_amount_usd,
        created_at,
        case when status = 'Confirmed' then created_at end as settled_at,
        modified_at
    from {{ ref('stg_lana__deposits') }}
),

withdrawals as (
    select
        withdrawal_id as transaction_id,
        'WITHDRAWAL' as transaction_type,
        deposit_account_id,
        public_id,
        reference,
        status,
        status = 'Confirmed' as is_settled,
        amount_cents,
        amount_usd,
        -amount_usd as signed_amount_usd,
        created_at,
        case when status = 'Confirmed' then confirmed_at end as settled_at,
        modified_at
    from {{ ref('stg_lana__withdrawals') }}
)

select
    transaction_id,
    transaction_type,
    deposit_account_id,
    public_id,
    reference,
    status,
    is_settled,
    amount_cents,
    amount_usd,
    signed_amount_usd,
    created_at,
    settled_at,
    modified_at
from deposits
union all
select
    transaction_id,
    transaction_type,
    deposit_account_id,
    public_id,
    reference,
    status,
    is_settled,
    amount_cents,
    amount_usd,
    signed_amount_usd,
    created_at,
    settled_at,
    modified_at
from withdrawals
