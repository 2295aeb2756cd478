-- NRP-92 referencia_garantia (ssf_ctri_referencia_garantia.xsd): the guarantee behind each
-- reference of report_nrp_92_02_referencia: the facility's BTC collateral (pledge on crypto
-- assets, PC), identified by the facility's public id, valued at its share of the collateral
-- allocated to this disbursal (int_loan_portfolio: pro rata to principal outstanding) at the
-- as-of price.
select
    cast(disbursal_public_id as {{ lana_dw.type_string() }}) as num_referencia,
    '01' as cod_cartera,
    'PD' as cod_activo,
    cast(facility_public_id as {{ lana_dw.type_string() }}) as identificacion_garantia,
    'PC' as tipo_garantia,
    {{ lana_dw.format_decimal('coalesce(collateral_usd, 0)', 2) }} as valor_garantia_proporcional
from {{ ref('int_credit_risk_references') }}
