-- Every payment on a credit facility (payments have a single event: initialized).
with

payments as (
    {{ lana_dw.lana_rollup_latest('core_payment_events_rollup', [
        'beneficiary_id', 'amount', 'effective', 'ledger_tx_id', 'payment_source_account_id'
    ]) }}
)

select
    {{ lana_dw.as_id('id') }} as payment_id,
    {{ lana_dw.as_id('beneficiary_id') }} as facility_id,
    amount as amount_cents,
    {{ lana_dw.cents_to_usd('amount') }} as amount_usd,
    {{ lana_dw.lana_date('effective') }} as effective_date,
    {{ lana_dw.as_id('ledger_tx_id') }} as ledger_tx_id,
    {{ lana_dw.as_id('payment_source_account_id') }} as payment_source_account_id,
    version,
    created_at,
    modified_at,
    _sdc_batched_at as loaded_at
from payments
