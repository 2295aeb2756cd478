-- Current state of every credit facility, terms flattened, money in USD / BTC.
with

facilities as (
    {{ lana_dw.lana_rollup_latest('core_credit_facility_events_rollup', [
        'public_id', 'customer_id', 'customer_type', 'pending_credit_facility_id', 'collateral_id',
        'disbursal_credit_account_id', 'amount', 'collateral', 'price', 'collateralization_state',
        'collateralization_ratio', 'outstanding', 'terms', 'activated_at', 'maturity_date',
        'is_matured', 'is_completed', 'account_ids'
    ], event_times={'matured_at': 'matured', 'completed_at': 'completed'}) }}
)

select
    {{ lana_dw.as_id('facilities.id') }} as facility_id,
    facilities.public_id,
    {{ lana_dw.as_id('facilities.customer_id') }} as customer_id,
    facilities.customer_type,
    {{ lana_dw.as_id('facilities.pending_credit_facility_id') }} as pending_credit_facility_id,
    {{ lana_dw.as_id('facilities.collateral_id') }} as collateral_id,
    {{ lana_dw.as_id('facilities.disbursal_credit_account_id') }} as disbursal_credit_account_id,
    case
        when coalesce(facilities.is_completed, false) then 'COMPLETED'
        when coalesce(facilities.is_matured, false) then 'MATURED'
        else 'ACTIVE'
    end as status,
    facilities.amount as facility_amount_cents,
    {{ lana_dw.cents_to_usd('facilities.amount') }} as facility_amount_usd,
    -- 0 once completed: the completion gives the collateral back (macros/business_rules.sql)
    {{ lana_dw.completed_collateral('facilities.is_completed', 'facilities.collateral') }} as collateral_sats,
    {{ lana_dw.sats_to_btc(
        lana_dw.completed_collateral('facilities.is_completed', 'facilities.collateral')
    ) }} as collateral_btc,
    {{ lana_dw.cents_to_usd('facilities.price') }} as btc_price_usd,
    facilities.collateralization_state,
    -- "Infinite" (no exposure) becomes NULL, {"Finite": n} becomes n
    {{ lana_dw.json_number('facilities.collateralization_ratio', 'Finite') }} as collateralization_ratio,
    {{ lana_dw.cents_to_usd(lana_dw.json_number('facilities.outstanding', 'disbursed', 'bigint')) }}
        as outstanding_disbursed_usd,
    {{ lana_dw.cents_to_usd(lana_dw.json_number('facilities.outstanding', 'interest', 'bigint')) }}
        as outstanding_interest_usd,
    {{ lana_dw.json_number('facilities.terms', 'annual_rate') }} as annual_rate_pct,
    {{ lana_dw.json_number('facilities.terms', 'one_time_fee_rate') }} as one_time_fee_rate_pct,
    {{ lana_dw.json_number('facilities.terms', 'duration.value', 'bigint') }} as duration_months,
    {{ lana_dw.json_text('facilities.terms', 'accrual_interval.type') }} as accrual_interval,
    {{ lana_dw.json_text('facilities.terms', 'accrual_cycle_interval.type') }} as accrual_cycle_interval,
    {{ lana_dw.json_number('facilities.terms', 'initial_cvl.Finite') }} as initial_cvl_pct,
    {{ lana_dw.json_number('facilities.terms', 'margin_call_cvl.Finite') }} as margin_call_cvl_pct,
    {{ lana_dw.json_number('facilities.terms', 'liquidation_cvl.Finite') }} as liquidation_cvl_pct,
    {{ lana_dw.json_text('facilities.terms', 'disbursal_policy') }} as disbursal_policy,
    -- the facility's ledger accounts (account_ids JSON), one column per role
    {{ lana_dw.json_id('facilities.account_ids', 'facility_account_id') }} as facility_account_id,
    {{ lana_dw.json_id('facilities.account_ids', 'disbursed_receivable_not_yet_due_account_id') }}
        as disbursed_receivable_not_yet_due_account_id,
    {{ lana_dw.json_id('facilities.account_ids', 'disbursed_receivable_due_account_id') }}
        as disbursed_receivable_due_account_id,
    {{ lana_dw.json_id('facilities.account_ids', 'disbursed_receivable_overdue_account_id') }}
        as disbursed_receivable_overdue_account_id,
    {{ lana_dw.json_id('facilities.account_ids', 'disbursed_defaulted_account_id') }} as disbursed_defaulted_account_id,
    {{ lana_dw.json_id('facilities.account_ids', 'interest_receivable_not_yet_due_account_id') }}
        as interest_receivable_not_yet_due_account_id,
    {{ lana_dw.json_id('facilities.account_ids', 'interest_receivable_due_account_id') }}
        as interest_receivable_due_account_id,
    {{ lana_dw.json_id('facilities.account_ids', 'interest_receivable_overdue_account_id') }}
        as interest_receivable_overdue_account_id,
    {{ lana_dw.json_id('facilities.account_ids', 'interest_defaulted_account_id') }} as interest_defaulted_account_id,
    {{ lana_dw.json_id('facilities.account_ids', 'interest_income_account_id') }} as interest_income_account_id,
    {{ lana_dw.json_id('facilities.account_ids', 'fee_income_account_id') }} as fee_income_account_id,
    {{ lana_dw.json_id('facilities.account_ids', 'payment_holding_account_id') }} as payment_holding_account_id,
    {{ lana_dw.json_id('facilities.account_ids', 'uncovered_outstanding_account_id') }}
        as uncovered_outstanding_account_id,
    {{ lana_dw.json_id('facilities.account_ids', 'proceeds_from_liquidation_account_id') }}
        as proceeds_from_liquidation_account_id,
    facilities.activated_at,
    {{ lana_dw.utc_date('facilities.maturity_date') }} as maturity_date,
    coalesce(facilities.is_matured, false) as is_matured,
    coalesce(facilities.is_completed, false) as is_completed,
    facilities.matured_at,
    facilities.completed_at,
    facilities.version,
    facilities.created_at,
    facilities.modified_at,
    facilities._sdc_batched_at as loaded_at
from facilities
