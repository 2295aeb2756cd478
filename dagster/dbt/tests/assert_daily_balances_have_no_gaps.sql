-- No gaps: each (journal, account, currency) has exactly one row per day between its first and
-- last balance date.
with

per_account as (
    select
        journal_id,
        account_id,
        currency,
        count(*) as day_rows,
        min(balance_date) as first_date,
        max(balance_date) as last_date,
        {{ dbt.datediff('min(balance_date)', 'max(balance_date)', 'day') }} + 1 as days_spanned  -- noqa: LT05
    from {{ ref('int_account_balances_daily') }}
    group by journal_id, account_id, currency
)

select
    journal_id,
    account_id,
    currency,
    day_rows,
    first_date,
    last_date,
    days_spanned
from per_account
where day_rows <> days_spanned
