-- On the ledger's last day, the daily loan book's collateral equals the collaterals' current
-- amounts, and its principal equals the loan book's (fct_loan_portfolio, as of the same day).
with

days as (
    select * from {{ ref('fct_loan_book_daily') }}
),

last_day as (
    select days.*
    from days
    where days.balance_date = (select max(latest.balance_date) from days as latest)
),

collaterals as (
    select coalesce(sum(collateral_btc), 0) as collateral_btc
    from {{ ref('stg_lana__collaterals') }}
),

portfolio as (
    select
        max(as_of_date) as as_of_date,
        coalesce(sum(principal_outstanding_usd), 0) as principal_outstanding_usd
    from {{ ref('fct_loan_portfolio') }}
)

select
    last_day.balance_date,
    last_day.collateral_btc,
    collaterals.collateral_btc as collaterals_btc,
    last_day.principal_outstanding_usd,
    portfolio.principal_outstanding_usd as portfolio_principal_usd
from last_day
cross join collaterals
cross join portfolio
where
    last_day.collateral_btc <> collaterals.collateral_btc
    or (
        portfolio.as_of_date = last_day.balance_date
        and last_day.principal_outstanding_usd <> portfolio.principal_outstanding_usd
    )
