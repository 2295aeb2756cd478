-- A table on every warehouse (not a view on DuckDB / BigQuery like the rest of the layer): the
-- marts (fct_account_balances_daily, fct_balance_sheet, fct_income_statement) and a dozen tests
-- read it, and as a view each of them re-ran the day spine (bench/README.md).
{{ config(materialized='table') }}

-- Balance of every ledger account per currency and day, from the cumulative effective balances:
-- one row per (journal, account, currency) and day from the account's first effective date to
-- the ledger's last one, the balance carried forward on days without entries. Amounts are in
-- major units of `currency`; USD and BTC are never added together.
with

effective as (
    select
        journal_id,
        account_id,
        currency,
        effective_date,
        version,
        settled_dr_balance,
        settled_cr_balance,
        pending_dr_balance,
        pending_cr_balance,
        row_number() over (
            partition by journal_id, account_id, currency, effective_date
            order by version desc
        ) as version_rank
    from {{ ref('stg_lana__cala_cumulative_effective_balances') }}
),

-- the day's balance is its latest version; valid until the next effective date
days_with_entries as (
    select
        journal_id,
        account_id,
        currency,
        effective_date,
        settled_dr_balance,
        settled_cr_balance,
        pending_dr_balance,
        pending_cr_balance,
        lead(effective_date) over (
            partition by journal_id, account_id, currency
            order by effective_date
        ) as next_effective_date
    from effective
    where version_rank = 1
),

bounds as (
    select
        min(effective_date) as first_date,
        max(effective_date) as last_date
    from days_with_entries
),

spine as (
    {{ lana_dw.day_spine('bounds', 'first_date', 'last_date') }}
),

accounts as (
    select
        account_id,
        normal_balance_type
    from {{ ref('stg_lana__cala_accounts') }}
),

daily as (
    select
        spine.spine_date as balance_date,
        day_balances.journal_id,
        day_balances.account_id,
        day_balances.currency,
        day_balances.effective_date as last_effective_date,
        day_balances.settled_dr_balance,
        day_balances.settled_cr_balance,
        day_balances.pending_dr_balance,
        day_balances.pending_cr_balance
    from days_with_entries as day_balances
    inner join spine
        on
            day_balances.effective_date <= spine.spine_date
            and (day_balances.next_effective_date is null or day_balances.next_effective_date > spine.spine_date)
)

select
    daily.balance_date,
    daily.journal_id,
    daily.account_id,
    daily.currency,
    accounts.normal_balance_type,
    daily.balance_date = daily.last_effective_date as has_entries,
    daily.last_effective_date,
    daily.settled_dr_balance,
    daily.settled_cr_balance,
    -- signed by the account's normal balance: credit-normal = cr - dr, else dr - cr
    case
        when lower(accounts.normal_balance_type) = 'credit'
            then daily.settled_cr_balance - daily.settled_dr_balance
        else daily.settled_dr_balance - daily.settled_cr_balance
    end as settled_balance,
    daily.pending_dr_balance,
    daily.pending_cr_balance,
    case
        when lower(accounts.normal_balance_type) = 'credit'
            then daily.pending_cr_balance - daily.pending_dr_balance
        else daily.pending_dr_balance - daily.pending_cr_balance
    end as pending_balance
from daily
left join accounts
    on daily.account_id = accounts.account_id
