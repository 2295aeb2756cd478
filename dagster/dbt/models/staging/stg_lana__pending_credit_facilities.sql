-- Current state of every pending credit facility: an approved proposal waiting for collateral.
with

pending as (
    {{ lana_dw.lana_rollup_latest('core_pending_credit_facility_events_rollup', [
        'credit_facility_proposal_id', 'customer_id', 'customer_type', 'disbursal_credit_account_id',
        'approval_process_id', 'collateral_id', 'account_ids', 'amount', 'collateral', 'price',
        'collateralization_ratio', 'collateralization_state', 'terms', 'is_completed'
    ], event_times={'completed_at': 'completed'}) }}
)

select
    {{ lana_dw.as_id('pending.id') }} as pending_credit_facility_id,
    {{ lana_dw.as_id('pending.credit_facility_proposal_id') }} as credit_facility_proposal_id,
    {{ lana_dw.as_id('pending.customer_id') }} as customer_id,
    pending.customer_type,
    {{ lana_dw.as_id('pending.disbursal_credit_account_id') }} as disbursal_credit_account_id,
    {{ lana_dw.as_id('pending.approval_process_id') }} as approval_process_id,
    {{ lana_dw.as_id('pending.collateral_id') }} as collateral_id,
    {{ lana_dw.json_id('pending.account_ids', 'facility_account_id') }} as facility_account_id,
    {{ lana_dw.json_id('pending.account_ids', 'collateral_account_id') }} as collateral_account_id,
    case when coalesce(pending.is_completed, false) then 'COMPLETED' else 'PENDING_COLLATERALIZATION' end
        as status,
    pending.amount as amount_cents,
    {{ lana_dw.cents_to_usd('pending.amount') }} as amount_usd,
    pending.collateral as collateral_sats,
    {{ lana_dw.sats_to_btc('pending.collateral') }} as collateral_btc,
    {{ lana_dw.cents_to_usd('pending.price') }} as btc_price_usd,
    pending.collateralization_state,
    -- "Infinite" (no exposure) becomes NULL, {"Finite": n} becomes n
    {{ lana_dw.json_number('pending.collateralization_ratio', 'Finite') }} as collateralization_ratio,
    {{ lana_dw.facility_terms_columns('pending.terms') }},
    coalesce(pending.is_completed, false) as is_completed,
    pending.completed_at,
    pending.version,
    pending.created_at,
    pending.modified_at,
    pending._sdc_batched_at as loaded_at
from pending
