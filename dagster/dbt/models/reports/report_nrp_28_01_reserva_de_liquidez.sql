-- NRP-28 reserva de liquidez: the liquidity reserve the bank must hold as of var `as_of_date`,
-- per regulator deposit category: the balance of the bank's chart nodes mapped to the category
-- (seed nrp_28_deposit_chart_mapping) times the category's coefficient (seed
-- nrp_28_liquidity_coefficients: 0.18 current accounts, 0.16 savings, 0.12 term, 0.10 special).
-- Lana's own model carried the coefficient and never applied it; here it is applied, per row
-- rounded to cents, and the total row adds the rounded rows so the file sums.
with

coefficients as (
    select * from {{ ref('nrp_28_liquidity_coefficients') }}
),

mapping as (
    select * from {{ ref('nrp_28_deposit_chart_mapping') }}
),

balances as (
    select * from {{ ref('int_chart_balances_as_of') }}
),

-- liabilities: credit balance positive (USD; deposits are never held in BTC)
category_balances as (
    select
        mapping.account_code,
        sum(balances.usd_cr_balance - balances.usd_dr_balance) as balance_usd
    from mapping
    inner join balances
        on mapping.chart_code = balances.code
    group by mapping.account_code
),

lines as (
    select
        coefficients.account_code,
        coefficients.account_name,
        coefficients.coefficient,
        coalesce(category_balances.balance_usd, 0) as balance_usd,
        round(coalesce(category_balances.balance_usd, 0) * coefficients.coefficient, 2) as reserve_usd
    from coefficients
    left join category_balances
        on coefficients.account_code = category_balances.account_code
),

report as (
    select
        1 as line_order,
        account_code,
        account_name,
        balance_usd,
        coefficient,
        reserve_usd
    from lines

    union all

    select
        2 as line_order,
        'TOTAL' as account_code,
        'RESERVA TOTAL REQUERIDA' as account_name,
        sum(balance_usd) as balance_usd,
        null as coefficient,
        sum(reserve_usd) as reserve_usd
    from lines
)

select
    account_code as codigo_cuenta,
    account_name as concepto,
    {{ lana_dw.format_decimal('balance_usd', 2) }} as saldo,
    {{ lana_dw.format_decimal('coefficient', 2) }} as coeficiente,
    {{ lana_dw.format_decimal('reserve_usd', 2) }} as reserva_requerida
from report
