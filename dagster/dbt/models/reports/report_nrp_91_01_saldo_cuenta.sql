-- NRP-91 saldo_cuenta (ssf_cebi_saldo_cuenta.xsd): one row per chart-of-accounts node with its
-- balance as of var `as_of_date`. Code without dots; name upper-cased, never mangled (the XML
-- writer escapes &, <, >); valor signed the way the SSF validator reads it: debit balances
-- positive, credit balances negative (validator errors 7 and 8). BTC balances (collateral
-- memorandum accounts) are valued in USD at the BTC price of the as-of date.
with

balances as (
    select * from {{ ref('int_chart_balances_as_of') }}
),

-- the BTC price of the as-of date: the latest day on or before it
latest_price_day as (
    select max(price_date) as price_date
    from {{ ref('int_btc_price_daily') }}
    where price_date <= {{ lana_dw.as_of_date() }}
),

price as (
    select prices.btc_price_usd
    from {{ ref('int_btc_price_daily') }} as prices
    inner join latest_price_day
        on prices.price_date = latest_price_day.price_date
),

valued as (
    select
        balances.code,
        balances.node_name,
        (balances.usd_dr_balance - balances.usd_cr_balance)
        + case
            when balances.btc_dr_balance = balances.btc_cr_balance then 0
            else (balances.btc_dr_balance - balances.btc_cr_balance) * price.btc_price_usd
        end as balance_usd
    from balances
    left join price on 1 = 1
)

select
    replace(code, '.', '') as id_codigo_cuenta,
    upper({{ lana_dw.report_text('node_name') }}) as nom_cuenta,
    {{ lana_dw.format_decimal('balance_usd', 2) }} as valor
from valued
