-- The loan book per day, from the ledger (int_account_balances_daily, gap-free to the ledger's
-- last day): principal and interest receivable of all facilities (USD; interest includes what
-- has accrued but is not yet due), the BTC held as their collateral, its value at the day's
-- price (int_btc_price_daily) and the book's collateral-to-loan value. For charts over time;
-- per disbursal as of one date, see fct_loan_portfolio.
with

balances as (
    select
        balance_date,
        account_id,
        currency,
        settled_balance
    from {{ ref('int_account_balances_daily') }}
),

receivable_accounts as (
    select
        account_id,
        case when account_role like 'disbursed%' then 'principal' else 'interest' end as kind
    from {{ ref('int_facility_accounts') }}
    where account_role in (
            'disbursed_receivable_not_yet_due_account',
            'disbursed_receivable_due_account',
            'disbursed_receivable_overdue_account',
            'disbursed_defaulted_account',
            'interest_receivable_not_yet_due_account',
            'interest_receivable_due_account',
            'interest_receivable_overdue_account',
            'interest_defaulted_account'
        )
),

collateral_accounts as (
    select distinct collateral_account_id as account_id
    from {{ ref('stg_lana__collaterals') }}
    where collateral_account_id is not null
),

days as (
    select distinct balance_date from balances
),

receivables as (
    select
        balances.balance_date,
        sum(case when receivable_accounts.kind = 'principal' then balances.settled_balance else 0 end)
            as principal_outstanding_usd,
        sum(case when receivable_accounts.kind = 'interest' then balances.settled_balance else 0 end)
            as interest_outstanding_usd
    from balances
    inner join receivable_accounts
        on balances.account_id = receivable_accounts.account_id
    where balances.currency = 'USD'
    group by balances.balance_date
),

collateral as (
    select
        balances.balance_date,
        sum(balances.settled_balance) as collateral_btc
    from balances
    inner join collateral_accounts
        on balances.account_id = collateral_accounts.account_id
    where balances.currency = 'BTC'
    group by balances.balance_date
),

daily as (
    select
        days.balance_date,
        coalesce(receivables.principal_outstanding_usd, 0) as principal_outstanding_usd,
        coalesce(receivables.interest_outstanding_usd, 0) as interest_outstanding_usd,
        coalesce(collateral.collateral_btc, 0) as collateral_btc,
        prices.btc_price_usd,
        prices.price_source
    from days
    left join receivables
        on days.balance_date = receivables.balance_date
    left join collateral
        on days.balance_date = collateral.balance_date
    left join {{ ref('int_btc_price_daily') }} as prices
        on days.balance_date = prices.price_date
),

valued as (
    select
        daily.*,
        daily.principal_outstanding_usd + daily.interest_outstanding_usd as outstanding_usd,
        round(daily.collateral_btc * daily.btc_price_usd, 2) as collateral_usd
    from daily
)

select
    balance_date,
    cast(principal_outstanding_usd as {{ lana_dw.type_usd() }}) as principal_outstanding_usd,
    cast(interest_outstanding_usd as {{ lana_dw.type_usd() }}) as interest_outstanding_usd,
    cast(outstanding_usd as {{ lana_dw.type_usd() }}) as outstanding_usd,
    cast(collateral_btc as {{ lana_dw.type_btc() }}) as collateral_btc,
    cast(btc_price_usd as {{ lana_dw.type_usd() }}) as btc_price_usd,
    cast(price_source as {{ lana_dw.type_string() }}) as price_source,
    cast(collateral_usd as {{ lana_dw.type_usd() }}) as collateral_usd,
    cast(
        round(case when outstanding_usd > 0 then collateral_usd * 100 / outstanding_usd end, 6)
        as {{ lana_dw.type_rate() }}
    ) as cvl_pct
from valued
