-- Ledger balance of every deposit account as of var `as_of_date`: its Cala account plus its
-- frozen account (credit-normal, USD), read from int_account_balances_daily on the as-of date or
-- the ledger's last day before it; the last day either account had entries.
with

as_of as (
    select {{ lana_dw.as_of_date() }} as as_of_date
),

daily as (
    select * from {{ ref('int_account_balances_daily') }}
    where currency = 'USD'
),

balance_day as (
    select
        as_of.as_of_date,
        max(daily.balance_date) as balance_date
    from as_of
    left join daily
        on as_of.as_of_date >= daily.balance_date
    group by as_of.as_of_date
),

accounts as (
    select * from {{ ref('stg_lana__deposit_accounts') }}
),

ledger_accounts as (
    select
        deposit_account_id,
        ledger_account_id as account_id,
        false as is_frozen_account
    from accounts

    union all

    select
        deposit_account_id,
        frozen_ledger_account_id as account_id,
        true as is_frozen_account
    from accounts
    where frozen_ledger_account_id is not null
),

balances as (
    select
        ledger_accounts.deposit_account_id,
        sum(daily.settled_cr_balance - daily.settled_dr_balance) as balance_usd,
        sum(
            case
                when ledger_accounts.is_frozen_account
                    then daily.settled_cr_balance - daily.settled_dr_balance
                else 0
            end
        ) as frozen_balance_usd,
        max(daily.last_effective_date) as last_transaction_date
    from ledger_accounts
    inner join daily
        on ledger_accounts.account_id = daily.account_id
    inner join balance_day
        on daily.balance_date = balance_day.balance_date
    group by ledger_accounts.deposit_account_id
)

select
    accounts.deposit_account_id,
    accounts.customer_id,
    accounts.public_id,
    accounts.status,
    {{ lana_dw.utc_date('accounts.created_at') }} as opened_date,
    balance_day.as_of_date,
    balance_day.balance_date,
    coalesce(balances.balance_usd, 0) as balance_usd,
    coalesce(balances.frozen_balance_usd, 0) as frozen_balance_usd,
    balances.last_transaction_date
from accounts
cross join balance_day
left join balances
    on accounts.deposit_account_id = balances.deposit_account_id
where {{ lana_dw.utc_date('accounts.created_at') }} <= balance_day.as_of_date
