-- One row per credit facility: terms, state, its proposal, collateral and performance
-- (int_facilities: facility + pending facility + proposal, latest versions, one row each).
select
    cast(facilities.facility_id as {{ lana_dw.type_id() }}) as facility_id,
    facilities.public_id,
    cast(facilities.customer_id as {{ lana_dw.type_id() }}) as customer_id,
    facilities.status,
    facilities.collateralization_state,
    cast(facilities.facility_amount_usd as {{ lana_dw.type_usd() }}) as facility_amount_usd,
    cast(facilities.annual_rate_pct as {{ lana_dw.type_rate() }}) as annual_rate_pct,
    cast(facilities.one_time_fee_rate_pct as {{ lana_dw.type_rate() }}) as one_time_fee_rate_pct,
    cast(facilities.duration_months as {{ lana_dw.type_bigint() }}) as duration_months,
    facilities.accrual_cycle_interval,
    cast(facilities.credit_facility_proposal_id as {{ lana_dw.type_id() }}) as credit_facility_proposal_id,
    facilities.proposed_at,
    facilities.approval_concluded_at,
    facilities.activated_at,
    facilities.maturity_date,
    facilities.matured_at,
    facilities.completed_at,
    cast(performance.disbursal_count as {{ lana_dw.type_bigint() }}) as disbursal_count,
    cast(performance.disbursed_usd as {{ lana_dw.type_usd() }}) as disbursed_usd,
    cast(performance.undrawn_usd as {{ lana_dw.type_usd() }}) as undrawn_usd,
    cast(performance.interest_billed_usd as {{ lana_dw.type_usd() }}) as interest_billed_usd,
    cast(performance.payment_count as {{ lana_dw.type_bigint() }}) as payment_count,
    cast(performance.principal_paid_usd as {{ lana_dw.type_usd() }}) as principal_paid_usd,
    cast(performance.interest_paid_usd as {{ lana_dw.type_usd() }}) as interest_paid_usd,
    cast(performance.principal_outstanding_usd as {{ lana_dw.type_usd() }}) as principal_outstanding_usd,
    cast(performance.interest_outstanding_usd as {{ lana_dw.type_usd() }}) as interest_outstanding_usd,
    performance.last_payment_date,
    cast(performance.overdue_obligation_count as {{ lana_dw.type_bigint() }}) as overdue_obligation_count,
    cast(performance.defaulted_obligation_count as {{ lana_dw.type_bigint() }}) as defaulted_obligation_count,
    cast(facilities.collateral_btc as {{ lana_dw.type_btc() }}) as collateral_btc,
    cast(facilities.btc_price_usd as {{ lana_dw.type_usd() }}) as btc_price_usd,
    cast(performance.collateral_value_usd as {{ lana_dw.type_usd() }}) as collateral_value_usd
from {{ ref('int_facilities') }} as facilities
inner join {{ ref('int_facility_performance') }} as performance
    on facilities.facility_id = performance.facility_id
