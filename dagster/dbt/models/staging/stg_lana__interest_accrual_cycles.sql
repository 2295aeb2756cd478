-- Current state of every interest accrual cycle (one per facility and month).
with

cycles as (
    {{ lana_dw.lana_rollup_latest('core_interest_accrual_cycle_events_rollup', [
        'facility_id', 'idx', 'period', 'facility_maturity_date', 'account_ids', 'terms', 'amount',
        'total', 'accrued_at', 'effective', 'obligation_id', 'tx_ref', 'is_interest_accruals_posted'
    ], event_times={'posted_at': 'interest_accruals_posted'}) }}
)

select
    {{ lana_dw.as_id('cycles.id') }} as interest_accrual_cycle_id,
    {{ lana_dw.as_id('cycles.facility_id') }} as facility_id,
    cycles.idx as cycle_index,
    cast({{ lana_dw.json_text('cycles.period', 'start') }} as {{ lana_dw.type_timestamptz() }}) as period_start_at,
    cast({{ lana_dw.json_text('cycles.period', 'end') }} as {{ lana_dw.type_timestamptz() }}) as period_end_at,
    {{ lana_dw.lana_date('cycles.facility_maturity_date') }} as facility_maturity_date,
    {{ lana_dw.json_id('cycles.account_ids', 'receivable_not_yet_due_account_id') }}
        as interest_receivable_not_yet_due_account_id,
    {{ lana_dw.json_id('cycles.account_ids', 'interest_income_account_id') }} as interest_income_account_id,
    {{ lana_dw.json_number('cycles.terms', 'annual_rate') }} as annual_rate_pct,
    -- the latest daily accrual, and the cycle's running total
    cycles.amount as last_accrual_cents,
    {{ lana_dw.cents_to_usd('cycles.amount') }} as last_accrual_usd,
    coalesce(cycles.total, 0) as accrued_cents,
    {{ lana_dw.cents_to_usd('coalesce(cycles.total, 0)') }} as accrued_usd,
    cycles.accrued_at as last_accrued_at,
    {{ lana_dw.lana_date('cycles.effective') }} as last_effective_date,
    {{ lana_dw.as_id('cycles.obligation_id') }} as obligation_id,
    cycles.tx_ref,
    coalesce(cycles.is_interest_accruals_posted, false) as is_posted,
    cycles.posted_at,
    cycles.version,
    cycles.created_at,
    cycles.modified_at,
    cycles._sdc_batched_at as loaded_at
from cycles
