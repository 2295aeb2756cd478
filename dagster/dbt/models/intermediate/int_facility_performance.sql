-- One row per credit facility: what was drawn, billed, paid and is still outstanding.
--   principal outstanding = settled disbursals - principal paid
--   interest outstanding  = interest obligations billed - interest paid
with

disbursals as (
    select
        facility_id,
        count(*) as disbursal_count,
        sum(amount_usd) as disbursed_usd,
        min(effective_date) as first_disbursal_date
    from {{ ref('stg_lana__disbursals') }}
    where is_settled
    group by facility_id
),

obligations as (
    select
        facility_id,
        sum(case when obligation_type = 'Interest' then amount_usd end) as interest_billed_usd,
        sum(case when status = 'OVERDUE' then 1 else 0 end) as overdue_obligation_count,
        sum(case when status = 'DEFAULTED' then 1 else 0 end) as defaulted_obligation_count
    from {{ ref('stg_lana__obligations') }}
    group by facility_id
),

payments as (
    select
        facility_id,
        count(*) as payment_count,
        sum(principal_usd) as principal_paid_usd,
        sum(interest_usd) as interest_paid_usd,
        sum(amount_usd) as paid_usd,
        max(effective_date) as last_payment_date
    from {{ ref('int_payment_splits') }}
    group by facility_id
),

facility_totals as (
    select
        facilities.facility_id,
        facilities.customer_id,
        facilities.status,
        facilities.facility_amount_usd,
        facilities.collateral_btc,
        facilities.btc_price_usd,
        coalesce(disbursals.disbursal_count, 0) as disbursal_count,
        coalesce(disbursals.disbursed_usd, cast(0 as {{ lana_dw.type_usd() }})) as disbursed_usd,
        disbursals.first_disbursal_date,
        coalesce(obligations.interest_billed_usd, cast(0 as {{ lana_dw.type_usd() }})) as interest_billed_usd,
        coalesce(payments.payment_count, 0) as payment_count,
        coalesce(payments.principal_paid_usd, cast(0 as {{ lana_dw.type_usd() }})) as principal_paid_usd,
        coalesce(payments.interest_paid_usd, cast(0 as {{ lana_dw.type_usd() }})) as interest_paid_usd,
        coalesce(payments.paid_usd, cast(0 as {{ lana_dw.type_usd() }})) as paid_usd,
        payments.last_payment_date,
        coalesce(obligations.overdue_obligation_count, 0) as overdue_obligation_count,
        coalesce(obligations.defaulted_obligation_count, 0) as defaulted_obligation_count
    from {{ ref('stg_facilities') }} as facilities
    left join disbursals on facilities.facility_id = disbursals.facility_id
    left join obligations on facilities.facility_id = obligations.facility_id
    left join payments on facilities.facility_id = payments.facility_id
)

select
    facility_id,
    customer_id,
    status,
    facility_amount_usd,
    disbursal_count,
    disbursed_usd,
    facility_amount_usd - disbursed_usd as undrawn_usd,
    first_disbursal_date,
    interest_billed_usd,
    payment_count,
    paid_usd,
    principal_paid_usd,
    interest_paid_usd,
    disbursed_usd - principal_paid_usd as principal_outstanding_usd,
    interest_billed_usd - interest_paid_usd as interest_outstanding_usd,
    last_payment_date,
    overdue_obligation_count,
    defaulted_obligation_count,
    collateral_btc,
    btc_price_usd,
    cast(round(collateral_btc * btc_price_usd, 2) as {{ lana_dw.type_usd() }}) as collateral_value_usd
from facility_totals
