-- NRSF-03 (deposit insurance) 02 depositos: one row per deposit account opened on or before var
-- `as_of_date`, with its ledger balance as of the date (USD demand deposits: no interest, no
-- term, no minimum). Account number as in Lana's reference: the account UUID upper-cased,
-- dashes removed, first 20 characters (tested unique). Dates YYYYMMDD. Lana reported these USD
-- accounts in BTC, their balance as restricted funds, a facility's end date as maturity and
-- its collateral as minimum amount: none of that is repeated here. Codes the bank has no table
-- for are NULL.
{%- set q = adapter.quote %}
{%- set null_string = 'cast(null as ' ~ lana_dw.type_string() ~ ')' %}
{%- set zero = lana_dw.format_decimal('0', 2) %}
with

accounts as (
    select * from {{ ref('int_deposit_account_balances_as_of') }}
)

select
    'BTCL' as {{ q('Código del Producto') }},
    {{ null_string }} as {{ q('Agencia') }},
    {{ null_string }} as {{ q('Tipo de Periodicidad') }},
    {{ zero }} as {{ q('Tasa vigente') }},
    {{ zero }} as {{ q('Tasa inicial') }},
    {{ null_string }} as {{ q('Fecha inicial de tasa') }},
    {{ null_string }} as {{ q('Fecha fin de tasa') }},
    {{ null_string }} as {{ q('Tipo de tasa') }},
    {{ null_string }} as {{ q('Forma de pago de interés') }},
    {{ zero }} as {{ q('Tasa de referencia') }},
    {{ zero }} as {{ q('Porcentaje a pagar por intereses') }},
    {{ zero }} as {{ q('Porcentaje de comisión') }},
    {{ null_string }} as {{ q('Tipo de titularidad') }},
    '1' as {{ q('Número de titulares') }},
    {{ null_string }} as {{ q('Plazo de la Cuenta') }},
    {{ null_string }} as {{ q('Condiciones especiales') }},
    {{ null_string }} as {{ q('Explicación de condiciones especiales') }},
    {{ lana_dw.format_date('opened_date', 'YYYYMMDD') }} as {{ q('Fecha de apertura') }},
    {{ null_string }} as {{ q('Fecha de vencimiento') }},
    {{ zero }} as {{ q('Monto mínimo') }},
    case when status = 'frozen' then '2103' else '21010101' end as {{ q('Código de la cuenta contable') }},
    {{ zero }} as {{ q('Fondos en compensación') }},
    {{ lana_dw.format_decimal('frozen_balance_usd', 2) }} as {{ q('Fondos restringidos') }},
    {{ null_string }} as {{ q('Transacciones pendientes') }},
    {{ null_string }} as {{ q('Negociabilidad del depósito') }},
    'USD' as {{ q('Moneda') }},
    {{ lana_dw.format_decimal('balance_usd', 2) }} as {{ q('Saldo del depósito en la moneda original') }},
    {{ lana_dw.format_date('last_transaction_date', 'YYYYMMDD') }} as {{ q('Fecha de la última transacción') }},
    {{ zero }} as {{ q('Saldo de intereses') }},
    {{ lana_dw.format_decimal('balance_usd', 2) }} as {{ q('Saldo total') }},
    {{ null_string }} as {{ q('Estado') }},
    substr(replace(upper(cast(deposit_account_id as {{ lana_dw.type_string() }})), '-', ''), 1, 20)
        as {{ q('Número de cuenta') }},
    {{ lana_dw.format_date(dbt.last_day('as_of_date', 'month'), 'YYYYMMDD') }} as {{ q('Día de corte') }},
    {{ lana_dw.format_decimal('balance_usd', 2) }} as {{ q('Saldo de capital') }}
from accounts
