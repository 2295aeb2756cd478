-- Every deposit account's balance as the marts compute it from events
-- (int_deposit_account_balances: confirmed deposits, reverted ones excluded, - confirmed
-- withdrawals + disbursals credited - payments debited) = the ledger's: the settled USD balance
-- of its Cala account plus its frozen account, on the ledger's last day.
with

ledger_last_day as (
    select
        daily.account_id,
        daily.settled_balance
    from {{ ref('int_account_balances_daily') }} as daily
    where
        daily.currency = 'USD'
        and daily.balance_date = (
            select max(last_day.balance_date) from {{ ref('int_account_balances_daily') }} as last_day
        )
),

ledger as (
    select
        deposit_accounts.deposit_account_id,
        coalesce(active.settled_balance, 0) + coalesce(frozen.settled_balance, 0) as ledger_balance_usd
    from {{ ref('stg_lana__deposit_accounts') }} as deposit_accounts
    left join ledger_last_day as active
        on deposit_accounts.ledger_account_id = active.account_id
    left join ledger_last_day as frozen
        on deposit_accounts.frozen_ledger_account_id = frozen.account_id
)

select
    balances.deposit_account_id,
    balances.balance_usd,
    ledger.ledger_balance_usd
from {{ ref('int_deposit_account_balances') }} as balances
full outer join ledger on balances.deposit_account_id = ledger.deposit_account_id
where coalesce(balances.balance_usd, 0) != coalesce(ledger.ledger_balance_usd, 0)
