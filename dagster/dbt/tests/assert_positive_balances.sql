-- No deposit account may have a negative settled balance.
--
-- The balance is what Lana's ledger moves on the account: Confirmed deposits (reverted ones
-- excluded) minus Confirmed withdrawals, plus settled disbursals credited to the account,
-- minus facility payments taken from it. Deposits minus withdrawals alone is not enough: a
-- borrower's disbursal lands in their deposit account and is then withdrawn, which would
-- look like an overdraft. Disbursals and payments name the account by its ledger account.
--
-- Computed from staging directly, independently of stg_transactions and
-- int_deposit_account_balances. Returns the offending accounts.
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

disbursals as (
    select
        disbursal_credit_account_id,
        sum(amount_usd) as disbursed_usd
    from {{ ref('stg_lana__disbursals') }}
    where is_settled
    group by disbursal_credit_account_id
),

payments as (
    select
        payment_source_account_id,
        sum(amount_usd) as paid_usd
    from {{ ref('stg_lana__payments') }}
    group by payment_source_account_id
),

balances as (
    select
        deposit_accounts.deposit_account_id,
        coalesce(deposits.deposited_usd, 0)
        - coalesce(withdrawals.withdrawn_usd, 0)
        + coalesce(disbursals.disbursed_usd, 0)
        - coalesce(payments.paid_usd, 0) as balance_usd
    from {{ ref('stg_lana__deposit_accounts') }} as deposit_accounts
    left join deposits on deposit_accounts.deposit_account_id = deposits.deposit_account_id
    left join withdrawals on deposit_accounts.deposit_account_id = withdrawals.deposit_account_id
    left join disbursals on deposit_accounts.ledger_account_id = disbursals.disbursal_credit_account_id
    left join payments on deposit_accounts.ledger_account_id = payments.payment_source_account_id
)

select
    deposit_account_id,
    balance_usd
from balances
where balance_usd < 0
