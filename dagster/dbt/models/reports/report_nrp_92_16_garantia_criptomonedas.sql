-- NRP-92 garantia_criptomonedas (ssf_ctri_garantia_criptomonedas.xsd): the BTC pledged behind
-- each reference (the disbursal's share of its facility's collateral, int_loan_portfolio),
-- its contractual value (at the BTC price of the disbursal date), its market value (at the
-- price of the as-of date), and the amount it guarantees (market value, at most the balance).
with

loans as (
    select * from {{ ref('int_credit_risk_references') }}
),

prices as (
    select
        price_date,
        btc_price_usd
    from {{ ref('int_btc_price_daily') }}
),

-- the price of the disbursal date: the latest day on or before it
disbursal_prices as (
    select
        loans.disbursal_id,
        max(prices.price_date) as price_date
    from loans
    inner join prices
        on loans.disbursal_date >= prices.price_date
    group by loans.disbursal_id
)

select
    cast(loans.disbursal_public_id as {{ lana_dw.type_string() }}) as num_referencia,
    '01' as cod_cartera,
    'PD' as cod_activo,
    cast(loans.facility_public_id as {{ lana_dw.type_string() }}) as identificacion_garantia,
    {{ lana_dw.format_decimal('loans.collateral_btc', 8) }} as num_criptomonedas,
    {{ lana_dw.format_decimal('loans.collateral_btc * contract_price.btc_price_usd', 2) }} as valor_contractual,
    {{ lana_dw.format_decimal('loans.collateral_usd', 2) }} as valor_mercado,
    {{ lana_dw.format_date('loans.price_date') }} as fecha_valuacion_mercado,
    cast(null as {{ lana_dw.type_string() }}) as hora_valuacion_mercado,
    {{ lana_dw.format_decimal('loans.btc_price_usd', 2) }} as tasas_conversion,
    {{ lana_dw.format_decimal(
        'least(loans.collateral_usd, loans.balance_usd)', 2
    ) }} as monto_garantizado,
    {{ lana_dw.format_date('loans.disbursal_date') }} as fecha_otorgamiento
from loans
left join disbursal_prices
    on loans.disbursal_id = disbursal_prices.disbursal_id
left join prices as contract_price
    on disbursal_prices.price_date = contract_price.price_date
