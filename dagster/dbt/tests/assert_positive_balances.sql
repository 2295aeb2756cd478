-- No deposit account may have a negative balance, where
--   balance = Confirmed (non-reverted) deposits - Confirmed withdrawals.
-- Computed from the staged deposits and withdrawals directly, independently of
-- stg_transactions / int_deposit_account_balances. Returns the offending accounts.
with

deposits as (
    select
        deposit_account_id,
        sum(amount_usd) as deposited_usd
    from {{ ref('stg_lana__deposits') }}
    where status = 'Confirmed'
    group by deposit_account_id
),

withdrawals as (
    select
        deposit_account_id,
        sum(amount_usd) as withdrawn_usd
    from {{ ref('stg_lana__withdrawals') }}
    where status = 'Confirmed'
    group by deposit_account_id
),

balances as (
    select
        deposit_accounts.deposit_account_id,
        coalesce(deposits.deposited_usd, 0) - coalesce(withdrawals.withdrawn_usd, 0) as balance_usd
    from {{ ref('stg_lana__deposit_accounts') }} as deposit_accounts
    left join deposits on deposit_accounts.deposit_account_id = deposits.deposit_account_id
    left join withdrawals on deposit_accounts.deposit_account_id = withdrawals.deposit_account_id
)

select
    deposit_account_id,
    balance_usd
from balances
where balance_usd < 0
