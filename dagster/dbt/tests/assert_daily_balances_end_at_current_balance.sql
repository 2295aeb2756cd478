-- The last day of every account's daily balances equals its current balance (the latest version
-- of its balance history) in the same currency.
with

last_days as (
    select
        journal_id,
        account_id,
        currency,
        settled_dr_balance,
        settled_cr_balance,
        row_number() over (
            partition by journal_id, account_id, currency
            order by balance_date desc
        ) as day_rank
    from {{ ref('int_account_balances_daily') }}
),

current_balances as (
    select
        journal_id,
        account_id,
        currency,
        settled_dr_balance,
        settled_cr_balance,
        row_number() over (
            partition by journal_id, account_id, currency
            order by version desc
        ) as version_rank
    from {{ ref('stg_lana__cala_balance_history') }}
),

last_day as (
    select * from last_days
    where day_rank = 1
),

current_balance as (
    select * from current_balances
    where version_rank = 1
)

select
    coalesce(current_balances.journal_id, last_days.journal_id) as journal_id,
    coalesce(current_balances.account_id, last_days.account_id) as account_id,
    coalesce(current_balances.currency, last_days.currency) as currency,
    current_balances.settled_dr_balance as current_dr,
    last_days.settled_dr_balance as last_day_dr,
    current_balances.settled_cr_balance as current_cr,
    last_days.settled_cr_balance as last_day_cr
from current_balance as current_balances
full outer join last_day as last_days
    on
        current_balances.journal_id = last_days.journal_id
        and current_balances.account_id = last_days.account_id
        and current_balances.currency = last_days.currency
where
    current_balances.account_id is null
    or last_days.account_id is null
    or current_balances.settled_dr_balance <> last_days.settled_dr_balance
    or current_balances.settled_cr_balance <> last_days.settled_cr_balance
