-- Every allocation of a payment to one obligation (single event: initialized).
with

allocations as (
    {{ lana_dw.lana_rollup_latest('core_payment_allocation_events_rollup', [
        'payment_id', 'obligation_id', 'beneficiary_id', 'obligation_type',
        'payment_allocation_idx', 'amount', 'effective', 'ledger_tx_id'
    ]) }}
)

select
    {{ lana_dw.as_id('id') }} as payment_allocation_id,
    {{ lana_dw.as_id('payment_id') }} as payment_id,
    {{ lana_dw.as_id('obligation_id') }} as obligation_id,
    {{ lana_dw.as_id('beneficiary_id') }} as facility_id,
    obligation_type,
    payment_allocation_idx,
    amount as amount_cents,
    {{ lana_dw.cents_to_usd('amount') }} as amount_usd,
    {{ lana_dw.lana_date('effective') }} as effective_date,
    {{ lana_dw.as_id('ledger_tx_id') }} as ledger_tx_id,
    version,
    created_at,
    modified_at,
    _sdc_batched_at as loaded_at
from allocations
