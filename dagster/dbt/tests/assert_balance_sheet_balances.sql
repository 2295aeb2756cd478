-- The balance sheet balances, per currency: assets = liabilities + equity + current earnings
-- (revenue - cost of revenue - expenses not yet closed), from the section totals of
-- fct_balance_sheet. A currency whose accounts sit only off the balance sheet (BTC collateral)
-- has no rows and nothing to check.
with

totals as (
    select
        currency,
        sum(case when statement_section = 'asset' then balance else 0 end) as assets,
        sum(case when statement_section = 'liability' then balance else 0 end) as liabilities,
        sum(case when statement_section = 'equity' then balance else 0 end) as equity_and_earnings
    from {{ ref('fct_balance_sheet') }}
    where is_section_total
    group by currency
)

select
    currency,
    assets,
    liabilities,
    equity_and_earnings,
    assets - liabilities - equity_and_earnings as difference
from totals
where assets != liabilities + equity_and_earnings
